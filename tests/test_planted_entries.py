"""Every bug ``bench.planted`` plants still has its place in the code: a refactor that moves the line (or
indents it deeper: the plant then breaks the file, and its tests fail for that) would otherwise leave a plant
that is never applied, and a promise that no planted bug checks."""

from __future__ import annotations

import pytest

from bench.planted import PLANTS, ROOT


@pytest.mark.parametrize("plant", PLANTS, ids=[p.name for p in PLANTS])
def test_each_plant_names_a_line_that_stands_once_in_its_file_and_tests_that_exist(plant):
    source = (ROOT / plant.file).read_text(encoding="utf-8")
    assert source.count(plant.before) == 1, f"update the entry: its line is not in {plant.file} exactly once"
    if plant.before.startswith(" "):  # a whole line, indentation included: not the end of a deeper one's
        at = source.index(plant.before)
        assert at == 0 or source[at - 1] == "\n", f"update the entry: its line is indented deeper in {plant.file}"
    assert plant.after != plant.before
    for test in plant.tests:  # a file, or one test in it (a parametrized one with its case's id)
        path, _, name = test.partition("::")
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not name or f"def {name.partition('[')[0]}(" in text, f"{test} is gone"
