"""``python -m bot.cli``: the ``docbot`` command."""

from bot.cli.main import entry

entry()
