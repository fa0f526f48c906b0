"""Keeping Safe: a phone line that speaks criminal-justice guidance to people experiencing abuse.

The parts, and which way their imports go, are in each subpackage's docstring and in the
import-linter contracts in pyproject.toml: only this factory and the CLI tie them together.
"""
from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger("ivr")

# Twilio's webhook bodies are a few kilobytes; anything far larger is not Twilio's and is refused
# before it is read into memory.
MAX_BODY_BYTES = 64 * 1024


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Settings come from .env, then the environment, then `test_config`.

    A bad setting or a broken content file stops here with a message naming it, so a bad
    deploy never starts half-loaded and the old process keeps serving.
    """
    from . import local
    from . import settings as settings_mod
    from .audio import files as audio_files
    from .line import content as content_mod
    from .line import service, webhooks
    from .serve import health, requestlog
    from .store.database import Database

    test_config = dict(test_config or {})
    env = {} if test_config.pop("IGNORE_ENV", False) else local.environment()
    env.update({k: v for k, v in test_config.items() if isinstance(v, str)})
    settings = settings_mod.from_env(env)
    contents = service.line_contents(settings, content_mod.load_all(settings.content_dir))
    if settings.dev_mode and not settings.auth_token:
        log.warning("DEVELOPMENT MODE: Twilio signatures are NOT checked. Never point a real number here.")
    audio = audio_files.load_index(settings, contents, env)
    database = Database(settings.database_url)
    database.upgrade()  # quick when nothing is pending; a database that cannot be reached stops here

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.merge_slashes = False  # "/audio//x" is no file of ours: 404, not a redirect
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # OPTIONS is not a webhook: 405 like any wrong method
    app.wsgi_app = requestlog.RequestLog(app.wsgi_app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audio_files.bp)
    webhooks.init_app(app)
    app.extensions["ivr"] = service.service(app, settings, contents, test_config.get("CLOCK"), audio,
                                                   database)
    return app
