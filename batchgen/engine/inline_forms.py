"""Which form a model's gateway takes an inlined image in, learnt from its answers.

A local image goes in its field inline, as bare base64 or as a ``data:`` URI;
the spec names the form to try first (``ParamSpec.inline_form``), and which
one each gateway takes is not documented.  A 400 that names the image's field
created nothing, so the job may be sent again in the other form: once per job
and field, while no submit has shown the model's current form good.  A form a
submit went through with is *confirmed*: a later refusal in it is the image's
own (or the field's), and is not retried.  Once a job was refused in both
forms, the model's form no longer changes (nor is the change logged again):
each later job still tries both, but a gateway that takes neither does not
send the form back and forth between jobs, "from now on" each time.  Nor does
a refusal change it back before then: jobs sent one after another, each
refused in the form the one before it moved to, are refused for one cause
(a gateway that takes neither form, or their images), so the change is made
and said once, naming the job it was learnt from; each job still tries both.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..errors import RequestRejected
from ..models import catalogue
from ..models.images import inline_fields

log = logging.getLogger("batchgen")
_WORDS = {"base64": "bare base64", "data_uri": "a data: URI"}


def _other(form: str) -> str:
    return "base64" if form == "data_uri" else "data_uri"


class InlineForms:
    """The run's preferred inline form per (model, field), and the ones confirmed by a submit."""

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], str] = {}
        self._confirmed: set[tuple[str, str]] = set()
        self._refused_both: set[tuple[str, str]] = set()  # a job was refused in each form
        # moved to the other form after a refusal of this job's, until its own outcome in that form is known
        self._trying: dict[tuple[str, str], str] = {}

    def forms_for(self, model: str, payload: dict[str, Any], tried: dict[str, set[str]]) -> dict[str, str]:
        """The form each inlined image of this payload goes in now: the model's current one, unless this job
        (``tried``: the forms each of its fields was refused in) was refused in it already."""
        spec = catalogue.current().get(model)
        forms = {}
        for name in inline_fields(payload):
            param = spec.params.get(name) if spec else None
            form = self._forms.get((model, name)) or (param.inline_form() if param else "base64")
            forms[name] = _other(form) if form in tried.get(name, ()) else form
        return forms

    def succeeded(self, model: str, used: dict[str, str]) -> None:
        for name, form in used.items():
            key = (model, name)
            if key in self._confirmed:  # both forms go through: the one confirmed first stays, as the log said
                continue
            if self._forms.get(key, form) != form:  # the log said the other
                log.warning("%s took the image in '%s' as %s; sending it so from now on", model, name, _WORDS[form])
            self._forms[key] = form
            self._confirmed.add(key)
            self._trying.pop(key, None)

    def refused(
        self, model: str, exc: RequestRejected, used: dict[str, str], tried: dict[str, set[str]], job_id: str = ""
    ) -> bool:
        """A submit (of job ``job_id``) sent with ``used`` was refused: True when it should be sent again in the
        other form (each job tries each form at most once).  ``tried`` is this job's memory of the forms each
        field was refused in."""
        if exc.status != 400:
            return False
        text = f"{exc.detail or ''} {exc}"
        for name, form in used.items():
            if not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE):  # "Image is ..." too
                continue
            tried.setdefault(name, set()).add(form)
            key = (model, name)
            if _other(form) in tried[name]:
                self._refused_both.add(key)
                self._trying.pop(key, None)
                return False  # refused in both forms: the image itself is refused, or the gateway takes neither
            if key in self._confirmed and self._forms.get(key) == form:
                return False  # refused in a form known good: the image itself is refused
            if self._trying.get(key, job_id) != job_id:
                return True  # refused in the form another job's refusal moved to, on trial: one cause, said once
            if self._forms.get(key, form) == form and key not in self._confirmed | self._refused_both:
                self._forms[key] = _other(form)
                self._trying[key] = job_id
                log.warning(  # not the answer's text: a provider may echo the field's value in it
                    "%s refused the image in '%s' sent as %s (HTTP 400 naming the field%s); sending it as %s from "
                    "now on",
                    model,
                    name,
                    _WORDS[form],
                    f", job {job_id}" if job_id else "",
                    _WORDS[_other(form)],
                )
            return True
        return False
