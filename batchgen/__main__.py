"""``python -m batchgen`` is the same as ``batchgen``."""

from .cli.main import main_entry

main_entry()
