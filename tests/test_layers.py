"""The package's layers, checked: work and imports flow one way.

``cli -> report -> engine -> {api, store} -> shared vocabulary``; ``models/`` is
vocabulary too.  The simulator imports nothing from batchgen but the
catalogue's data.  Every import counts, including those inside functions and
under ``TYPE_CHECKING``: a lazy upward import is still an upward dependency.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "batchgen"

VOCABULARY = {"errors", "jobs", "params", "config", "manifest", "clock", "retry", "yaml_reader", "models"}
# What each layer may import from batchgen, besides itself.
V = "vocabulary"
ALLOWED: dict[str, set[str]] = {
    V: set(),
    "api": {V},
    "store": {V},
    "engine": {V, "api", "store"},
    "report": {V, "api", "store", "engine"},
    "cli": {V, "api", "store", "engine", "report", "simulator", "root"},
    "simulator": set(),
    "root": {V, "api", "store", "engine", "report"},
    "main": {"cli"},
}


def layer_of(module: tuple[str, ...]) -> str:
    """The layer of a module named by its parts under ``batchgen`` (``("engine", "book")``)."""
    if not module:
        return "root"
    head = module[0]
    if head == "__main__":
        return "main"
    if head == "__init__":
        return "root"
    if head in VOCABULARY:
        return "vocabulary"
    return head


def _target(module: tuple[str, ...], is_package: bool, node: ast.ImportFrom | ast.Import) -> list[tuple[str, ...]]:
    """The batchgen modules an import statement names, as parts under ``batchgen``."""
    if isinstance(node, ast.Import):
        return [tuple(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "batchgen"]
    if node.level == 0:
        if not node.module or node.module.split(".")[0] != "batchgen":
            return []
        base = tuple(node.module.split(".")[1:])
    else:
        package = module if is_package else module[:-1]
        up = node.level - 1
        if up > len(package):
            return []
        base = package[: len(package) - up] + (tuple(node.module.split(".")) if node.module else ())
    if base:
        return [base]
    # "from batchgen import x": each name is a module or an attribute of the root
    return [(a.name,) if a.name in VOCABULARY or a.name in ALLOWED else () for a in node.names]  # () is the root


def violations(package: Path) -> list[str]:
    """Every import in ``package`` that goes against the layers, as ``file:line: a -> b``."""
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).with_suffix("")
        is_package = rel.name == "__init__"
        parts = tuple(rel.parts[:-1]) if is_package else tuple(rel.parts)
        here = layer_of(parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _target(parts, is_package, node):
                there = layer_of(target)
                if there == here or there in ALLOWED[here]:
                    continue
                if there == "root" and here == "cli" and target == ():
                    continue
                found.append(f"{path.relative_to(package)}:{node.lineno}: {here} -> {there} ({'.'.join(target)})")
    return found


def test_every_import_flows_down_the_layers():
    assert violations(PACKAGE) == []


def test_nothing_imports_the_cli_but_the_entry_point():
    importers = [v for v in violations(PACKAGE) if v.endswith("-> cli")]
    assert importers == []
    for path in PACKAGE.rglob("*.py"):
        if path.parts[-2] == "cli" or path.name == "__main__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "from .cli" not in text and "from ..cli" not in text and "batchgen.cli" not in text, path


@pytest.mark.parametrize(
    ("where", "planted", "expected"),
    [
        ("engine/book.py", "from ..report import summary\n", "engine -> report"),
        ("engine/poller.py", "def _late():\n    from ..cli.main import main\n", "engine -> cli"),
        ("api/client.py", "from ..store.ledger import Ledger\n", "api -> store"),
        ("store/ledger.py", "from ..api.client import ApiClient\n", "store -> api"),
        ("store/local.py", "from ..engine.book import JobBook\n", "store -> engine"),
        ("clock.py", "from .engine import run\n", "vocabulary -> engine"),
        ("report/summary.py", "import batchgen.cli.main\n", "report -> cli"),
        ("simulator/app.py", "from ..errors import InputError\n", "simulator -> vocabulary"),
        (
            "engine/run.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..report.exits import Verdict\n",
            "engine -> report",
        ),
    ],
)
def test_a_planted_upward_import_is_caught(tmp_path, where, planted, expected):
    copy = tmp_path / "batchgen"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mp4"))
    target = copy / where
    target.write_text(target.read_text(encoding="utf-8") + "\n" + planted, encoding="utf-8")
    found = violations(copy)
    assert any(where in v and expected in v for v in found), found
