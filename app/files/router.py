"""Serve stored files (pictures, slide images) by digest, inert and cacheable forever."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse

from app.accounts.dependencies import current_principal
from app.deps import SessionDep, SettingsDep
from app.errors import NotFound
from app.files import service
from app.http.openapi import file_download

router = APIRouter(tags=["files"], dependencies=[Depends(current_principal)])

# An uploaded SVG or mislabelled file must never run script in our origin.
INERT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",
}


@router.get(
    "/files/{sha256}",
    response_class=FileResponse,
    responses=file_download("image/png", "image/jpeg", "image/gif", "image/webp"),
)
def get_file(
    session: SessionDep,
    settings: SettingsDep,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
) -> FileResponse:
    """Return a stored picture or slide image (never a deck: those are not served here)."""
    blob = service.get(session, sha256)
    path = service.blob_path(settings.blobs_dir, sha256)
    if blob is None or not blob.content_type.startswith("image/") or not path.exists():
        raise NotFound()
    return FileResponse(path, media_type=blob.content_type, headers=INERT_HEADERS)
