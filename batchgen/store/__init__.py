"""Where results live: the output protocol, the local folder, the object store, the ledger and its
segments, the lease, shards and the media checks.

Imports the shared vocabulary only; never the API client, the engine, the report or the CLI.
"""
