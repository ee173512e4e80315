"""The README runs: its systemd units verify, and its commands use only flags that exist and are documented."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from batchgen.cli import arguments

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def readme_units() -> dict[str, str]:
    """The unit files the README shows, by name."""
    blocks = re.findall(r"`/etc/systemd/system/(batchgen\.\w+)`[^`]*?```ini\n(.*?)```", README, re.S)
    return dict(blocks)


def test_the_readme_shows_a_service_and_a_timer_without_inline_comments():
    units = readme_units()
    assert sorted(units) == ["batchgen.service", "batchgen.timer"]
    for text in units.values():
        for line in text.splitlines():
            assert line.startswith("#") or "#" not in line, line  # systemd takes '# ...' after a value as the value


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed on this machine")
def test_systemd_analyze_verify_is_clean_on_the_readme_units(tmp_path):
    for name, text in readme_units().items():
        # The binary the unit names does not exist here; verify would (rightly) say so. Any executable stands in.
        stand_in = shutil.which("true") or "/bin/true"
        (tmp_path / name).write_text(text.replace("/srv/videos/.venv/bin/batchgen", stand_in))
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(tmp_path / "batchgen.service"), str(tmp_path / "batchgen.timer")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr


def _hidden_flags(parser: argparse.ArgumentParser) -> set[str]:
    hidden = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                hidden |= _hidden_flags(sub)
        elif action.help == argparse.SUPPRESS:
            hidden |= set(action.option_strings)
    return hidden


def test_readme_commands_use_no_hidden_flags_and_name_the_installed_binary():
    commands = [line for line in README.splitlines() if re.search(r"(^|\s)(\.venv/bin/)?batchgen (run|simulate)", line)]
    assert commands
    hidden = _hidden_flags(arguments.build_parser())
    for line in commands:
        assert not [flag for flag in hidden if flag in line.split()], line
    simulator = README[README.index("## The simulator") :]
    example = simulator[simulator.index("```sh") : simulator.index("```", simulator.index("```sh") + 5)]
    for line in example.splitlines()[1:]:
        if "batchgen" in line and not line.startswith("#"):
            assert ".venv/bin/batchgen" in line and ("SEGMIND_API_KEY=" in line or " simulate " in line), line
