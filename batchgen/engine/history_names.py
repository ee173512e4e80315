"""The name the request history lists each model's requests under, learned from the rows of our own requests.

A history row names its model by ``model_name``, and the documented ``model_name`` filter is a
substring match, so a history may list a model as ``segmind/SLUG`` or under a title (SEGMIND_API.md
says no more).  A lost submit's row matched by the slug alone would then go unmatched, and the submit
be taken for never made and sent again.  So the names are learned from the rows of our requests (each
sweep and look-up lists them): a lost submit's rows are matched by the names its model's requests
were seen under, a look-up asks for such a name where the slug is not part of it, and absence counts
only once its model's name is known.

Where no row of a model's requests has been listed (a re-run with nothing of that model to send, or a
lost submit the first of its model), a request of ours of it is asked for by id: the name that row gives
is *heard*.  A look-up asks for it and matches rows by it, but absence still counts only once the listing
itself lists a request of ours under it (one read by id may name the model otherwise than the listing).
"""

from __future__ import annotations

NAME_READS = 2  # requests of ours of a model read by id for its name, at most (the latest sent first)


class ModelNames:
    """Per model (by slug), the names rows of our requests of it were listed under."""

    def __init__(self) -> None:
        self._models: dict[str, str] = {}  # our request ids -> their model's slug
        self._sent_at: dict[str, float] = {}  # our request ids -> when they were sent (epoch)
        self._names: dict[str, set[str]] = {}  # a model's slug -> the names our requests of it were listed under
        self._heard: dict[str, set[str]] = {}  # a model's slug -> the names a request of ours read by id gave
        self._asked: dict[str, int] = {}  # a model's slug -> how many requests of ours of it were read by id
        self._slugs_listed = False  # a request of ours was listed under its model's slug...
        self._renamed = False  # ... or under another name

    def sent(self, request_id: str, model: str, at: float) -> None:
        """A request of ours, of ``model``, sent at ``at`` (epoch)."""
        self._models.setdefault(request_id, model)
        self._sent_at.setdefault(request_id, at)

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

    def to_read(self, model: str) -> str | None:
        """A request of ours of ``model`` to read by id for the name the history gives the model (the latest
        sent, of those not read yet), while none is listed or heard: at most ``NAME_READS`` per model, for a
        history that keeps no rows by id answers each with a 404."""
        if model in self._names or model in self._heard or self._asked.get(model, 0) >= NAME_READS:
            return None
        asked = self._asked.get(model, 0)
        # by when they were sent: an earlier run's are noted in the manifest's order, and a row made again is
        # sent days after the rows below it (the history may keep an older request no longer)
        ours = sorted((rid for rid, of in self._models.items() if of == model), key=self._sent_at.__getitem__)
        if asked >= len(ours):
            return None
        self._asked[model] = asked + 1
        return ours[-1 - asked]

    def heard(self, request_id: str, name: str) -> None:
        """Read by id, the history named the model of ``request_id`` (ours) ``name``."""
        model = self._models.get(request_id)
        if model is not None:
            self._heard.setdefault(model, set()).add(name)

    def of(self, model: str) -> set[str]:
        """The ``model_name`` a row of this model carries: the names the history listed our requests of it
        under, else its slug (the documented name, and the one asked for) and any name heard."""
        return self._names.get(model) or {model, *self._heard.get(model, ())}

    def known(self, model: str) -> bool:
        """Whether the history is known to list this model's requests under :meth:`of`: one of ours of it was
        listed, or ours of every model were listed under their slugs.  Until then a row of a lost submit,
        listed under another name, would go unmatched: its absence proves nothing."""
        return model in self._names or (self._slugs_listed and not self._renamed)

    def asked(self, model: str) -> str:
        """What a look-up asks the history for by ``model_name`` (a substring match): the slug, unless the
        history lists our requests of the model under names without it (then one of those)."""
        names = self._names.get(model) or self._heard.get(model)
        if not names or any(model in name for name in names):
            return model
        return min(names)
