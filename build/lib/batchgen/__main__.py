"""``python -m batchgen`` is the same as ``batchgen``."""

from .cli import main_entry

main_entry()
