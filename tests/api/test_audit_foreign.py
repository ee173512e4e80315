"""What answered, when a body is not JSON (``foreign.body_kind``): the words the operator reads in a message about
a base URL that is not the API's, a gateway's refusal or a page on the way to the API."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.api.client import ApiClient
from batchgen.api.foreign import body_kind
from batchgen.errors import NotTheApi
from tests.helpers import KEY, scripted


@pytest.mark.parametrize(
    ("content_type", "raw", "said"),
    [
        ("text/html; charset=utf-8", b"<h1>502 Bad Gateway</h1>", "an HTML page"),  # a fragment, said by its type
        ("text/html", b"Service Unavailable", "an HTML page"),
        ("", b"  <!DOCTYPE HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'>", "an HTML page"),
        ("application/xml", b"<Error><Code>NoSuchKey</Code></Error>",
         "an XML document (<Code>NoSuchKey</Code>, as an S3-compatible object store answers)"),
        ("", b"<?xml version='1.0'?><feed/>", "an XML document"),
        ("application/json", b"  \r\n ", "an empty body"),
        ("application/json", b'"ok"', "JSON that is not an object"),
        ("", b"null", "JSON that is not an object"),
        ("application/json", b"[1, 2]", "JSON that is not an object"),
        ("text/plain", b"upstream connect error", "text that is not JSON"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_json_is_told_as_what_it_looks_like(content_type, raw, said):
    assert body_kind({"content-type": content_type} if content_type else {}, raw) == said


async def test_a_first_submit_answered_by_a_proxys_html_fragment_says_an_html_page_answered():
    html: dict[str, Any] = {"Content-Type": "text/html"}
    plain: dict[str, Any] = {"Content-Type": "text/plain"}
    async with scripted() as server:
        server.then(502, raw=b"<center><h1>502 Bad Gateway</h1></center>", **html)
        server.then(503, raw=b" \n", **plain)
        async with ApiClient(api_key=KEY, base_url=server.url) as api:
            with pytest.raises(NotTheApi) as page:
                await api.submit("kling-text2video", {"prompt": "x"})
            with pytest.raises(NotTheApi) as empty:
                await api.submit("kling-text2video", {"prompt": "x"})
    assert str(page.value).startswith(
        f"POST {server.url}/v2/kling-text2video was answered HTTP 502 with an HTML page, not the API's answer"
    )
    assert page.value.made is True and "a gateway in front of the API failed for now: run again later" in str(
        page.value
    )
    assert "was answered HTTP 503 with an empty body, not the API's answer" in str(empty.value)


def test_an_object_stores_error_code_is_named_wherever_its_xml_declaration_puts_it():
    raw = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code>'
        b"<Message>The specified bucket does not exist</Message></Error>"
    )
    said = body_kind({"content-type": "application/xml"}, raw)
    assert said == "an XML document (<Code>NoSuchBucket</Code>, as an S3-compatible object store answers)"
