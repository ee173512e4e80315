"""What people read: the text summary, the HTML page, its charts, the timeline, pace, the index,
poster frames, publishing, and the exit codes.

Reads what the engine and the store produce; never imports ``cli/``.
"""
