"""The cohort import answers a request without a file with its documented 422 report."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.cohorts.schemas import ImportReport
from tests.conftest import World


def test_an_import_without_a_file_is_a_rejected_report(signed_in: Any, world: World) -> None:
    staff: TestClient = signed_in(world.staff_a)
    url = f"/api/v1/cohorts/{world.cohort_a.id}/import"
    for request in (
        {"data": {"valid_only": "true"}},
        {"files": {"other": ("x.csv", b"a,b", "text/csv")}},
        {},
    ):
        response = staff.post(url, headers={"Accept-Language": "ja"}, **request)
        assert response.status_code == 422
        report = ImportReport.model_validate(response.json())
        assert (report.status, report.added, report.total_rows) == ("rejected", [], 0)
        (error,) = report.errors
        assert (error["row"], error["code"]) == (None, "no-file")
        assert "CSV" in error["message"] and "ファイル" in error["message"]

    paths = staff.get("/openapi.json").json()["paths"]
    documented = paths["/api/v1/cohorts/{cohort_id}/import"]["post"]["responses"]["422"]
    schema = documented["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("cohorts__schemas__ImportReport")
