"""Versions of a report: a newer CQC assessment of the same authority and quality statement supersedes the
older one. The older stays in the corpus and the index, marked superseded: left out of answers unless a
question asks about the past, and shown as the earlier score in the scores view.

Newer means a later publication date where both reports have one, otherwise the one indexed later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .metadata import CQC_ASSESSMENT


def version_key(md: Mapping[str, Any]) -> tuple[str, str] | None:
    """Reports that are versions of each other share this key: authority and quality statement (or
    "summary" for a report scoring several statements). `md`: a report's metadata as a dict."""
    authority = md.get("authority")
    if md.get("kind") != CQC_ASSESSMENT or not authority:
        return None
    statements = {s.get("statement") for s in md.get("scores") or ()}
    if len(statements) > 1:
        return authority.lower(), "summary"
    statement = md.get("quality_statement") or next(iter(statements), None)
    return (authority.lower(), statement) if statement else None


def supersessions(metas: Mapping[str, Mapping[str, Any]], first_seen: Mapping[str, str]) -> dict[str, str]:
    """{older doc: the doc that supersedes it} over all reports (metadata as dicts)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for doc, md in metas.items():
        key = version_key(md)
        if key:
            groups.setdefault(key, []).append(doc)
    out = {}
    for docs in groups.values():
        if len(docs) < 2:
            continue

        # publication dates when every version has one; otherwise when each was first indexed
        dated = all(metas[d].get("published") for d in docs)
        ordered = sorted(docs, key=lambda d: ((metas[d].get("published") or "") if dated else first_seen.get(d, ""),
                                              d))
        newest = ordered[-1]
        for doc in ordered[:-1]:
            out[doc] = newest
    return out
