"""What reading a deck yields: slides, sections and pictures as plain data."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from PIL import Image, UnidentifiedImageError

from app.decks.problems import Problem

# Magic numbers of the picture formats a deck may carry, and the type each one really is.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x01\x00\x00\x00", "image/x-emf"),
    (b"\xd7\xcd\xc6\x9a", "image/x-wmf"),
]
_RASTER = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff", "image/webp"}


@dataclass
class Picture:
    sha256: str
    content_type: str
    data: bytes


@dataclass
class SlideContent:
    number: int  # 1-based, as PowerPoint numbers slides
    slide_id: int
    title: str
    blocks: list[dict[str, Any]]
    notes: str
    layout: str
    is_section_header: bool
    hidden: bool
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """All visible text of the slide, title first, one paragraph or table row per line."""
        lines = [self.title] if self.title else []
        for block in self.blocks:
            if block["type"] == "text":
                lines.extend(p["text"] for p in block["paragraphs"])
            elif block["type"] == "table":
                lines.extend(" | ".join(row) for row in block["rows"])
        return "\n".join(line for line in lines if line)

    @cached_property
    def content_hash(self) -> str:
        """A digest of everything a translation depends on: text, notes, pictures, visibility."""
        payload = json.dumps(
            [self.title, self.blocks, self.notes, self.hidden],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Section:
    name: str
    slide_ids: list[int]


@dataclass
class DeckContent:
    slides: list[SlideContent]
    sections: list[Section] | None
    pictures: dict[str, Picture]


def sniff_image(data: bytes, declared: str) -> str | None:
    """Return the image's real content type, or None when it is not a readable picture."""
    kind = next((ctype for magic, ctype in _MAGIC if data.startswith(magic)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    if kind is None and declared == "image/svg+xml" and b"<svg" in data[:2048]:
        kind = "image/svg+xml"
    if kind in _RASTER:
        try:
            with Image.open(io.BytesIO(data)) as image:  # parses the header only
                image.size  # noqa: B018
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
    return kind
