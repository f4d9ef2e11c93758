"""The engine behind every front end (CLI, terminal chat, Telegram): one loaded index that
follows the index folder, so a build swapped in by anyone is picked up without a restart. A new
build that cannot be loaded (damaged, unreadable) is refused once, logged, and the index already
loaded keeps answering."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from bot.answering.answers import Answer
from bot.answering.batching import QuestionBatcher
from bot.answering.composer import Composer
from bot.answering.conversation import ConversationStore, MemoryConversationStore, Turn, resolve
from bot.answering.generation import Generator
from bot.answering.reading import Reader
from bot.settings import Settings
from index import cross_encoder
from index.embedding import Embedder, load_embedder
from index.errors import DocbotError
from index.report import BuildReport, Progress, no_progress
from index.retriever import Hit, Index
from index.scope import Scope
from index.store import Store, open_store
from index.vector_cache import VectorCache

logger = logging.getLogger("docbot.engine")


class Engine:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        conversations: ConversationStore | None = None,
        note: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._note = note or logger.warning  # the loaded index's notes for the operator
        self.conversations: ConversationStore = conversations or MemoryConversationStore(
            turns=settings.conversation_turns, max_age=settings.conversation_minutes * 60
        )
        self._vectors = VectorCache()
        # the loaded index's, one per vector space it is searched in (index.multilingual)
        self._composers: dict[str, tuple[Index, Composer]] = {}
        self.reader = Reader(settings.answer_threshold)
        self._questions: QuestionBatcher | None = None
        self._embedder = embedder
        self._index: Index | None = None
        # the index folder, or with DOCBOT_STORE=postgresql://... PostgreSQL (index/postgres/)
        self.store: Store = open_store(settings.store, settings.index_dir)
        self._loaded_from: str | None = None
        self._refused: str | None = None  # a build folder that failed to load
        self._lock = threading.Lock()
        self.generator = Generator.from_settings(settings)  # None unless DOCBOT_LLM_URL is set

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.embedding_model,
                    threads=self.settings.torch_threads,
                    backend=self.settings.model_backend,
                )
            return self._embedder

    def question_batcher(self, embedder: Embedder) -> QuestionBatcher:
        """Encodes concurrent questions together (``bot.answering.batching``), one per embedder."""
        with self._lock:
            if self._questions is None or self._questions.embedder is not embedder:
                self._questions = QuestionBatcher(embedder)
            return self._questions

    def index(self) -> Index:
        """The current index; reloads when the index folder was swapped since the last call.

        The first load raises what :meth:`Index.load` raises. Later, a new build that fails to
        load is logged once and the index already loaded keeps answering."""
        target = self.store.current()  # one cheap look a question: every build is followed
        index = self._index
        if index is not None and target in (self._loaded_from, self._refused):
            return index
        embedder = self.embedder
        with self._lock:
            if self._index is None or target not in (self._loaded_from, self._refused):
                self._load(target, embedder)
            assert self._index is not None
            return self._index

    @property
    def index_location(self) -> str:
        """Where the index lives, for messages: the folder or the PostgreSQL store."""
        return self.store.where

    def _load(self, target: str, embedder: Embedder) -> None:
        try:
            index = self.store.load(embedder, self.settings.index_settings())
        except DocbotError as exc:
            if self._index is None:
                raise
            self._refused = target
            logger.error(
                "refusing the new index, still answering from %s: %s", self._loaded_from, exc
            )
            return
        self._index, self._loaded_from, self._refused = index, str(index.folder), None
        for line in index.notes:
            self._note(line)

    def load_readers(self) -> None:
        """Load what reads questions and answers (spaCy, the learned models, the cross-encoder)
        now, so the first question does not wait for it and a missing package fails at start,
        not per question."""
        self.reader.load()
        wanted = self.settings.index_settings()
        # the same model the index reads passages and sentences with (index.retriever)
        if wanted.cross_encoder_depth or wanted.cross_encoder_sentences:
            cross_encoder.shared(wanted.cross_encoder_threads, wanted.cross_encoder_length)

    def has_index(self) -> bool:
        return self.store.exists()

    def ensure_index(
        self, progress: Progress = no_progress, threads: int | None = None
    ) -> BuildReport | None:
        """Build the index when there is none yet: that build's report, or None when there was
        one already. The front ends say so; the engine prints nothing."""
        if self.has_index():
            return None
        return self.reindex(progress=progress, threads=threads)

    def reindex(
        self,
        full: bool = False,
        progress: Progress = no_progress,
        log: Callable[[str], None] = lambda line: None,
        threads: int | None = None,
        lock_wait: float = 0.0,
    ) -> BuildReport:
        """Incremental (or ``full``) build of the documents folder; the next question uses it."""
        embedder = self.embedder
        set_threads = getattr(embedder, "set_threads", None)
        if threads and set_threads:
            set_threads(threads)
        try:
            return self.store.build(
                self.settings.documents_dir,
                embedder,
                self.settings.index_settings(),
                full=full,
                progress=progress,
                log=log,
                lock_wait=lock_wait,
            )
        finally:
            if threads and set_threads:
                set_threads(self.settings.torch_threads)

    def search(
        self, queries: Sequence[str], k: int | None = None, scope: Scope | None = None
    ) -> list[list[Hit]]:
        """Top hits per query, only passages in ``scope`` when it is given; each query in the
        vector space that reads it (``Index.for_question``)."""
        index, k = self.index(), k or self.settings.top_k
        if not index.parts.spaces:
            return index.search(queries, k, scope)
        return [index.for_question(q).search([q], k, scope)[0] for q in queries]

    def composer(self, index: Index) -> Composer:
        """What composes answers from ``index``, built once per loaded index."""
        built = self._composers.get(index.space)
        if built is None or built[0] is not index:
            s = self.settings
            floor = s.multilingual_min_answer_score if index.space else s.min_answer_score
            composer = Composer.for_index(index, self._vectors, floor, self.reader)
            built = self._composers[index.space] = (index, composer)
        return built[1]

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        k: int | None = None,
        scope: Scope | None = None,
    ) -> Answer:
        """Answer ``question`` with cited sentences, or say the documents do not cover it.

        With a ``conversation_id``, a follow-up is resolved against that conversation's last
        turns first (``Answer.resolved``), and the turn is remembered. With a ``scope``, only
        its passages are searched, so the answer, its related places and a generated answer
        quote nothing else (``index.scope``). Thread-safe.
        """
        history = self.conversations.recent(conversation_id) if conversation_id else []
        resolution = resolve(question, history)
        index = self.index().for_question(resolution.text)
        query = self.question_batcher(index.embedder).encode(resolution.text)[None, :]
        hits = index.search_encoded([resolution.text], query, k or self.settings.top_k, scope)[0]
        composer = self.composer(index)
        answer = composer.compose(question, resolution.text, hits, query[0], resolution.avoid)
        if conversation_id:
            cited = tuple(c.cited for c in answer.citations)
            turn = Turn(
                question,
                resolution.text,
                answer.text,
                cited,
                answer.found,
                time.monotonic(),
                follow_up=resolution.follow_up,
            )
            self.conversations.add(conversation_id, turn)
        if self.generator is not None:
            vectors, embedder = self._vectors, index.embedder
            return self.generator.answer(answer, hits, lambda t: vectors.encode(embedder, t))
        return answer
