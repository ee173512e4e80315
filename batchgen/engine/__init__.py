"""One run: its wiring, the job book, control, and the stages (submit, poll, sweep, download, recover).

Imports ``api/``, ``store/`` and the shared vocabulary; never ``report/`` or ``cli/``.
"""
