"""Audit of ``batchgen/api/answers.py``: states, refusals and history rows are read as the README says, no further."""

from __future__ import annotations

import email.utils

import pytest

from batchgen.api.answers import error_for, history_row, read_state, retry_hint
from batchgen.errors import InsufficientCredits, InvalidContentType


@pytest.mark.parametrize("said", ["Invalid Content-Type header", "unsupported content-type: text/plain"])
def test_a_406_that_names_the_content_type_with_a_dash_is_a_content_type_refusal_not_out_of_credits(said):
    """Told as out of credits, the run would stop (exit 3) and ask the operator to top up an account that has
    credit: the refusal is batchgen's request, and the operator is told to report it."""
    error = error_for(406, {}, {"error": said}, what="submitting", key_env="SEGMIND_API_KEY")
    assert isinstance(error, InvalidContentType) and not isinstance(error, InsufficientCredits)
    assert "report it" in str(error)


@pytest.mark.parametrize("latency_ms", [-1, -250_000])
def test_a_history_rows_negative_latency_is_no_latency(latency_ms):
    row = history_row({"request_id": "r-1", "model_status": "COMPLETED", "latency_ms": latency_ms})
    assert row is not None and row.latency_s is None


@pytest.mark.parametrize("spelled", ["QUEUED", "in_queue", "Pending", "pending", "waiting", "Submitted", "in-queue"])
def test_every_queued_spelling_the_readme_lists_is_a_documented_queued_state(spelled):
    """Read as PROCESSING, a job waiting in the account's queue would be taken as at work, and its spelling
    logged as one the API does not document."""
    read = read_state(spelled)
    assert read is not None and read.state == "QUEUED" and read.known


@pytest.mark.parametrize("link", [{"url": "https://cdn.example/v.mp4"}, ["https://cdn.example/v.mp4"], 7, True])
def test_a_history_rows_link_that_is_not_text_is_no_link(link):
    row = history_row({"request_id": "r-1", "model_status": "COMPLETED", "generation_url": link})
    assert row is not None and row.generation_url is None


def test_a_retry_after_date_on_an_answer_without_a_date_header_is_read_against_this_machines_clock(monkeypatch):
    import batchgen.api.answers as answers_module

    monkeypatch.setattr(answers_module, "wall_now", lambda: 1_800_000_000.0)
    later = email.utils.formatdate(1_800_000_000.0 + 120.0, usegmt=True)
    assert retry_hint({"retry-after": later}) == pytest.approx(120.0)
