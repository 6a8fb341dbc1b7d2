"""Uploads refused before their body is read.

FastAPI reads a request's body before it solves the route's dependencies, so an upload of up
to the size limit would be received and spooled in full before a caller who may not upload
was refused. A router built with ``route_class=CheckedBeforeBody`` first solves, for each of
its routes that takes a file, every dependency that needs no body (who is calling, their role
and capability, the rows named in the path) and answers their error without reading a byte of
the body; only then is the request handled as usual (the dependencies run again, cheaply).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

_STACKS = ("fastapi_inner_astack", "fastapi_function_astack")


def _needs_body(dependant: Dependant) -> bool:
    return bool(dependant.body_params) or any(_needs_body(d) for d in dependant.dependencies)


def takes_file(dependant: Dependant) -> bool:
    """Whether the route (or a dependency of it) takes an uploaded file."""
    return any(isinstance(p.field_info, params.File) for p in dependant.body_params) or any(
        takes_file(d) for d in dependant.dependencies
    )


def _passed() -> None:
    return None


class CheckedBeforeBody(APIRoute):
    """A route that checks its caller before it reads an uploaded file."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not takes_file(self.dependant):
            return handler
        gate = Dependant(
            call=_passed,
            path=self.path_format,
            dependencies=[d for d in self.dependant.dependencies if not _needs_body(d)],
        )
        overrides = self.dependency_overrides_provider

        async def checked_first(request: Request) -> Response:
            await _solve(request, gate, overrides)
            return await handler(request)

        return checked_first


async def _solve(request: Request, gate: Dependant, overrides: Any) -> None:
    """Run the gate's dependencies in a unit of their own (sessions close before the upload)."""
    saved = {key: request.scope.get(key) for key in _STACKS}
    async with AsyncExitStack() as stack:
        request.scope.update(dict.fromkeys(_STACKS, stack))
        try:
            solved = await solve_dependencies(
                request=request,
                dependant=gate,
                dependency_overrides_provider=overrides,
                async_exit_stack=stack,
                embed_body_fields=False,
            )
        finally:
            request.scope.update(saved)
        if solved.errors:
            raise RequestValidationError(solved.errors)
