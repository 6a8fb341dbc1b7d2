"""The benchmarks import: a refactoring that breaks one is found by the suite, not by `make bench`."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    path.stem for path in (Path(__file__).parents[1] / "benchmarks").glob("*_bench.py")
)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_imports(name: str) -> None:
    module = importlib.import_module(f"tests.benchmarks.{name}")
    assert callable(module.main)


def test_every_benchmark_is_listed() -> None:
    assert set(BENCHMARKS) >= {"attendance_bench", "import_bench", "lecture_bench", "records_bench"}
