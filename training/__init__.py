"""How docbot's learned parts are made: one command each, run from a checkout, never imported
by the product (``bot/`` and ``index/``).

- ``python -m training.learn``: the two answering models (``bot/answering/weights/``);
- ``python -m training.calibrate``: the threshold of generated-sentence verification.
"""
