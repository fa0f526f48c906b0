"""Keeping Safe: a phone line that speaks criminal-justice guidance to people experiencing abuse.

The parts, and which way their imports go, are in each subpackage's docstring and in the
import-linter contracts in pyproject.toml: only this factory and the CLI tie them together.
"""
from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger("ivr")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Settings come from .env, then the environment, then `test_config`.

    A bad setting or a broken content file stops here with a message naming it, so a bad
    deploy never starts half-loaded and the old process keeps serving.
    """
    from dataclasses import replace

    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from . import local, web
    from . import settings as settings_mod
    from .audio import files as audio_files
    from .line import content as content_mod
    from .line import service, webhooks
    from .serve import health, intake, requestlog, tally
    from .web import figures as figures_page, staff_phone
    from .store.database import Database

    test_config = dict(test_config or {})
    env = {} if test_config.pop("IGNORE_ENV", False) else local.environment()
    env.update({k: v for k, v in test_config.items() if isinstance(v, str)})
    settings = settings_mod.from_env(env)
    contents = service.line_contents(settings, content_mod.load_all(settings.content_dir))
    if settings.default_language not in contents:
        raise settings_mod.SettingsError([f"DEFAULT_LANGUAGE: no content file for '{settings.default_language}' "
                                          f"in {settings.content_dir}"])
    if "IVR_DEV_MODE" in env:
        log.warning("IVR_DEV_MODE is no longer read. Without Twilio settings the line is the local "
                    "preview, which answers this computer only; with them, every request is signed.")
    mount = test_config.get("MOUNT", "")  # the staff phone's line answers under the real line's /staff/phone
    if mount:
        settings = replace(settings, public_base_url=mount)  # so its links are paths under it
    audio = audio_files.load_index(settings, contents)
    database = Database(settings.database_url)
    database.upgrade()  # quick when nothing is pending; a database that cannot be reached stops here
    # Usage figures, counted in memory and written every few seconds (FIGURES off: the tools' own calls).
    figures = (tally.Tally(database, test_config.get("CLOCK"), test_config.get("FIGURES_SECONDS", tally.WRITE_SECONDS))
               if test_config.get("FIGURES", True) else tally.Uncounted())

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = intake.MAX_BODY_BYTES  # Twilio's bodies are a few kilobytes
    app.url_map.merge_slashes = False  # "/audio//x" is no file of ours: 404, not a redirect
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # OPTIONS is not a webhook: 405 like any wrong method
    # Outermost first: every request gets its log line; webhook bodies are read and checked
    # before Flask sees them (a missing signature is refused before the body is read).
    app.wsgi_app = intake.Intake(app.wsgi_app, signatures=bool(settings.auth_token))
    if not mount:  # the staff phone's line: each request is logged once, by the real line passing it on
        app.wsgi_app = requestlog.RequestLog(app.wsgi_app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audio_files.bp)
    twilio = {"clock": test_config.get("CLOCK"), "http_client": test_config.get("TWILIO_HTTP_CLIENT"),
              "background": test_config.get("BACKGROUND")}
    if settings.preview:  # first: in the preview, anything not from this computer is refused outright
        settings, twilio = preview_app(app, settings, twilio, test_config.get("PREVIEW_SECONDS"))
    # Every other page, whoever adds it, is for signed-in staff only (ivr/web/__init__.py says how).
    web.init_app(app, settings, line_blueprints=(webhooks.bp, health.bp, audio_files.bp))
    app.register_blueprint(figures_page.bp)  # the usage figures, for signed-in staff
    if not settings.preview:  # the browser phone, for signed-in staff: it rings a line of its own
        app.register_blueprint(staff_phone.bp)
        app.extensions["staff_phone"] = staff_phone.Sandbox(lambda: staff_phone_line(env, test_config))
    webhooks.init_app(app)
    app.extensions["ivr"] = service.service(app, settings, contents, twilio["clock"], audio, database,
                                            twilio["http_client"], twilio["background"], figures)
    if mount:
        app.wsgi_app = DispatcherMiddleware(NotFound(), {mount: app.wsgi_app})
    if "advisers_side" in app.extensions:  # the preview's Twilio rings the line it now serves
        app.extensions["advisers_side"].board.connect(app.test_client())
    return app


# What the staff phone's line leaves out of the real line's settings: it is a local preview.
STAFF_PHONE_BLANK = ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_API_KEY",
                     "TWILIO_API_SECRET", "ADVISER_NUMBERS", "AUDIO_BASE_URL")


def staff_phone_line(env: dict, test_config: dict) -> Flask:
    """The line the real line's staff phone rings (ivr/web/staff_phone.py): a local preview with
    this line's content, audio and adviser hours, but no Twilio settings (its Twilio is a
    switchboard of its own), pretend advisers, a scratch database and no usage figures,
    answering under /staff/phone/."""
    import tempfile

    from .web import staff_phone

    scratch = tempfile.TemporaryDirectory(prefix="keeping-safe-staff-phone-")
    line = create_app({**env, **dict.fromkeys(STAFF_PHONE_BLANK, ""), "IGNORE_ENV": True,
                       "DATABASE_URL": f"sqlite:///{scratch.name}/line.sqlite3", "FIGURES": False,
                       "MOUNT": staff_phone.ROOT,
                       **{k: test_config[k] for k in ("CLOCK", "PREVIEW_SECONDS") if k in test_config}})
    line.extensions["scratch"] = scratch  # the folder goes when the line does
    return line


def preview_app(app: Flask, settings, twilio: dict, seconds=None):
    """The local preview: this computer only, the browser phone at /, the adviser side's clock,
    and Twilio's part played by a switchboard (ivr/staff/switchboard.py), so nothing the line
    asks of Twilio ever leaves this computer. A tool that brings its own stand-in (`ivr call`)
    keeps it."""
    from dataclasses import replace
    from datetime import datetime, timezone

    from flask import abort, request

    from . import local
    from .serve import requestlog
    from .web import adviser_side, phone

    @app.before_request
    def this_computer_only():
        if not local.local_preview(settings, request):
            requestlog.note(request, refused="not-this-computer")
            abort(403)

    app.register_blueprint(phone.bp)
    key = {}
    if twilio["http_client"] is None:
        from .staff.switchboard import Switchboard  # the factory ties the parts: web never imports staff

        board = Switchboard.for_preview(start=datetime.now(timezone.utc))
        side = app.extensions["advisers_side"] = adviser_side.AdvisersSide(board, settings.advisers, seconds)
        config = board.preview_config()  # an API key of the board's own: nothing real accepts it
        key = {"account_sid": config["TWILIO_ACCOUNT_SID"], "api_key": config["TWILIO_API_KEY"],
               "api_secret": config["TWILIO_API_SECRET"]}
        twilio = {"clock": twilio["clock"] or side.now, "http_client": board, "background": side.background}
    return replace(settings, **key), {**twilio, "clock": adviser_side.clock(settings, twilio["clock"])}
