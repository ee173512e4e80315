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

import os
import signal

EXIT_INTERRUPTED = 130  # as report/exits.py (not imported here: it would import the package's names)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM before a run watches signals itself (importing, reading the manifest, checking its images): a
    clean stop as SIGINT's KeyboardInterrupt is ('interrupted', exit 130), not the end of the process by it."""
    raise KeyboardInterrupt


def take_sigterm() -> None:
    """SIGTERM is a clean stop from now until a run watches signals itself."""
    signal.signal(signal.SIGTERM, _interrupt)


def main() -> None:
    take_sigterm()
    try:
        from .main import main_entry
    except KeyboardInterrupt:  # nothing read or written yet: the stop is clean
        os.write(2, b"Error: interrupted\n")
        os._exit(EXIT_INTERRUPTED)
    main_entry()
