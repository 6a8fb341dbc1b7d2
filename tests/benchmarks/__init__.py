"""Benchmarks run by ``make bench`` (``python -m tests.benchmarks``); not collected by pytest."""
