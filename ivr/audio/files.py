"""Serve the built prompts to Twilio's <Play>: GET /audio/<file>, only files the manifest names.

Names carry a hash of the text and settings, so a file never changes under its name: it
can be cached for a year. Set AUDIO_BASE_URL to serve the same files from a CDN or bucket.
"""
from __future__ import annotations

import logging
from typing import Mapping

from flask import Blueprint, abort, current_app, send_from_directory

from . import engines
from ..line.service import request_host
from .build import items, settings_hash
from ..line.content import Content
from .manifest import ManifestIndex
from ..line.speech import RATES
from ..settings import Settings, SettingsError

bp = Blueprint("audio", __name__, url_prefix="/audio")
log = logging.getLogger("ivr.audio")
YEAR = 365 * 24 * 3600


class BuildSettings(dict):
    """(language, rate) -> the hash of what the build would use now, worked out when first asked
    (each language may have a voice of its own: engines.for_language)."""

    def __init__(self, env: Mapping[str, str], default_language: str):
        super().__init__()
        self.env, self.default_language = env, default_language

    def __missing__(self, language_rate: tuple[str, str]) -> str:
        language, rate = language_rate
        if rate not in RATES:
            raise KeyError(language_rate)
        self[language_rate] = settings_hash(engines.for_language(self.env, language, self.default_language), rate)
        return self[language_rate]


def audio_index(settings: Settings, env: Mapping[str, str]) -> ManifestIndex:
    """The built audio as the line with these settings serves it (a bad TTS_ENGINE is a SettingsError)."""
    try:
        engines.from_env(env)
        engines.piper_voices(env)
    except ValueError as exc:
        raise SettingsError([str(exc)]) from exc
    base = settings.audio_base_url or f"{settings.public_base_url}{bp.url_prefix}"
    return ManifestIndex(settings.audio_dir, base, BuildSettings(dict(env), settings.default_language),
                         host=request_host)


def load_index(settings: Settings, contents: Mapping[str, Content], env: Mapping[str, str]) -> ManifestIndex:
    """Read the manifest once at start-up and log how many prompts will fall back to <Say>."""
    index = audio_index(settings, env)
    statuses = [index.status(i.language, i.rate, i.prompt) for i in items(contents, settings)]
    fallback = len(statuses) - statuses.count("current")
    if fallback:
        log.warning("audio: %d of %d prompts have no current audio and will use <Say> "
                    "(%d missing, %d stale). Run `ivr build-audio`.", fallback, len(statuses),
                    statuses.count("missing"), statuses.count("stale"))
    else:
        log.info("audio: all %d prompts have current audio", len(statuses))
    return index


@bp.get("/<name>")
def audio_file(name: str):
    index = current_app.extensions["ivr"].audio
    entry = getattr(index, "files", {}).get(name)  # only names in the manifest: no path tricks
    if entry is None:
        abort(404)
    try:
        response = send_from_directory(index.folder, entry.file, mimetype="audio/wav", max_age=YEAR,
                                       conditional=True, etag=True)
    except OSError:  # deleted or broken since start-up: pages built from now on use <Say>
        log.warning("audio: %s is in the manifest but cannot be read", entry.file)
        abort(404)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
