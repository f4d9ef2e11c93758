"""A collection in scoped folders (``hr/``, ``finance/``, ``public/``) whose documents share
words across folders, the scopes file of the chats that ask it, and what a leak looks like."""

from __future__ import annotations

from pathlib import Path

HR_CHAT = -1002611
FINANCE_CHAT = -1002612
CLOSED_CHAT = -1002613  # not listed: the default, "none"
ADMINS_CHAT = 501  # the admin's private chat: "all"

# Both departments write about travel, approvals, budgets and managers: a search of either
# finds the other's passages unless the scope keeps them out. Each folder has words of its own
# (its MARKS) that no other folder uses.
DOCUMENTS = {
    "hr/travel-leave.md": (
        "# Travel leave\n\nEmployees may take travel leave of up to ten days a year. Travel "
        "leave is approved by the people manager Olga Petrova. Travel leave requests need two "
        "weeks of notice.\n"
    ),
    "hr/onboarding.md": (
        "# Onboarding\n\nNew employees meet their buddy on the first day. The onboarding "
        "budget covers a welcome lunch. Olga Petrova approves onboarding plans.\n"
    ),
    "finance/travel-expenses.md": (
        "# Travel expenses\n\nTravel expenses above 500 euros are approved by the controller "
        "Ivan Sokolov. Travel budgets are reviewed every quarter. Receipts for travel must be "
        "filed within thirty days.\n"
    ),
    "finance/budget.md": (
        "# Budget\n\nThe yearly budget is approved by the board in December. Ivan Sokolov "
        "prepares the budget forecast. Unused travel budget does not roll over.\n"
    ),
    "public/about.md": (
        "# About us\n\nThe company was founded in 2004 in Tallinn. Its travel policy is "
        "published on the intranet.\n"
    ),
}
MARKS = {"hr": ("Petrova", "hr/"), "finance": ("Sokolov", "finance/"), "public": ("Tallinn",)}

SCOPES = f"""
default = "none"
[chats]
"{HR_CHAT}" = ["hr", "public"]
"{FINANCE_CHAT}" = ["finance"]
"{ADMINS_CHAT}" = "all"
"""

QUESTIONS = (
    "Who approves travel?",
    "Who approves the budget?",
    "How many days of travel leave?",
    "When are travel budgets reviewed?",
    "Who is Ivan Sokolov?",
    "Who is Olga Petrova?",
)


def write_documents(folder: Path) -> Path:
    for name, text in DOCUMENTS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def leaks(text: str, allowed: tuple[str, ...]) -> list[str]:
    """The marks in ``text`` of folders not in ``allowed``."""
    return [m for f, marks in MARKS.items() if f not in allowed for m in marks if m in text]
