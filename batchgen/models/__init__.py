"""Models as data: one spec file per model, the catalogue of them, and what reads a spec.

* :mod:`.spec` - what a spec holds (frozen dataclasses);
* :mod:`.loader` - reading and checking one spec file (``docs/MODEL_SPEC.md``);
* :mod:`.catalogue` - the shipped specs plus the user's files, and the one in use;
* :mod:`.check` - one job's parameters against a spec: values, rules, wire forms;
* :mod:`.price` - a job's price from the spec (exact, or an upper bound);
* :mod:`.images` - images as inputs: checked, referenced by digest, read when sent.
"""

from __future__ import annotations

from .catalogue import Catalogue, current, shipped, shipped_spec_files, use
from .spec import ModelSpec, ParamSpec, Rule

__all__ = ["Catalogue", "ModelSpec", "ParamSpec", "Rule", "current", "shipped", "shipped_spec_files", "use"]
