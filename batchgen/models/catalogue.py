"""The catalogue: the shipped specs (``batchgen/models/specs/*.yaml``) plus the user's spec files.

A user's file adds a model, or overrides a shipped one of the same slug.
The catalogue in use is set once per command (:func:`use`, from the
config's ``models.files`` and ``--models``); everything that reads a model
(validation, defaults, the request body, prices, the poll plan) asks
:func:`current`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import ModelSpecError, Problem
from .loader import load_spec_file
from .spec import KINDS, ModelSpec


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every known model, by slug."""

    models: dict[str, ModelSpec]

    def get(self, slug: str) -> ModelSpec | None:
        return self.models.get(slug)

    def __contains__(self, slug: object) -> bool:
        return slug in self.models

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.models))

    def names(self) -> list[str]:
        return sorted(self.models)

    def names_by_kind(self) -> list[str]:
        """Every slug, text-to-video models first, then image-to-video, then both (each group sorted)."""
        return sorted(self.models, key=lambda slug: (KINDS.index(self.models[slug].kind), slug))

    def closest(self, name: str) -> str | None:
        """The known slug nearest ``name`` (case-insensitive), for "did you mean"."""
        lowered = {slug.lower(): slug for slug in self.models}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        return lowered[close[0]] if close else None


def shipped_spec_files() -> list[Path]:
    """The spec files that ship in the package."""
    folder = resources.files("batchgen.models") / "specs"
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".yaml"))


@cache
def shipped() -> Catalogue:
    """The package's own specs (read once)."""
    return Catalogue(_load({}, shipped_spec_files(), shipped=True))


def build(files: Iterable[str | Path] = ()) -> Catalogue:
    """The shipped catalogue with each user file added (a file of a shipped slug replaces it)."""
    return Catalogue(_load(dict(shipped().models), files, shipped=False))


def _load(models: dict[str, ModelSpec], files: Iterable[str | Path], *, shipped: bool) -> dict[str, ModelSpec]:
    """``models`` with every spec file of ``files`` added; every problem of every file, or none."""
    problems: list[Problem] = []
    for path in files:
        try:
            spec = load_spec_file(path, shipped=shipped)
        except ModelSpecError as exc:
            problems += exc.problems
            continue
        models[spec.slug] = spec
    if problems:
        raise ModelSpecError(problems)
    return models


_current: list[Catalogue] = []


def use(files: Iterable[str | Path] = ()) -> Catalogue:
    """Make the shipped specs plus ``files`` the catalogue in use (for this process); returns it."""
    catalogue = build(files)
    _current[:] = [catalogue]
    return catalogue


def current() -> Catalogue:
    """The catalogue in use: the shipped one unless :func:`use` said otherwise."""
    return _current[0] if _current else shipped()


def user_files() -> tuple[str, ...]:
    """The spec files of the catalogue in use that are the user's (``--models``, ``models.files``)."""
    return tuple(spec.file for spec in current().models.values() if not spec.shipped)
