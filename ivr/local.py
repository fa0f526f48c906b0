"""Settings as read on this computer: the .env file, then the environment."""
from __future__ import annotations

import os

from dotenv import dotenv_values


def environment() -> dict[str, str]:
    """Settings as the line reads them: the .env file here, overridden by the environment."""
    return {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}


def settings(env: dict[str, str] | None = None):
    """The settings from `env` (default: this computer's), checked as development mode checks
    them: the tools need no Twilio token or public address, which are `ivr serve`'s business."""
    from .settings import from_env
    return from_env({**(environment() if env is None else env), "IVR_DEV_MODE": "1"})
