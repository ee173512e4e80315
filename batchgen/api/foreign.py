"""Answers that are not the API's: what such a body looks like, said in a few words for a message.

The API answers every route with JSON.  A body that is not JSON (an HTML
page, an XML document) came from something else: a proxy or gateway in
front of the API, or a server that is not the API at all (``--base-url``
pointed at an object store or a web site).  ``client.py`` keeps the words
for such a body with the answer (under :data:`NOT_JSON`), so whoever reads
the answer can say what answered, not only that something went wrong.
"""

from __future__ import annotations

import re
from typing import Any

NOT_JSON = "batchgen:not_json"  # key of a parsed answer whose body was not JSON: the words for what it was
_S3_CODE = re.compile(rb"<Code>([A-Za-z0-9.]{1,64})</Code>")


def body_kind(headers: dict[str, str], raw: bytes) -> str:
    """What a body that is not a JSON object looks like: "an HTML page", "an XML document (<Code>NoSuchBucket</Code>,
    as an S3-compatible object store answers)", "an empty body", "JSON that is not an object", or "text"."""
    head = raw[:1024].lstrip().lower()
    content_type = headers.get("content-type", "").lower()
    if not head:
        return "an empty body"
    if head.startswith((b"<!doctype html", b"<html")) or "html" in content_type:
        return "an HTML page"
    if head.startswith(b"<?xml") or head.startswith(b"<") or "xml" in content_type:
        code = _S3_CODE.search(raw[:4096])
        if code is None:
            return "an XML document"
        return f"an XML document (<Code>{code.group(1).decode()}</Code>, as an S3-compatible object store answers)"
    if head[:1] in (b"[", b'"') or head[:1].isdigit() or head in (b"null", b"true", b"false"):
        return "JSON that is not an object"
    return "text that is not JSON"


def not_json(body: dict[str, Any]) -> str | None:
    """The words for an answer's body when it was not JSON (kept by ``client.py``), else None."""
    kind = body.get(NOT_JSON)
    return kind if isinstance(kind, str) else None
