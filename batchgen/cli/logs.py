"""Logging setup: text or JSON lines, to the terminal and optionally a file, with secrets redacted.

Everything batchgen reports while running goes through the standard
``logging`` module under the ``batchgen`` logger, so cron jobs and service
managers can route it like any other log.  ``--log-format json`` writes one
JSON object per line (``ts``, ``level``, ``message``).  The summary and every
``Error:`` line the CLI prints are logged as well, so a log file alone tells
how a run ended: under JSON the last line is one ``"event": "outcome"``
object with the counts, the spend and the exit code.  Under JSON every line
on every stream is JSON: what the CLI would print as text is logged as JSON
records on stderr instead, and stdout carries the outcome object alone.  A :class:`Redactor`
on every handler replaces the API key wherever it might appear, including
``--debug`` output from libraries.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

from ..clock import iso_utc
from .entry import ended

REDACTED = "[REDACTED]"


def emit(text: str, *, end: str = "\n") -> None:
    """Write ``text`` to stdout, flushed.  A reader that left early (``batchgen status OUT --json | head``)
    changes nothing: stdout is pointed at the null device, the command goes on and exits with its own code."""
    try:
        sys.stdout.write(text + end)
        sys.stdout.flush()
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": iso_utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        outcome = getattr(record, "outcome", None)
        if isinstance(outcome, dict):
            entry.update(outcome)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # the traceback as the Redactor cleaned it
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class NotPrinted(logging.Filter):
    """Keeps off the terminal the records the CLI has printed already (summary, errors): they are
    logged only so that ``--log-file`` holds them too."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "printed", False)


class Redactor(logging.Filter):
    """Replaces secrets in every record before any handler formats it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
            if record.exc_info and record.exc_info[1] is not None:
                text = logging.Formatter().formatException(record.exc_info)
                for secret in self.secrets:
                    text = text.replace(secret, REDACTED)
                record.exc_text, record.exc_info = text, None
        return True


REDACTOR = Redactor()
_FORMAT = {"fmt": "text"}  # the format this process logs in (set by setup_logging)


def json_mode() -> bool:
    """True under ``--log-format json``: every line batchgen writes, on every stream, is a JSON object."""
    return _FORMAT["fmt"] == "json"


def redacted(text: str) -> str:
    """``text`` with every secret the redactor knows replaced."""
    for secret in REDACTOR.secrets:
        text = text.replace(secret, REDACTED)
    return text


def redacting_excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug's traceback, printed as Python would but with secrets replaced (an exception's text may
    quote a request's headers)."""
    sys.stderr.write(redacted("".join(traceback.format_exception(kind, value, tb))))
    sys.stderr.flush()


def setup_logging(
    *, level: int, fmt: str = "text", log_file: str | None = None, console: Console | None = None
) -> None:
    """Configure the root logger once for this process."""
    _FORMAT["fmt"] = fmt
    handlers: list[logging.Handler] = []
    if console is not None and fmt == "text":
        rich_handler = RichHandler(console=console, show_path=False, show_level=False, markup=False)
        rich_handler.setFormatter(logging.Formatter("%(message)s"))
        rich_handler.addFilter(NotPrinted())
        handlers.append(rich_handler)
    else:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter("%(message)s"))
        stream.addFilter(NotPrinted())
        handlers.append(stream)
    if log_file:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(
            JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
        )
        handlers.append(file_handler)
    for handler in handlers:
        handler.addFilter(REDACTOR)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    for drawing in ("matplotlib", "PIL"):  # the report's charts and frames: with --debug, hundreds of font look-ups
        logging.getLogger(drawing).setLevel(logging.WARNING)
    if level > logging.DEBUG:
        for noisy in ("aiohttp", "urllib3", "httpx"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def tell(level: int, text: str, **extra: Any) -> logging.LogRecord:
    """Log ``text`` whatever level the logging is set to: what a command prints (its summary, how it ended)
    is its answer, not news, so ``--quiet`` (which leaves "only the summary and errors") keeps it, under JSON
    and in ``--log-file`` alike.  Returns the record (its time is the line's)."""
    logger = logging.getLogger("batchgen")
    record = logger.makeRecord(logger.name, level, __file__, 0, text, (), None, extra=extra)
    logger.handle(record)
    return record


def log_outcome(command: str, code: int, *, text: str | None = None, **fields: Any) -> None:
    """How a command ended, for the log only (the CLI has printed it): under JSON, one ``outcome`` object."""
    line, outcome = ended(command, code)
    outcome |= fields
    level = logging.INFO if code == 0 else logging.ERROR
    logged = tell(level, f"{text}\n{line}" if text else line, outcome=outcome, printed=True)
    if json_mode():  # stdout carries the outcome object, so it is written even without --log-file
        # (the same object as the log's, its time too)
        entry = {"ts": iso_utc(logged.created), "level": logging.getLevelName(level).lower(), "logger": "batchgen"}
        entry["message"] = line
        record = json.dumps({**entry, **outcome}, ensure_ascii=False)
        for secret in REDACTOR.secrets:
            record = record.replace(secret, REDACTED)
        emit(record)
