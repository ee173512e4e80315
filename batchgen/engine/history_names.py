"""The name the request history lists each model's requests under, learned from the rows of our own requests.

A history row names its model by ``model_name``, and the documented ``model_name`` filter is a
substring match, so a history may list a model as ``segmind/SLUG`` or under a title (SEGMIND_API.md
says no more), and nothing says every model is named alike.  A lost submit's row looked for by the slug
alone would then go unfound, and the submit be taken for never made and sent again.  So the names are
learned from the rows of our requests (each sweep and look-up lists them), per model: a lost submit's
rows are matched by the names its model's requests were seen under, and a look-up asks for such a name
(the slug, where it is part of them).  Before a row of the model's was listed, a look-up asks for no
model at all and takes a row under any name for a candidate (its body and time tell it) but another
model's slug, bare or behind a prefix, which no history gives a model's rows: its absence then proves the
same as where the name is known.  What other models' rows are named shows nothing of this one's: a
history may list one model under its slug and another under a title.
"""

from __future__ import annotations

from ..models import catalogue


class ModelNames:
    """Per model (by slug), the names rows of our requests of it were listed under."""

    def __init__(self) -> None:
        self._models: dict[str, str] = {}  # our request ids -> their model's slug
        self._slugs: set[str] = set()  # ... and those slugs
        self._names: dict[str, set[str]] = {}  # a model's slug -> the names our requests of it were listed under

    def sent(self, request_id: str, model: str) -> None:
        """A request of ours, of ``model``."""
        self._models.setdefault(request_id, model)
        self._slugs.add(model)

    def listed(self, request_id: str, name: str) -> None:
        """The history listed ``request_id`` (ours, if known) under ``name``."""
        model = self._models.get(request_id)
        if model is not None:
            self._names.setdefault(model, set()).add(name)

    def may_be(self, model: str, name: str) -> bool:
        """Whether a row listed under ``name`` may be a request of ``model``: under a name the history listed
        our requests of it under; before any was listed, under any name but another model's slug (bare, or
        behind a prefix: ``segmind/SLUG``)."""
        names = self._names.get(model)
        if names is not None:
            return name in names
        slug = name.rsplit("/", 1)[-1]
        return slug == model or (slug not in catalogue.current() and slug not in self._slugs)

    def asked(self, model: str) -> str | None:
        """What a look-up asks the history for by ``model_name`` (a substring match): the slug, where every
        name the history lists our requests of the model under holds it, else one of those names that every
        one of them holds; None (every model's rows) before any was listed, or where no one string finds them
        all (one model listed both as ``segmind/SLUG`` and under a title: asked for by one, a lost submit's row
        under the other would go unfound, and the submit be sent again)."""
        names = self._names.get(model)
        if not names:
            return None
        shared = [name for name in sorted(names) if all(name in other for other in names)]
        return model if all(model in name for name in names) else next(iter(shared), None)
