"""Composing answers: the sentences of the documents that answer a question, each cited.

Composition (no language model; every word of an answer is quoted from the documents):

1. The candidates are the sentences of the fused top passages (``Hit``s), as the chunker split
   them (``Chunk.sentences``). A sentence that leans on its predecessor (it starts with a
   pronoun such as "They"/"This", or is too short to stand alone) is a unit together with
   that predecessor, so "They will be managed by oblast Akims" is judged and quoted with the
   sentence that says what "they" are.
2. Each unit is scored against the (resolved) question: the cosine of the same embedding model
   plus ``OVERLAP_WEIGHT`` times the IDF-weighted share of the question's stemmed terms that the
   unit contains. A question term that appears nowhere in the collection carries the largest
   weight, so "... in Uzbekistan?" over a collection with no Uzbekistan loses a large part of
   its overlap.
3. The question is answered if the best unit's score reaches ``min_answer_score`` (see
   ``benchmarks/RESULTS.md`` for how that threshold was calibrated); otherwise the answer says the
   documents do not cover it, cites nothing and lists the closest passages as ``related``.
   Among the units above the threshold, the one quoted is chosen with small nudges that never
   change found/not-found: a "how many" question prefers a sentence with a number, a "what is
   the name" question one that quotes a name in quotation marks, a heading
   (no final punctuation) is a poor answer. The chosen unit takes the next sentence along when
   that one goes on about the same subject ("Keys, who will sing ...").
4. The answer text is the unit followed by ``[n]``; citation ``n`` quotes a window of whole
   sentences (~500 characters) around it, with ``highlight`` on the cited text.
   ``bot.answering.answers.check`` verifies that every marker maps to a citation whose quote
   contains the cited text.

Choosing is ``bot.answering.choosing``; quoting and citing ``bot.answering.citing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answering.answers import Answer
from bot.answering.choosing import ACROSS_LANGUAGES, Chooser, Read
from bot.answering.citing import cite, not_found
from bot.settings import DEFAULT_MIN_SCORE

if TYPE_CHECKING:
    import numpy as np

    from index.retriever import Hit, Index
    from index.vector_cache import VectorCache


@dataclass(frozen=True)
class Composer:
    """Built once per loaded index (:meth:`for_index`) and called per question. With ``read``,
    the short answer comes from it, and the answer is refused when it judges that the chosen
    passage does not answer."""

    chooser: Chooser
    read: Read | None = None

    @classmethod
    def for_index(
        cls,
        index: Index,
        cache: VectorCache | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        read: Read | None = None,
    ) -> Composer:
        """The composer of ``index``: its embedder, statistics, stored unit vectors and, when
        its settings turn it on, its cross-encoder."""
        cross = index.cross_scores if index.reads_again else None
        across = ACROSS_LANGUAGES if index.space else 0.0
        chooser = Chooser(
            index.embedder,
            index.stats,
            index.unit_vectors,
            cache,
            min_score,
            cross,
            across,
            index.reads_again,
        )
        return cls(chooser, read)

    def compose(
        self,
        question: str,
        resolved: str,
        hits: Sequence[Hit],
        query_vector: np.ndarray,
        avoid: Iterable[str] = (),
    ) -> Answer:
        """The answer to ``resolved`` from ``hits``: the best unit(s), cited, or "not in the
        documents"."""
        choice = self.chooser.choose(question, resolved, hits, query_vector, avoid)
        if not choice.chosen:
            return not_found(question, resolved, hits, choice.score)
        reading = self.read(resolved, choice) if self.read is not None else None
        if reading is not None and not reading.answers:
            return not_found(question, resolved, hits, choice.score, reading.confidence)
        return cite(question, resolved, choice.chosen, choice.score, reading)
