"""The staff tools behind the `ivr` command: check, call, map, listen, number, staff (accounts).

May use any part below them (the browser pages' accounts, the audio, the line) and the app
factory (to ring the line in-process); nothing but the CLI imports them.
"""
