"""A cohort's XLSX record prepared by the job worker, with its progress written down as it goes.

The workbook is the same as the one ``GET /cohorts/{id}/record.xlsx`` sends at once; a large
cohort takes long enough to write that the page follows it instead of waiting on a download.
The finished file is kept in the file store and served only through its own cohort.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cohorts.models import Cohort
from app.config import Settings
from app.courses.definitions import load_definitions
from app.db import utcnow
from app.files import service as files
from app.i18n import gettext
from app.jobs import service as jobs
from app.records import exports, service
from app.records.errors import ExportNotFound, ExportNotReady
from app.records.models import RecordExport
from app.records.schemas import ExportProgress

EXPORT_JOB = "record-xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STEPS = 50  # progress is written down about this many times, however large the cohort


def start(session: Session, cohort: Cohort, language: str) -> RecordExport:
    """Queue the export of an (owned) cohort's record; the worker picks it up after commit."""
    export = RecordExport(
        cooperative_id=cohort.cooperative_id, cohort_id=cohort.id, language=language
    )
    session.add(export)
    session.flush()
    jobs.enqueue(session, kind=EXPORT_JOB, payload={"export_id": export.id})
    return export


def get(session: Session, cohort: Cohort, export_id: int) -> RecordExport:
    """An export of this (owned) cohort; ExportNotFound for any other."""
    export = session.scalar(
        select(RecordExport).where(
            RecordExport.id == export_id,
            RecordExport.cohort_id == cohort.id,
            RecordExport.cooperative_id == cohort.cooperative_id,
        )
    )
    if export is None:
        raise ExportNotFound()
    return export


def progress(export: RecordExport, language: str) -> ExportProgress:
    """The export as a share of its trainees; 100 only once the file is stored."""
    done = export.status == "done"
    written = export.total if done else min(export.written, export.total)
    percent = 100 if done else min(99, (100 * written) // export.total) if export.total else 0
    return ExportProgress(
        export_id=export.id,
        cohort_id=export.cohort_id,
        status=export.status,
        written=written,
        total=export.total,
        percent=percent,
        finished=export.status in ("done", "failed"),
        error=gettext(language, export.error) if export.error else None,
        result_url=download_url(export) if done else None,
    )


def download_url(export: RecordExport) -> str:
    return f"/api/v1/cohorts/{export.cohort_id}/record-exports/{export.id}/record.xlsx"


def workbook(settings: Settings, export: RecordExport) -> bytes:
    """The finished workbook's bytes; ExportNotReady while it is being written."""
    if export.status != "done" or export.file_sha256 is None:
        raise ExportNotReady()
    return files.blob_path(settings.blobs_dir, export.file_sha256).read_bytes()


def _written(session: Session, export_id: int, count: int) -> None:
    """Say how many trainees are written, at once: the page shows it while the job runs."""
    session.execute(update(RecordExport).where(RecordExport.id == export_id).values(written=count))
    session.commit()


def _export_failed(session: Session, payload: dict[str, Any], message: str) -> None:
    session.execute(
        update(RecordExport)
        .where(RecordExport.id == payload["export_id"])
        .values(status="failed", error=message[:2000], finished_at=utcnow())
    )


@jobs.handler(EXPORT_JOB, on_failure=_export_failed)
def run_export(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """Write the workbook, noting progress every few trainees, and store it; the job service
    commits the file's row and the finished status together with the job's completion."""
    export = session.get(RecordExport, payload["export_id"])
    if export is None:
        return
    cohort = session.get(Cohort, export.cohort_id)
    if cohort is None:  # purged meanwhile
        return
    definition = load_definitions(settings.courses_dir)[cohort.course_code]
    record = service.cohort_record(session, cohort, definition)
    export_id, total = export.id, len(record.trainees)
    export.status, export.total, export.written = "running", total, 0
    session.commit()
    every = max(1, total // STEPS)

    def note(count: int) -> None:
        if count % every == 0 or count == total:
            _written(session, export_id, count)

    data = exports.record_xlsx(record, export.language, progress=note)
    sha256 = files.put(session, blobs_dir=settings.blobs_dir, data=data, content_type=XLSX)
    session.execute(
        update(RecordExport)
        .where(RecordExport.id == export_id)
        .values(status="done", written=total, file_sha256=sha256, finished_at=utcnow())
    )
