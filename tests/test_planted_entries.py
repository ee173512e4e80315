"""Every bug ``bench.planted`` plants still has its place in the code: a refactor that moves the line
would otherwise leave a plant that is never applied, and a promise that no planted bug checks."""

from __future__ import annotations

import pytest

from bench.planted import PLANTS, ROOT


@pytest.mark.parametrize("plant", PLANTS, ids=[p.name for p in PLANTS])
def test_each_plant_names_a_line_that_stands_once_in_its_file_and_tests_that_exist(plant):
    source = (ROOT / plant.file).read_text(encoding="utf-8")
    assert source.count(plant.before) == 1, f"update the entry: its line is not in {plant.file} exactly once"
    assert plant.after != plant.before
    for test in plant.tests:  # a file, or one test in it (a parametrized one with its case's id)
        path, _, name = test.partition("::")
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not name or f"def {name.partition('[')[0]}(" in text, f"{test} is gone"
