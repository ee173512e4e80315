"""``python -m batchgen`` is the same as ``batchgen``.

The guard matters: a worker process (the report's, through anyio) runs this
file again under another name to rebuild ``__main__``; it must not start a
second command there, and it has no package for a relative import.
"""

if __name__ == "__main__":
    from batchgen.cli.entry import main

    main()
