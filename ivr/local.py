"""Settings as read on this computer: the line's .env file, then the environment."""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from .settings import PACKAGE_DIR

LINE_FOLDER = PACKAGE_DIR.parent  # the folder with scripts/, README.md and .env
ENV_FILE = "IVR_ENV_FILE"  # set by `ivr --env-file PATH`, so the servers `ivr serve` starts read it too


def env_file() -> Path:
    """The .env file the line reads: the one `ivr --env-file` named, else the one in the line's
    folder, wherever the command is run from (never the current folder's)."""
    chosen = os.environ.get(ENV_FILE, "")
    return Path(chosen) if chosen else LINE_FOLDER / ".env"


def environment() -> dict[str, str]:
    """Settings as the line reads them: the .env file, overridden by the environment."""
    return {**{k: v for k, v in dotenv_values(env_file()).items() if v is not None}, **os.environ}


def settings(env: dict[str, str] | None = None):
    """The settings from `env` (default: this computer's), checked as development mode checks
    them: the tools need no Twilio token or public address, which are `ivr serve`'s business."""
    from .settings import from_env
    return from_env({**(environment() if env is None else env), "IVR_DEV_MODE": "1"})
