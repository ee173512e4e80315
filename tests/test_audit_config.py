"""Audit of ``batchgen/config.py``: every ``BATCHGEN_*`` variable the README lists sets its key, and a bound
an error names is itself a value the config takes."""

from __future__ import annotations

import pytest

from batchgen.config import load_settings
from batchgen.errors import ConfigError
from tests.helpers import write


def test_batchgen_out_names_the_output_folder_as_text_over_the_config_file(tmp_path):
    config = write(tmp_path / "c.yaml", "output:\n  dir: from-file\n")
    settings = load_settings(config, environ={"BATCHGEN_OUT": "2026-nightly"})
    assert settings.output.dir == "2026-nightly"
    settings = load_settings(config, environ={"BATCHGEN_OUT": "/data/nightly"})
    assert settings.output.dir == "/data/nightly"


def test_the_bounds_the_config_errors_name_are_themselves_accepted(tmp_path):
    edges = "output:\n  lease_ttl_s: 5\nreport:\n  thumb_width: {width}\n"
    for width in (32, 1920):
        settings = load_settings(write(tmp_path / "c.yaml", edges.format(width=width)), environ={})
        assert (settings.output.lease_ttl_s, settings.report.thumb_width) == (5, width)
    for width in (31, 1921):
        with pytest.raises(ConfigError, match="between 32 and 1920 pixels"):
            load_settings(write(tmp_path / "c.yaml", edges.format(width=width)), environ={})
    with pytest.raises(ConfigError, match="at least 5 seconds"):
        load_settings(write(tmp_path / "c.yaml", "output:\n  lease_ttl_s: 4.9\n"), environ={})
