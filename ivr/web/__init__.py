"""The browser pages: the phone in a web page (`phone.py`), which the local preview serves at /,
with the adviser side of option 9 it plays (`adviser_side.py`) and how the preview starts (`preview.py`).

May import the audio pipeline, the line, running it, the database and the settings; never the
staff tools (which sit above), and the line never imports these pages.
"""
