"""Settings read from the environment (prefix ``KOSHU_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator may set; defaults give an embedded SQLite install under ./var."""

    model_config = SettingsConfigDict(env_prefix="KOSHU_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET
    courses_dir: Path = PROJECT_ROOT / "courses"
    slides_dir: Path = PROJECT_ROOT / "slides"
    migrations_dir: Path = PROJECT_ROOT / "migrations"

    # Upload limits: checked while the request streams and again on the zip's directory,
    # before python-pptx (which reads every part into memory) sees the file.
    max_upload_bytes: int = 100 * 1024 * 1024
    max_zip_members: int = 4000
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    max_compression_ratio: int = 120
    max_slides: int = 1000

    # argon2id cost for new password and PIN hashes; lower only for tests.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536

    # An open event stream checks this often that its login session is still valid (and sends
    # a keep-alive when idle); it ends once the session was revoked or expired.
    stream_check_seconds: float = Field(default=15.0, gt=0)

    # A confirmed attendance sheet may be unconfirmed this long after, if nothing was corrected.
    undo_confirm_minutes: int = Field(default=15, ge=0)

    # How often the server looks for polls whose countdown is over, to close them (0: never).
    poll_timer_seconds: float = Field(default=1.0, ge=0)
    # Leave what start-up built out of Python's cycle collections and collect young objects
    # less often (app.main); the tests, which start hundreds of apps in one process, do not.
    tune_cycle_collector: bool = True

    # Database connections per process: kept, and more at a peak (docs/capacity.md). With
    # PostgreSQL, max_connections must exceed processes x (pool + overflow + 1 LISTEN) + worker.
    database_pool_size: int = Field(default=10, ge=1, le=100)
    database_max_overflow: int = Field(default=10, ge=0, le=100)

    # Pings are kept in memory and written together this often (app.lectures.pings): a crash
    # loses at most this much; a clean shutdown loses nothing.
    presence_flush_seconds: float = Field(default=1.0, gt=0, le=30)
    # Who may ping a lecture is checked once per browser and then trusted this long: a login
    # session ended elsewhere (logout, PIN reset) may keep pinging for at most this long.
    ping_trust_seconds: float = Field(default=60.0, ge=0, le=600)

    # Tests and rehearsals only: a file holding seconds to add to the server's clock.
    clock_offset_file: Path | None = None

    # Addresses (or networks, comma-separated) of the reverse proxies in front of the app.
    # Only a request from one of them may name the client's address (X-Forwarded-For) and
    # scheme (X-Forwarded-Proto); login limits per address then count the real client.
    trusted_proxies: str = ""

    run_worker: bool = Field(default=True, description="run the job worker inside the app process")
    worker_poll_seconds: float = 1.0
    # A running job's worker renews its lease three times per period; a job whose lease ran
    # out (its worker died) is run again, at most job_max_attempts times in all.
    job_lease_seconds: float = 60.0
    job_max_attempts: int = 3
    # gc-files leaves younger files alone: an import or render may not have committed yet.
    gc_grace_seconds: int = 6 * 3600
    soffice_path: str | None = None
    render_width: int = 1280
    render_timeout_seconds: int = 300

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "KOSHU_SECRET_KEY must be set to a long random value outside development "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.environment == "production" and self.clock_offset_file is not None:
            raise ValueError("KOSHU_CLOCK_OFFSET_FILE is for tests and rehearsals, not production")
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("KOSHU_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'koshu.sqlite3').resolve()}"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    def ensure_dirs(self) -> None:
        for folder in (self.data_dir, self.blobs_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True)


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (tests build their own and pass them explicitly)."""
    return Settings()
