"""Audit of ``batchgen/api/client.py``: how far the server's clock runs ahead; a gateway's refusals told once."""

from __future__ import annotations

import email.utils
import logging
from typing import Any

import pytest

from batchgen.api.client import ApiClient
from batchgen.errors import GatewayRefusal
from tests.helpers import KEY, scripted


def client(url: str, **kwargs: Any) -> ApiClient:
    return ApiClient(api_key=KEY, base_url=url, **kwargs)


async def test_an_answer_dated_earlier_than_one_before_it_showed_never_lowers_how_far_ahead_the_server_runs(
    monkeypatch,
):
    """A Date header is whole seconds and an answer may wait in a queue after it was dated: an answer that shows
    the server's clock less far ahead than an earlier one did proves nothing new.  The most ever shown stands, now
    and at every moment after the answer that showed it."""
    import batchgen.api.client as client_module

    moments = [1_000.0, 2_000.0]
    monkeypatch.setattr(client_module, "wall_now", lambda: moments.pop(0) if len(moments) > 1 else moments[0])
    ahead = email.utils.formatdate(1_000.0 + 600.0, usegmt=True)
    less = email.utils.formatdate(2_000.0 + 60.0, usegmt=True)
    async with scripted() as server, client(server.url) as api:
        server.then(body={"credits": 1.0}, Date=ahead).then(body={"credits": 1.0}, Date=less)
        await api.credits()
        await api.credits()
    assert api.date_ahead == pytest.approx(600.0)
    assert api.date_ahead_at(1_500.0) == pytest.approx(600.0)
    assert api.date_ahead_at(2_500.0) == pytest.approx(600.0)


async def test_a_gateway_refusing_calls_once_the_key_was_accepted_is_told_once_a_run_however_often_it_refuses(caplog):
    page = b"<!DOCTYPE html><html>Access denied</html>"
    async with scripted() as server, client(server.url) as api:
        server.then(body={"status": "QUEUED"}).then(403, raw=page).then(403, raw=page).then(401, raw=page)
        assert (await api.status("r")).state == "QUEUED"
        with caplog.at_level(logging.WARNING, logger="batchgen"):
            for _ in range(3):
                with pytest.raises(GatewayRefusal):
                    await api.result("r")
    told = [record for record in caplog.records if "something in front of the API" in record.getMessage()]
    assert len(told) == 1 and "it stops (exit 6)" in told[0].getMessage()
    assert api.refused == 3
