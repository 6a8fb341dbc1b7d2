"""Slide images: LibreOffice turns a deck into a PDF, pypdfium2 turns its pages into WebP.

Hidden slides are exported too, so PDF page N is always slide N of the deck.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

# LibreOffice 7.4+ takes filter options as JSON after the filter name.
_PDF_FILTER = (
    'pdf:impress_pdf_Export:{"ExportHiddenSlides":{"type":"boolean","value":"true"},'
    '"ExportNotesPages":{"type":"boolean","value":"false"}}'
)


class RenderError(Exception):
    """LibreOffice or the PDF rasteriser failed; the message says how."""


def find_soffice(configured: str | None = None) -> str | None:
    """Return the LibreOffice binary to use, or None when it is not installed."""
    if configured:
        return configured if Path(configured).exists() or shutil.which(configured) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pptx_to_pdf(source: Path, workdir: Path, *, soffice: str, timeout: int) -> Path:
    """Convert the deck to PDF in workdir (its own LibreOffice profile, so runs can overlap)."""
    deck = workdir / "deck.pptx"
    shutil.copyfile(source, deck)
    profile = workdir / "lo-profile"
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--convert-to",
        _PDF_FILTER,
        "--outdir",
        str(workdir),
        str(deck),
    ]
    # A session of its own: soffice is a script that starts oosplash, which starts soffice.bin,
    # and on a timeout the whole group must die, not only the script we started.
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise RenderError(f"LibreOffice did not finish within {timeout} s") from exc
    pdf = workdir / "deck.pdf"
    if not pdf.exists():
        detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
        raise RenderError(
            f"LibreOffice could not convert the deck (exit {process.returncode}): {detail}"
        )
    return pdf


def page_count(pdf: Path) -> int:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


def rasterise(pdf: Path, *, width: int, thumb_width: int = 320) -> Iterator[tuple[bytes, bytes]]:
    """Yield (image, thumbnail) WebP bytes for each page, in order."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=width / page.get_width())
            image = bitmap.to_pil().convert("RGB")
            full = io.BytesIO()
            image.save(full, format="WEBP", quality=82, method=4)
            image.thumbnail((thumb_width, thumb_width * 2))
            thumb = io.BytesIO()
            image.save(thumb, format="WEBP", quality=75, method=4)
            page.close()
            yield full.getvalue(), thumb.getvalue()
    finally:
        document.close()
