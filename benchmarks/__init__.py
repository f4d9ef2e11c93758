"""Retrieval benchmarks of the product (see README.md and RESULTS.md here)."""
