"""Questions about table cells answered with their row (issue 27: >= 9 of 10): spreadsheets,
a CSV file and Word tables made by the test, asked through the real engine. An answer counts
when its first citation is the row (its place: 'sheet "Staff", row 4') and quotes the cell.
Measured 2026-12-05: 11 of 12 at first; the miss, "What is Zhanna Iskakova's role?", was
refused because the question's names read "Iskakova's" as the terms "iskakova" and "s" and a
sheet holds no "s"; with the possessive out of names (index.text.names): 12 of 12."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.engines import settings_for
from support.office import make_csv, make_docx, make_xlsx

from bot.answering.engine import Engine

BUDGET = (
    ("Region", "Budget", "Lead", "Projects"),
    ("Almaty", "1.2 bn", "Aigerim Sadykova", 14),
    ("Astana", "2.4 bn", "Daniyar Bekov", 22),
    ("Shymkent", "0.8 bn", "Ruslan Omarov", 9),
    ("Pavlodar", "0.5 bn", "Gulnara Ermekova", 6),
    ("Aktobe", "0.7 bn", "Serik Zhunusov", 8),
    ("Atyrau", "1.9 bn", "Madina Tulegenova", 17),
)
STAFF = (
    ("Name", "Role", "Office", "Started"),
    ("Marat Akhmetov", "Logistics manager", "Karaganda", "2017-09-01"),
    ("Zhanna Iskakova", "Chief accountant", "Almaty", "2015-02-16"),
    ("Timur Nurlanov", "Network engineer", "Astana", "2019-03-04"),
    ("Aliya Serikbayeva", "Legal counsel", "Shymkent", "2021-11-22"),
    ("Yerlan Dauletov", "Warehouse supervisor", "Pavlodar", "2012-06-30"),
)
EQUIPMENT = (
    ("Item", "Supplier", "Delivery", "Price"),
    ("Forklifts", "Caspian Machinery", "March 2026", "120,000 USD"),
    ("Solar panels", "Steppe Energy", "June 2026", "310,000 USD"),
    ("Water pumps", "Irtysh Hydro", "April 2026", "45,000 USD"),
    ("Office laptops", "Nomad Computers", "February 2026", "88,000 USD"),
)
FLIGHTS = (
    ("Flight", "Destination", "Departure", "Gate"),
    ("KC 851", "Istanbul", "07:40", "B7"),
    ("KC 921", "Frankfurt", "09:15", "C2"),
    ("KC 127", "Seoul", "23:50", "A4"),
    ("KC 305", "Dubai", "14:05", "D1"),
)

# (question, the cited row's place, a cell the quote holds)
QUESTIONS = [
    ("What is the budget of Almaty?", 'sheet "Budget", row 2', "1.2 bn"),
    ("Who leads the Shymkent region?", 'sheet "Budget", row 4', "Ruslan Omarov"),
    ("How many projects does Atyrau have?", 'sheet "Budget", row 7', "17"),
    ("Which office does Marat Akhmetov work in?", 'sheet "Staff", row 2', "Karaganda"),
    ("What is Zhanna Iskakova's role?", 'sheet "Staff", row 3', "Chief accountant"),
    ("When did Timur Nurlanov start?", 'sheet "Staff", row 4', "2019-03-04"),
    ("Who supplies the forklifts?", '"Equipment orders", table 1, row 2', "Caspian Machinery"),
    ("When will the solar panels be delivered?", '"Equipment orders", table 1, row 3', "June"),
    ("How much do the water pumps cost?", '"Equipment orders", table 1, row 4', "45,000"),
    ("Which gate does flight KC 851 leave from?", "row 2", "B7"),
    ("Where does flight KC 127 fly to?", "row 4", "Seoul"),
    ("Who is the legal counsel?", 'sheet "Staff", row 5', "Aliya Serikbayeva"),
]
GOAL = 0.9  # of the questions answered with their row


def _documents(folder: Path) -> Path:
    folder.mkdir()
    make_xlsx(folder / "regions-2026.xlsx", {"Budget": BUDGET, "Staff": STAFF})
    make_docx(
        folder / "procurement.docx",
        "Procurement plan",
        [
            ("heading", "Purpose"),
            ("text", "This plan lists what the company buys in 2026 and from whom."),
            ("text", "Orders over 100,000 USD need the board's approval."),
            ("heading", "Equipment orders"),
            ("table", EQUIPMENT),
        ],
    )
    make_csv(folder / "departures.csv", FLIGHTS)
    (folder / "travel-policy.txt").write_text(
        "Travel policy\n\nStaff book flights through the travel desk. Economy class is used for"
        " flights under six hours. Receipts are filed within ten days of return.\n"
    )
    return folder


@pytest.fixture(scope="module")
def table_engine(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("tables")
    engine = Engine(
        settings_for(_documents(root / "documents"), root / "index"), embedder=real_embedder
    )
    engine.reindex()
    engine.index()
    return engine


def test_questions_over_table_cells_are_answered_with_their_row(table_engine: Engine) -> None:
    results = []
    for question, place, cell in QUESTIONS:
        answer = table_engine.ask(question)
        first = answer.citations[0] if answer.found and answer.citations else None
        got = f"{first.source}, {first.location}: {first.quote[:80]}" if first else "not found"
        right = first is not None and first.location == place and cell in first.quote
        results.append((right, question, got))
    table = "\n".join(f"{'ok ' if r else 'NO '} {q} -> {g}" for r, q, g in results)
    count = sum(r for r, _, _ in results)
    assert count >= GOAL * len(QUESTIONS), f"{count}/{len(QUESTIONS)} with their row:\n{table}"
