"""Keeping Safe: a phone line that speaks criminal-justice guidance to people experiencing abuse."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Callable

from dotenv import dotenv_values
from flask import Flask

from . import content as content_mod
from . import settings as settings_mod
from .speech import AudioIndex, NoAudio

log = logging.getLogger("ivr")


@dataclass(frozen=True)
class Service:
    """Everything loaded once at start-up and read (never changed) by each webhook."""
    settings: settings_mod.Settings
    contents: dict[str, content_mod.Content]
    audio: AudioIndex = field(default_factory=NoAudio)
    clock: Callable | None = None  # tests pin the time; None means the real clock


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Settings come from .env, then the environment, then `test_config`.

    A bad setting or a broken content file stops here with a message naming it, so a bad
    deploy never starts half-loaded and the old process keeps serving.
    """
    test_config = dict(test_config or {})
    env = {**dotenv_values(".env"), **os.environ} if not test_config.pop("IGNORE_ENV", False) else {}
    env.update({k: v for k, v in test_config.items() if isinstance(v, str)})
    settings = settings_mod.from_env(env)
    contents = content_mod.load_all(settings.content_dir)
    if settings.default_language not in contents:
        raise settings_mod.SettingsError([f"DEFAULT_LANGUAGE: no content file for '{settings.default_language}' "
                                          f"in {settings.content_dir}"])
    if settings.dev_mode and not settings.auth_token:
        log.warning("DEVELOPMENT MODE: Twilio signatures are NOT checked. Never point a real number here.")

    from . import audio_files, webhooks
    audio = audio_files.load_index(settings, contents, env)

    app = Flask(__name__)
    app.extensions["ivr"] = Service(settings, contents, audio=audio, clock=test_config.get("CLOCK"))
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(audio_files.bp)
    return app
