"""Audit of ``batchgen/engine/history_names.py``: once the history listed a model's requests under a name, a
row is taken for one of that model's only under that very name, never under a shorter name it contains."""

from __future__ import annotations

from batchgen.engine.history_names import ModelNames


def test_a_row_under_a_name_the_models_name_merely_contains_is_not_taken_for_one_of_its_requests():
    names = ModelNames()
    names.sent("r1", "kling-2.6-pro")
    names.listed("r1", "Kling 2.6 Pro")
    assert names.may_be("kling-2.6-pro", "Kling 2.6 Pro")
    for other in ("Kling 2.6", "Kling", "2.6 Pro"):
        assert not names.may_be("kling-2.6-pro", other)
