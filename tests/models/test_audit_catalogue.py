"""Audit of ``batchgen/models/catalogue.py``: the catalogue in use is the shipped specs plus the spec files of
the command at hand, no others, and a mistyped model name is met with the known name it was meant to be."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.models import catalogue
from tests.helpers import TEST_IMAGE_SPEC, run_cli, write


@pytest.fixture(autouse=True)
def shipped_catalogue_again():
    yield
    catalogue.use([])


def _override(tmp_path: Path) -> Path:
    shipped = Path(catalogue.shipped().models["kling-text2video"].file).read_text()
    return write(tmp_path / "kling-text2video.yaml", shipped.replace("latency_s: 320.23594", "latency_s: 42"))


def test_a_user_spec_file_changes_the_catalogue_built_with_it_and_never_the_shipped_one(tmp_path):
    built = catalogue.build([TEST_IMAGE_SPEC, _override(tmp_path)])
    assert "kling-test-image2video" in built and built.models["kling-text2video"].latency_s == 42
    shipped = catalogue.shipped()
    assert "kling-test-image2video" not in shipped
    assert shipped.models["kling-text2video"].latency_s == 320.23594 and shipped.models["kling-text2video"].shipped
    assert catalogue.build().names() == shipped.names()


def test_the_catalogue_in_use_is_the_one_last_set(tmp_path):
    catalogue.use([TEST_IMAGE_SPEC])
    assert "kling-test-image2video" in catalogue.current()
    catalogue.use([_override(tmp_path)])
    assert "kling-test-image2video" not in catalogue.current()
    assert catalogue.current().models["kling-text2video"].latency_s == 42
    assert catalogue.user_files() == (str(tmp_path / "kling-text2video.yaml"),)
    catalogue.use([])
    assert catalogue.current().names() == catalogue.shipped().names() and catalogue.user_files() == ()


def test_a_name_with_one_character_mistyped_is_offered_the_model_it_was_meant_to_be(capsys):
    shipped = catalogue.shipped()
    assert shipped.closest("kling-2-6") == "kling-2.6"
    assert shipped.closest("kling-text-2-video") == "kling-text2video"
    assert run_cli("models", "kling-2-6") == 2
    assert "did you mean 'kling-2.6'?" in capsys.readouterr().err
