"""Keyword search (BM25 alone) per language: the product's chunker and ``SparseIndex`` over the
XQuAD articles (Russian and English) and squad2-dev6, and a small Kazakh set written for this
benchmark; with ``--langid``, ``index.languages.detect`` on the XQuAD questions and on
``KAZAKH_TEXTS``.

- XQuAD / squad2-dev6: a passage of the right article holding a gold answer (case-insensitive)
  in the top 1 / top 3 of BM25 (as ``benchmarks/languages.py`` rates fused and dense ranks).
- Kazakh (``KAZAKH_PASSAGES``, ``KAZAKH_QUESTIONS``): the right passage in the top 1 / top 3;
  and the Kazakh stemmer against exact forms and prefixes: that and ``conflation`` of
  ``KAZAKH_FORMS``.

No model is loaded; one thread. Usage (from the project root)::

    .venv/bin/python -m benchmarks.keywords --out /tmp/keywords.json
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import languages
from benchmarks.corpus import EVALS
from benchmarks.languages import holds
from benchmarks.measure import machine
from benchmarks.squad_answers import Question, read_questions
from index import text
from index.chunking import Chunk, chunk_document, deduplicate
from index.documents import SkipFile
from index.loading import load, scan
from index.settings import IndexSettings
from index.sparse import SparseIndex

# XQuAD's Russian and English questions over their own language's articles, and squad2-dev6
SETS = tuple(entry for entry in languages.SETS if entry[0] != "ru_over_en")

# Written for this benchmark (not from any corpus): short Kazakh passages and questions about
# them that use other word forms than the passage (cases, plurals, possessives).
KAZAKH_PASSAGES = (
    "Терроризмге қарсы комиссия облыстардағы қауіпсіздік шараларын үйлестіреді.",
    "Комиссияның отырыстары жылына кемінде екі рет өткізіледі.",
    "Алматы қаласы еліміздің ең ірі қаласы болып саналады.",
    "Астана Қазақстанның астанасы болып 1997 жылы жарияланды.",
    "Мектеп оқушылары жазғы демалыста лагерьлерге барады.",
    "Кітапхананың оқу залы күн сайын таңғы тоғызда ашылады.",
    "Ауыл шаруашылығы министрлігі егін жинау науқанын бақылайды.",
    "Дәрігерлер тұмаудың алдын алу үшін екпе салдыруға кеңес береді.",
    "Облыс әкімдері төтенше жағдайлар кезінде жедел штабтарды басқарады.",
    "Темір жол вокзалынан пойыздар Шымкентке күнде жүреді.",
    "Ұлттық банк теңгенің бағамын қадағалайды.",
    "Мұражайда ежелгі қазақ зергерлерінің бұйымдары сақталған.",
)
# (question, the passage it asks about)
KAZAKH_QUESTIONS = (
    ("Қауіпсіздік шаралары туралы қандай комиссия шешеді?", 0),
    ("Облыстарда терроризмге қарсы кім жұмыс істейді?", 0),
    ("Комиссия отырысы қаншалықты жиі болады?", 1),
    ("Комиссияның жиналыстары жылына неше рет?", 1),
    ("Қазақстанда ең ірі қала қайсы?", 2),
    ("Алматыда қанша адам тұрады?", 2),
    ("Астана қай жылы астана болды?", 3),
    ("Оқушылар демалыста қайда барады?", 4),
    ("Лагерьге кім барады?", 4),
    ("Кітапханада оқу залдары қашан ашылады?", 5),
    ("Егін жинауды қай министрлік бақылайды?", 6),
    ("Тұмаудан қалай сақтануға болады?", 7),
    ("Дәрігер екпе туралы не дейді?", 7),
    ("Төтенше жағдайда штабты кім басқарады?", 8),
    ("Әкімнің төтенше жағдайлардағы міндеті қандай?", 8),
    ("Шымкентке пойыз қайдан жүреді?", 9),
    ("Вокзалдан пойыздар қай қалаға барады?", 9),
    ("Теңге бағамын кім қадағалайды?", 10),
    ("Ұлттық банктің міндеті не?", 10),
    ("Зергерлердің бұйымдары қайда сақталады?", 11),
)
# Written for this benchmark: forms of one Kazakh word per line (cases, plurals, possessives,
# verb forms), for how well a stemmer brings them together (``conflation``).
KAZAKH_FORMS = (
    "комиссия комиссияның комиссияға комиссияны комиссияда комиссиядан комиссиялар комиссиясы",
    "қала қаласы қаланың қалаға қалада қаладан қалалар қалаларда",
    "облыс облысы облыстың облысқа облыста облыстан облыстар облыстардағы облыстық",
    "жыл жылы жылдың жылға жылда жылдан жылдар жылына",
    "адам адамның адамға адамды адамдар адамдарға адамдардың",
    "мектеп мектепке мектепте мектептен мектептер мектебі",
    "кітап кітаптың кітапқа кітапты кітаптар кітабы",
    "заң заңның заңға заңды заңда заңдар заңдары",
    "ел елдің елге елде елден елдер еліміз елімізде",
    "үй үйдің үйге үйде үйден үйлер үйі",
    "құжат құжаттың құжатқа құжатты құжатта құжаттар құжаттарды",
    "терроризм терроризмнің терроризмге терроризмді терроризммен",
    "қауіпсіздік қауіпсіздіктің қауіпсіздікке қауіпсіздікті қауіпсіздікте",
    "шара шараның шараға шаралар шараларын шаралары",
    "әкім әкімнің әкімге әкімдер әкімдері әкімдердің",
    "банк банктің банкке банкте банктер банкі",
    "алматы алматының алматыға алматыда алматыдан",
    "астана астананың астанаға астанада астанадан астанасы",
    "қазақстан қазақстанның қазақстанға қазақстанда қазақстаннан",
    "жиналыс жиналыстың жиналысқа жиналыста жиналыстар жиналысы",
    "бала баланың балаға балалар балаларға балалары",
    "мұражай мұражайдың мұражайға мұражайда мұражайлар",
    "пойыз пойыздың пойызға пойызда пойыздар",
    "дәрігер дәрігердің дәрігерге дәрігерлер дәрігерлерге",
    "басқарады басқарған басқару басқарды",
    "барады барған барды бару",
)
# Written for this benchmark: Kazakh sentences and questions (about the seed article's topic,
# Kazakhstan's counter-terrorism commission, and everyday ones), for language identification.
KAZAKH_TEXTS = (
    *(p for p in KAZAKH_PASSAGES),
    *(q for q, _ in KAZAKH_QUESTIONS),
    "Комиссияның төрағасы кім?",
    "Терроризм деген не?",
    "Бұл құжат не туралы?",
    "Сен кімсің?",
    "Ол кеше келді.",
    "Жиналыс қашан басталады?",
    "Бүгін ауа райы жақсы.",
    "Маған көмектесіңізші.",
    "Облыстық комиссиялар не істейді?",
    "Жоспар қашан бекітілді?",
)


def passages(folder: Path, settings: IndexSettings) -> list[Chunk]:
    """The kept chunks of ``folder``, as the product's build makes them."""
    files, _ = scan(folder, settings.max_file_bytes)
    candidates: list[Chunk] = []
    for f in files:
        with contextlib.suppress(SkipFile):  # a file the build would skip
            candidates.extend(chunk_document(load(f), settings.chunker))
    kept, _ = deduplicate(candidates, settings.chunker.duplicate_threshold)
    return kept


def top(sparse: SparseIndex, query: str, k: int) -> list[int]:
    scores = sparse.scores(query)
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in order if scores[i] > 0]


def rate(chunks: Sequence[Chunk], sparse: SparseIndex, qs: Sequence[Question]) -> dict[str, Any]:
    ranks = [top(sparse, q.text, 3) for q in qs]
    top1 = sum(any(holds(chunks[i], q) for i in r[:1]) for r, q in zip(ranks, qs, strict=True))
    top3 = sum(any(holds(chunks[i], q) for i in r) for r, q in zip(ranks, qs, strict=True))
    n = len(qs)
    return {"questions": n, "chunks": len(chunks), "top1": top1 / n, "top3": top3 / n}


def kazakh() -> dict[str, Any]:
    sparse = SparseIndex.build(list(KAZAKH_PASSAGES))
    ranks = [top(sparse, q, 3) for q, _ in KAZAKH_QUESTIONS]
    golds = [p for _, p in KAZAKH_QUESTIONS]
    n = len(golds)
    return {
        "questions": n,
        "top1": sum(r[:1] == [g] for r, g in zip(ranks, golds, strict=True)) / n,
        "top3": sum(g in r for r, g in zip(ranks, golds, strict=True)) / n,
    }


def conflation(stem: Callable[[str], str]) -> dict[str, Any]:
    """Of ``KAZAKH_FORMS``: the share of pairs of forms of one word that get one stem, and the
    pairs of different words that share a stem."""
    groups = [[stem(w) for w in line.split()] for line in KAZAKH_FORMS]
    same = [a == b for g in groups for a, b in itertools.combinations(g, 2)]
    stems = [set(g) for g in groups]
    clashes = sum(bool(a & b) for a, b in itertools.combinations(stems, 2))
    return {"same_word_pairs": round(sum(same) / len(same), 4), "clashing_words": clashes}


def _prefix(n: int) -> Callable[[str], str]:
    def first(word: str) -> str:
        return word[:n]

    return first


def kazakh_stemmers() -> dict[str, Any]:
    """``conflation`` and the written Kazakh set's BM25 for the Kazakh stemmer and the
    alternatives: exact forms, the first 4 / 5 / 6 letters."""
    saved = text.kazakh_stem
    out: dict[str, Any] = {}
    variants: dict[str, Callable[[str], str]] = {
        "suffixes (product)": saved,
        "exact": lambda w: w,
        **{f"prefix{n}": _prefix(n) for n in (4, 5, 6)},
    }
    try:
        for name, stem in variants.items():
            text.kazakh_stem = stem  # type: ignore[assignment]
            text._STEMS.clear()
            out[name] = {**conflation(stem), "bm25": kazakh()}
            print(f"  kk {name}: {out[name]}", file=sys.stderr, flush=True)
    finally:
        text.kazakh_stem = saved
        text._STEMS.clear()
    return out


def retrieval() -> dict[str, Any]:
    settings = IndexSettings()
    out: dict[str, Any] = {}
    built: dict[Path, tuple[list[Chunk], SparseIndex]] = {}
    for name, file, folder in SETS:
        if folder not in built:
            chunks = passages(folder, settings)
            built[folder] = (chunks, SparseIndex.build([c.text for c in chunks]))
        chunks, sparse = built[folder]
        out[name] = rate(chunks, sparse, read_questions(EVALS / file))
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    out["kk_written"] = kazakh()
    print(f"  kk_written: {out['kk_written']}", file=sys.stderr, flush=True)
    out["kk_stemmers"] = kazakh_stemmers()
    return out


def langid() -> dict[str, Any]:
    from index.languages import detect

    sets = {
        "ru": [q.text for q in read_questions(EVALS / "xquad_ru.jsonl")],
        "en": [q.text for q in read_questions(EVALS / "xquad_en.jsonl")],
        "kk": list(KAZAKH_TEXTS),
    }
    out: dict[str, Any] = {}
    for lang, texts in sets.items():
        found: Counter[str] = Counter(detect(t) for t in texts)
        out[lang] = {
            "n": len(texts),
            "accuracy": round(found[lang] / len(texts), 4),
            "wrong_as": {other: n for other, n in found.items() if other != lang},
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["bm25", "langid"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"machine": machine(), "argv": sys.argv[1:]}
    if "bm25" in args.parts:
        report["bm25"] = retrieval()
    if "langid" in args.parts:
        report["langid"] = langid()
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
