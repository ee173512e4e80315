"""The request history's URL derived from the base URL: the public API's history lives on a host of its own, however
the public API's URL is spelled (the case of its scheme and host, its default port)."""

from __future__ import annotations

import pytest

from batchgen.api.client import DEFAULT_HISTORY_URL, ApiClient, default_history_url
from tests.helpers import KEY


@pytest.mark.parametrize(
    "base",
    ["https://api.segmind.com", "https://API.Segmind.com/", "HTTPS://api.segmind.com", "https://api.segmind.com:443"],
)
def test_the_public_api_however_spelled_has_its_history_on_the_history_host(base):
    assert default_history_url(base) == DEFAULT_HISTORY_URL
    assert ApiClient(api_key=KEY, base_url=base).history_url == DEFAULT_HISTORY_URL


@pytest.mark.parametrize(
    ("base", "history"),
    [
        ("http://api.segmind.com", "http://api.segmind.com/inference-request/request-history"),  # another origin
        ("https://api.segmind.com:8443", "https://api.segmind.com:8443/inference-request/request-history"),
        ("https://api.segmind.com/proxy", "https://api.segmind.com/proxy/inference-request/request-history"),
        ("https://api.segmind.com.example", "https://api.segmind.com.example/inference-request/request-history"),
    ],
)
def test_any_other_server_serves_its_history_itself(base, history):
    assert default_history_url(base) == history
