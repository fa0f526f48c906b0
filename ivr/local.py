"""The line as built on this computer, for the staff tools (not for serving callers)."""
from __future__ import annotations

import logging
import os

from dotenv import dotenv_values
from flask import Flask


def local_app(**config) -> Flask:
    """The app from this computer's settings, in development mode: the tools sign their own
    requests or send none, so a missing auth token or public address must not stop them."""
    from . import create_app

    log = logging.getLogger("ivr")
    level = log.level
    log.setLevel(logging.ERROR)  # the "never point a real number here" warning is for `ivr serve`
    try:
        return create_app({"IVR_DEV_MODE": "1", **config})
    finally:
        log.setLevel(level)


def environment() -> dict[str, str]:
    """Settings as the line reads them: the .env file here, overridden by the environment."""
    return {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}


def settings(env: dict[str, str] | None = None):
    """The settings from `env` (default: this computer's), checked as development mode checks
    them: the tools need no Twilio token or public address, which are `ivr serve`'s business."""
    from .settings import from_env
    return from_env({**(environment() if env is None else env), "IVR_DEV_MODE": "1"})
