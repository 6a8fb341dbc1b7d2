"""Settings refuse unsafe production values."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Settings
from app.main import YOUNG_AND_OLD_COLLECTIONS, create_app


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


def test_a_served_app_leaves_what_start_up_built_out_of_cycle_collections(
    make_settings: Callable[..., Settings],
) -> None:
    """A full collection walked every object start-up built, with the event loop stopped
    (some 150 ms): a hall's phones connecting at once waited for several of them."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        app = create_app(make_settings(tune_cycle_collector=True))
        with TestClient(app) as client:
            assert client.get("/health").status_code == 200
            frozen = gc.get_freeze_count()
            assert gc.get_threshold() == YOUNG_AND_OLD_COLLECTIONS
        assert frozen > 10_000  # routes, schemas, mappers, translations
        gc.set_threshold(*thresholds)
        with TestClient(create_app(make_settings())):
            assert gc.get_freeze_count() <= frozen  # the tests' apps freeze nothing more
            assert gc.get_threshold() == thresholds
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
