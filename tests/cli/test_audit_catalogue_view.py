"""Audit of ``batchgen/cli/catalogue_view.py``: ``batchgen models`` tells the operator the truth about each
model: which specs are theirs, what a default sends, what a video costs, each parameter's limits, and what to
do about a name it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchgen.models import catalogue
from tests.helpers import TEST_IMAGE_SPEC, run_cli, write

PER_SECOND = (
    "slug: kling-x\nkind: text-to-video\n"
    "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"
    "latency_s: 90\nparams:\n  prompt: {type: string, required: true}\n"
    '  duration: {type: enum, values: ["5", "15"], wire: string, default: "5"}\n'
    "  generate_audio: {type: boolean, default: false}\n"
    "price:\n  source: test\n  by: [duration, generate_audio]\n"
    "  per_second: [{generate_audio: false, usd: 0.1}, {generate_audio: true, usd: 0.15}]\n"
)


@pytest.fixture(autouse=True)
def shipped_catalogue_again():
    yield
    catalogue.use([])


def test_the_listing_gives_each_models_price_from_its_cheapest_video_to_its_dearest(capsys):
    assert run_cli("models") == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:] if line.strip()}
    assert rows["kling-text2video"][1:5] == ["text-to-video", "0.28", "-", "1.96"]
    assert rows["kling-1.6-text2video"][2:5] == ["0.56", "-", "1.12"]


def test_a_listing_that_mixes_shipped_and_user_specs_says_what_the_star_means(capsys):
    assert run_cli("models", "--models", str(TEST_IMAGE_SPEC)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("kling-test-image2video *  ") for line in lines)
    assert any(line.startswith("kling-text2video  ") for line in lines)
    assert "* from your spec files" in lines


def test_the_json_listing_names_the_file_of_a_user_spec_and_none_for_a_shipped_one(capsys):
    assert run_cli("models", "--models", str(TEST_IMAGE_SPEC), "--json") == 0
    files = {m["slug"]: m["file"] for m in json.loads(capsys.readouterr().out)}
    assert Path(files["kling-test-image2video"]).resolve() == TEST_IMAGE_SPEC.resolve()
    assert files["kling-text2video"] is None
    assert all(files[slug] is None for slug in catalogue.shipped().names())


def test_a_default_is_said_to_be_sent_only_where_the_spec_sends_it(capsys):
    assert run_cli("models", "kling-2.6") == 0
    detail = capsys.readouterr().out
    assert "duration         enum, sent as string, optional, default 5 (sent)\n" in detail
    assert run_cli("models", "kling-text2video") == 0
    detail = capsys.readouterr().out
    assert "mode                         enum, optional, default std\n" in detail
    assert "(sent)" not in detail


def test_a_price_per_second_is_shown_per_second_not_as_the_price_of_a_video(tmp_path, capsys):
    spec = write(tmp_path / "kling-x.yaml", PER_SECOND)
    assert run_cli("models", "kling-x", "--models", str(spec)) == 0
    detail = capsys.readouterr().out
    assert "    generate_audio=false: $0.1 per second\n" in detail
    assert "    generate_audio=true: $0.15 per second\n" in detail
    assert "  price (USD per video): 0.5 - 2.25\n" in detail


def test_the_json_detail_gives_each_parameters_lower_bound_as_min_and_upper_as_max(capsys):
    assert run_cli("models", "kling-text2video", "--json") == 0
    params = json.loads(capsys.readouterr().out)["params"]
    assert (params["camera_control_config_value"]["min"], params["camera_control_config_value"]["max"]) == (-10, 10)
    assert all(p["min"] <= p["max"] for p in params.values() if "min" in p and "max" in p)


def test_an_unknown_model_is_refused_with_what_to_do_about_it(capsys):
    assert run_cli("models", "sora-2") == 2
    err = capsys.readouterr().err
    assert "unknown model 'sora-2'" in err
    assert "'batchgen models' lists them; a spec file (--models FILE) adds one" in err
