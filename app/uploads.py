"""Request-size limit enforced while the body streams, before any of it is parsed or spooled."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_

TOO_LARGE = N_("The file is larger than the upload limit.")
# Room for the multipart envelope and the small form fields around the file.
_ENVELOPE = 64 * 1024


class BodySizeLimit:
    """Refuse a body larger than the limit: at once when Content-Length says so, else mid-stream."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + _ENVELOPE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_413(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413, detail=TOO_LARGE)
            return message

        await self.app(scope, limited_receive, send)


async def _send_413(scope: Scope, send: Send) -> None:
    import json

    from app.i18n import gettext, pick_language

    headers: dict[bytes, Any] = dict(scope.get("headers") or [])
    language = pick_language(headers.get(b"accept-language", b"").decode("latin-1"))
    message = gettext(language, TOO_LARGE)
    body = json.dumps({"error": {"code": "http-413", "message": message}}, ensure_ascii=False)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


def spooled_to_disk(source: Any, *, tmp_dir: Any, max_bytes: int, suffix: str = ".pptx") -> Any:
    """Copy an uploaded file object to a private temp file; return its Path.

    The caller deletes it. Raises HTTPException 413 when it exceeds the limit (the streaming
    guard above already stops most of these before they are spooled).
    """
    import os
    import tempfile
    from pathlib import Path

    Path(tmp_dir).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=suffix)
    written = 0
    try:
        with os.fdopen(fd, "wb") as target:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > max_bytes:
                    raise HTTPException(status_code=413, detail=TOO_LARGE)
                target.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
