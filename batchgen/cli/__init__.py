"""The thin shell: the command line, kept options, progress, the serve and Ray drivers, logs, the runner.

The top of the stack: nothing in batchgen imports it.  The entry point is ``batchgen.cli.entry``.
"""
