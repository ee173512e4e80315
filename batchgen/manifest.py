"""Manifests (YAML, CSV or JSONL, by extension) -> a list of validated JobSpecs.

Every format is reduced to the same thing, a list of raw jobs that know the
line each of their fields came from, and one function turns those into
JobSpecs.  All problems in the file are collected and raised together as one
ManifestError naming file, line (or CSV row) and field, so a user fixes the
whole file in one pass and nothing is ever submitted from a bad manifest.

YAML::

    model: kling-text2video        # default model for every job
    defaults: {duration: 5}        # merged under each job
    jobs:
      - id: collie-vr
        prompt: "A border collie wearing VR glasses"

CSV has a header row (parameter names plus optional ``id``, ``model`` and
``repeat``; empty cells mean "use the default"); JSONL has one job object per
line.  ``repeat: N`` makes N jobs of one (ids ``<id>-r1`` ... ``<id>-rN``).
A YAML ``images`` block makes one job per image of a folder or glob (see
``models.image_folder``).  A YAML ``matrix`` block expands the product of listed values into jobs::

    matrix:
      name: pets                      # id prefix
      prompt: ["a cat", "a dog"]
      aspect_ratio: ["16:9", "9:16"]  # -> pets-a-cat-16-9, pets-a-cat-9-16, ...
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from . import params as model_params
from .errors import ManifestError, Problem
from .jobs import ID_PATTERN, JobSpec, derived_id, varied_ids
from .models import catalogue
from .models.image_folder import expand_images
from .models.images import Missing, identity_view, place, refs_in
from .yaml_reader import LocatedList, LocatedMap, YamlProblem, load_located

MAX_MANIFEST_BYTES = 256 << 20
MAX_PROBLEMS = 200
META = "meta."  # a column or key named meta.NAME is an annotation: carried to the index, never sent
CURLY_QUOTES = "\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
MODEL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_RESERVED = ("id", "model", "repeat")
_DEFAULTS_NOT_TAKEN = {
    "id": "ids are given per job",
    "model": "write 'model:' at the top of the manifest for every job, or on a job",
    "repeat": "write 'repeat:' on each job to repeat",
}
MAX_REPEAT = 1000
MAX_MATRIX_JOBS = 100_000
# the states of a job a plain run never sends again: a row of one of them needs its image no more
LEFT_ALONE = ("completed", "failed", "expired")


@dataclass(slots=True)
class RawJob:
    """One job as read, before validation."""

    line: int
    fields: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Manifest:
    path: str
    jobs: list[JobSpec]
    warnings: list[str]
    # completed jobs whose local image is gone, taken as the ledger recorded them: what each would need to be
    # sent again (made anew), by job id
    gone_images: dict[str, list[Problem]] = field(default_factory=dict)


class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.total = 0
        self.repeats = 0  # problems the same as one listed (the jobs of one row's repeat or images block)

    def add(self, line: int | None, fieldname: str | None, message: str) -> None:
        self.total += 1  # every problem is counted; the first MAX_PROBLEMS are listed
        problem = Problem(self.path, line, fieldname, message)
        if problem in self.problems[-50:]:  # once, not per repeat
            self.repeats += 1
        elif len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ManifestError(self.problems, total=self.total, repeats=self.repeats)


def load_manifest(
    path: str | Path,
    *,
    passthrough: Collection[str] = (),
    known: Mapping[str, Mapping[str, Any]] | None = None,
    settled: Collection[str] = LEFT_ALONE,
) -> Manifest:
    """Read and validate a manifest; raises ManifestError listing every problem.

    A model without a built-in schema is an error (with the closest known
    name), unless it is listed in ``passthrough`` (config ``models.passthrough``):
    then its parameters are sent unchecked.

    ``known`` is the output folder's jobs by id (the ledger replayed).  A row of a given id whose only
    problem is a local image that is no longer there, and whose job the folder holds in one of the states
    ``settled`` (those this run never sends again: completed, and failed or expired unless the run's flag
    sends them again) from that same image path, is not an error: it is taken with the image the ledger
    recorded, and a warning names it (``Manifest.gone_images`` says what it would need to be sent).
    """
    path = Path(path)
    name = str(path)
    bad = _Collector(name)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv", ".jsonl", ".ndjson"):
        bad.add(None, None, "unknown manifest type; use a .yaml, .yml, .csv or .jsonl file")
        bad.raise_if_any()
    text = _read_text(path, bad)
    if suffix in (".yaml", ".yml"):
        default_model, defaults, raw_jobs = _from_yaml(text, bad, path.resolve().parent, frozenset(passthrough))
        from_text = False
    elif suffix == ".csv":
        default_model, defaults, raw_jobs, from_text = _csv_model(text), {}, _from_csv(text, bad), True
    else:
        default_model, defaults, raw_jobs, from_text = None, {}, _from_jsonl(text, bad), False
    bad.raise_if_any()
    base = path.resolve().parent
    gone: dict[str, list[Problem]] = {}
    jobs, warnings = _build(
        raw_jobs,
        default_model,
        defaults,
        from_text,
        bad,
        frozenset(passthrough),
        base,
        known=known,
        gone=gone,
        settled=frozenset(settled),
    )
    bad.raise_if_any()
    if not jobs:
        bad.add(None, "jobs", "the manifest has no jobs")
        bad.raise_if_any()
    return Manifest(path=name, jobs=jobs, warnings=warnings, gone_images=gone)


# --------------------------------------------------------------------------- reading


def _read_text(path: Path, bad: _Collector) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            bad.add(None, None, f"the file is {size} bytes; manifests are limited to {MAX_MANIFEST_BYTES} bytes")
            bad.raise_if_any()
        data = path.read_bytes()
    except FileNotFoundError:
        bad.add(None, None, "no such file; check the path")
        bad.raise_if_any()
        raise AssertionError("unreachable") from None
    except IsADirectoryError:
        bad.add(None, None, "is a folder, not a manifest file")
        bad.raise_if_any()
        raise AssertionError("unreachable") from None
    except OSError as exc:
        bad.add(None, None, f"cannot be read: {exc.strerror or exc}")
        bad.raise_if_any()
        raise AssertionError("unreachable") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        bad.add(line, None, "contains a NUL byte; this is not a text file (save it as UTF-8 text)")
        bad.raise_if_any()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad.add(line, None, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        bad.raise_if_any()
        raise AssertionError("unreachable") from None


def _images(node: Any, line: int, model: Any, base: Path, bad: _Collector, passthrough: frozenset[str]) -> list[RawJob]:
    """The ``images:`` block: one job per image file (see models.image_folder)."""
    if isinstance(node, dict) and isinstance(node.get("model"), str):
        model = node["model"]
    spec = catalogue.current().get(model) if isinstance(model, str) else None
    names = [p.name for p in spec.image_params()] if spec else []
    lines = node.key_lines if isinstance(node, LocatedMap) else {}
    if spec is None and model not in passthrough:
        names = ["image"]  # no model, or one unknown: each job says so (with "did you mean"), not which parameter
    elif spec is not None and not names and isinstance(node, dict) and "param" not in node:
        bad.add(
            lines.get("model", line),
            "model",
            f"{model} takes no image ({spec.kind}); give an image-to-video model ('batchgen models' lists them)",
        )
        return []
    found, problems = expand_images(node, line, lines, base, names)
    for at, fieldname, message in problems:
        bad.add(at, fieldname, message)
    return [RawJob(at, fields, {k: lines.get(k, at) for k in fields}) for fields, at in found]


def _from_yaml(
    text: str, bad: _Collector, base: Path, passthrough: frozenset[str] = frozenset()
) -> tuple[str | None, dict[str, Any], list[RawJob]]:
    try:
        root = load_located(text)
    except YamlProblem as exc:
        bad.add(exc.line, exc.field, exc.message)
        return None, {}, []
    if root is None:
        bad.add(None, None, "the file is empty")
        return None, {}, []
    if isinstance(root, LocatedList):
        return None, {}, _yaml_jobs(root, bad)
    if not isinstance(root, LocatedMap):
        bad.add(1, None, "the top level must be a mapping with 'jobs' (or a list of jobs)")
        return None, {}, []
    for key in root:
        if key not in ("model", "defaults", "jobs", "matrix", "images"):
            known = "'model', 'defaults', 'jobs', 'matrix' and 'images'"
            bad.add(root.key_lines[key], key, f"unknown top-level key; use {known}")
    model = root.get("model")
    if "model" in root and (not isinstance(model, str) or not model):
        bad.add(root.key_lines["model"], "model", "must be a model name such as kling-text2video")
        model = None
    defaults = root.get("defaults", {})
    if not isinstance(defaults, dict):
        bad.add(root.key_lines["defaults"], "defaults", "must be a mapping of parameter names to values")
        defaults = {}
    for key in [key for key in defaults if key in _DEFAULTS_NOT_TAKEN]:  # not parameters: never merged, never silent
        line = defaults.key_lines[key] if isinstance(defaults, LocatedMap) else root.key_lines["defaults"]
        why = _DEFAULTS_NOT_TAKEN[key]
        bad.add(line, f"defaults.{key}", f"is not taken from 'defaults' (it holds model parameters): {why}")
    expanded = _expand_matrix(root["matrix"], root.key_lines["matrix"], bad) if "matrix" in root else []
    if "images" in root:
        expanded += _images(root["images"], root.key_lines["images"], model, base, bad, passthrough)
    if "jobs" not in root:
        if "matrix" not in root and "images" not in root:
            bad.add(None, "jobs", "the manifest has no 'jobs' list (or 'matrix' block)")
        return model, dict(defaults), expanded
    jobs = root["jobs"]
    if not isinstance(jobs, LocatedList):
        bad.add(root.key_lines["jobs"], "jobs", "must be a list of jobs")
        return model, defaults, []
    return model, dict(defaults), _yaml_jobs(jobs, bad) + expanded


def _yaml_jobs(seq: LocatedList, bad: _Collector) -> list[RawJob]:
    jobs = []
    for item, line in zip(seq, seq.item_lines, strict=True):
        if not isinstance(item, LocatedMap):
            bad.add(line, None, "each job must be a mapping of parameter names to values")
            continue
        jobs.append(RawJob(item.line, dict(item), item.key_lines))
    return jobs


def _csv_model(text: str) -> str | None:
    """The default model of a CSV manifest: a comment line ``# model: NAME`` above the header."""
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            return None
        name, _, value = line.lstrip()[1:].partition(":")
        if name.strip() == "model" and value.strip():
            return value.strip()
    return None


def _from_csv(text: str, bad: _Collector) -> list[RawJob]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and header and header[0].lstrip().startswith("#"):  # comment lines above it
            header = next(reader, None)
        if header is None:
            bad.add(None, None, "the file is empty; a CSV manifest needs a header row")
            return []
        names = [h.strip() for h in header]
        if len(names) == 1 and (sep := next((c for c in ";\t|" if c in names[0]), None)):
            shown = "tab" if sep == "\t" else repr(sep)
            bad.add(
                1,
                None,
                f"the header is one column split by {shown}; batchgen reads comma-separated CSV: "
                "save the file with ',' as the delimiter (or use a .yaml or .jsonl manifest)",
            )
            return []
        for i, name in enumerate(names):
            if not name:
                bad.add(1, f"column {i + 1}", "the header has an empty column name")
            elif names.index(name) != i:
                bad.add(1, name, "the header names this column twice")
        if bad.problems:
            return []
        jobs = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                bad.add(line, None, f"row has {len(row)} cells but the header has {len(names)} columns")
                continue
            fields = {name: cell for name, cell in zip(names, row, strict=True) if cell.strip() != ""}
            jobs.append(RawJob(line, fields, dict.fromkeys(fields, line)))
        return jobs
    except csv.Error as exc:
        bad.add(reader.line_num, None, f"is not valid CSV: {exc}")
        return []


_JSONL_LINES = re.compile(r"\r\n|\r|\n")


def _from_jsonl(text: str, bad: _Collector) -> list[RawJob]:
    jobs = []
    # lines end at a line break JSON could not hold unescaped in a string, not at U+2028 and the like, which
    # JSON writers (ensure_ascii off) leave raw in a prompt (str.splitlines breaks there too)
    for number, line in enumerate(_JSONL_LINES.split(text), start=1):
        if not line.strip():
            continue
        try:
            value = _JSONL.decode(line)
        except _DuplicateKey as exc:
            bad.add(number, str(exc), "duplicate key; each key may appear once per job")
            continue
        except ValueError as exc:
            bad.add(number, None, f"is not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            bad.add(number, None, "each line must be one JSON object (a job)")
            continue
        jobs.append(RawJob(number, value, dict.fromkeys(value, number)))
    return jobs


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_JSONL = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


# --------------------------------------------------------------------------- building


def _build(
    raw_jobs: list[RawJob],
    default_model: str | None,
    defaults: dict[str, Any],
    from_text: bool,
    bad: _Collector,
    passthrough: frozenset[str] = frozenset(),
    base: Path | None = None,
    *,
    known: Mapping[str, Mapping[str, Any]] | None = None,
    gone: dict[str, list[Problem]] | None = None,
    settled: frozenset[str] = frozenset(LEFT_ALONE),
) -> tuple[list[JobSpec], list[str]]:
    jobs: list[JobSpec] = []
    warnings: list[str] = []
    done_gone: list[tuple[int, str, bool]] = []  # (line, warning, all completed) of each done row whose image is gone
    unknown_models: set[str] = set()
    seen_ids: dict[str, int] = {}
    occurrences: dict[str, int] = {}
    made_from: dict[tuple[str, str, str], list[str]] | None = None  # completed jobs by (model, image place, path)
    defaults = {k: v for k, v in defaults.items() if k not in _RESERVED}
    for raw in raw_jobs:
        fields = dict(raw.fields)
        meta = {k[len(META) :]: str(fields.pop(k)) for k in list(fields) if k.startswith(META) and len(k) > len(META)}
        given_id = fields.pop("id", None)
        model = fields.pop("model", None) or default_model
        where = raw.lines
        repeat = _repeat_of(fields.pop("repeat", 1), from_text)
        if repeat is None:
            bad.add(where.get("repeat", raw.line), "repeat", f"must be a whole number from 1 to {MAX_REPEAT}")
            continue
        if model is None:
            bad.add(raw.line, "model", "no model given; set 'model' for the job (or at the top of a YAML manifest)")
            continue
        if not isinstance(model, str) or not MODEL_PATTERN.fullmatch(model):
            bad.add(
                where.get("model", raw.line),
                "model",
                f"{str(model)[:60]!r} is not a model name; use a slug such as kling-text2video (ASCII letters, "
                "digits, '.', '_' and '-')",
            )
            continue
        if not model_params.known(model) and model not in passthrough:
            if model not in unknown_models:  # once per name, at its first job
                unknown_models.add(model)
                bad.add(where.get("model", raw.line), "model", _unknown_model(model))
            continue
        merged = {**defaults, **fields}
        for name, value in merged.items():
            if isinstance(value, float) and not math.isfinite(value):
                bad.add(where.get(name, raw.line), name, f"{value!r} is not a usable number")
        params, problems = model_params.validate(model, merged, from_text=from_text, base=base)
        if problems and known is not None and given_id is None and made_from is None:
            made_from = _made_from(known, settled)  # (once: a row of a derived id is matched by its image's path)
        derive = partial(_derived_ids, model, repeat, occurrences, from_text=from_text, base=base)
        done = None
        if problems and known is not None:
            done = _done_without_image(given_id, repeat, model, merged, problems, known, settled, derive, made_from)
        if done and known is not None:
            ids, recorded = done
            params, more = model_params.validate(model, recorded, from_text=from_text, base=base)
            if not more:
                lost = [Problem(bad.path, _line_of(n, merged, where, raw.line), n, m) for n, m in problems]
                if gone is not None:
                    gone.update({one_id: lost for one_id in ids})
                states = [str(known[one_id].get("state")) for one_id in ids]
                done_gone.append((raw.line,
                    f"{bad.path}:{raw.line}: job{'s' if len(ids) > 1 else ''} {', '.join(repr(i) for i in ids)}: "
                    + "; ".join(f"field '{p.field}' (line {p.line}): {p.message.split(';')[0]}" for p in lost)
                    + f"; {'they are' if len(ids) > 1 else 'it is'} " + _left_as(states),
                    set(states) == {"completed"},
                ))  # fmt: skip
                problems = []
        for name, message in problems:
            bad.add(_line_of(name, merged, where, raw.line), name, message)
        if problems:
            continue
        if not model_params.known(model):
            if _not_json(params, where, raw.line, bad):
                continue
            if model not in unknown_models:
                unknown_models.add(model)
                warnings.append(
                    f"model '{model}' (models.passthrough) has no built-in schema; its parameters are sent unchecked"
                )
        if given_id is not None:
            job_id = given_id if isinstance(given_id, str) else str(given_id)
            if isinstance(given_id, bool) or not ID_PATTERN.fullmatch(job_id):
                bad.add(
                    where.get("id", raw.line),
                    "id",
                    f"{job_id[:80]!r} is not a valid id; use 1-128 letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit" + _foreign_letters(job_id),
                )
                continue
        else:
            seen = identity_view(params)  # an image by its digest: a moved folder keeps its ids
            key = _occurrence_key(model, seen)
            occurrences[key] = occurrences.get(key, 0) + 1
            job_id = derived_id(model, seen, occurrences[key])
        ids = _repeat_ids(job_id, repeat)
        for one_id in ids:
            if one_id in seen_ids:
                bad.add(
                    where.get("id", raw.line),
                    "id",
                    f"id '{one_id}' is already used by the job at line {seen_ids[one_id]}; ids must be unique",
                )
                break
            seen_ids[one_id] = raw.line
            jobs.append(JobSpec(id=one_id, model=model, params=params, source=f"{bad.path}:{raw.line}", meta=meta))
        warnings += _curly_quoted(ids[0], params)
    return jobs, _gone_said(done_gone, bad.path) + warnings


GONE_SHOWN = 5  # done rows whose images are gone, each told on its own line; the rest in one line
_SENT_AGAIN_WITH = {"failed": "--retry-failed", "expired": "--resubmit-lost"}


def _left_as(states: list[str]) -> str:
    """Why a done row's job goes without its image, by the states of its jobs in the folder."""
    if set(states) == {"completed"}:
        return (
            "completed in the output folder (never sent again), so the run goes on without it; put it back "
            "before making the job anew (--replace-changed)"
        )
    told = [
        state if state == "completed" else f"{state} (sent again only with {_SENT_AGAIN_WITH[state]})"
        for state in LEFT_ALONE
        if state in states
    ]
    return (
        f"{' or '.join(told)} in the output folder, so this run goes on without it; put it back before sending it again"
    )


def _gone_said(done_gone: list[tuple[int, str, bool]], path: str) -> list[str]:
    """The warnings for done rows whose images are gone: the first few whole, the rest counted (one image
    deleted that thousands of rows share is one cause, not thousands of lines)."""
    said = [warning for _, warning, _ in done_gone[:GONE_SHOWN]]
    if rest := done_gone[GONE_SHOWN:]:
        lines = f"lines {rest[0][0]} to {rest[-1][0]}"
        said.append(
            f"{path}: {len(rest)} more completed rows ({lines}) whose images are gone, told as above: never sent "
            "again, so the run goes on without them"
            if all(completed for *_, completed in rest)
            else f"{path}: {len(rest)} more rows ({lines}) whose images are gone and whose jobs the output folder "
            "holds completed, failed or expired, told as above: this run sends none of them, so it goes on "
            "without them"
        )
    return said


_STEP = re.compile(r"\[(\d+)\]|\.([^.\[]+)")


def _done_without_image(
    given_id: Any,
    repeat: int,
    model: str,
    merged: dict[str, Any],
    problems: list[tuple[str, str]],
    known: Mapping[str, Mapping[str, Any]],
    settled: frozenset[str],
    derive: Callable[[dict[str, Any]], list[str] | None] | None = None,
    made_from: Mapping[tuple[str, str, str], list[str]] | None = None,
) -> tuple[list[str], dict[str, Any]] | None:
    """For a row whose only problems are local images no longer there: its ids, and its fields with each such
    image as the folder's ledger recorded it, when every one of its jobs is ``settled`` there (of this model, from
    the same image path as written, the same image for each of its ``repeat`` jobs); else None (the row is still
    to be sent, or another than the one made: its problems stand).  A row with no id has the id derived from its
    image's digest (``derive``): each settled job made from the same path (``made_from``) is tried for it."""
    if not all(isinstance(message, Missing) for _, message in problems):
        return None
    if isinstance(given_id, str):
        return _as_recorded(_repeat_ids(given_id, repeat), model, merged, problems, known, settled)
    if given_id is not None or derive is None or made_from is None:
        return None
    name = problems[0][0]
    written = _value_at(merged, name)
    for made_id in made_from.get((model, name, written.strip()), []) if isinstance(written, str) else []:
        tried = _as_recorded([made_id], model, merged, problems, known, settled)
        derived = derive(tried[1]) if tried is not None else None
        if derived and (done := _as_recorded(derived, model, merged, problems, known, settled)):
            return done
    return None


def _as_recorded(
    ids: list[str], model: str, merged: dict[str, Any], problems: list[tuple[str, str]],
    known: Mapping[str, Mapping[str, Any]], settled: frozenset[str],
) -> tuple[list[str], dict[str, Any]] | None:  # fmt: skip
    """``ids`` and the row's fields with its missing images as the ledger recorded them, when every one of
    ``ids`` is ``settled`` from those images at the same paths as written; else None."""
    records = [known.get(one_id) for one_id in ids]
    recorded: dict[str, tuple[tuple[str | int, ...], dict[str, Any]]] | None = None
    for rec in records:
        if rec is None or rec.get("state") not in settled or rec.get("model") != model:
            return None
        params = rec.get("params")
        refs = {place(steps): (steps, ref) for steps, ref in refs_in(params)} if isinstance(params, dict) else {}
        if recorded is not None and {k: r["sha256"] for k, (_, r) in refs.items()} != {
            k: r["sha256"] for k, (_, r) in recorded.items()
        }:
            return None
        recorded = refs
    fields = copy.deepcopy(merged)  # a copy to put the recorded images in
    for name, _ in problems:
        steps, ref = (recorded or {}).get(name, ((), {}))
        holder: Any = fields
        for step in steps[:-1]:
            holder = _at(holder, step)
        if not steps or not isinstance(value := _at(holder, steps[-1]), str) or value.strip() != ref.get("file"):
            return None  # another path than the one the job was made from: not that job's image
        holder[steps[-1]] = dict(ref)
    return ids, fields


def _made_from(
    known: Mapping[str, Mapping[str, Any]], settled: frozenset[str]
) -> dict[tuple[str, str, str], list[str]]:
    """The folder's ``settled`` jobs by (model, an image's place, its path as written): one for each set of
    images they were made from (jobs of one image and many prompts are one to try, not one each)."""
    found: dict[tuple[str, str, str], dict[tuple[tuple[str, str], ...], str]] = {}
    for job_id, rec in known.items():
        params, model = rec.get("params"), rec.get("model")
        if rec.get("state") not in settled or not isinstance(params, dict) or not isinstance(model, str):
            continue
        refs = list(refs_in(params))
        images = tuple((place(steps), str(ref["sha256"])) for steps, ref in refs)
        for steps, ref in refs:
            if isinstance(ref.get("file"), str):
                found.setdefault((model, place(steps), ref["file"]), {}).setdefault(images, job_id)
    return {key: list(ids.values()) for key, ids in found.items()}


def _derived_ids(
    model: str, repeat: int, occurrences: Mapping[str, int], fields: dict[str, Any], *, from_text: bool,
    base: Path | None,
) -> list[str] | None:  # fmt: skip
    """The ids a row of no id with these fields would be given next (None: the fields do not validate)."""
    params, problems = model_params.validate(model, fields, from_text=from_text, base=base)
    if problems:
        return None
    seen = identity_view(params)
    return _repeat_ids(derived_id(model, seen, occurrences.get(_occurrence_key(model, seen), 0) + 1), repeat)


def _occurrence_key(model: str, seen: Any) -> str:
    """Rows asking for the same request (model and parameters, an image by its digest) share this key: the
    n-th of them is given the n-th derived id."""
    return json.dumps([model, seen], sort_keys=True, default=str)


def _repeat_ids(job_id: str, repeat: int) -> list[str]:
    """A row's job ids: its own, or one per repeat (``-r1``, ``-r2``...)."""
    return [job_id] if repeat == 1 else [f"{job_id}-r{k}" for k in range(1, repeat + 1)]


def _value_at(fields: dict[str, Any], name: str) -> Any:
    """The value at a field path (``elements[1].reference_image_urls[0]``) in a row's fields, or None."""
    head = re.split(r"[.\[]", name, maxsplit=1)[0]
    node = fields.get(head)
    for index, key in _STEP.findall(name[len(head) :]):
        node = _at(node, int(index) if index else key)
    return node


def _at(holder: Any, step: str | int) -> Any:
    """``holder[step]`` in a row's fields, or None where there is none."""
    if isinstance(holder, dict):
        return holder.get(step)
    if isinstance(holder, list) and isinstance(step, int) and 0 <= step < len(holder):
        return holder[step]
    return None


def _line_of(name: str, fields: dict[str, Any], where: dict[str, int], line: int) -> int:
    """The line of a field, or of a value inside one (``elements[1].reference_image_urls[0]``) as far as the
    YAML reader kept it; else the job's ``line``."""
    if name in where:
        return where[name]
    head = re.split(r"[.\[]", name, maxsplit=1)[0]
    found, node = where.get(head, line), fields.get(head)
    for index, key in _STEP.findall(name[len(head) :]):
        if index and isinstance(node, LocatedList) and int(index) < len(node):
            found, node = node.item_lines[int(index)], node[int(index)]
        elif key and isinstance(node, LocatedMap) and key in node:
            found, node = node.key_lines[key], node[key]
        else:
            break
    return found


def _not_json(params: dict[str, Any], where: dict[str, int], line: int, bad: _Collector) -> bool:
    """Name the values JSON cannot carry (a YAML date, unquoted) in a job sent unchecked; True if any."""
    found = False
    for name, value in params.items():
        odd = _first_non_json(value)
        if odd is not None:
            kind = type(odd).__name__
            what = f"{odd} is a {kind}" if odd is value else f"{str(value)[:80]} holds a {kind}"
            bad.add(
                where.get(name, line),
                name,
                f"{what}, which JSON cannot carry; quote it in the manifest to send it as text",
            )
            found = True
    return found


def _first_non_json(value: Any) -> Any:
    """The first value inside ``value`` that JSON cannot carry, or None (keys are text: both readers make them so)."""
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return next((odd for odd in map(_first_non_json, items) if odd is not None), None)
    return None if value is None or isinstance(value, str | int | float) else value


def _foreign_letters(text: str) -> str:
    """Name the characters outside ASCII (a Cyrillic a, U+0430, looks like the Latin one)."""
    named = []
    for char in dict.fromkeys(c for c in text if ord(c) > 127):
        named.append(f"'{char}' is {unicodedata.name(char, 'an unnamed character')} (U+{ord(char):04X})")
    return f" ({'; '.join(named[:3])}; type it as its ASCII look-alike)" if named else ""


def _curly_quoted(job_id: str, params: dict[str, Any]) -> list[str]:
    """Warnings for text values wrapped in typographic quotes (pasted from a word processor)."""
    found = []
    for name, value in params.items():
        if isinstance(value, str) and len(value) > 1 and value[0] in CURLY_QUOTES and value[-1] in CURLY_QUOTES:
            found.append(
                f"warning: job {job_id}: {name} is wrapped in curly quotes ({value[0]}…{value[-1]}); they are sent "
                "as part of the text. Remove them if they are not meant to be there"
            )
    return found


def _unknown_model(model: str) -> str:
    models = catalogue.current()
    known = models.names_by_kind()
    close = models.closest(model)
    hint = f"; did you mean '{close}'?" if close else ""
    return (
        f"unknown model '{model[:60]}'{hint} (known: {', '.join(known)}). To send a model batchgen has no "
        "schema for, name it in the config under models.passthrough"
    )


def _repeat_of(value: Any, from_text: bool) -> int | None:
    if isinstance(value, str) and from_text and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:
        return None
    return value


def _expand_matrix(node: Any, line: int, bad: _Collector) -> list[RawJob]:
    """``matrix``: one block (or a list of blocks) whose list values multiply into jobs.

    A block's keys are parameters; a list value varies, a single value is
    fixed.  ``name`` (the id prefix, default "matrix"), ``model`` and
    ``repeat`` apply to every job of the block.  Ids are the prefix plus a
    short slug of each varying value (:func:`jobs.varied_ids`: readable,
    the same as long as the values are, a hash of the values telling apart
    those alike in their first words).
    """
    blocks = node if isinstance(node, LocatedList) else [node]
    lines = node.item_lines if isinstance(node, LocatedList) else [line]
    jobs: list[RawJob] = []
    for block, block_line in zip(blocks, lines, strict=True):
        if not isinstance(block, LocatedMap):
            bad.add(block_line, "matrix", "must be a mapping of parameter names to lists of values")
            continue
        name = block.get("name", "matrix")
        if not isinstance(name, str) or not ID_PATTERN.fullmatch(name) or len(name) > 40:
            bad.add(block.key_lines.get("name", block_line), "name", "must be a short id-like prefix such as 'pets'")
            continue
        fixed = {k: v for k, v in block.items() if k != "name" and not isinstance(v, list)}
        varying = {k: v for k, v in block.items() if isinstance(v, list)}
        for key, options in varying.items():
            if not options:
                bad.add(block.key_lines[key], key, "an empty list would make no jobs")
        if any(not options for options in varying.values()):
            continue
        count = math.prod(len(v) for v in varying.values())
        if count > MAX_MATRIX_JOBS:
            bad.add(block_line, "matrix", f"expands to {count} jobs; the limit is {MAX_MATRIX_JOBS}")
            continue
        combos = list(itertools.product(*varying.values()))
        for combo, job_id in zip(combos, varied_ids(name, combos), strict=True):
            chosen = dict(zip(varying, combo, strict=True))
            fields = {**fixed, **chosen, "id": job_id}
            jobs.append(RawJob(block_line, fields, {k: block.key_lines.get(k, block_line) for k in fields}))
    return jobs
