"""The line as built on this computer, run in-process for the staff tools (not for serving callers)."""
from __future__ import annotations

import logging

from flask import Flask


def local_app(**config) -> Flask:
    """The app from this computer's settings, in development mode: the tools sign their own
    requests or send none, so a missing auth token or public address must not stop them."""
    from .. import create_app

    log = logging.getLogger("ivr")
    level = log.level
    log.setLevel(logging.ERROR)  # the "never point a real number here" warning is for `ivr serve`
    try:
        # FIGURES: a staff member trying the line here is not a caller, so nothing is counted.
        return create_app({"IVR_DEV_MODE": "1", "FIGURES": False, **config})
    finally:
        log.setLevel(level)
