"""Audit of ``batchgen/store/spools.py``: a run into an object store gets its spool folder wherever
``output.spool_dir`` names, made if missing, however deep."""

from __future__ import annotations

import os

from batchgen.store.spools import open_spool


def test_a_spool_dir_whose_parent_folders_do_not_exist_yet_is_made_and_the_spool_opened_in_it(tmp_path):
    given = tmp_path / "scratch" / "batchgen" / "spool"
    spool = open_spool(given)
    assert spool.parent == given and spool.is_dir()
    assert spool.name.startswith(f"batchgen-{os.getpid()}-")
