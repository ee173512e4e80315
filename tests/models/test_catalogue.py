"""Every model in the catalogue, from its spec file: a full body goes through with the spec's wire types,
and every bad field is refused before sending (file, line, field), and by the simulator (400 naming it)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from batchgen.errors import ManifestError, ModelSpecError
from batchgen.manifest import load_manifest
from batchgen.models import catalogue
from batchgen.models.check import check_params
from batchgen.models.images import wire_body
from batchgen.models.loader import load_spec_file
from batchgen.models.price import highest, price_of
from batchgen.models.spec import ModelSpec, ParamSpec
from tests.helpers import KEY, TEST_IMAGE_SPEC, png_bytes, run_batch, run_cli, write

SPEC_FILES = [*catalogue.shipped_spec_files(), TEST_IMAGE_SPEC]
IDS = [p.stem for p in SPEC_FILES]


@pytest.fixture(autouse=True)
def test_catalogue():
    """The shipped specs plus the test image model; the shipped catalogue again afterwards."""
    catalogue.use([TEST_IMAGE_SPEC])
    yield
    catalogue.use([])


def _spec(path: Path) -> ModelSpec:
    return load_spec_file(path, shipped=path != TEST_IMAGE_SPEC)


def _good(param: ParamSpec, image: Path) -> Any:
    if param.type == "string":
        return "a calm lake at dawn"[: param.max_length or 100]
    if param.type == "enum":
        return param.default if param.default is not None else param.values[0]
    if param.type in ("integer", "number"):
        if param.default is not None:
            return param.default
        value = param.min if param.min is not None else 1
        return int(value) if param.type == "integer" else value
    if param.type == "boolean":
        return param.default if param.default is not None else False
    if param.type == "list":
        if param.items == "object":
            return [{"prompt": "a calm lake", "duration": "5"}]
        return ["a calm lake", "a stormy sea"][: param.max_items or 2]
    if param.type == "image":
        return "https://example.com/first.png" if param.wire == "url" else str(image)
    raise AssertionError(param.type)


def _bad(param: ParamSpec) -> tuple[Any, str]:
    """A value the spec refuses (as written in a manifest), and a word its message holds."""
    if param.type == "image" and param.wire == "url":
        return "http://example.com/first.png", "https://"
    return {
        "string": (["not", "text"], "text"),
        "enum": ("no-such-value", "not allowed"),
        "integer": ("many", "whole number"),
        "number": ("lots", "number"),
        "boolean": ("perhaps", "true or false"),
        "list": (5, "list"),
        "image": ("no-such-folder/none.png", "does not exist"),
    }[param.type]


def full_params(spec: ModelSpec, image: Path) -> dict[str, Any]:
    """As many parameters as the spec's rules allow together, each with a good value (required ones first)."""
    order = sorted(spec.params.values(), key=lambda p: not p.required)
    chosen: dict[str, Any] = {}
    for param in order:
        trial = {**chosen, param.name: _good(param, image)}
        missing_ok = [p for p in spec.params.values() if p.required and p.name not in trial]
        _, problems = check_params(spec, {**trial, **{p.name: _good(p, image) for p in missing_ok}})
        if not problems:
            chosen = trial
    assert check_params(spec, chosen)[1] == []
    return chosen


def _wire_type_ok(param: ParamSpec, value: Any) -> bool:
    wire = param.wire or param.type
    if wire in ("string", "base64", "url"):
        return isinstance(value, str)
    if wire == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if wire == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if wire == "boolean":
        return isinstance(value, bool)
    if wire == "enum":
        return any(type(value) is type(v) and value == v for v in param.values)
    if wire == "list":
        return isinstance(value, list)
    return False


@pytest.mark.parametrize("path", SPEC_FILES, ids=IDS)
def test_spec_file_loads_and_prices_are_never_zero(path):
    spec = _spec(path)
    assert spec.slug == path.stem and spec.latency_s > 0 and spec.source_page.startswith("https://")
    assert highest(spec) > 0
    for row in spec.price.table:
        assert price_of(spec, {**spec.defaults(), **row.when})[0] == row.usd


@pytest.mark.parametrize("path", SPEC_FILES, ids=IDS)
def test_a_full_body_goes_through_with_the_specs_wire_types(path, tmp_path, sim, monkeypatch):
    spec = _spec(path)
    image = tmp_path / "first.png"
    image.write_bytes(png_bytes(640, 360))
    params = full_params(spec, image)
    checked, problems = check_params(spec, params, base=tmp_path)
    assert problems == []
    body = wire_body(spec, checked)
    for name, value in body.items():
        assert _wire_type_ok(spec.params[name], value), (name, value, spec.params[name].wire)
        if spec.params[name].type == "image" and spec.params[name].wire != "url":
            assert base64.b64decode(value) == image.read_bytes()
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),), reject_unknown_params=True)
    answer = httpx.post(f"{server.url}/v2/{spec.slug}", json=body, headers={"x-api-key": KEY})
    assert answer.status_code == 200, answer.text
    # the same through batchgen: the manifest's values, sent in their wire forms
    manifest = write(tmp_path / "one.yaml", f"model: {spec.slug}\njobs:\n  - " + json.dumps({"id": "full", **params}))
    code = run_batch(manifest, tmp_path / "out", server, "--models", str(TEST_IMAGE_SPEC), monkeypatch=monkeypatch)
    assert code == 0
    sent = server.state.submissions[-1][2]
    for name, value in body.items():
        if spec.params[name].type == "image" and spec.params[name].wire != "url":
            assert sent[name].startswith("sim-image:sha256:")
        else:
            assert sent[name] == value and type(sent[name]) is type(value), name


@pytest.mark.parametrize("path", SPEC_FILES, ids=IDS)
def test_every_bad_field_is_refused_before_sending_with_file_line_and_field(path, tmp_path, sim, monkeypatch):
    spec = _spec(path)
    image = tmp_path / "first.png"
    image.write_bytes(png_bytes(640, 360))
    good = full_params(spec, image)
    lines = [f"model: {spec.slug}", "jobs:"]
    where: dict[str, int] = {}
    for name, param in spec.params.items():
        job = {**good, name: _bad(param)[0]}
        lines.append(f"  - id: bad-{name.replace('_', '-')}")
        for key, value in job.items():
            lines.append(f"    {key}: {json.dumps(value)}")
            if key == name:
                where[name] = len(lines)
    manifest = write(tmp_path / "bad.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    found = {(p.line, p.field): p.message for p in caught.value.problems}
    for name, param in spec.params.items():
        message = found.get((where[name], name))
        assert message is not None, f"{name}: no problem at line {where[name]} ({found})"
        assert _bad(param)[1] in message, (name, message)
        assert all(p.file == str(manifest) for p in caught.value.problems)
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),))
    code = run_batch(manifest, tmp_path / "out", server, "--models", str(TEST_IMAGE_SPEC), monkeypatch=monkeypatch)
    assert code == 2 and server.state.submissions == []


def _bad_wire(param: ParamSpec) -> Any:
    return {
        "string": 123,
        "enum": "no-such-value",
        "integer": "many",
        "number": "lots",
        "boolean": "perhaps",
        "list": 5,
        "image": "not an image!",
    }[param.type]


@pytest.mark.parametrize("path", SPEC_FILES, ids=IDS)
def test_the_simulator_refuses_each_bad_field_by_name(path, tmp_path, sim):
    spec = _spec(path)
    image = tmp_path / "first.png"
    image.write_bytes(png_bytes(640, 360))
    body = wire_body(spec, check_params(spec, full_params(spec, image), base=tmp_path)[0])
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),))
    for name, param in spec.params.items():
        answer = httpx.post(
            f"{server.url}/v2/{spec.slug}", json={**body, name: _bad_wire(param)}, headers={"x-api-key": KEY}
        )
        assert answer.status_code == 400, (name, answer.text)
        assert name.lower() in answer.json()["error"].lower()
        assert "not an image!" not in answer.text or param.type != "image"
    for param in spec.params.values():
        if param.required:
            answer = httpx.post(
                f"{server.url}/v2/{spec.slug}",
                json={k: v for k, v in body.items() if k != param.name},
                headers={"x-api-key": KEY},
            )
            assert answer.status_code == 400 and param.name.lower() in answer.json()["error"].lower()
    assert server.state.submissions == []


# --------------------------------------------------------------------------- user spec files


def test_a_bad_spec_file_is_refused_with_file_line_field_and_what_to_write(tmp_path, capsys):
    bad = write(
        tmp_path / "kling-9.yaml",
        "slug: kling-9\nkind: text-to-video\nsource: {page: https://www.segmind.com/models/kling-9/api}\n"
        "latency_s: 100\nparams:\n  prompt: {type: text}\n  duration: {type: enum}\n"
        "price: {source: page, table: [{usd: 0}]}\n",
    )
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(bad)
    text = str(caught.value)
    assert f"{bad}:6: field 'prompt.type': 'text' is not a type; use one of string" in text
    assert f"{bad}:7: field 'duration.values': an enum needs values" in text
    assert "price above $0" in text
    assert run_cli("models", "--models", str(bad)) == 2
    assert "prompt.type" in capsys.readouterr().err


def test_an_image_fields_inline_form_is_checked_and_defaults_from_its_wire_form(tmp_path):
    head = (
        "slug: kling-9\nkind: image-to-video\nsource: {page: https://www.segmind.com/models/kling-9/api}\n"
        "latency_s: 100\nprice: {source: page, table: [{usd: 0.5}]}\nparams:\n"
    )
    bad = write(
        tmp_path / "bad.yaml", head + "  image: {type: image, inline: hex}\n  prompt: {type: string, inline: base64}\n"
    )
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(bad)
    text = str(caught.value)
    assert f"{bad}:7: field 'image.inline': 'hex': use one of base64, data_uri" in text
    assert f"{bad}:8: field 'prompt.inline': 'base64': only an image has an inline form" in text
    good = write(
        tmp_path / "kling-9.yaml",
        head + "  a: {type: image, wire: url}\n  b: {type: image, wire: base64}\n  c: {type: image}\n"
        "  d: {type: image, wire: url, inline: base64}\n",
    )
    params = load_spec_file(good).params
    assert [params[k].inline_form() for k in "abcd"] == ["data_uri", "base64", "data_uri", "base64"]


def test_a_user_spec_adds_a_model_and_overrides_a_shipped_one(tmp_path, sim, monkeypatch, capsys):
    shipped = Path(catalogue.shipped().models["kling-text2video"].file).read_text()
    override = write(tmp_path / "kling-text2video.yaml", shipped.replace("latency_s: 320.23594", "latency_s: 42"))
    assert run_cli("models", "--models", str(override), "--models", str(TEST_IMAGE_SPEC)) == 0
    listing = capsys.readouterr().out
    assert "kling-text2video *" in listing and "~42 s" in listing and "kling-test-image2video *" in listing
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - prompt: hello\n    mode: max\n")
    assert run_cli("validate", str(manifest), "--models", str(override)) == 2
    assert "'max' is not allowed for kling-text2video" in capsys.readouterr().err


def test_models_command_lists_and_details_with_json_and_did_you_mean(capsys):
    assert run_cli("models") == 0
    out = capsys.readouterr().out
    for slug in catalogue.shipped().names():
        assert slug in out
    assert run_cli("models", "kling-text2video") == 0
    detail = capsys.readouterr().out
    assert "camera_control_config_value" in detail and "-10 to 10" in detail and "mode=pro duration=10: $1.96" in detail
    assert run_cli("models", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert {m["slug"] for m in listed} >= set(catalogue.shipped().names())
    assert all(m["price_usd"][0] > 0 for m in listed)
    assert run_cli("models", "kling-1.6-text2video", "--json") == 0
    one = json.loads(capsys.readouterr().out)
    assert one["params"]["duration"]["values"] == [5, 10] and one["params"]["duration"]["wire"] == "integer"
    assert run_cli("models", "kling-text2vide") == 2
    assert "did you mean 'kling-text2video'?" in capsys.readouterr().err


def test_the_models_command_gives_each_price_range_lowest_first_and_a_near_name_whatever_its_case(capsys):
    # What a batch may cost: the cheapest job of the model, then the dearest (its upper-bound estimate).
    assert run_cli("models", "kling-text2video") == 0
    assert "  price (USD per video): 0.28 - 1.96\n" in capsys.readouterr().out
    assert run_cli("models", "--json") == 0
    listed = {m["slug"]: m["price_usd"] for m in json.loads(capsys.readouterr().out)}
    assert listed["kling-text2video"] == [0.28, 1.96] and listed["kling-1.6-text2video"] == [0.56, 1.12]
    assert all(low <= high for low, high in listed.values())
    assert run_cli("models", "KLING-TEXT2VIDE") == 2
    assert "did you mean 'kling-text2video'?" in capsys.readouterr().err


def test_an_unpriced_combination_is_estimated_at_the_highest_price_and_says_upper_bound(tmp_path, capsys):
    manifest = write(
        tmp_path / "m.yaml",
        f"model: kling-test-image2video\njobs:\n  - image: {tmp_path / 'a.png'}\n    duration: 10\n"
        "    generate_audio: true\n",
    )
    (tmp_path / "a.png").write_bytes(png_bytes(400, 400))
    assert run_cli("validate", str(manifest), "--models", str(TEST_IMAGE_SPEC)) == 0
    out = capsys.readouterr().out
    assert "estimated spend: $1.40 (upper bound" in out


def test_a_rule_between_parameters_is_checked_before_sending(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(png_bytes(400, 400))
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-test-image2video\njobs:\n  - image: a.png\n    mode: std\n    generate_audio: true\n"
        "  - image: a.png\n    seed: 7\n    multi_prompt: [one]\n",
    )
    assert run_cli("validate", str(manifest), "--models", str(TEST_IMAGE_SPEC)) == 2
    err = capsys.readouterr().err
    assert f"{manifest}:4: field 'mode': audio is generated in pro mode only (mode is std)" in err
    assert f"{manifest}:8: field 'multi_prompt': a fixed seed 7 takes no multi_prompt" in err


def test_a_csv_duration_of_5_0_is_accepted_like_yamls(tmp_path):
    manifest = write(tmp_path / "m.csv", "model,prompt,duration\nkling-text2video,hello,5.0\nkling-text2video,b,10.0\n")
    jobs = load_manifest(manifest).jobs
    assert [j.params["duration"] for j in jobs] == [5, 10]
    assert all(type(j.params["duration"]) is int for j in jobs)


def test_string_valued_enums_take_numbers_and_per_second_prices_scale_with_the_duration(tmp_path):
    path = write(
        tmp_path / "kling-x.yaml",
        "slug: kling-x\nkind: text-to-video\n"
        "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"
        "latency_s: 90\nparams:\n  prompt: {type: string, required: true}\n"
        '  duration: {type: enum, values: ["3", "5", "15"], wire: string, default: "5"}\n'
        "  generate_audio: {type: boolean, default: false, send_default: true}\n"
        "price:\n  source: test\n  by: [duration, generate_audio]\n"
        "  per_second: [{generate_audio: false, usd: 0.1}, {generate_audio: true, usd: 0.15}]\n",
    )
    spec = load_spec_file(path)
    for given in (5, "5", 5.0, "5.0"):
        params, problems = check_params(spec, {"prompt": "x", "duration": given}, from_text=True)
        assert problems == [] and params == {"prompt": "x", "duration": "5", "generate_audio": False}
    assert price_of(spec, {"duration": "15", "generate_audio": True}) == (2.25, True)
    assert price_of(spec, {}) == (0.5, True)  # the defaults: 5 s without audio
    assert highest(spec) == 2.25


def test_the_models_command_shows_the_images_a_list_parameters_objects_hold_and_their_limits(capsys):
    assert run_cli("models", "kling-3-standard-image2video") == 0
    detail = capsys.readouterr().out
    assert "elements         list, a local file in its objects inline as a data: URI, optional" in detail
    assert "elements[n].frontal_image_url: image, optional" in detail
    assert "elements[n].reference_image_urls: list, optional" in detail
    assert (
        "list of image, at most 3 items, each a local path, https:// URL or data: URI (jpeg/png), at most 50 MiB"
        in (detail)
    )
    assert run_cli("models", "kling-3-standard-image2video", "--json") == 0
    elements = json.loads(capsys.readouterr().out)["params"]["elements"]
    frontal = elements["item_images"]["frontal_image_url"]
    assert (frontal["type"], frontal["max_bytes"], frontal["min_side_px"]) == ("image", 52428800, 300)
    assert elements["item_images"]["reference_image_urls"]["max_items"] == 3 and elements["inline"] == "data_uri"


def test_the_models_command_shows_the_keys_of_a_multi_shot_lists_objects_and_no_inline_form_for_them(capsys):
    assert run_cli("models", "kling-3-standard-text2video") == 0
    detail = capsys.readouterr().out
    assert "multi_prompt     list, optional\n" in detail  # no image in its objects: no inline form said
    assert "multi_prompt[n].prompt: string, required" in detail and "allowed: at most 512 characters" in detail
    assert "multi_prompt[n].duration: string, optional" in detail
    assert run_cli("models", "kling-3-standard-text2video", "--json") == 0
    shots = json.loads(capsys.readouterr().out)["params"]["multi_prompt"]
    assert "inline" not in shots and shots["item_fields"]["prompt"]["max_length"] == 512
    assert shots["item_fields"]["prompt"]["required"] is True and shots["item_fields"]["duration"]["type"] == "string"


def test_every_problem_of_every_user_spec_file_is_listed_at_once_and_only_user_files_are_named_again(tmp_path):
    # Two bad files: the user hears of both in one go, not of the second after fixing the first.
    head = "kind: text-to-video\nsource: {page: https://www.segmind.com/models/kling-9/api}\nlatency_s: 100\n"
    one = write(tmp_path / "kling-8.yaml", "slug: kling-8\n" + head + "params:\n  prompt: {type: text}\n")
    two = write(tmp_path / "kling-9.yaml", "slug: kling-9\n" + head + "params:\n  duration: {type: enum}\n")
    with pytest.raises(ModelSpecError) as caught:
        catalogue.build([one, two])
    text = str(caught.value)
    assert f"{one}:" in text and f"{two}:" in text
    # the files a resume command or a Ray actor is given again are the user's, never the shipped specs
    assert catalogue.user_files() == (str(TEST_IMAGE_SPEC),)
    assert "kling-test-image2video" in catalogue.current()
