"""What the request history keeps of a request's body, learned from the rows of our own requests.

A lost submit's row is told by its body (:class:`lookup.Search`).  The history's ``request_body`` is
"the inputs as sent" (SEGMIND_API.md), but nothing says a server does not fill in the defaults, write
a number as text, or keep nothing.  A look-up that finds no row with the body may call the submit
never made and send it again: in a history that keeps bodies otherwise, a made and charged submit
would be paid twice.  So each row of a request of ours (this run's POSTs, and earlier runs' as their
ledger lines recorded them) is compared once with the body sent, its fields that hold no image (what
the history keeps of an image is another question, answered by digest):

* ``exact``: the same;
* ``holds``: every field sent, with the same value (a number and its text alike), and others beside;
* ``other``: anything else (a field left out or changed, no body at all).

The worst seen for a model sets how a lost submit's rows are matched: exactly, or by the fields sent;
once a row was ``other``, none can be told and the look-up leaves the job.  Before a row of a model
was compared, the other models' say; with none compared at all, ``exact`` (absence then counts only
once a request of ours was listed, and each is compared as it is read, before the rows are matched).
"""

from __future__ import annotations

import json
from typing import Any

from ..models.images import holds_images

EXACT, HOLDS, OTHER = "exact", "holds", "other"
_RANK = {EXACT: 0, HOLDS: 1, OTHER: 2}


def split_body(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A body's fields that hold images (at the top level or in a list's objects), and the others."""
    images = {name: value for name, value in payload.items() if holds_images(value)}
    return images, {name: value for name, value in payload.items() if name not in images}


def same_body(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def agrees(sent: Any, shown: Any) -> bool:
    """Whether ``shown`` (a row's) holds ``sent``: every field of an object, with others allowed beside,
    each item of a list, and a value as written or as its text (``5`` and ``"5"``, ``true`` and ``"true"``)."""
    if isinstance(sent, dict):
        return isinstance(shown, dict) and all(name in shown and agrees(v, shown[name]) for name, v in sent.items())
    if isinstance(sent, list):
        return isinstance(shown, list) and len(sent) == len(shown) and all(map(agrees, sent, shown))
    return _text(sent) == _text(shown)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def fit(plain: dict[str, Any], image_fields: frozenset[str], listed: dict[str, Any]) -> str:
    """How a row's body holds the fields sent that hold no image (see the module's list)."""
    shown = {name: value for name, value in listed.items() if name not in image_fields}
    if same_body(shown, plain):
        return EXACT
    return HOLDS if agrees(plain, shown) else OTHER


class BodyFits:
    """The bodies of our requests not yet seen listed, and per model the worst fit their rows showed."""

    def __init__(self) -> None:
        self._sent: dict[str, tuple[str, dict[str, Any], frozenset[str]]] = {}  # request id -> model, plain, images
        self._worst: dict[str, str] = {}  # model -> the worst fit a row of ours of it showed

    def sent(self, request_id: str, model: str, payload: dict[str, Any]) -> None:
        """A request of ours of ``model``, sent with ``payload`` (the body's image fields as the manifest's)."""
        if request_id not in self._sent:
            images, plain = split_body(payload)
            self._sent[request_id] = (model, plain, frozenset(images))

    def listed(self, request_id: str, body: dict[str, Any]) -> None:
        """The history listed a request of ours with ``body``: compared the first time (then forgotten)."""
        entry = self._sent.pop(request_id, None)
        if entry is None:
            return
        model, plain, images = entry
        self._worst[model] = max(self._worst.get(model, EXACT), fit(plain, images, body), key=_RANK.__getitem__)

    def rule(self, model: str) -> str:
        """How a lost submit's rows of ``model`` are matched: ``exact``, ``holds``, or ``other`` (none can be)."""
        worst = self._worst.get(model)
        if worst is None:
            worst = max(self._worst.values(), key=_RANK.__getitem__, default=EXACT)
        return worst

    def matches(self, model: str, plain: dict[str, Any], image_fields: frozenset[str], body: dict[str, Any]) -> bool:
        """Whether a row's ``body`` may be a request of ``model`` sent with ``plain`` (its images: ``image_fields``)."""
        rule = self.rule(model)
        if rule == OTHER:
            return False
        seen = fit(plain, image_fields, body)
        return seen == EXACT or (rule == HOLDS and seen == HOLDS)
