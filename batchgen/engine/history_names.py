"""The name the request history lists each model's requests under, learned from the rows of our own requests.

A history row names its model by ``model_name``, and the documented ``model_name`` filter is a
substring match, so a history may list a model as ``segmind/SLUG`` or under a title (SEGMIND_API.md
says no more).  A lost submit's row matched by the slug alone would then go unmatched, and the submit
be taken for never made and sent again.  So the names are learned from the rows of our requests (each
sweep and look-up lists them): a lost submit's rows are matched by the names its model's requests
were seen under, a look-up asks for such a name where the slug is not part of it, and absence counts
only once its model's name is known.
"""

from __future__ import annotations


class ModelNames:
    """Per model (by slug), the names rows of our requests of it were listed under."""

    def __init__(self) -> None:
        self._models: dict[str, str] = {}  # our request ids -> their model's slug
        self._names: dict[str, set[str]] = {}  # a model's slug -> the names our requests of it were listed under
        self._slugs_listed = False  # a request of ours was listed under its model's slug...
        self._renamed = False  # ... or under another name

    def sent(self, request_id: str, model: str) -> None:
        """A request of ours, of ``model``."""
        self._models.setdefault(request_id, model)

    def listed(self, request_id: str, name: str) -> None:
        """The history listed ``request_id`` (ours, if known) under ``name``."""
        model = self._models.get(request_id)
        if model is None:
            return
        self._names.setdefault(model, set()).add(name)
        if name == model:
            self._slugs_listed = True
        else:
            self._renamed = True

    def of(self, model: str) -> set[str]:
        """The ``model_name`` a row of this model carries: the names the history listed our requests of it
        under, else its slug (the documented name, and the one asked for)."""
        return self._names.get(model) or {model}

    def known(self, model: str) -> bool:
        """Whether the history is known to list this model's requests under :meth:`of`: one of ours of it was
        listed, or ours of every model were listed under their slugs.  Until then a row of a lost submit,
        listed under another name, would go unmatched: its absence proves nothing."""
        return model in self._names or (self._slugs_listed and not self._renamed)

    def asked(self, model: str) -> str:
        """What a look-up asks the history for by ``model_name`` (a substring match): the slug, unless the
        history lists our requests of the model under names without it (then one of those)."""
        names = self._names.get(model)
        if not names or any(model in name for name in names):
            return model
        return min(names)
