"""The OpenAPI document describes every JSON operation's success response."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def _untyped(schema: dict[str, Any]) -> bool:
    """An empty schema, or a free-form object: says nothing an integrator can rely on."""
    if not schema:
        return True
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and schema.get("additionalProperties") in (None, True, {})
    )


def test_every_operation_describes_its_success_body(koshu_app: FastAPI) -> None:
    document = koshu_app.openapi()
    missing = []
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations += 1
            successes = {
                code: response
                for code, response in operation["responses"].items()
                if code.startswith("2")
            }
            if not successes:
                missing.append(f"{method.upper()} {path}: no 2xx response")
            for code, response in successes.items():
                if code == "204":
                    continue
                content = response.get("content") or {}
                # A server-sent event stream describes each event (OpenAPI 3.2's itemSchema).
                schemas = [c.get("schema") or c.get("itemSchema") or {} for c in content.values()]
                if not content or any(_untyped(schema) for schema in schemas):
                    missing.append(f"{method.upper()} {path}: {code} has no schema")
    assert operations > 50  # the whole API, not an empty document
    assert missing == []


def test_a_free_form_dict_counts_as_untyped() -> None:
    assert _untyped({})
    assert _untyped({"type": "object", "additionalProperties": True})
    assert not _untyped({"$ref": "#/components/schemas/LiveState"})
    assert not _untyped({"type": "string", "format": "binary"})
