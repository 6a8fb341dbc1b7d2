"""Search and pagination of long lists, on the server, with the query kept in the URL.

A list page takes ``q`` (words to find), ``page`` (1-based) and ``sort`` (a column key,
``-`` in front for descending) from its query string; links to other pages keep every other
parameter (filters) as it was. A list sorts only by the keys it names; any other ``sort`` is
ignored, so the query string never reaches the database as a column name.
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


@dataclass(frozen=True)
class Sorting:
    """The order a list is shown in, and a link per sortable column to sort by it."""

    key: str
    descending: bool
    urls: dict[str, str]  # column key -> the list sorted by it (reversed, if it is the order)

    @property
    def param(self) -> str:
        """The ``sort`` value of this order, for forms that must keep it (the search box)."""
        return ("-" if self.descending else "") + self.key

    def direction(self, key: str) -> str | None:
        """``ascending`` or ``descending`` for the column the list is sorted by (aria-sort)."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"


def sorting(
    request: Request, keys: Iterable[str], default: str, *, descending: bool = False
) -> Sorting:
    """The list's order from ``sort`` in the query string: one of ``keys``, else the default."""
    allowed = list(keys)
    asked = (request.query_params.get("sort") or "").strip()
    key, down = asked.removeprefix("-"), asked.startswith("-")
    if key not in allowed:
        key, down = default, descending
    urls = {}
    for name in allowed:
        value = ("" if down else "-") + name if name == key else name
        url = request.url.remove_query_params("page").include_query_params(sort=value)
        urls[name] = f"{url.path}?{url.query}"
    return Sorting(key=key, descending=down, urls=urls)


def _sort_value(value: Any) -> tuple[bool, Any]:
    # Empty values last whichever the direction is asked; text without regard to case.
    if isinstance(value, str):
        value = value.casefold()
    return (value is None or value == "", value if value is not None else "")


def sort_items(items: Iterable[T], order: Sorting, keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """Items sorted by the column ``order`` names (``keys`` maps each key to its value)."""
    value = keys[order.key]
    present = [item for item in items if not _sort_value(value(item))[0]]
    empty = [item for item in items if _sort_value(value(item))[0]]
    present.sort(key=lambda item: _sort_value(value(item))[1], reverse=order.descending)
    return present + empty


def sort_query(
    statement: Select[Any], order: Sorting, columns: dict[str, Any], tie: Any
) -> Select[Any]:
    """The statement ordered by the column ``order`` names, then by ``tie`` (stable pages)."""
    column = columns[order.key]
    return statement.order_by(None).order_by(
        column.desc() if order.descending else column.asc(),
        tie.desc() if order.descending else tie.asc(),
    )


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
