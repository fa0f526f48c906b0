"""What the line loads once at start-up and every webhook only reads: settings, content, audio, links."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import quote

from flask import Flask
from twilio.request_validator import RequestValidator

from ..serve.tally import Tally, Uncounted
from ..settings import Settings, SettingsError
from ..store.database import Database
from .adviser import all_prompts
from . import languages
from .content import Content
from .flow import Line, Where
from .ringing import Ringer
from .speech import RATES, AudioIndex, NoAudio, Speaker

log = logging.getLogger("ivr")


@dataclass(frozen=True)
class Service:
    """Everything loaded once at start-up and read (never changed) by each webhook."""
    settings: Settings
    contents: dict[str, Content]
    audio: AudioIndex = field(default_factory=NoAudio)
    clock: Callable | None = None  # tests pin the time; None means the real clock
    validator: RequestValidator | None = None  # None only in the local preview
    link: Links | None = None
    error_pages: dict[str, str] = field(default_factory=dict)  # language -> TwiML, rendered at start-up
    database: Database | None = None
    ringer: Ringer | None = None  # rings advisers through Twilio's REST API; their state in `database`
    figures: Tally | Uncounted = field(default_factory=Uncounted)  # usage figures, counted in memory

    def line(self, at: Where) -> Line:
        """What the flow needs at `at`: two small objects, built from whatever audio index is set."""
        content = self.contents[at.lang]
        return Line(content, Speaker(content, at.rate, self.audio), self.link)

    def lines(self, at: Where) -> list[Line]:
        """One Line for each language offered, the default first (for the choice of language)."""
        return [self.line(replace(at, lang=lang)) for lang in self.contents]

    def audio_counts(self) -> dict[str, dict]:
        """Per language: how many prompts there are, and how many have current audio at each rate."""
        out = {}
        for lang, content in self.contents.items():
            prompts = all_prompts(content, self.settings)
            current = {}
            for rate in RATES:
                try:
                    current[rate] = sum(self.audio.status(lang, rate, p) == "current" for p in prompts)
                except Exception:  # noqa: BLE001 - an unreadable audio index means <Say>, not a failed check
                    current[rate] = None
            out[lang] = {"prompts": len(prompts), "audio_current": current}
        return out


@dataclass(frozen=True)
class Links:
    """Absolute webhook URLs, built without a request so start-up and every webhook share one.

    Each endpoint's path is looked up once at start-up: werkzeug's URL building cost about
    35 us a link, and a webhook makes two or three.
    """
    base: str  # PUBLIC_BASE_URL; empty in the local preview, whose links are paths on the same server
    paths: dict[str, str]  # endpoint -> path

    @classmethod
    def for_app(cls, base: str, app: Flask) -> "Links":
        urls = app.url_map.bind("localhost")
        return cls(base, {rule.endpoint: urls.build(rule.endpoint) for rule in app.url_map.iter_rules()
                          if not rule.arguments})

    def __call__(self, endpoint: str, at: Where, **extra) -> str:
        # Never built from the request's Host header: whoever sends a request must not choose
        # where the line's links point. In the preview they are paths, which Twilio's rules
        # (and the browser phone) resolve against the document they came in.
        query = {**at.query(), **extra}
        return self.base + self.paths[endpoint] + "?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items())


# Query values come from a small set (node ids, counts, languages, rates): quote each once.
_quote = functools.lru_cache(maxsize=1024)(functools.partial(quote, safe=""))


def line_contents(settings: Settings, every: dict[str, Content]) -> dict[str, Content]:
    """The content files callers are offered (languages.offered), or SettingsError if the default
    language is missing or is a translation nobody has reviewed."""
    default = every.get(settings.default_language)
    if default is None:
        raise SettingsError([f"DEFAULT_LANGUAGE: no content file for '{settings.default_language}' "
                             f"in {settings.content_dir}"])
    if not default.reviewed:
        raise SettingsError([f"DEFAULT_LANGUAGE: {default.path.name} is a translation that no "
                             "qualified translator has reviewed yet, so callers cannot hear it"])
    contents = languages.offered(every, settings.default_language)
    for language in sorted(set(every) - set(contents)):
        why = "no review by a qualified translator is recorded" if not every[language].reviewed else \
            f"at most {languages.MAX_LANGUAGES} languages can be offered"
        log.warning("%s is not offered to callers: %s (`ivr check` says more)", every[language].path.name, why)
    return contents


def service(app: Flask, settings: Settings, contents: dict[str, Content], clock, audio: AudioIndex | None = None,
            database: Database | None = None, http_client=None, background=None,
            figures: Tally | Uncounted | None = None) -> Service:
    """Build every read-only thing a webhook needs once, so a request only reads them.

    `http_client` (a twilio HttpClient) and `background` (how work is run off a webhook's critical
    path) are for a stand-in for Twilio (ivr/staff/switchboard.py); by default, the real ones.
    """
    from .safety import error_pages
    svc = Service(settings, contents, audio=audio or NoAudio(), clock=clock, database=database,
                  ringer=Ringer(settings, database, http_client, background), figures=figures or Uncounted(),
                  link=Links.for_app(settings.public_base_url, app),
                  validator=RequestValidator(settings.auth_token) if settings.auth_token else None)
    return replace(svc, error_pages=error_pages(svc))
