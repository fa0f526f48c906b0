"""Keeping Safe: a phone line that speaks criminal-justice guidance to people experiencing abuse."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import quote

from flask import Flask, has_request_context, request
from twilio.request_validator import RequestValidator

from . import content as content_mod
from . import local
from . import settings as settings_mod
from .flow import Line, Where
from .speech import AudioIndex, NoAudio, Speaker

log = logging.getLogger("ivr")

# Twilio's webhook bodies are a few kilobytes; anything far larger is not Twilio's and is refused
# before it is read into memory.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Service:
    """Everything loaded once at start-up and read (never changed) by each webhook."""
    settings: settings_mod.Settings
    contents: dict[str, content_mod.Content]
    audio: AudioIndex = field(default_factory=NoAudio)
    clock: Callable | None = None  # tests pin the time; None means the real clock
    validator: RequestValidator | None = None  # None only in development mode
    link: Links | None = None
    error_pages: dict[str, str] = field(default_factory=dict)  # language -> TwiML, rendered at start-up

    def line(self, at: Where) -> Line:
        """What the flow needs at `at`: two small objects, built from whatever audio index is set."""
        content = self.contents[at.lang]
        return Line(content, Speaker(content, at.rate, self.audio), self.link)


@dataclass(frozen=True)
class Links:
    """Absolute webhook URLs, built without a request so start-up and every webhook share one.

    Each endpoint's path is looked up once at start-up: werkzeug's URL building cost about
    35 us a link, and a webhook makes two or three.
    """
    base: str  # PUBLIC_BASE_URL; empty only in development, where links follow the request's address
    paths: dict[str, str]  # endpoint -> path

    @classmethod
    def for_app(cls, base: str, app: Flask) -> "Links":
        urls = app.url_map.bind("localhost")
        return cls(base, {rule.endpoint: urls.build(rule.endpoint) for rule in app.url_map.iter_rules()
                          if not rule.arguments})

    def __call__(self, endpoint: str, at: Where, **extra) -> str:
        base = self.base or request_host()
        query = {**at.query(), **extra}
        return base + self.paths[endpoint] + "?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items())


def request_host() -> str:
    """The address this request came to, for development, where no PUBLIC_BASE_URL is set."""
    return request.host_url.rstrip("/") if has_request_context() else ""


# Query values come from a small set (node ids, counts, languages, rates): quote each once.
_quote = functools.lru_cache(maxsize=1024)(functools.partial(quote, safe=""))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Settings come from .env, then the environment, then `test_config`.

    A bad setting or a broken content file stops here with a message naming it, so a bad
    deploy never starts half-loaded and the old process keeps serving.
    """
    test_config = dict(test_config or {})
    env = {} if test_config.pop("IGNORE_ENV", False) else local.environment()
    env.update({k: v for k, v in test_config.items() if isinstance(v, str)})
    settings = settings_mod.from_env(env)
    contents = content_mod.load_all(settings.content_dir)
    if settings.default_language not in contents:
        raise settings_mod.SettingsError([f"DEFAULT_LANGUAGE: no content file for '{settings.default_language}' "
                                          f"in {settings.content_dir}"])
    if settings.dev_mode and not settings.auth_token:
        log.warning("DEVELOPMENT MODE: Twilio signatures are NOT checked. Never point a real number here.")

    from . import audio_files, health, requestlog, webhooks
    audio = audio_files.load_index(settings, contents, env)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.merge_slashes = False  # "/audio//x" is no file of ours: 404, not a redirect
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # OPTIONS is not a webhook: 405 like any wrong method
    app.wsgi_app = requestlog.RequestLog(app.wsgi_app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audio_files.bp)
    webhooks.init_app(app)
    app.extensions["ivr"] = _service(app, settings, contents, test_config.get("CLOCK"), audio)
    return app


def _service(app: Flask, settings, contents, clock, audio: AudioIndex | None = None) -> Service:
    """Build every read-only thing a webhook needs once, so a request only reads them."""
    from .safety import error_pages
    svc = Service(settings, contents, audio=audio or NoAudio(), clock=clock,
                  link=Links.for_app(settings.public_base_url, app),
                  validator=RequestValidator(settings.auth_token) if settings.auth_token else None)
    return replace(svc, error_pages=error_pages(svc))
