"""The logging seam on its own: what the redactor cleans, what each formatter writes, which records
reach the terminal, and how a run's end is logged.  No subprocess, no simulator."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import traceback

import pytest
from rich.console import Console
from rich.logging import RichHandler

from batchgen.cli import logs
from batchgen.cli.logs import (
    REDACTED,
    REDACTOR,
    JsonFormatter,
    NotPrinted,
    Redactor,
    log_outcome,
    redacted,
    redacting_excepthook,
    setup_logging,
)

SECRET = "SG_0123456789abcdef"


def record(msg: str, *args: object, exc: BaseException | None = None, **extra: object) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    rec = logging.LogRecord("batchgen.x", logging.WARNING, __file__, 1, msg, args or None, exc_info)
    for name, value in extra.items():
        setattr(rec, name, value)
    return rec


def raised(text: str) -> BaseException:
    try:
        raise RuntimeError(text)
    except RuntimeError as exc:
        return exc


@pytest.fixture
def secret():
    REDACTOR.secrets.add(SECRET)
    yield SECRET
    REDACTOR.secrets.discard(SECRET)


def test_the_redactor_cleans_message_arguments_and_the_exception_and_keeps_the_traceback():
    redactor = Redactor()
    redactor.secrets.add(SECRET)
    rec = record("key %s and %d", SECRET, 7, exc=raised(f"headers {SECRET}"))
    assert redactor.filter(rec) is True
    assert rec.msg == f"key {REDACTED} and 7" and rec.args is None and rec.getMessage() == rec.msg
    assert rec.exc_info is None  # nothing left for a formatter to render raw
    assert rec.exc_text is not None and SECRET not in rec.exc_text
    assert rec.exc_text.startswith("Traceback (most recent call last)") and f"headers {REDACTED}" in rec.exc_text
    for formatter in (logging.Formatter("%(message)s"), JsonFormatter()):
        out = formatter.format(rec)
        assert SECRET not in out and "RuntimeError" in out


def test_a_redactor_without_secrets_leaves_records_as_they_are():
    rec = record("plain %s", "arg", exc=raised("boom"))
    assert Redactor().filter(rec) is True
    assert rec.msg == "plain %s" and rec.args == ("arg",) and rec.exc_info is not None and rec.exc_text is None


def test_a_record_whose_exc_info_holds_no_exception_is_left_alone():
    rec = logging.LogRecord("batchgen", logging.ERROR, __file__, 1, "x", None, (None, None, None))
    redactor = Redactor()
    redactor.secrets.add(SECRET)
    assert redactor.filter(rec) is True
    assert rec.exc_info == (None, None, None) and rec.exc_text is None


def test_every_secret_is_cleaned():
    redactor = Redactor()
    redactor.secrets.update({"first-secret", "second-secret"})
    rec = record("first-secret then second-secret", exc=raised("second-secret first-secret"))
    redactor.filter(rec)
    assert rec.msg == f"{REDACTED} then {REDACTED}"
    assert "secret" not in (rec.exc_text or "").replace("RuntimeError", "")


def test_the_json_formatter_writes_one_object_with_the_fields_the_readme_names():
    formatter = JsonFormatter()
    rec = record("hello %s", "wörld")
    rec.created = 1_800_000_000.5
    entry = json.loads(formatter.format(rec))
    assert entry == {"ts": "2027-01-15T08:00:00.500Z", "level": "warning", "logger": "batchgen.x",
                     "message": "hello wörld"}  # fmt: skip
    assert "wörld" in formatter.format(rec)  # not escaped to \\u00f6
    outcome = record("ended", outcome={"event": "outcome", "exit_code": 3, "message": "kept"})
    assert json.loads(formatter.format(outcome))["exit_code"] == 3
    assert json.loads(formatter.format(record("x", outcome="not a dict"))).keys() == {
        "ts",
        "level",
        "logger",
        "message",
    }
    with_exc = json.loads(formatter.format(record("failed", exc=raised("inner"))))
    assert with_exc["exception"].startswith("Traceback") and "RuntimeError: inner" in with_exc["exception"]
    text_only = record("failed")
    text_only.exc_text = "Traceback (cleaned)"
    assert json.loads(formatter.format(text_only))["exception"] == "Traceback (cleaned)"


def test_records_the_cli_printed_already_stay_off_the_terminal():
    keep = NotPrinted()
    assert keep.filter(record("x")) is True
    assert keep.filter(record("x", printed=False)) is True
    assert keep.filter(record("x", printed=True)) is False


def test_redacted_and_the_excepthook_clean_every_known_secret(secret, capsys):
    assert redacted(f"a {secret} b {secret}") == f"a {REDACTED} b {REDACTED}"
    assert redacted("nothing here") == "nothing here"
    exc = raised(f"bug near {secret}")
    redacting_excepthook(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert secret not in err and f"bug near {REDACTED}" in err and err.startswith("Traceback")
    assert err == "".join(traceback.format_exception(exc)).replace(secret, REDACTED)  # as Python prints it


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_setup_logging_puts_the_redactor_on_every_handler_and_writes_the_chosen_format(tmp_path, secret, fmt):
    log_file = tmp_path / "run.log"
    setup_logging(level=logging.INFO, fmt=fmt, log_file=str(log_file))
    root = logging.getLogger()
    assert root.level == logging.INFO and len(root.handlers) == 2
    assert all(REDACTOR in handler.filters for handler in root.handlers)
    stream, file = root.handlers
    assert isinstance(stream, logging.StreamHandler) and stream.stream is sys.stderr
    assert any(isinstance(f, NotPrinted) for f in stream.filters)
    assert not any(isinstance(f, NotPrinted) for f in file.filters)  # the file keeps everything
    assert isinstance(file, logging.FileHandler)
    assert isinstance(stream.formatter, JsonFormatter) is (fmt == "json")
    assert isinstance(file.formatter, JsonFormatter) is (fmt == "json")
    logging.getLogger("batchgen").info("the key %s", secret)
    logging.getLogger("batchgen").debug("not at info level")
    file.flush()
    text = log_file.read_text(encoding="utf-8")
    assert f"the key {REDACTED}" in text and secret not in text and "not at info level" not in text
    if fmt == "text":
        assert " INFO the key" in text  # asctime, level, message
    else:
        assert json.loads(text.splitlines()[-1])["message"] == f"the key {REDACTED}"
    assert logging.getLogger("aiohttp").level == logging.WARNING
    assert logging.getLogger("asyncio").level == logging.WARNING


def test_debug_leaves_the_libraries_talking_and_a_console_gets_a_rich_handler(secret):
    for name in ("aiohttp", "urllib3", "httpx"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    console = Console(file=io.StringIO())
    setup_logging(level=logging.DEBUG, fmt="text", console=console)
    root = logging.getLogger()
    assert root.level == logging.DEBUG and len(root.handlers) == 1
    (handler,) = root.handlers
    assert isinstance(handler, RichHandler) and REDACTOR in handler.filters
    assert any(isinstance(f, NotPrinted) for f in handler.filters)
    assert all(logging.getLogger(n).level == logging.NOTSET for n in ("aiohttp", "urllib3", "httpx"))
    logging.getLogger("batchgen").warning("key %s", secret)
    assert secret not in console.file.getvalue() and REDACTED in console.file.getvalue()  # type: ignore[attr-defined]


def test_a_console_with_json_logs_writes_json_to_stderr():
    setup_logging(level=logging.INFO, fmt="json", console=Console(file=io.StringIO()))
    (handler,) = logging.getLogger().handlers
    assert not isinstance(handler, RichHandler) and isinstance(handler.formatter, JsonFormatter)


def test_the_end_of_a_command_is_logged_at_info_when_it_succeeded_and_at_error_otherwise(caplog):
    caplog.set_level(logging.DEBUG, logger="batchgen")
    log_outcome("run", 0, text="3 jobs: 3 completed", spend_usd=0.84)
    log_outcome("status", 5)
    ok, failed = caplog.records
    assert ok.levelno == logging.INFO and failed.levelno == logging.ERROR
    assert ok.getMessage() == "3 jobs: 3 completed\nbatchgen run ended with exit code 0"
    assert failed.getMessage() == "batchgen status ended with exit code 5"
    assert ok.outcome == {"event": "outcome", "command": "run", "exit_code": 0, "spend_usd": 0.84}
    assert ok.printed is True and failed.printed is True
    assert ok.name == "batchgen"


def test_the_outcome_object_on_stdout_under_json_holds_no_secret(secret, capsys):
    # stdout carries the outcome object alone under JSON, written outside the logging handlers: it is
    # redacted on its own
    setup_logging(level=logging.INFO, fmt="json")
    try:
        log_outcome("run", 1, stop_reason=f"refused for key {secret}")
    finally:
        setup_logging(level=logging.INFO, fmt="text")
    line = json.loads(capsys.readouterr().out)
    assert line["stop_reason"] == f"refused for key {REDACTED}" and line["exit_code"] == 1


def test_the_module_exports_one_redactor():
    assert logs.REDACTOR is REDACTOR and isinstance(REDACTOR, Redactor)


def test_an_exception_logged_without_being_raised_is_cleaned_too():
    """``exc_info=SomeError(...)`` for an exception never raised: no traceback, and still no key."""
    redactor = Redactor()
    redactor.secrets.add(SECRET)
    unraised = RuntimeError(f"built, not raised: {SECRET}")
    rec = record("x", exc=unraised)
    assert rec.exc_info is not None and rec.exc_info[2] is None
    redactor.filter(rec)
    assert rec.exc_info is None and rec.exc_text == f"RuntimeError: built, not raised: {REDACTED}"
    assert SECRET not in JsonFormatter().format(rec) and SECRET not in logging.Formatter().format(rec)


def test_text_is_the_default_format():
    console = Console(file=io.StringIO())
    setup_logging(level=logging.INFO, console=console)
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, RichHandler)


def test_the_terminal_shows_the_message_alone_as_written():
    """No level column, no source path, and brackets printed as they are (no rich markup)."""
    console = Console(file=io.StringIO(), width=200, force_terminal=False)
    setup_logging(level=logging.INFO, fmt="text", console=console)
    logging.getLogger("batchgen").warning("job [bold]x[/bold] failed")
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "job [bold]x[/bold] failed" in out and "XX" not in out
    assert "WARNING" not in out and "logs.py" not in out and "test_promises_units.py" not in out


def test_the_plain_stream_and_the_log_file_write_exactly_these_lines(tmp_path, capsys):
    for name in ("aiohttp", "urllib3", "httpx"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # as a fresh process finds them
    log_file = tmp_path / "run.log"
    setup_logging(level=logging.INFO, fmt="text", log_file=str(log_file))
    logging.getLogger("batchgen").warning("nothing to do ünïcode")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert capsys.readouterr().err == "nothing to do ünïcode\n"
    (line,) = log_file.read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING nothing to do ünïcode", line), line
    for name in ("aiohttp", "urllib3", "httpx"):
        assert logging.getLogger(name).level == logging.WARNING, name
