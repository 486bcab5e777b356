"""Answers made only of verbatim quotes, each with a numbered citation, or a plain "the reports don't say".

    >>> answerer = Answerer(load(settings), embedder, settings)
    >>> a = answerer.ask("Which organisation is support for unpaid carers commissioned from?")
    >>> a.citations[0].quote
    'Make sure carers, ... Support for unpaid carers commissioned from Derbyshire Carers Association (DCA) ...'

How an answer is made:
1. The question is read (`question.understand`): authorities named or pointed at by score, a score
   question, a comparison, the kind of fact expected.
2. Score questions are answered from the metadata, quoting each report's "Score: N" line and descriptor.
3. Otherwise the question is encoded once; hybrid retrieval gives candidate chunks; every quotable unit
   in them (a sentence of prose, or a whole table row or score) is scored against the question with
   vectors and stemmed words computed at index time; the best unit is quoted, with its neighbouring
   sentences when they score nearly as well. A comparison does this once per authority.
4. The reports don't answer when the best unit is too far from the question (a cosine threshold
   calibrated on the dev set) or lacks the kind of fact asked for (no name, date or number): the answer
   says so and lists the closest passages as closest matches.
5. Every quote is checked against the report text at its offsets before it is returned; a quote that
   fails is dropped, never shown.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import logging
import math
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .authorities import STATES_FIGURE, core_name, flat, quoted_phrases
from .chunk import Chunk, segments
from .corpus import decode_text, text_path
from .cqc import (
    AREAS_ASKED,
    DESCRIPTOR_LINE,
    FRAMEWORK_SECTIONS,
    PERCENT_ASKED,
    POINTS_ASKED,
    QUALITY_STATEMENTS,
    SCALE_WORDS,
    SCORE_DESCRIPTORS,
    about_providers,
    statements_in,
)
from .embed import Embedder
from .extract import page_of
from .fuzzy import close
from .intents import COMPARE, HELD, LIST, MEANING, OVERALL, PASSAGES, PUBLISHED, SCORE_INTENTS, Neighbours
from .intents import SCORE as SCORE_ASKED
from .lexical import tokenize
from .metadata import CQC_ASSESSMENT
from .parse import BULLET, ROW, SCORE
from .question import (
    DATE,
    POINTS,
    RATING,
    WHO_IS,
    Catalog,
    Part,
    Understanding,
    has_expected,
    holding_subject,
    resolve_followup,
    understand,
)
from .retrieve import Filters, Hit, Retriever, clean_query
from .settings import Settings
from .store import Index, text_key

log = logging.getLogger(__name__)

ANSWER, PASSAGE, CLOSEST = "answer", "passage", "closest"


@dataclass(frozen=True)
class Citation:
    n: int  # the number shown in the answer: [n]
    doc: str  # the report's file name in corpus/
    title: str | None
    authority: str | None
    section: str
    line_start: int
    line_end: int
    start: int  # character offsets into the report's decoded text: quote == text[start:end]
    end: int
    quote: str
    score: float  # cosine similarity of the question and the quoted text (index-time vectors)
    role: str  # "answer": quoted in the answer; "passage": a further relevant passage; "closest": the
    # nearest passage when the reports don't answer
    page_start: int | None = None  # PDF pages of the quote; None for reports without pages
    page_end: int | None = None
    report_hash: str = ""  # the quoted version of the report (`store.text_key`): a permalink opens that version

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    kind: str  # "quotes" | "score" | "comparison" | "abstained"
    notices: tuple[str, ...] = ()  # things the user should know (quotes dropped, stale index)
    version: str = ""  # the index generation every quote of this answer comes from

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `ask --json`: answer, abstained, citations in rank order."""
        return {"answer": self.text, "abstained": self.abstained,
                "citations": [c.to_dict() for c in self.citations], "kind": self.kind,
                "notices": list(self.notices), "index_version": self.version}


@dataclass
class _Unit:
    row: int  # position in index.units
    chunk: int
    start: int
    end: int
    cos: float
    score: float


@dataclass
class _Quote:
    """A passage to quote: the chunk it comes from and its segments (usually one)."""

    chunk: int
    start: int
    end: int
    cos: float
    whole_chunk: bool = False  # a row or score quoted whole (rendered cell by cell)
    segs: list[tuple[int, int]] = field(default_factory=list)
    rows: tuple[int, int] = (-1, -1)  # the first and last quotable unit quoted


class SourceTexts:
    """The reports as they are on disk now, to check quotes against: a report edited since indexing no
    longer matches its offsets, and its quotes must not be shown. Cached by modification time and size."""

    def __init__(self, index: Index, corpus_dir):
        self.index = index
        self.corpus_dir = corpus_dir
        self._cache: dict[str, tuple[tuple[int, int], str | None]] = {}
        self._lock = threading.Lock()

    def text(self, doc: str) -> str | None:
        path = self.corpus_dir / doc
        if self.index.manifest.reports.get(doc) and self.index.manifest.reports[doc].format not in ("text", ""):
            path = text_path(self.corpus_dir, doc)  # a PDF, HTML or Word report: its stored extracted text
        try:
            st = path.stat()
        except OSError:
            return self.index.texts.get(doc)  # removed by hand: the indexed copy is what was cited
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(doc)
            if cached and cached[0] == key:
                return cached[1]
        try:
            text: str | None = decode_text(path.read_bytes())
        except (OSError, UnicodeDecodeError):
            text = None
        with self._lock:
            self._cache[doc] = (key, text)
        return text

    def matches(self, doc: str, start: int, end: int, quote: str) -> bool:
        text = self.text(doc)
        return bool(quote) and text is not None and text[start:end] == quote


class Answerer:
    """Answers questions over a loaded index. Thread-safe for concurrent `ask` calls."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings, previous: Answerer | None = None):
        """`previous`: the answerer of the index this one was built from (the app's, at a swap): what is
        derived from the reports' metadata is then updated for the reports that changed, not remade."""
        self.index = index
        self.embedder = embedder
        self.settings = settings
        reports = index.manifest.reports
        touched = index.manifest.touched
        if previous is not None and touched is not None and index.manifest.parent == previous.index.manifest.generation:
            before = {d: previous._reports[d] for d in touched if d in previous._reports}
            after = {d: reports[d].metadata for d in touched if d in reports}
            self._reports = dict(previous._reports)
            for d in before:
                del self._reports[d]
            self._reports.update(after)
            self.catalog = previous.catalog.updated(before, after)
            self.retriever = Retriever(index, embedder, settings, previous=(previous.retriever, before, after))
        else:
            self._reports = {doc: e.metadata for doc, e in reports.items()}
            self.catalog = Catalog.of(self._reports)
            self.retriever = Retriever(index, embedder, settings)
        self.sources = SourceTexts(index, settings.corpus_dir)
        self._notices: list[str] = []
        self._breaks: dict[str, int] = {}  # report -> line breaks between its paragraphs
        self._neighbours: Neighbours | None = previous._neighbours if previous is not None else None

    @property
    def common_words(self) -> frozenset[str]:
        """Words the reports use in lower case (to tell a person's name from ordinary words)."""
        return self.index.common_words()

    # ----------------------------------------------------------------------------------------- entry

    @property
    def neighbours(self) -> Neighbours:
        """The intent rules' labelled examples, embedded on first need."""
        if self._neighbours is None:
            self._neighbours = Neighbours(lambda texts: self.embedder.embed_documents(texts))
        return self._neighbours

    @functools.cached_property
    def dictionary(self) -> frozenset[str]:
        """Real words (the model's vocabulary, when it has one): not misspellings of the reports' words."""
        words = getattr(self.embedder, "words", None)
        return words() if words else frozenset()

    def understand(self, question: str, vectors: _Vectors | None = None) -> Understanding:
        """Read a question against this index (see `question.understand`)."""
        vectors = vectors or _Vectors(self.embedder)
        return understand(question, self.catalog, self.common_words, search=self._authorities_stating,
                          neighbours=self.neighbours, vector=vectors, mentioned=self.index.mentions,
                          dictionary=self.dictionary)

    def follow_up(self, question: str, previous: str | None) -> str:
        """A question asked after `previous` in a conversation, made whole (see `question.resolve_followup`)."""
        return resolve_followup(question, previous, self.catalog, self.common_words)

    def _authorities_stating(self, text: str) -> dict[str, float]:
        """Which authorities' reports state this (for "the council that works with ..."): each authority's
        best passage's fused search score (the best passage names the council a fact describes)."""
        weights: dict[str, float] = {}
        figures = set(_FIGURE.findall(text))  # "went from 392 to 465", "a 22% rise ... since 2011"
        # and names: "whose cabinet member is Councillor John Spence", "with its County Hall in Northallerton"
        names = {w for w in _NAME_WORD.findall(text) if w.lower() not in self.common_words}
        # and words quoted from the report: "whose minutes say the CQC found it 'is cost effective'"
        quoted = set(quoted_phrases(text))
        hits = self.retriever.search(text, top_k=10 if figures or names or quoted else 5)
        for q in quoted:  # the passage holding a quoted phrase, found by the phrase itself
            hits += self.retriever.search(q, top_k=5)
        stems = _Stems(set(tokenize([text])[0]) - _ASKING - _DESCRIBING, self.index.lexical.idf)
        for h in hits:
            a = self._reports.get(h.chunk.doc, {}).get("authority")
            # a passage stating every figure, name and quoted phrase of the description is the one it describes,
            # whatever the wording
            passage = flat(h.chunk.text)
            states = (figures or names or quoted) and figures <= set(_FIGURE.findall(h.chunk.text)) and \
                names <= set(_NAME_WORD.findall(h.chunk.text)) and all(q in passage for q in quoted)
            # and one saying more of its rare words says it ("whose deputy leader called the report a difficult
            # read": "Deputy Leader ... admitted the report was a difficult read")
            share = stems.share(set(tokenize([h.chunk.text])[0]))
            if states and not names and not quoted and all(_YEAR.fullmatch(f) for f in figures):
                # a year alone is said of much ("ceased in 2010"): with the description's words, or not at all
                states = share >= 0.5
            said = self.settings.describe_words * share
            w = h.score + said + (STATES_FIGURE if states else 0.0)
            if a and w > weights.get(a, 0.0):
                weights[a] = w
        return weights

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        q = clean_query(question)
        filters = filters or Filters()
        vectors = _Vectors(self.embedder)
        u = self.understand(q, vectors)
        filed_under: str | None = None
        if u.unknown_authorities and not u.authorities and not filters.authority and not filters.doc:
            names = " or ".join(u.unknown_authorities)
            doc = self._report_naming(u.unknown_authorities) if len(u.unknown_authorities) == 1 else None
            if doc is None:
                return self._abstain(q, None, filters, f"The indexed reports don't cover {names}. "
                                     f"They cover {self._covered()}.")
            # no report is filed under that council, but one names it (its authority went undetected): that
            # report's passages, said plainly
            filters = dataclasses.replace(filters, doc=doc)
            filed_under = f"No indexed report is filed under {names}; this is from {doc}, which names it."
            u = dataclasses.replace(u, unknown_authorities=(), parts=tuple(
                dataclasses.replace(p, intent=PASSAGES, expects=RATING if p.intent != MEANING else None)
                if p.intent in SCORE_INTENTS and not p.statements else p for p in u.parts))
        if u.missing_document and not filters.doc and not self._mentions(u.authorities, u.missing_document):
            who = " and ".join(u.authorities)
            return self._abstain(q, None, filters, f"The indexed reports don't include a {u.missing_document} for "
                                 f"{who}.")
        passage_parts = [p for p in u.parts if p.intent == PASSAGES]
        # every part's question encoded in one batch (a holdings question about something: its passage's too)
        vectors.many([t for p in u.parts if p in passage_parts or (p.intent == HELD and holding_subject(p.search_text))
                      for t in (p.bare, p.search_text) if t])
        main = passage_parts[0].search_text if passage_parts else u.search_text  # what further passages match
        share = 1.0 if len(passage_parts) <= 1 else max(1 / len(passage_parts), self.settings.part_share)
        budget = int(self.settings.quote_chars * share)
        cites: list[Citation] = []
        blocks: list[str] = []
        hits: list[Hit] = []
        answered = 0
        for part in u.parts:
            if part.intent == PASSAGES:
                ok = False
                if part.bare:
                    # the part's own words first: what it asks of the authority its description found
                    text, ok, found = self._passage_block(dataclasses.replace(part, search_text=part.bare),
                                                          vectors(part.bare), u, filters, cites, budget,
                                                          further=True)
                if not ok:  # the description's words are its topic
                    text, ok, found = self._passage_block(part, vectors(part.search_text), u, filters, cites,
                                                          budget, further=True)
                hits.extend(found)
            else:
                from .scores import held, legend_block, score_block

                text, ok = "", False
                if part.intent == MEANING and u.authorities and \
                        not any(h.md.authority in u.authorities and DESCRIPTOR_LINE.search(self.index.texts[h.doc])
                                for h in held(self, filters)):
                    # "on Sefton's page, what does a 2 stand for?": a report that prints no score's descriptor (no
                    # score line, or a news list "Safeguarding - 2") may print a key to the scores, or say it in its
                    # words
                    text, ok = legend_block(self, part, u, cites)
                    if not ok:
                        # searched with the scale's own words ("evidence shows significant shortfalls") and
                        # answered only by a passage saying them, not by the sentence that names the area
                        scale = SCORE_DESCRIPTORS.get(part.score_value or 0, "")
                        own = dataclasses.replace(part, search_text=f"{part.search_text} {scale}".strip())
                        text, ok, found = self._in_own_words(own, u, filters, cites, vectors, budget,
                                                             accept=SCALE_WORDS.search)
                        hits.extend(found if ok else ())
                if not ok:
                    before_scores = len(cites)
                    text, ok = score_block(self, part, u, filters, cites)
                    listed = {c.doc for c in cites[before_scores:]}
                    if ok and part.intent == HELD and len(listed) == 1 and holding_subject(part.search_text):
                        # "do we hold any minutes about getting ready for the CQC?": the one report held, and
                        # what it says of that
                        said, fine, found = self._passage_block(
                            dataclasses.replace(part, intent=PASSAGES), vectors(part.search_text), u,
                            dataclasses.replace(filters, doc=listed.pop()), cites, budget)
                        if fine and said:
                            text = f"{text}\n{said}"
                            hits.extend(found)
                    said = {self._reports.get(c.doc, {}).get("authority") for c in cites[before_scores:]}
                    missing = tuple(a for a in u.authorities if a not in said)
                    compared = part.intent == COMPARE and len(u.authorities) > 1
                    if ok and missing and part.intent in (SCORE_ASKED, OVERALL, COMPARE) and \
                            (not part.statements or compared):
                        # "how did X and Y each come out?": Y's rating held by no metadata may be told in words
                        one = dataclasses.replace(u, authorities=missing, named=tuple(n for n in u.named
                                                                                      if n in missing))
                        told = self._rating_in_words(part, one, filters, cites, vectors, budget)
                        if told:
                            text = f"{text}\n{told[0]}"
                            hits.extend(told[2])
                        elif compared and part.statements:
                            # "X got a 3 for safe pathways - did Y do better?": Y's score for it is not given, so
                            # the two cannot be compared; X's is the closest the reports come
                            text = f"{text}\nThe indexed reports don't give {' or '.join(missing)} a score for " \
                                   f"{' or '.join(part.statements)}, so they cannot be compared."
                            ok = False
                if not ok and part.intent == PUBLISHED:
                    # no date line of theirs was read as the publication date: a sentence may say it ("The final
                    # report was published on 24 October 2025."), not one dating something else
                    said, ok, found = self._in_own_words(part, u, filters, cites, vectors, budget, expects=DATE,
                                                         accept=_PUBLISHED_WORD.search)
                    if ok:
                        text = said
                        hits.extend(found)
                if not ok and u.authorities and part.intent in (SCORE_ASKED, COMPARE, LIST, OVERALL) and (
                        part.intent in (SCORE_ASKED, OVERALL) and not part.statements or
                        not any(h.md.authority in u.authorities for h in held(self, filters))):
                    # no score line or rating of theirs is held: their minutes or news may tell it in words
                    # ("the lowest rating of one out of four ... for eight of the nine areas")
                    before = list(cites)
                    if part.intent == COMPARE and len(u.authorities) > 1:
                        # "which scored higher, Haringey or Leicestershire?": what each one's reports tell
                        told = self._each_in_words(part, u, filters, cites, vectors, budget)
                    else:
                        told = self._rating_in_words(part, u, filters, cites, vectors, budget)
                    if told and (part.statements or AREAS_ASKED.search(part.text)) and not any(
                            set(statements_in(c.quote)) & set(part.statements or QUALITY_STATEMENTS)
                            for c in cites if c not in before):
                        # a quality statement's score (or which statements) asked: words that name none (an
                        # overall score) do not answer it
                        cites[:] = before
                        told = None
                    if told:
                        text, ok, found = told
                        hits.extend(found)
            answered += ok
            if text:
                blocks.append(text)
        if not answered:
            if not passage_parts:  # scores the reports do not give: the scores they do give are closest
                cites = [dataclasses.replace(c, role=CLOSEST) for c in cites]
                text = blocks[0] + (" The scores the reports do give are listed as closest matches." if cites else "")
                return self._finish(q, text, True, cites, "abstained")
            return self._abstain(q, vectors(main), filters, blocks[0], hits=hits or None)
        if u.unknown_authorities:
            blocks.insert(0, f"The indexed reports don't cover {' or '.join(u.unknown_authorities)}.")
        if filed_under:
            blocks.insert(0, filed_under)
        if not passage_parts and any(p.rule in _WEAK_RULES for p in u.parts):
            # a score read from weak signs: the passages the question's words find, in case it asked for them
            hits = self.retriever.search(u.search_text, top_k=self.settings.max_citations,
                                         filters=self._scope(u, filters), query_vector=vectors(main))
        if hits:
            self._add_passages(cites, sorted(hits, key=lambda h: -h.score), vectors(main))
        kind = "score" if not passage_parts else "comparison" if self._comparison_groups(u, filters) else "quotes"
        return self._finish(q, "\n".join(blocks), False, cites, kind)

    def _in_own_words(self, part: Part, u: Understanding, filters: Filters, cites: list[Citation],
                      vectors: _Vectors, budget: int, expects: str | None = None,
                      accept: Callable[[str], object] | None = None) -> tuple[str, bool, list[Hit]]:
        """A part asked of the reports' metadata (a score's meaning, a publication date) answered from passages
        instead, expecting `expects` (else what the part expects); `cites` gains their citations only if it is
        answered and `accept` takes one of the new quotes."""
        trial = list(cites)
        own = dataclasses.replace(part, intent=PASSAGES, expects=expects or part.expects)
        text, ok, found = self._passage_block(own, vectors(own.search_text), u, filters, trial, budget)
        ok = ok and (accept is None or any(accept(c.quote) for c in trial if c not in cites))
        if ok:
            cites[:] = trial
        return text, ok, found

    def _report_naming(self, councils: tuple[str, ...]) -> str | None:
        """The one report filed under no authority whose passages name this council, if there is one: a report
        whose council went undetected is still found by the council's name."""
        core = core_name(councils[0])
        hits = self.retriever.search(core, top_k=5)
        docs = {h.chunk.doc for h in hits if not self._reports.get(h.chunk.doc, {}).get("authority")
                and re.search(rf"\b{re.escape(core)}\b", h.chunk.text, re.I)}
        return docs.pop() if len(docs) == 1 else None

    def _rating_in_words(self, part: Part, u: Understanding, filters: Filters, cites: list[Citation],
                         vectors: _Vectors, budget: int, points_first: bool = False
                         ) -> tuple[str, bool, list[Hit]] | None:
        """A score or rating asked of an authority whose reports hold no score line: the passage of theirs that
        tells it in words ("the Local Authority rating had been 'Requires improvement'", "scored 56%"), if one
        does; None (and `cites` untouched) if none does."""
        if PERCENT_ASKED.search(part.text) or POINTS_ASKED.search(part.text):
            kinds = (POINTS,)
        else:  # a rating ("requires improvement"), or for "what was its CQC score?" the points it was given
            kinds = ((POINTS, RATING) if points_first else (RATING, POINTS)) if _SCORE_WORD.search(part.text) \
                else (RATING,)
        for expects in kinds:
            before = len(cites)
            told = self._told(part, u, filters, cites, vectors, budget, expects)
            if not told:
                continue
            # an overall result is a rating and a score: "was a hair's breadth from being rated good" says less
            # than "given an overall score of 62", and a passage telling the other, in the room left, goes with it
            other = POINTS if expects == RATING else RATING
            quoted = cites[before:]
            room = budget - sum(len(c.quote) for c in quoted)
            overall = part.intent == OVERALL or (part.intent == SCORE_ASKED and _OVERALL_WORD.search(part.text))
            if overall and not part.statements and room >= _MIN_ROOM and \
                    not any(has_expected(other, c.quote, self.common_words) for c in quoted):
                more = self._told(part, u, filters, cites, vectors, room, other)
                if more:
                    return f"{told[0]}\n{more[0]}", True, [*told[2], *more[2]]
            return told
        return None

    def _each_in_words(self, part: Part, u: Understanding, filters: Filters, cites: list[Citation],
                       vectors: _Vectors, budget: int) -> tuple[str, bool, list[Hit]] | None:
        """Scores or ratings of several authorities compared, none held as a score line: each one's, told in its
        reports' words (points first: "which scored higher?" is answered by 56 and 53), or that they don't say;
        None if none is told."""
        blocks: list[str] = []
        hits: list[Hit] = []
        for authority in u.authorities:
            one = dataclasses.replace(u, authorities=(authority,), named=(authority,), comparison=False)
            told = self._rating_in_words(part, one, filters, cites, vectors, budget, points_first=True)
            if told:
                blocks.append(f"{authority}:\n{told[0]}")
                hits.extend(told[2])
            else:
                blocks.append(f"{authority}: the indexed reports don't say.")
        if not hits:
            return None
        return "\n".join(blocks), True, hits

    def _told(self, part: Part, u: Understanding, filters: Filters, cites: list[Citation], vectors: _Vectors,
              budget: int, expects: str) -> tuple[str, bool, list[Hit]] | None:
        """`_rating_in_words` for one kind of fact told: a RATING in words or POINTS."""
        asked = dataclasses.replace(part, intent=PASSAGES, expects=expects)
        rating_words = "scored rated rating" + (" percentage points" if expects == POINTS else "")
        kept = [c for c in cites if c.role == ANSWER]
        names = [core_name(a) for a in u.authorities]
        anyone = dataclasses.replace(u, authorities=(), named=(), comparison=False)
        tries = [(asked.search_text, u), (f"{' '.join(names)} {rating_words}", u)]
        if len(u.authorities) == 1 and not filters.authority and not filters.doc:
            # another council's report may say it ("Derbyshire County Council scored 67%" in Leicester's minutes):
            # any report's passage that names them and tells it
            tries.append((f"{names[0]} {rating_words}", anyone))
        meaning = vectors(asked.search_text)  # the later tries change the words searched, not what is meant
        providers = about_providers(part.text)
        # a quality statement's score asked (or which statements): words that name none tell no answer, so the
        # next try may ("a 'good' rating" in a photo's caption, then "a 'good' score of three in five of these
        # areas, including safeguarding")
        statements = set(part.statements or (QUALITY_STATEMENTS if AREAS_ASKED.search(part.text) else ()))
        for words, who in tries:
            trial = list(kept)
            text, ok, found = self._passage_block(dataclasses.replace(asked, search_text=words), meaning, who,
                                                  filters, trial, budget)
            said = trial[len(kept):]
            # (a passage close to the question that tells no rating, quoted as strong, does not answer it here)
            # (nor one telling the ratings of the providers CQC rates, "Working with providers" over "... where
            # provision was rated as ‘Inadequate’", unless those are what is asked)
            if ok and said and any(has_expected(asked, c.quote, self.common_words) and
                                   (providers or not about_providers(c.quote, c.section)) for c in said) and \
                    (who is u or all(_names(c.quote, names[0]) for c in said)) and \
                    (not statements or any(_rates(c.quote, statements) for c in said)):
                cites[:] = trial
                return text, ok, found
        return None

    def _mentions(self, authorities: tuple[str, ...], phrase: str) -> bool:
        """Does a report of one of these authorities speak of `phrase` ("winter plan") near its start? Minutes
        of a meeting on a winter plan hold it though their title does not say so."""
        pattern = re.compile(r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b", re.I)
        if re.search(r"\b(?:cqc|care quality commission)\b.*\bassessment\b", phrase, re.I):
            # news and minutes on a council's CQC assessment hold what it found ("The Care Quality Commission gave
            # Haringey Council a 'requires improvement' verdict"), though not the assessment itself
            pattern = re.compile(rf"{pattern.pattern}|\bCQC\b|\bCare Quality Commission\b", re.I)
        # (or its file's name or source address says so, as an admin named it: "coventry-local-account-2022-23...")
        def named(doc: str, md: dict) -> str:
            return re.sub(r"[-_./]+", " ", f"{doc} {md.get('title') or ''} {md.get('source_url') or ''}")

        return any(pattern.search(self.index.texts[doc][:3000]) or pattern.search(named(doc, md))
                   for doc, md in self._reports.items() if md.get("authority") in authorities)

    def _passage_block(self, part: Part, qvec: np.ndarray, u: Understanding, filters: Filters,
                       cites: list[Citation], budget: int, further: bool = False) -> tuple[str, bool, list[Hit]]:
        """One part answered with passages: quotes and their citations, or what the reports don't give;
        with `further`, more evidence in the room the best quote leaves."""
        groups = self._comparison_groups(u, filters)
        if groups:
            return self._compare(part, qvec, u, filters, groups, cites, budget)
        filters = self._scope(u, filters)
        hits = self.retriever.search(part.search_text, top_k=self.settings.answer_candidates, filters=filters,
                                     query_vector=qvec)
        found = hits
        if u.authorities and not u.named:  # the authority was only described: the best passages of any, too
            found = hits + self.retriever.search(part.search_text, top_k=2, query_vector=qvec)
        taken = [(c.doc, c.start, c.end) for c in cites if c.role == ANSWER]
        quotes = self._select(part.search_text, qvec, hits, part, budget, taken, several=len(u.parts) > 1,
                              further=further)
        if quotes is None:  # what answers this part is already quoted for another
            return "", True, found
        if not quotes:
            return self._decline_text(part, u), False, found
        body = self._render_block(quotes, cites, label=True)
        if not body:
            return ("The passages that answer this no longer match their report; the index needs "
                    "`python -m assistant index`."), False, found
        return body, True, found

    # ----------------------------------------------------------------------------------------- selection

    def _units(self, q: str, qvec: np.ndarray, hits: list[Hit], scores: bool = True) -> tuple[list[_Unit], set[str]]:
        """Every quotable unit of the hits, scored against the question, best first; and the question's stems.
        Score lines only when `scores` (the question talks of scores or ratings)."""
        s = self.settings
        idx = self.index
        words = set(tokenize([_LOCATOR.sub(" ", q)])[0]) - _ASKING
        qstems = _Stems(words - _misspellings(words, self.index.lexical.df), self.index.lexical.idf)
        top = hits[0].score if hits else 1.0
        units: list[_Unit] = []
        for h in hits:
            if h.chunk.kind == SCORE and not scores:
                continue
            ci = h.position
            chunk_part = s.chunk_weight * float(idx.vector(ci) @ qvec) + s.rank_weight * (h.score / top)
            if h.chunk.section and h.chunk.section[-1] in FRAMEWORK_SECTIONS:
                chunk_part -= s.framework_penalty  # CQC's own framework text, the same in every report
            title = _words_of(self._reports.get(h.chunk.doc, {}).get("title") or "")
            for r in idx.units_of(ci):
                _, start, end = idx.unit(r)
                said = idx.texts[h.chunk.doc][start:end]
                if not _says_something(said) or (title and _words_of(said) <= title):
                    continue  # a label, or the report's title again (the answer names the report already)
                cos = float(idx.unit_vector(r) @ qvec)
                overlap = qstems.share(self._words(r, h.chunk, said))
                units.append(_Unit(r, ci, start, end, cos,
                                   s.unit_weight * cos + chunk_part + s.overlap_weight * overlap))
        units.sort(key=lambda x: -x.score)
        return units, qstems

    def _words(self, row: int, chunk: Chunk, said: str) -> frozenset[str]:
        """The stemmed words of a unit (`said`, of `chunk`); an item of a list is also about what its list is headed
        ("Indicators requiring further improvement:" over "· Proportion of adults receiving direct payments ...")."""
        words = self.index.unit_tokens(row)
        if chunk.section and BULLET.match(said):
            words = words | _heading_words(chunk.section[-1])
        return words

    def _select(self, q: str, qvec: np.ndarray, hits: list[Hit], u: Part, budget: int,
                taken: list[tuple[str, int, int]] | None = None, several: bool = False,
                further: bool = False) -> list[_Quote] | None:
        """The evidence that answers the question from these hits: the best unit and the neighbouring sentences
        or lines that carry the asked fact, up to `budget` characters. [] when the reports don't answer it;
        None when what answers it is already quoted (`taken`: (doc, start, end) quoted for another part)."""
        s = self.settings
        # a rating asked in words (no score line of theirs is held): score lines are what did not answer it
        scores = bool(_SCORE_TALK.search(u.text)) and u.expects not in (RATING, POINTS)
        units, qstems = self._units(q, qvec, hits, scores=scores)
        if not units:
            return []
        taken = taken or []

        def is_taken(x: _Unit) -> bool:
            return _quoted(taken, self.index.chunks[x.chunk].doc, x.start, x.end)

        if is_taken(units[0]):
            # another part's quote holds the best evidence: quote what its window adds after (or before) it, or
            # the best evidence of its own if that is nearly as good
            doc = self.index.chunks[units[0].chunk].doc
            through = max(b - a for d, a, b in taken if d == doc and units[0].start < b and a < units[0].end)
            more = self._window(units[0], units, qvec, qstems, budget + through, u)  # through the quote, to what
            rest = self._beyond(more, taken)  # follows it in the same paragraph
            if rest is not None and not self._holds_fact(rest, units[0], qstems, u):
                rest = None
            own = next((x for x in units if not is_taken(x)), None)
            if own is None or own.score < units[0].score - s.extend_within:
                return None if rest is None else [rest]
            if rest is not None:
                # what follows the earlier quote continues it; what comes before must score as well as the own
                text = self.index.texts[doc]
                follows = any(d == doc and b <= rest.start and not text[b:rest.start].strip() for d, a, b in taken)
                scored = {x.row: x.score for x in units}
                if follows or max(scored.get(r, -1e9) for r in range(rest.rows[0], rest.rows[1] + 1)) >= own.score:
                    return [rest]
        units = [x for x in units if not is_taken(x)]
        best = units[0]

        def overlap(x: _Unit) -> float:
            return qstems.share(self._words(x.row, self.index.chunks[x.chunk], self._text(x.chunk, x.start, x.end)))

        # a part of a question of several parts, or a later authority of a comparison, says less on its own ("...,
        # and were annual reviews done on time?"): half its words will do
        enough = s.part_overlap if several or taken else s.abstain_overlap
        # a question most of whose words no report uses ("who won the football in Derby on Saturday?") is off topic
        # at a closeness that, for a question in the reports' own words, is a loose paraphrase
        content = [w for w in qstems if w.isalpha()]
        unheard = sum(self.index.lexical.df(w) == 0 for w in content) * 2 >= len(content) > 0
        below = s.unheard_below if unheard else s.abstain_below
        if (several or taken) and not unheard and \
                len({self._reports.get(h.chunk.doc, {}).get("authority") for h in hits}) == 1:
            # a later part asked of the one authority the question is about ("..., and what was the main thing the
            # CQC said was missing?") says little on its own: its closeness is read against that report's passages
            below = min(below, s.part_below)
        if best.cos < below and overlap(best) < enough:
            # far from the question in meaning: a unit among the best holding most of its words may answer it, or
            # every name it asks about ("when Lorna Campbell called the result a significant achievement, ...")
            names = {m.group(0).lower() for m in _NAME_WORD.finditer(u.search_text)
                     if m.start() > 0 and m.group(0).lower() not in self.common_words}  # (not its first word)

            def named(x: _Unit) -> bool:
                return bool(names) and names <= _words_of(self._text(x.chunk, x.start, x.end))

            def dated(x: _Unit) -> bool:  # "when was the cabinet meeting that ...?": the minutes' date line
                return u.expects == DATE and bool(_MEETING.search(u.text)) and \
                    bool(_DATE_LINE.match(self._text(x.chunk, x.start, x.end)))

            by_reporter = "report" in _asked_deed(u.text)[1:]  # "who wrote that article?": its reporter

            def byline(x: _Unit) -> bool:  # ... named in the piece's byline, wherever its words are
                return by_reporter and bool(_BYLINE.search(self._text(x.chunk, x.start, x.end)))

            wordy = [x for x in units[: s.expect_depth] if overlap(x) >= enough or named(x) or dated(x) or byline(x)]
            if not wordy:
                log.info("declined %r: best cosine %.3f, %.0f%% of its words", q, best.cos, 100 * overlap(best))
                return []
            best = max(wordy, key=overlap)
        quoted = quoted_phrases(u.text)
        if quoted:
            # "what does the 'home from hospital' service provide?": the words it quotes name what it asks about, so
            # a passage among the best that says them is the one that answers it
            def says(x: _Unit) -> bool:
                passage = flat(self._text(x.chunk, x.start, x.end))
                return all(q in passage for q in quoted)

            if not says(best):
                best = next((x for x in units[1: s.expect_depth] if says(x)), best)
        deed = _asked_deed(u.text)
        # "who introduced the plan?": the answer names who did it, in a sentence that says it was done (nearly as
        # good, or saying the deed of the question's thing: "Dawood introduced the report"), in the question's word
        # or else in one naming the same doer ("Report author: ..." for "who wrote it?")
        for done in (deed[:1], deed[1:]):
            if not done or set(deed) & self.index.unit_tokens(best.row):
                break
            # (the doer's own word, "Report author: ...", "reports Grace Howarth", answers wherever it ranks among
            # the best; the question's verb must also share its words or score nearly as well)
            doer = next((x for x in units[1: s.expect_depth] if set(done) & self.index.unit_tokens(x.row)
                         and (done is not deed[:1] or x.score >= best.score - s.extend_within
                              or len(qstems & self.index.unit_tokens(x.row)) >= 2)
                         and has_expected(u, self._text(x.chunk, x.start, x.end), self.common_words)), None)
            if doer is not None:
                best = doer
                break
        role = _asked_role(u.text)
        if role and not role <= self.index.unit_tokens(best.row):
            # "who is the executive member quoted?": the sentence naming the holder of that role
            holder = next((x for x in units[1: s.expect_depth] if role <= self.index.unit_tokens(x.row)
                           and has_expected(u, self._text(x.chunk, x.start, x.end), self.common_words)), None)
            if holder is None and not any(role <= self.index.unit_tokens(x.row) for x in units[: s.expect_depth]):
                # no passage among the best names the role at all ("who is X's director of adult social
                # services?" of a page that never mentions one): nobody to name
                log.info("declined %r: no passage names the role %s", q, sorted(role))
                return []
            best = holder or best
        quote = self._window(best, units, qvec, qstems, budget, u, avoid=taken)
        text = self._text(quote.chunk, quote.start, quote.end)
        if not self._holds_fact(quote, best, qstems, u):
            # the fact asked for is elsewhere: a unit nearly as good that holds it, or, for a strong passage
            # that does not, the passage itself (a type check lowers confidence, it does not overrule it)
            rarest = qstems.rarest
            # (a rating asked of an authority whose reports hold no score line: its passage that tells one)
            # (a rating of the quality statement asked, not any rating: "a 'good' rating" in a photo's caption
            # does not say what safeguarding got)
            alt = next((c for c in units[1: s.expect_depth]
                        if (c.score >= best.score - s.expect_within or rarest in self.index.unit_tokens(c.row)
                            or u.expects in (RATING, POINTS) or self._labels(c, qstems)
                            or (self._next_to(c, quote) and c.score >= best.score - 2 * s.expect_within))
                        and has_expected(u, self._text(c.chunk, c.start, c.end), self.common_words)
                        and (not u.statements or u.expects != RATING
                             or _rates(self._text(c.chunk, c.start, c.end), set(u.statements)))),
                       None)
            if alt is not None:
                quote = self._window(alt, units, qvec, qstems, budget, u, avoid=taken)
                text = self._text(quote.chunk, quote.start, quote.end)
            elif best.cos < s.strong_cos:
                log.info("declined %r: no %s near the best passage (cosine %.3f)", q, u.expects, best.cos)
                return []
        section = " ".join(self.index.chunks[best.chunk].section)
        own = self._text(best.chunk, best.start, best.end) + " " + section  # where the figure is, and its heading
        title = self._reports.get(self.index.chunks[best.chunk].doc, {}).get("title") or ""
        asked = u.plain or u.text  # (not a description's period or group)
        doc_text = self.index.texts[self.index.chunks[best.chunk].doc]
        # a figure for "the year before": this year's, with nothing said of the one before, does not answer it
        earlier = bool(u.expects) and bool(_EARLIER_ASKED.search(asked)) and not _EARLIER_GIVEN.search(text)
        if earlier or _other_period(asked, own if _years(own) else text + " " + section) or \
                (not _years(own) and _other_period(asked, title)) or \
                (not _years(own + " " + text + " " + title) and not _years(asked) & _years(doc_text)
                 and _other_period(asked, " ".join(_SPAN.findall(doc_text[:quote.start])))):
            # or the report's own period: in its title, or (when the report never names the period asked) the
            # span of years named before the passage ("The 2006/7 report for Oxfordshire is attached." then
            # "Oxfordshire is rated a 2 star authority")
            log.info("declined %r: the passage is about another period", q)
            return []
        if u.expects and _other_group(asked, text):
            log.info("declined %r: the passage gives the figure for another group", q)
            return []
        if taken or not further:
            return [quote]
        second = self._second(quote, best, units, qvec, qstems, budget, u)
        return [quote] if second is None else [quote, second]

    def _second(self, quote: _Quote, best: _Unit, units: list[_Unit], qvec: np.ndarray, qstems: _Stems,
                budget: int, part: Part) -> _Quote | None:
        """Further evidence in the room the quote leaves: the best unit of the same report outside it, scoring
        nearly as well as the quote's best, with its own window in what is left of the budget."""
        s = self.settings
        # a question of one part has the room of a longer answer for it (one of several parts shares its room)
        room = (int(budget * s.further_factor) if budget >= s.quote_chars else budget) - (quote.end - quote.start)
        if room < s.second_min_chars:
            return None
        doc = self.index.chunks[quote.chunk].doc
        for x in units[: s.expect_depth]:
            if x.score < best.score - s.second_within:
                return None
            if self.index.chunks[x.chunk].doc != doc or (x.start < quote.end + 1 and quote.start < x.end + 1):
                continue  # another report's passage (a second answer, not more evidence), or the quote again
            more = self._window(x, units, qvec, qstems, room, part, avoid=[(doc, quote.start, quote.end)])
            if more.end - more.start > room:
                continue
            return more
        return None

    def _beyond(self, quote: _Quote, taken: list[tuple[str, int, int]]) -> _Quote | None:
        """The part of a quote that no earlier quote of the same report covers (whole sentences), if any: what
        follows an earlier quote rather than what comes before it."""
        if quote.whole_chunk:
            return None
        doc = self.index.chunks[quote.chunk].doc
        start, end = quote.start, quote.end
        for d, a, b in taken:
            if d != doc or b <= start or a >= end:
                continue
            if a <= start and b >= end:
                return None
            if a <= start:
                start = b
            elif b >= end or end - b < 40:
                end = a
            else:  # the quote runs on both sides of the earlier one: what follows it (a fact follows its lead)
                start = b
        text = self.index.texts[doc]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start < 40:
            return None
        lo, hi = quote.rows
        rows = [r for r in range(lo, hi + 1) if start <= self.index.unit(r)[1] and self.index.unit(r)[2] <= end]
        if not rows:
            return None
        return dataclasses.replace(quote, start=start, end=end, rows=(rows[0], rows[-1]))

    def _holds_fact(self, quote: _Quote, best: _Unit, qstems: _Stems, part: Part) -> bool:
        """Does the quote hold the kind of fact asked for in its best sentence, or in a sentence that shares the
        question's words (a date in a sentence about something else does not answer "when")?"""
        if part.expects is None:
            return True
        lo, hi = quote.rows
        if quote.whole_chunk or lo < 0:
            return has_expected(part, self._text(quote.chunk, quote.start, quote.end), self.common_words)
        rarest = qstems.rarest
        for r in range(lo, hi + 1):
            pos, a, b = self.index.unit(r)
            shared = qstems & self.index.unit_tokens(r)
            # the best sentence, one sharing the question's words, or a later one on the same subject ("The Stepdown
            # service is delivered with Curo. There are six flats. The Stepdown service provides short term (up to
            # 12 weeks) ...")
            if (r == best.row or len(shared) >= 2 or rarest in shared or (r > best.row and shared)) and \
                    has_expected(part, self.index.texts[self.index.chunks[pos].doc][a:b], self.common_words):
                return True
        return False

    def _next_to(self, unit: _Unit, quote: _Quote) -> bool:
        """Is the unit the sentence or line just before or after the quote, in the same report (what the window
        would have joined for the fact it holds, had the budget left room)?"""
        doc = self.index.chunks[quote.chunk].doc
        if self.index.chunks[unit.chunk].doc != doc:
            return False
        text = self.index.texts[doc]
        gap = text[quote.end:unit.start] if unit.start >= quote.end else text[unit.end:quote.start] \
            if unit.end <= quote.start else "x"
        return not gap.strip() and gap.count("\n") <= self._paragraph_break(doc)

    def _paragraph_break(self, doc: str) -> int:
        """How many line breaks part two paragraphs of this report: one blank line (2) as a rule, more in text
        extracted from PDFs and web pages that put two blank lines between every paragraph (its most common
        break). More than that ends a passage."""
        found = self._breaks.get(doc)
        if found is None:
            runs = collections.Counter(m.group(0).count("\n") for m in _BLANK_LINES.finditer(self.index.texts[doc]))
            found = self._breaks[doc] = max(2, runs.most_common(1)[0][0]) if runs else 2
        return found

    def _labels(self, unit: _Unit, qstems: _Stems) -> bool:
        """Is this unit a labelled field whose label names what the question asks about ("Date of decision:
        09/01/2012", "Effective from: 20/01/2012" for "when did the cabinet take the decision?")?"""
        text = self._text(unit.chunk, unit.start, unit.end)
        field = _FIELD.match(text)
        if not field:
            return False
        label = set(tokenize([field.group("label")])[0])
        return bool((qstems & label) - _WHEN_WORDS)

    def _window(self, best: _Unit, units: list[_Unit], qvec: np.ndarray, qstems: _Stems, budget: int,
                part: Part, avoid: list[tuple[str, int, int]] | None = None) -> _Quote:
        """The best unit and its neighbours in the same section, up to `budget` characters: the next or
        previous sentence (or line) joins while it scores within `extend_within` of the best, holds the kind
        of fact asked for when the window does not yet, or adds words of the question the window lacks; the
        next is preferred (a passage's fact usually follows the sentence that introduces it); never into what
        `avoid` holds ((doc, start, end) quoted already). A table row or a score is quoted whole."""
        idx = self.index
        chunk = idx.chunks[best.chunk]
        if chunk.kind in (ROW, SCORE):
            return _Quote(best.chunk, chunk.start, chunk.end, best.cos, whole_chunk=True, rows=(best.row, best.row))
        st = self.settings
        scored = {x.row: x.score for x in units}
        best_overlap = qstems.share(idx.unit_tokens(best.row))
        chunk_part = best.score - st.unit_weight * best.cos - st.overlap_weight * best_overlap
        text = idx.texts[chunk.doc]
        lo = hi = best.row
        start, end = best.start, best.end
        covered = set(qstems & idx.unit_tokens(best.row))
        need = not has_expected(part, text[start:end], self.common_words)
        if _POINTS_BACK.match(text[start:end]) and best.row > 0:  # "This led to ...": what "this" is comes first
            pos, rs, re_ = idx.unit(best.row - 1)
            c = idx.chunks[pos]
            gap = text[re_:start] if re_ <= start else "x"
            if c.doc == chunk.doc and c.section == chunk.section and not gap.strip() and "\n" not in gap \
                    and end - rs <= budget and not _quoted(avoid or [], c.doc, rs, re_):
                lo, start = best.row - 1, rs

        def unit_score(r: int) -> float:
            if r in scored:
                return scored[r]
            ov = qstems.share(idx.unit_tokens(r))
            return st.unit_weight * float(idx.unit_vector(r) @ qvec) + chunk_part + st.overlap_weight * ov

        def neighbour(r: int) -> tuple[int, int, bool] | None:
            """(start, end, across a paragraph break) of unit r when it may join the window."""
            if not 0 <= r < idx.n_units:
                return None
            pos, rs, re_ = idx.unit(r)
            c = idx.chunks[pos]
            if c.doc != chunk.doc or c.kind in (ROW, SCORE) or c.section != chunk.section or not idx.is_live(pos):
                return None
            if _quoted(avoid or [], c.doc, rs, re_):
                return None  # quoted already (for another part, or as the answer's first quote)
            gap = text[min(end, re_):max(start, rs)]
            if gap.strip() or gap.count("\n") > self._paragraph_break(chunk.doc):
                return None
            return rs, re_, "\n" in gap

        def goes_on(rs: int) -> bool:
            """Does the paragraph at rs carry on a speaker's words the window quotes ('... said: “This is a
            significant achievement.”' then '"This welcome recognition comes as ...')?"""
            return text[rs:rs + 1] in "\"“" and bool(_SPEECH.search(text[start:end]))

        def list_item(rs: int, re_: int) -> bool:
            return bool(BULLET.match(text[text.rfind("\n", 0, rs) + 1:re_]))

        # a window that ends by introducing a list ("2 areas were rated good -", "strengths, including:") goes on
        # with its items while they last
        listing = bool(_LEADS_IN.search(text[start:end]))
        # a window ending "James Bullion, CQC's chief inspector, said:" goes on with what was said
        speaking = bool(_SAID.search(text[start:end]))
        # "X needs more work on digital inclusion - what other concerns did it raise?": the passage the question
        # echoes is what it already knows; what follows it is what is asked
        more = bool(_MORE_ASKED.search(part.text))
        while True:
            options = []
            for r, forward in ((hi + 1, True), (lo - 1, False)):
                near = neighbour(r)
                if near is None:
                    continue
                rs, re_, broken = near
                # a window that ends "... said:" or "... including:" says nothing yet: what it introduces may take
                # it to the whole answer's budget, past a part's share
                lead_in = forward and r == hi + 1 and text[start:end].rstrip().endswith(":") and (
                    speaking or listing)
                if max(end, re_) - min(start, rs) > (max(budget, st.quote_chars) if lead_in else budget):
                    continue
                score = unit_score(r)
                within = st.extend_within * (st.paragraph_factor if broken else 1.0)
                words = qstems & idx.unit_tokens(r)
                # the rest of the paragraph after the best sentence is the evidence's continuation ("Despite
                # this, ..."), whatever its own similarity, and so is a next paragraph that points back to the best
                # sentence ("This includes reviewing data, ..."); so are the items of a list it introduces; elsewhere a
                # line must earn its place
                useful = (forward and not broken) \
                    or (r == best.row + 1 and bool(_POINTS_BACK.match(text[rs:re_]))) \
                    or (forward and listing and list_item(rs, re_)) \
                    or (forward and (speaking or goes_on(rs))) \
                    or (forward and more) \
                    or score >= best.score - within \
                    or (need and has_expected(part, text[rs:re_], self.common_words)) \
                    or bool(words - covered) and score >= best.score - 2 * within
                if useful:
                    options.append((score + (st.forward_bonus if forward else 0.0), r, rs, re_, words))
            if not options:
                break
            _, r, rs, re_, found = max(options)
            if r > hi:
                listing = (listing and list_item(rs, re_)) or bool(_LEADS_IN.search(text[rs:re_]))
                speaking = bool(_SAID.search(text[rs:re_]))
            lo, hi = min(lo, r), max(hi, r)
            start, end = min(start, rs), max(end, re_)
            covered |= found
            need = need and not has_expected(part, text[start:end], self.common_words)
        return _Quote(best.chunk, start, end, best.cos, rows=(lo, hi))

    # ----------------------------------------------------------------------------------------- comparison

    def _scope(self, u: Understanding, filters: Filters) -> Filters:
        """The filters a question adds: the authority it means (or the few a description fits), earlier versions
        when it asks about the past."""
        if not filters.authority and not filters.doc and u.authorities:
            # by full name, exactly: "Somerset Council" is not also North Somerset Council
            filters = dataclasses.replace(filters, authorities=u.authorities)
        if u.about_past:
            filters = dataclasses.replace(filters, include_superseded=True)
        return filters

    def _comparison_groups(self, u: Understanding, filters: Filters) -> list[str]:
        """The authorities to quote one by one: those a comparison names, or, when it names none ("how do the
        two councils ..."), the two or three the reports cover."""
        if not u.comparison or filters.authority or filters.doc:
            return []
        if len(u.named) >= 2:
            return list(u.named)
        held = sorted({md["authority"] for md in self._reports.values()
                       if md.get("authority") and (not filters.kind or md.get("kind") == filters.kind)})
        return held if 2 <= len(held) <= 3 and not u.authorities else []

    def _compare(self, part: Part, qvec: np.ndarray, u: Understanding, filters: Filters, groups: list[str],
                 cites: list[Citation], budget: int) -> tuple[str, bool, list[Hit]]:
        blocks: list[str] = []
        all_hits: list[Hit] = []
        answered = 0
        for authority in groups:
            f = Filters(authority=authority, kind=filters.kind, include_superseded=u.about_past)
            hits = self.retriever.search(part.search_text, top_k=self.settings.answer_candidates, filters=f,
                                         query_vector=qvec)
            all_hits.extend(hits[:2])
            taken = [(c.doc, c.start, c.end) for c in cites if c.role == ANSWER]
            quotes = self._select(part.search_text, qvec, hits, part, budget, taken)
            if quotes is None:
                answered += 1
                continue
            if quotes:
                answered += 1
                blocks.append(f"{authority}:\n" + self._render_block(quotes, cites, label=False))
            else:
                blocks.append(f"{authority}: the indexed reports don't say.")
        if not answered:
            return self._decline_text(part, u), False, all_hits
        return "\n".join(blocks), True, all_hits

    # ----------------------------------------------------------------------------------------- citations

    def _text(self, chunk: int, start: int, end: int) -> str:
        return self.index.texts[self.index.chunks[chunk].doc][start:end]

    def citation(self, n: int, chunk: Chunk, start: int, end: int, score: float, role: str) -> Citation:
        return self.cite_span(n, chunk.doc, start, end, " > ".join(chunk.section), score, role)

    def cite_span(self, n: int, doc: str, start: int, end: int, section: str, score: float, role: str) -> Citation:
        md = self.index.metadata(doc)
        text = self.index.texts[doc]
        pages = tuple(self.index.manifest.reports[doc].pages)
        return Citation(n=n, doc=doc, title=md.title, authority=md.authority, section=section,
                        line_start=text.count("\n", 0, start) + 1,
                        line_end=text.count("\n", 0, max(start, end - 1)) + 1, start=start, end=end,
                        quote=text[start:end], score=score, role=role, page_start=page_of(pages, start),
                        page_end=page_of(pages, max(start, end - 1)),
                        report_hash=text_key(self.index.manifest.reports[doc].sha256))

    def _label(self, chunk: Chunk) -> str:
        md = self.index.metadata(chunk.doc)
        where = md.quality_statement if md.kind == CQC_ASSESSMENT and md.quality_statement else (md.title or chunk.doc)
        who = md.authority
        if who and where.lower().startswith(who.lower()):
            if re.match(r"['’]s\b", where[len(who):]):  # "Leeds City Council’s adult social care ...": the title
                who = None  # names its authority in its own words
            else:
                where = where[len(who):].lstrip(" :—-")
        parts = [p for p in (who, where) if p]
        # the section a quote sits under; a top-level one only when it reads as a heading ("Working with people",
        # "Decisions"), not a caption, a link or a lead-in the page parser took for one ("Image caption,", "Minutes
        # pdf icon PDF 176 KB", "Some of the key highlights from the report include")
        sub = chunk.section[-1] if len(chunk.section) > 1 or (chunk.section and _HEADING.match(chunk.section[0])) \
            else None
        if sub and sub != where and not sub.lower().startswith("key findings"):
            parts.append(sub)
        return " — ".join(parts)

    def _verified(self, chunk: Chunk, segs: list[tuple[int, int]], whole: bool) -> bool:
        """Is every piece this quote shows exactly the report's text at its offsets?"""
        text = self.index.texts[chunk.doc]
        pieces = [(s.start, s.end) for s in chunk.spans] if whole else []
        for a, b in [*segs, *pieces]:
            if not self.sources.matches(chunk.doc, a, b, text[a:b]):
                log.error("not showing a quote from %s %d-%d: it does not match the report", chunk.doc, a, b)
                return False
        return True

    def _render_block(self, quotes: list[_Quote], cites: list[Citation], label: bool) -> str:
        """Quotes as answer text with their citation numbers; appends the citations. A quote that does not
        match the report at its offsets is left out."""
        lines: list[str] = []
        last = ""
        for qt in quotes:
            chunk = self.index.chunks[qt.chunk]
            text = self.index.texts[chunk.doc]
            segs = segments(text, chunk.spans) if qt.whole_chunk else [(qt.start, qt.end)]
            if not self._verified(chunk, segs, qt.whole_chunk):
                continue
            numbers = []
            for a, b in segs:
                cites.append(self.citation(len(cites) + 1, chunk, a, b, qt.cos, ANSWER))
                numbers.append(f"[{len(cites)}]")
            if qt.whole_chunk and chunk.kind == ROW and chunk.columns:
                cells = chunk.text.split("\n")
                body = " — ".join(f"{col}: “{cell}”" for col, cell in zip(chunk.columns, cells, strict=False)
                                  if cell)
            elif qt.whole_chunk:
                body = " / ".join(f"“{_flat(text[s.start:s.end])}”" for s in chunk.spans)
            else:
                body = f"“{_flat(text[qt.start:qt.end])}”"
            head = f"{self._label(chunk)}: " if label else ""
            if lines and head and head == last:  # more from the same report: no second label
                lines[-1] += f" … {body} {''.join(numbers)}"
                continue
            last = head
            lines.append(f"{head}{body} {''.join(numbers)}")
        return "\n".join(lines)

    def _add_passages(self, cites: list[Citation], hits: list[Hit], qvec: np.ndarray,
                      role: str = PASSAGE) -> None:
        """Further passages after the quotes, up to `max_citations`, never repeating quoted text."""
        for h in hits:
            if len(cites) >= self.settings.max_citations:
                return
            chunk = h.chunk
            text = self.index.texts[chunk.doc]
            if not _says_something(text[chunk.start:chunk.end]):
                continue
            cos = float(self.index.vector(h.position) @ qvec)
            for a, b in segments(text, chunk.spans):
                if len(cites) >= self.settings.max_citations:
                    return
                if any(c.doc == chunk.doc and c.start < b and a < c.end for c in cites):
                    continue
                cites.append(self.citation(len(cites) + 1, chunk, a, b, cos, role))

    # ----------------------------------------------------------------------------------------- endings

    def _covered(self) -> str:
        names = self.catalog.authorities
        if not names:
            return "nothing yet"
        if len(names) <= 8:
            return ", ".join(names)
        return f"{len(names)} authorities: {', '.join(names[:6])} and {len(names) - 6} more"

    def _decline_text(self, u: Part | Understanding, whole: Understanding | None = None) -> str:
        what = {"name": "the name asked for", "date": "the date asked for", "count": "the number asked for",
                "percent": "the proportion asked for", "duration": "the time asked for",
                "money": "the amount asked for", "change": "how much it changed",
                "frequency": "how often", "role": "the role asked for"}.get(u.expects or "",
                                                                               "an answer to this question")
        who = (whole or u).authorities if isinstance(whole or u, Understanding) else ()
        scope = f" of {' and '.join(who)}" if who else ""
        return f"The indexed reports{scope} don't give {what}."

    def _abstain(self, q: str, qvec: np.ndarray | None, filters: Filters, message: str,
                 hits: list[Hit] | None = None) -> Answer:
        """A plain "the reports don't say", with the closest passages (searched here unless given)."""
        if qvec is None:
            qvec = self.embedder.embed_query(q)
        if hits is None:
            hits = self.retriever.search(q, top_k=self.settings.max_citations, filters=filters, query_vector=qvec)
        cites: list[Citation] = []
        self._add_passages(cites, hits, qvec, role=CLOSEST)
        text = message + (" The closest passages are listed as closest matches, not as an answer."
                          if cites else "")
        return self._finish(q, text, True, cites, "abstained")

    def _finish(self, q: str, text: str, abstained: bool, cites: list[Citation], kind: str) -> Answer:
        """The last check: passages that no longer match the report are dropped (quotes in the answer text
        were checked before they were written), and the rest renumbered in rank order."""
        good = [c for c in cites if c.role == ANSWER or self.sources.matches(c.doc, c.start, c.end, c.quote)]
        notices = []
        if len(good) != len(cites):
            notices.append("Some passages were left out because their report changed since it was indexed; "
                           "run `python -m assistant index`.")
        good = [c if c.n == i else Citation(**{**asdict(c), "n": i}) for i, c in enumerate(good, 1)]
        return Answer(q, text, abstained, tuple(good), kind, tuple(notices), self.index.manifest.generation)


def _flat(s: str) -> str:
    """A quote as one line in answer text: tabs and line breaks shown as spaces."""
    return re.sub(r"\s+", " ", s).strip()


_HEADING = re.compile(r"^(?!.*\b(?:pdf|kb|mb|caption|photo|image|said|include|includes|including)\b)"
                      r"[A-Z][\w’'()&-]*(?: [\w’'()&-]+){0,4}$", re.I)
_MORE_ASKED = re.compile(r"\b(?:what|which|any|anything) (?:other|else|more)\b|\bwhat further\b", re.I)
_OVERALL_WORD = re.compile(r"\boverall\b", re.I)  # "what did X get overall?"
_MIN_ROOM = 120  # characters: less room than this holds no second passage worth quoting


class _Vectors:
    """The question's vectors for one answer: each text encoded once, several in one batch."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}

    def many(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if len(todo) == 1:
            self._cache[todo[0]] = self.embedder.embed_query(todo[0])
        elif todo:
            self._cache.update(zip(todo, self.embedder.embed_documents(todo), strict=True))

    def __call__(self, text: str) -> np.ndarray:
        if text not in self._cache:
            self._cache[text] = self.embedder.embed_query(text)
        return self._cache[text]


# Intent rules that read a score question from weak signs (the nearest examples, a statement and a score's
# words, an authority found by what it does): such answers carry passages too.
_WEAK_RULES = {"neighbours", "authority, statement and a score", "a score, of the authority its words describe"}


def _quoted(spans: list[tuple[str, int, int]], doc: str, start: int, end: int) -> bool:
    """Does text[start:end] of `doc` overlap any of these (doc, start, end) spans quoted already?"""
    return any(d == doc and start < b and a < end for d, a, b in spans)


def _misspellings(words: set[str], df: Callable[[str], int]) -> set[str]:
    """The question's words the reports never use that misspell another of its words or an asking word ("reprot"
    beside the "report" the speller added, "wat"): counted as the word they spell, not as a rare word of their
    own no passage holds."""
    used = {w for w in words if df(w) > 0}
    return {w for w in words - used if not any(c.isdigit() for c in w) and any(close(w, v) for v in used | _ASKING)}


class _Stems(frozenset):
    """The question's stemmed words (asking words left out), each weighted by its rarity in the reports."""

    def __new__(cls, words: set[str], idf: Callable[[str], float]) -> _Stems:
        return super().__new__(cls, words)

    def __init__(self, words: set[str], idf: Callable[[str], float]) -> None:
        self.weights = {w: idf(w) for w in words}
        self.total = math.fsum(self.weights.values())
        # the rarest word naming the subject (a year or figure qualifies it, and is checked on its own)
        self.rarest = max((w for w in words if not any(c.isdigit() for c in w)),
                          key=lambda w: (self.weights[w], w), default=None)  # (ties by the word: any run alike)

    def share(self, tokens: set[str] | frozenset[str]) -> float:
        """The share of the question's words found in `tokens`, rare words counting more."""
        # (an exact sum, the same in whatever order the set gives its words: the same answer in every process)
        return math.fsum(self.weights[w] for w in self & tokens) / self.total if self.total else 0.0


@functools.lru_cache(maxsize=4096)
def _heading_words(heading: str) -> frozenset[str]:
    return frozenset(tokenize([heading])[0])


_AUXILIARY = {"is", "was", "were", "are", "did", "does", "do", "has", "had", "have", "will", "would", "can",
              "could", "should", "else", "also", "exactly", "actually", "really", "then"}


def _names(text: str, name: str) -> bool:
    """Does the text name this council ("Derbyshire"), not another whose name holds it ("North Somerset" is not
    "Somerset")?"""
    for m in re.finditer(rf"\b{re.escape(name)}\b", text):
        before = re.search(r"([A-Za-z]+)([^A-Za-z]*)$", text[:m.start()])
        if not before or not before.group(1)[0].isupper() or before.group(2).strip():
            return True
    return False


_ROLE_NOUN = r"(?:member|director|chair|chairman|chairwoman|leader|head|manager|councillor|officer|mayor|" \
             r"commissioner|executive|lead)"
_ROLE_ASKED = re.compile(WHO_IS + rf"(?P<role>(?:[\w-]+\s+){{0,3}}?{_ROLE_NOUN}(?:\s+{_ROLE_NOUN})*)\b", re.I)


_PUBLISHED_WORD = re.compile(r"\bpublish|\bpublication\b|\breleased?\b", re.I)


def _asked_role(question: str) -> set[str]:
    """The stemmed words of the role a "who is the ...?" question names ("who is the executive member quoted?" ->
    {"execut", "member"}); empty if it names none."""
    m = _ROLE_ASKED.match(question)
    return set(tokenize([m.group("role")])[0]) if m else set()


def _asked_deed(question: str) -> tuple[str, ...]:
    """The stemmed verb a "who ...?" question asks the doer of ("who presented it?" -> "present"), then the words
    that also name its doer ("who wrote it?": "Report author: ...", "written by ...")."""
    m = re.match(r"\s*(?:and\s+|but\s+)?who\s+([a-z]+)\b", question, re.I)
    if not m or m.group(1).lower() in _AUXILIARY:
        return ()
    stems = tokenize([m.group(1)])[0]
    if not stems:
        return ()
    doers = _DOER_WORDS.get(stems[0], frozenset())
    if doers is _WRITER and _NEWS_PIECE.search(question):  # a news article's writer is its reporter
        doers = doers | {"report"}
    return (stems[0], *sorted(doers))


# A rating of every area at once ("good in all areas assessed", "across all nine quality statements"): of each one
_EVERY_AREA = re.compile(r"\b(?:all|every|each of the|each)\s+(?:nine\s+|9\s+)?(?:the\s+)?"
                         r"(?:areas?|quality statements?|categories|domains|themes)\b", re.I)


def _rates(text: str, statements: set[str]) -> bool:
    """Does the text name one of these quality statements, or every area at once?"""
    return bool(set(statements_in(text)) & statements or _EVERY_AREA.search(text))


# The words naming the doer of a deed: who wrote a report is its author; who presented it introduced it
_WRITER = frozenset({"author", "written", "writer", "journalist", "correspond"})  # (stems)
# ... and a news article's writer its byline's reporter ("reports Grace Howarth, Local Democracy Reporter")
_NEWS_PIECE = re.compile(r"\b(?:article|story|news|piece|press release|write-?up)\b", re.I)
# A byline: "reports Nick Clark, Local Democracy Reporter", "By Phil Corrigan - Local Democracy Reporter"
_BYLINE = re.compile(r"\b(?:reports|[Bb]y|[Ww]ritten by)\s+(?:[A-Z][\w'’]+(?:\s+|(?=[,–—-]))){1,3}[,–—-]?\s*"
                     r"(?:[A-Z]\w*\s+){0,4}?"
                     r"(?:Reporter|Correspondent|Journalist|Editor)\b")
_DOER_WORDS = {"wrote": _WRITER, "write": _WRITER,
               # who presented a report at a meeting introduced it, in the minutes' words
               "present": frozenset({"introduc"}), "introduc": frozenset({"present"})}


# Words that only make a description ("the council whose ..."), besides the asking words: not what its report says.
_DESCRIBING = {"council", "authoriti", "borough", "counti", "citi", "district", "unitari", "one"}
# Words of asking, not of the subject: never counted as the question's words found in a passage.
_ASKING = {"what", "which", "who", "whom", "whose", "how", "when", "where", "why", "did", "doe", "do", "is", "are",
           "was", "were", "from", "out", "about", "ani", "there", "thi", "that", "these", "those", "get", "got", "say",
           "said", "tell", "actual", "actually", "realli", "pleas", "kind", "sort", "thing", "happen", "mean", "mani",
           "much", "often", "long", "it", "ha", "has", "have", "had", "els", "anyth"}
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
# a paragraph break: line breaks with nothing but spaces between them
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
# a decision record's or a page's labelled field, alone on its line: "Date of decision: 09/01/2012"
_FIELD = re.compile(r"^\s*(?P<label>[A-Z][\w '’()?-]{2,40}?):[ \t]*\S[^\n]{0,40}$")
_WHEN_WORDS = {"date", "day", "time", "year", "month", "week"}  # shared by every dated field: says nothing
_NAME_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")  # a capitalised word: a name, when the reports never write it lower-case
# Words saying where in the reports to look, not what about: "what's listed under ...", "in the minutes".
_LOCATOR = re.compile(r"\b(?:listed|included|mentioned|recorded|written)\s+(?:under|in)\b|"
                      r"\b(?:in|from) (?:the|its|their|our|this|that) (?:minutes|report|page|press release|document|"
                      r"summary|item)\b", re.I)
_SCORE_TALK = re.compile(r"\b(?:scores?|scored|ratings?|rated|marks?|grades?|graded|verdict|points?|out of)\b", re.I)
_SCORE_WORD = re.compile(r"\b(?:scores?|scored|marks?)\b", re.I)  # a score asked, which may be told in points
# A sentence opening by pointing back at the one before ("This led to ...", "However, ...", "They also ...").
_POINTS_BACK = re.compile(r"\s*(?:This|These|That|Those|It|They|Such|However|Despite this|As a result|Therefore|"
                          r"Consequently|In addition|Also|But)\b")


# A sentence or line that introduces a list: "The Care Quality Commission found that -", "including:"
_LEADS_IN = re.compile(r"(?:[:\-–—]|\bincluding)\s*$")
# A meeting asked after, and a line that is only a date ("Tuesday, 19 February 2008", "15th October, 2025 6.30 pm")
_MEETING = re.compile(r"\b(?:meeting|met|meet|meets|committee|cabinet|panel|scrutiny|board)\b", re.I)
_DATE_LINE = re.compile(r"\s*(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+"
                        r"(?:January|February|March|April|May|June|July|August|September|October|November|December),?"
                        r"\s+\d{4}(?:,?\s*\d{1,2}[.:]\d{2}\s*(?:am|pm)?)?\s*$", re.I)
# A speaker quoted, who may go on; and a window ending with the speaker, before what they said
_SPOKE = r"said|says|added|adds|commented|stated"
_SPEECH = re.compile(rf"\b(?:{_SPOKE})\b")
_SAID = re.compile(rf"\b(?:{_SPOKE}|explained|continued|told [\w ]{{1,40}}?)\s*:\s*$")


def _words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _says_something(text: str) -> bool:
    """Is this passage more than a label ("Purpose:", "Decision Maker:", a table cell "Theme |")?"""
    s = text.strip()
    words = re.findall(r"[A-Za-z0-9£%]+", s)
    if s.endswith((":", "|")) and len(words) <= 8:
        return False
    return len(words) >= 3 or any(ch.isdigit() for ch in s)


_YEAR = re.compile(r"\b(?:19|20)\d\d(?:\s*(?:/|-|–|to)\s*(?:19|20)?\d\d)?\b")
# A numbered part of something: "Theme 2", "round two", "Quarter 1" / "Q1", "phase 3", "tranche one"
_NUMBERED = re.compile(r"\b(theme|round|quarter|phase|tranche|stage|wave|year)\s+(\d|one|two|three|four|five)\b|"
                       r"\b(q)([1-4])\b", re.I)
_NUM = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


# a span of years written as one ("2006/7", "2022-23"): a period a report is about, not a date in it
_SPAN = re.compile(r"\b(?:19|20)\d\d\s*[/–-]\s*(?:(?:19|20)?\d\d|\d)\b")


def _years(text: str) -> set[str]:
    """The periods a text names, normalised: years and year spans ("2022/23", "2022-2023" -> "2022/23"; "2021 to
    2023" -> "2021/23"), and numbered parts ("Quarter 2", "Q2" -> "quarter 2"; "round two" -> "round 2")."""
    out = set()
    for m in _YEAR.finditer(text):
        parts = re.split(r"\s*(?:/|-|–|to)\s*", m.group(0))
        out.add(parts[0] if len(parts) == 1 else f"{parts[0]}/{parts[1][-2:]}")
    for m in _NUMBERED.finditer(text):
        label = (m.group(1) or "quarter").lower()
        n = (m.group(2) or m.group(4)).lower()
        out.add(f"{label} {_NUM.get(n, n)}")
    return out


def _span(period: str) -> tuple[int, int]:
    """A year or span of years as (first year, last year): "2022/23" -> (2022, 2023), "2022" -> (2022, 2022)."""
    if "/" not in period:
        return int(period), int(period)
    start, end = period.split("/")
    return int(start), int(start[:2] + end)


def _within(asked: str, given: str) -> bool:
    """Does a period the reports give cover the one asked about? A span covers the years and spans inside it
    ("2021 to 2023" covers 2022/23); a single year meets a span starting in it ("2023" and "2023/24")."""
    (a1, a2), (g1, g2) = _span(asked), _span(given)
    if g2 - g1 >= 2:  # a span of several years
        return g1 <= a1 and a2 <= g2
    return a1 == g1 or (a1 == a2 and g1 <= a1 <= g2) or (g1 == g2 and a1 <= g1 <= a2)


# Pairs of words for groups or periods that exclude each other: a figure given for one does not answer a
# question about the other ("during the day" / "overnight", "working-age" / "older people", "actual" /
# "estimated", "round two" / "round one").
_CONTRASTS = [
    (r"\bduring the day\b|\bdaytime\b|\bday shifts?\b|\bin the day\b", r"\bovernight\b|\bat night\b|\bnight shifts?\b"),
    (r"\bworking[- ]age\b|\byounger adults\b|\b18[- ](?:to[- ])?64\b", r"\bolder (?:people|adults)\b|\bover[- ]65s?\b"),
    (r"\bactual(?:ly)?\b|\bouttur?n\b", r"\bestimated?\b|\bforecast\b|\bbudgeted\b"),
    (r"\bround (?:two|2)\b|\bsecond round\b", r"\bround (?:one|1)\b|\bfirst round\b"),
    (r"\bweekends?\b", r"\bweekdays?\b|\bmonday to friday\b"),
    (r"\bchildren\b(?!'s)|\bchild\b", r"\badults\b(?! social)(?!')"),
    (r"\bcarers?\b", r"\bpeople who (?:used|use) services\b|\bservice users?\b|\bpeople using services\b"),
]


def _other_group(question: str, quote: str) -> bool:
    """Does the question ask about one of two excluding groups or periods while the quote names only the other?"""
    for a, b in _CONTRASTS:
        for asked, other in ((a, b), (b, a)):
            if re.search(asked, question, re.I) and not re.search(other, question, re.I) \
                    and re.search(other, quote, re.I) and not re.search(asked, quote, re.I):
                return True
    return False


# One recent year asked ("over the last year", "in the past 12 months") and a figure of several years given
# ("a 40% rise in demand since 2020", "over the past five years")
_ONE_YEAR = re.compile(r"\b(?:the (?:last|past|previous) (?:year|12 months|twelve months)|last year|this year|"
                       r"in a year|a year ago)\b", re.I)
_YEARS_SINCE = re.compile(r"\bsince (?:(?:early|late|mid-?)\s*)?(?:19|20)\d\d\b|\b(?:the|its) (?:last|past|previous) "
                          r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|few) years\b", re.I)


# a period before the one a report speaks of, asked relative to it, and what tells of an earlier period
_EARLIER_ASKED = re.compile(r"\b(?:the|a) (?:year|month|quarter) (?:before|earlier|prior)\b|"
                            r"\bthe (?:previous|prior|preceding) (?:year|month|quarter)\b", re.I)
_EARLIER_GIVEN = re.compile(r"\b(?:previous|prior|preceding|earlier|before|last year|compared (?:with|to)|up from|"
                            r"down from|increas\w*|ris(?:e|en|es|ing)|rose|f[ae]ll\w*|drop\w*|declin\w*|"
                            r"(?:19|20)\d\d)\b|\bfrom [\d,.]+%? to [\d,.]+", re.I)


def _other_period(question: str, quote: str) -> bool:
    """Does the question ask about a year the quote does not give, while the quote gives another? (A figure for
    2023/24 does not answer a question about 2022/23; a rise since 2020 does not answer "over the last year".)"""
    if _ONE_YEAR.search(question) and _YEARS_SINCE.search(quote) and not _ONE_YEAR.search(quote):
        return True
    asked, given = _years(question), _years(quote)
    for kind in ("year", "theme", "round", "quarter", "phase", "tranche", "stage", "wave"):
        a = {p for p in asked if (p.split()[0] if " " in p else "year") == kind}
        g = {p for p in given if (p.split()[0] if " " in p else "year") == kind}
        if a and g and not a & g and not (kind == "year" and any(_within(x, y) for x in a for y in g)):
            return True
    return False
