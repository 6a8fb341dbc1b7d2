"""Search and pagination of long lists, on the server, with the query kept in the URL.

A list page takes ``q`` (words to find) and ``page`` (1-based) from its query string; links
to other pages keep every other parameter (filters) as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

T = TypeVar("T")
PER_PAGE = 50
QUERY_LENGTH = 100


@dataclass
class Paged(Generic[T]):
    """One page of a list, and how to reach the others."""

    items: list[T]
    page: int
    pages: int
    total: int
    q: str
    links: list[tuple[str, str | None]]  # (label, url; None for the current page or a gap)
    previous: str | None
    next: str | None

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0


def query_text(q: str | None) -> str:
    """The search words as typed, trimmed and bounded."""
    return " ".join((q or "").split())[:QUERY_LENGTH]


def page_number(page: Any) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def _page_url(request: Request, page: int) -> str:
    url = request.url.include_query_params(page=page)
    return f"{url.path}?{url.query}"


def _links(request: Request, page: int, pages: int) -> list[tuple[str, str | None]]:
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[tuple[str, str | None]] = []
    for index, number in enumerate(shown):
        if index and number - shown[index - 1] > 1:
            links.append(("…", None))
        links.append((str(number), None if number == page else _page_url(request, number)))
    return links


def _paged(request: Request, items: list[T], total: int, page: int, q: str) -> Paged[T]:
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    return Paged(
        items=items,
        page=page,
        pages=pages,
        total=total,
        q=q,
        links=_links(request, page, pages) if pages > 1 else [],
        previous=_page_url(request, page - 1) if page > 1 else None,
        next=_page_url(request, page + 1) if page < pages else None,
    )


def paginate(request: Request, items: Sequence[T], q: str = "") -> Paged[T]:
    """A page of a list already in memory (already filtered by ``q``)."""
    page = min(page_number(request.query_params.get("page")), max(1, -(-len(items) // PER_PAGE)))
    start = (page - 1) * PER_PAGE
    return _paged(request, list(items[start : start + PER_PAGE]), len(items), page, q)


def paginate_query(
    request: Request, session: Session, statement: Select[Any], q: str = ""
) -> Paged[Any]:
    """A page of a query's rows: one count and one page of rows, whatever the list's length."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max(1, -(-int(total or 0) // PER_PAGE))
    page = min(page_number(request.query_params.get("page")), pages)
    rows = list(session.scalars(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return _paged(request, rows, int(total or 0), page, q)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(statement: Select[Any], q: str, columns: Iterable[Any]) -> Select[Any]:
    """Rows where every word of ``q`` is in one of the columns (case-insensitive)."""
    columns = list(columns)
    for word in q.split():
        statement = statement.where(
            or_(*(column.ilike(_like(word), escape="\\") for column in columns))
        )
    return statement


def matches(q: str, *fields: str | None) -> bool:
    """The in-memory twin of ``search``: every word of ``q`` is in one of the fields."""
    haystack = [(field or "").casefold() for field in fields]
    return all(any(word.casefold() in text for text in haystack) for word in q.split())


def filtered(items: Iterable[T], q: str, fields: Callable[[T], Iterable[str | None]]) -> list[T]:
    return [item for item in items if matches(q, *fields(item))] if q else list(items)
