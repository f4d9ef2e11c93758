"""Retrieval benchmarks of the product and their results (README.md, RESULTS.md)."""
