"""What the tests share: paths and data sets, fakes (an embedder, the Bot API server), engines
and indexes, running bots (in a thread or as a `docbot serve` process). Fixtures that use them
are in ``tests/conftest.py``; test modules import from here, never from each other."""
