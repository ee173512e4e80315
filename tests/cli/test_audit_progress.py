"""Audit of ``batchgen/cli/progress.py``: each job event reaches the log at the level and in the words it must."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from batchgen.cli.progress import log_event


def _job(ident: str, error: str | None):
    return SimpleNamespace(spec=SimpleNamespace(id=ident), error=error)


@pytest.mark.parametrize(
    ("event", "level", "message"),
    [
        ("failed", logging.WARNING, "job clip-1 failed: the model refused the prompt"),
        ("expired", logging.WARNING, "job clip-1 was lost: the model refused the prompt"),
        ("lost", logging.WARNING, "job clip-1 was lost: the model refused the prompt"),
        ("download_failed", logging.WARNING,
         "job clip-1: the download failed (the model refused the prompt); run again to retry it"),
        ("submit_unknown", logging.INFO,
         "job clip-1: the submit's outcome is unknown (the model refused the prompt); it is looked up in the "
         "request history before it is ever sent again"),
        ("completed", logging.DEBUG, "job clip-1: completed"),
    ],
)  # fmt: skip
def test_each_job_event_is_logged_at_its_level_in_words_that_say_what_happened(event, level, message, caplog):
    caplog.set_level(logging.DEBUG, logger="batchgen")
    log_event(event, _job("clip-1", "the model refused the prompt"))
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [("batchgen", level, message)]
