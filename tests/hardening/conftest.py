"""A published course and a lecture of cohort A, as the lecture tests build them."""

from tests.lectures.conftest import lecture, published

__all__ = ["lecture", "published"]
