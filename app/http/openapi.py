"""OpenAPI descriptions shared by routes that answer with something other than JSON."""

from __future__ import annotations

from typing import Any


def file_download(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose 200 is a file of one of these types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": {media_type: binary for media_type in media_types}}}
