"""What shapes an index (the chunker's and the index's settings, as plain frozen dataclasses)
and which store keeps it.

``bot.settings`` builds them from the environment; this module imports nothing heavy, so
reading the settings loads no numpy, FAISS or model library."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChunkerSettings:
    max_words: int = 120
    overlap_sentences: int = 1
    duplicate_threshold: float = 0.8  # share of a chunk's text already kept elsewhere
    # bump when the algorithm changes, so old indexes are rebuilt (4: a list item is a sentence)
    version: int = 4

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class OcrSettings:
    """How pages without a text layer and image files are read (``index.ocr``)."""

    enabled: bool = True
    # Tesseract's language codes joined by "+" (a code Tesseract lacks is left out, and said).
    # With kaz, English and Russian pages read as well (within 0.8 points) at 6-10 % more CPU,
    # and Kazakh ones 99.7-100 % instead of 79-84 % (benchmarks/RESULTS.md, "OCR of scanned
    # pages and images")
    languages: str = "eng+rus+kaz"
    cache: Path | None = None  # a folder of each page's text by its image hash; None: no cache
    dpi: int = 300  # a PDF page is rendered at this resolution to be read
    max_pages: int = 500  # pages read by OCR per file; the rest are counted empty
    timeout_s: float = 120.0  # per page
    despeckle: bool = True  # a 3x3 median filter first (index.ocr.despeckled)


@dataclass(frozen=True)
class IndexSettings:
    """What shapes an index. The chunker must match on load; the rest may change freely."""

    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    dense_kind: str = "flat"
    # Chosen on SciFact train (benchmarks/RESULTS.md, "SciFact"): the min-max blend beat RRF
    # (k 10/30/60) by ~0.01 nDCG@10 at every chunk size; with 120-word chunks the dense weight
    # 0.7 scored best (0.735; 0.5: 0.731, 0.3: 0.716); candidate depths 50/100/200 tied.
    fusion: str = "blend"
    # blend: weight of the dense score; rrf: its k. 0.5 was best over news, Wikipedia and
    # SciFact train together (benchmarks/RESULTS.md, issue 12); 0.7 suited SciFact alone.
    fusion_param: float = 0.5
    titles: bool = True  # passages are searched with their document's title (Chunk.search_text)
    candidates: int = 100  # per retriever, before fusion
    # fused candidates re-ranked by their best answer unit (index.rerank); 0: off
    rerank_depth: int = 15
    rerank_cosine: float = 1.0  # weight of a unit's cosine in its score (index.rerank)
    rerank_overlap: float = 0.8  # weight of its share of the question's terms
    # the top passages after that read again by a cross-encoder and reordered
    # (index.cross_encoder); 0: off. Set by DOCBOT_CROSS_ENCODER_DEPTH (bot/settings.py; off by
    # default, 8 measured best): benchmarks/RESULTS.md, "A cross-encoder reads the passages".
    cross_encoder_depth: int = 0
    # the best candidate sentences of an answer read again by the same cross-encoder (each after
    # the sentence before it), to choose the quote and inform refusals (bot.answering.choosing);
    # 0: off. Set by DOCBOT_CROSS_ENCODER_SENTENCES (bot/settings.py).
    cross_encoder_sentences: int = 0
    cross_encoder_threads: int = 1  # onnxruntime intra-op threads (the bot's torch threads)
    # tokens of a (question, passage) pair, the passage's end cut beyond: 120-word passages
    # with their title and a question are ~150 tokens (at most ~240), so 256 cuts only outliers
    cross_encoder_length: int = 256
    cross_encoder_titles: bool = True  # the passage read after its document's title
    # 1: its order alone; below: a min-max blend with the score so far. 0.7 ranked best over
    # squad2_dev6 and SciFact train together; its order alone cost SciFact train 0.008 nDCG@10
    cross_encoder_weight: float = 0.7
    max_file_bytes: int = 20 * 1024 * 1024
    verify: str = "full"  # on load: "full" checks every file's checksum, "size" only sizes
    ocr: OcrSettings = field(default_factory=OcrSettings)
    # a second vector space for questions and passages in Russian and Kazakh, and questions
    # across languages (index.multilingual); False: English only
    multilingual: bool = False
    multilingual_threads: int = 1  # torch threads of its model when it answers questions


def is_postgres_url(value: str) -> bool:
    """True for a ``DOCBOT_STORE`` that names a PostgreSQL database (``index.postgres``)."""
    return value.startswith(("postgresql://", "postgres://"))
