"""The polite client: the wire (client, answers), the gateway, the request budget, the window finder, retry.

Imports the shared vocabulary only; never the store, the engine, the report or the CLI.
"""
