"""The line as built on this computer, run in-process for the staff tools (not for serving callers)."""
from __future__ import annotations

from flask import Flask


def local_app(**config) -> Flask:
    """The app from this computer's settings, as the local preview: the tools send their requests
    in-process, from this computer, so a missing auth token or public address must not stop them
    (and a token that is there must not make them sign for an address they are not called at)."""
    from .. import create_app

    # FIGURES: a staff member trying the line here is not a caller, so nothing is counted.
    return create_app({"TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": "", "FIGURES": False, **config})
