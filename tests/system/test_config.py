"""Settings refuse unsafe production values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Settings


def test_the_default_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="KOSHU_SECRET_KEY"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment="production", secret_key="short")
    assert Settings(environment="development").secret_key == DEVELOPMENT_SECRET
    assert Settings(environment="production", secret_key="s" * 40).environment == "production"


def test_the_database_defaults_to_sqlite_in_the_data_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/koshu.sqlite3"
