"""Limits refuse bombs, not decks: a part is judged by what it unpacks to, not by its ratio."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from app.decks.problems import DeckRejected
from app.decks.safety import Limits, check_package
from tests import deckmaker

MB = 1024 * 1024


def deck_with_part(folder: Path, data: bytes, name: str = "ppt/media/preview.emf") -> Path:
    path = deckmaker.build(folder / "deck.pptx", deckmaker.lecture("ja"))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return path


def refusal(path: Path, limits: Limits) -> tuple[str, str, dict[str, object]]:
    with pytest.raises(DeckRejected) as caught:
        check_package(path, limits)
    [problem] = caught.value.problems
    return problem.code, problem.text(), problem.params


def test_a_small_part_that_compresses_a_thousandfold_is_accepted(tmp_path: Path) -> None:
    path = deck_with_part(tmp_path, b"\x01\x00\x00\x00" + bytes(3 * MB))
    info = zipfile.ZipFile(path).getinfo("ppt/media/preview.emf")
    assert info.file_size > 500 * info.compress_size  # refused as a bomb before

    parts = check_package(path, Limits())

    assert len(parts["ppt/media/preview.emf"]) == 3 * MB + 4


def test_a_part_over_the_cap_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = deck_with_part(tmp_path, os.urandom(2 * MB), "ppt/media/video.mp4")

    code, text, params = refusal(path, Limits(max_part_bytes=1 * MB))

    assert code == "zip.part-too-large"
    assert params["name"] == "ppt/media/video.mp4" and params["size_mb"] == 2
    assert "Compress Media" in text


def test_a_part_over_the_cap_that_compresses_like_a_bomb_is_called_one(tmp_path: Path) -> None:
    path = deck_with_part(tmp_path, bytes(3 * MB))

    code, _text, params = refusal(path, Limits(max_part_bytes=2 * MB))

    assert code == "zip.bomb"
    assert isinstance(params["ratio"], int) and params["ratio"] > Limits().max_compression_ratio
