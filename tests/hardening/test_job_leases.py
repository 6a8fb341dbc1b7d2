"""Jobs hold a lease: a worker killed mid-render leaves a job another worker finishes.

A job is retried a bounded number of times; after that the lecturer sees why on the import
report and can render it again from the API or the page.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.config import Settings
from app.jobs import service as jobs
from tests.conftest import cli_env, koshu, upload
from tests.hardening.jobs_support import converter, kill_group, the_job, wait_for

API = "/api/v1/courses/legal-protection"
PAGES = "/courses/legal-protection"
LEASE = 2.0


@pytest.fixture
def workers(settings: Settings) -> Iterator[Callable[[dict[str, str]], subprocess.Popen[str]]]:
    """Start ``koshu worker`` processes (each in its own process group); all stopped at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str]) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill_group(process.pid)
        process.wait(timeout=30)


@pytest.mark.slow
def test_a_render_whose_worker_is_killed_is_finished_by_another_worker(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    open_client: Any,
    workers: Callable[[dict[str, str]], subprocess.Popen[str]],
    tmp_path: Path,
    decks: Path,
) -> None:
    marker = tmp_path / "first-converter.pid"
    soffice = converter(tmp_path, hang_marker=marker)
    settings = make_settings(soffice_path=soffice, job_lease_seconds=LEASE)
    env = {
        **cli_env(settings),
        "KOSHU_SOFFICE_PATH": soffice,
        "KOSHU_JOB_LEASE_SECONDS": str(LEASE),
        "KOSHU_WORKER_POLL_SECONDS": "0.2",
    }
    with open_client(settings) as client:
        import_id = upload(client, decks / "ja.pptx", "ja").json()["import_id"]

        first = workers(env)
        converter_pid = int(
            wait_for("the first render to start", lambda: marker.exists() and marker.read_text())
        )
        assert client.get(f"{API}/imports/{import_id}").json()["rendering"] == "running"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        kill_group(converter_pid)
        killed_claim = the_job(session_factory).worker
        assert the_job(session_factory).status == "running"  # nobody is left to finish it

        workers(env)
        status = wait_for(
            "the second worker to finish the render",
            lambda: (
                (s := client.get(f"{API}/imports/{import_id}").json())["rendering"] == "done" and s
            ),
        )
        assert status["rendered_slides"] == status["slide_count"] == 16
        job = the_job(session_factory)
        assert (job.status, job.attempts) == ("done", 2)
        assert job.worker != killed_claim
        for module in ("LP-01", "LP-02"):
            for slide in client.get(f"{API}/revisions/1/modules/{module}").json()["slides"]:
                assert client.get(f"/files/{slide['image']}").status_code == 200

    # The killed render's work folder is the only thing left behind, and gc-files clears it.
    assert [p.name.startswith("render-") for p in settings.tmp_dir.iterdir()] == [True]
    swept = koshu(settings, "gc-files", "--grace-seconds", "0")
    assert swept.stdout.startswith("0 unreferenced file(s) deleted, 1 stale temporary item(s)")
    assert list(settings.tmp_dir.iterdir()) == []


def test_a_live_worker_renews_its_lease_and_keeps_its_job(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    open_client: Any,
    tmp_path: Path,
    decks: Path,
) -> None:
    release = tmp_path / "release"
    settings = make_settings(
        soffice_path=converter(tmp_path, release=release), job_lease_seconds=1.5
    )
    with open_client(settings) as client:
        upload(client, decks / "ja.pptx", "ja")
        worker = jobs.Worker(session_factory, settings)
        worker.start()
        try:
            first_lease = wait_for(
                "the job to be claimed", lambda: the_job(session_factory).lease_expires_at
            )
            # Once its first lease is over, the job is still held by its (slow) worker.
            renewed_past = first_lease + timedelta(seconds=settings.job_lease_seconds)
            wait_for(
                "the lease to be renewed past its first end",
                lambda: (the_job(session_factory).lease_expires_at or first_lease) > renewed_past,
            )
            with session_factory() as session:
                assert jobs.claim_next(session, settings) is None
            release.touch()
            wait_for("the job to finish", lambda: the_job(session_factory).status == "done")
        finally:
            worker.stop()
            worker.join(timeout=30)
    job = the_job(session_factory)
    assert (job.status, job.attempts, job.lease_expires_at) == ("done", 1, None)


def _claim_and_abandon(session_factory: sessionmaker[Session], settings: Settings) -> None:
    """A worker claims the job and dies; the lease then runs out."""
    with session_factory() as session:
        assert jobs.claim_next(session, settings) is not None
    clock.advance(settings.job_lease_seconds + 1)


def test_a_job_abandoned_too_often_fails_visibly_and_can_be_rendered_again(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    open_client: Any,
    signed_in: Callable[..., TestClient],
    world: Any,
    tmp_path: Path,
    decks: Path,
) -> None:
    settings = make_settings(soffice_path=converter(tmp_path), job_max_attempts=2)
    with open_client(settings) as client:
        import_id = upload(client, decks / "ja.pptx", "ja").json()["import_id"]
        retry = f"{API}/imports/{import_id}/render"
        assert client.post(retry).status_code == 409  # nothing has failed yet

        _claim_and_abandon(session_factory, settings)
        _claim_and_abandon(session_factory, settings)
        with session_factory() as session:
            assert jobs.claim_next(session, settings) is None  # the third claim gives up
        job = the_job(session_factory)
        assert (job.status, job.attempts) == ("failed", 3)

        status = client.get(f"{API}/imports/{import_id}?lang=en").json()
        assert status["rendering"] == "failed"
        assert status["rendering_error"] == jobs.ABANDONED
        japanese = client.get(f"{API}/imports/{import_id}?lang=ja")
        assert re.search(r"[\u3040-\u30ff]", japanese.json()["rendering_error"])
        page = html.fromstring(client.get(f"{PAGES}/imports/{import_id}?lang=en").text)
        assert jobs.ABANDONED in " ".join(page.text_content().split())
        (form,) = page.xpath(f'//form[@action="{PAGES}/imports/{import_id}/render"]')

        # Cooperative staff may read the report but not render again.
        staff = signed_in(world.staff_a)
        assert staff.post(retry).status_code == 403

        # The page's button queues it again; a working worker then renders every slide.
        token = form.xpath('.//input[@name="csrf_token"]/@value')[0]
        again = client.post(
            f"{PAGES}/imports/{import_id}/render",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert again.status_code == 303
        assert client.get(f"{API}/imports/{import_id}").json()["rendering"] == "queued"
        assert client.post(retry).status_code == 409  # already queued
        assert jobs.run_until_empty(session_factory, settings) == 1
        status = client.get(f"{API}/imports/{import_id}").json()
        assert (status["rendering"], status["rendering_error"]) == ("done", None)
        assert status["rendered_slides"] == 16


def test_the_api_queues_a_failed_render_again(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    open_client: Any,
    tmp_path: Path,
    decks: Path,
) -> None:
    working = make_settings(soffice_path=converter(tmp_path))
    with open_client(working) as client:
        import_id = upload(client, decks / "ja.pptx", "ja").json()["import_id"]
        assert jobs.run_until_empty(session_factory, make_settings(soffice_path="/bin/false")) == 1
        assert client.get(f"{API}/imports/{import_id}").json()["rendering"] == "failed"

        response = client.post(f"{API}/imports/{import_id}/render")
        assert response.status_code == 202
        assert (response.json()["rendering"], response.json()["rendering_error"]) == (
            "queued",
            None,
        )
        assert jobs.run_until_empty(session_factory, working) == 1
        assert client.get(f"{API}/imports/{import_id}").json()["rendering"] == "done"


def test_a_worker_that_lost_its_lease_cannot_renew_or_finish_it(
    session_factory: sessionmaker[Session],
    settings: Settings,
    open_client: Any,
    decks: Path,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    settings = make_settings(soffice_path=converter(tmp_path))
    with open_client(settings) as client:
        upload(client, decks / "ja.pptx", "ja")
    with session_factory() as session:
        slow = jobs.claim_next(session, settings)
        assert slow is not None
    clock.advance(settings.job_lease_seconds + 1)
    with session_factory() as session:
        fast = jobs.claim_next(session, settings)
        assert fast is not None and fast.worker != slow.worker
    assert not jobs.renew(session_factory, settings, slow.id, slow.worker or "")
    assert jobs.renew(session_factory, settings, fast.id, fast.worker or "")
