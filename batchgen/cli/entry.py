"""The process's entry point (``batchgen``, ``python -m batchgen``): SIGTERM is a clean stop from its start.

Importing the command line takes about half a second (aiohttp, pyarrow, rich, the engine).  A SIGTERM
then (``systemctl stop`` just after a start, a scheduler's timeout) met the default action and ended the
process by the signal (exit 143 in a shell), not as the README's "interrupted" (exit 130).  So this module
imports nothing of batchgen's (the package's ``__init__`` imports its names lazily) and installs the
handler first; it stays for the rest of the process, until a run watches signals itself.
Only the interpreter's own start-up, before any of batchgen's code runs, is left to the default action:
nothing has been read or written then.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

EXIT_INTERRUPTED = 130  # as report/exits.py (not imported here: it would import the package's names)
COMMANDS = ("run", "validate", "models", "status", "report", "simulate")  # arguments.py's, in its order


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM before a run watches signals itself (importing, reading the manifest, checking its images): a
    clean stop as SIGINT's KeyboardInterrupt is ('interrupted', exit 130), not the end of the process by it."""
    raise KeyboardInterrupt


def take_sigterm() -> None:
    """SIGTERM is a clean stop from now until a run watches signals itself."""
    signal.signal(signal.SIGTERM, _interrupt)


def given(argv: list[str], flag: str) -> str | None:
    """The value the command line gives ``flag`` (``--flag V`` or ``--flag=V``; the last one counts), or None:
    read before, or without, the parser (a command line it refused, a stop while it is imported)."""
    value = None
    for at, word in enumerate(argv):
        if word == flag and at + 1 < len(argv):
            value = argv[at + 1]
        elif word.startswith(flag + "="):
            value = word.partition("=")[2]
    return value


def named_command(argv: list[str]) -> str:
    """The command a command line names (the first of its words that is one), or 'batchgen' where none is."""
    return next((word for word in argv if word in COMMANDS), "batchgen")


def ended(command: str, code: int) -> tuple[str, dict[str, object]]:
    """How a command ended: the line that says so, and the outcome object's own fields (``"event": "outcome"``,
    which scripts read: the README's "Overnight and from cron"), for :func:`logs.log_outcome` and for a stop
    before logging is set up alike."""
    words = command if command == "batchgen" else f"batchgen {command}"
    return f"{words} ended with exit code {code}", {"event": "outcome", "command": command, "exit_code": code}


def say_interrupted(argv: list[str]) -> None:
    """A stop before logging is set up, said as the command line asks: ``Error: interrupted``, or under
    ``--log-format json`` that error as a JSON record on stderr and the outcome object on stdout, both also
    appended to ``--log-file`` (the outcome ends it, whatever the exit code, as the README says)."""
    if given(argv, "--log-format") != "json":
        os.write(2, b"Error: interrupted\n")
        return
    command = named_command(argv)
    now = time.time()
    head = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"}
    head |= {"level": "error", "logger": "batchgen"}
    error = json.dumps({**head, "message": "Error: interrupted"}) + "\n"
    line, outcome = ended(command, EXIT_INTERRUPTED)
    outcome_line = json.dumps({**head, "message": line, **outcome}) + "\n"
    os.write(2, error.encode())
    os.write(1, outcome_line.encode())
    if log_file := given(argv, "--log-file"):
        try:
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(error + outcome_line)
        except OSError:  # (stderr and stdout have it)
            pass


def main() -> None:
    take_sigterm()
    try:
        from .main import main_entry
    except KeyboardInterrupt:  # nothing read or written yet: the stop is clean
        say_interrupted(sys.argv[1:])
        os._exit(EXIT_INTERRUPTED)
    main_entry()
