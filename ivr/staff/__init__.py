"""The staff tools behind the `ivr` command: check, call, map, listen, number.

May use any part below them, the line and the audio included, and the app factory (to ring
the line in-process); nothing but the CLI imports them.
"""
