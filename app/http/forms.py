"""Reading a page's form when its field names are not known in advance (a row per trainee)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData


async def form_data(request: Request) -> FormData:
    """The posted form, parsed once (a dependency: routes that name their fields use Form())."""
    return await request.form()
