"""Serve the built prompts to Twilio's <Play>: GET /audio/<file>, only files the manifest names.

Names carry a hash of the text and settings, so a file never changes under its name: it
can be cached for a year. Set AUDIO_BASE_URL to serve the same files from a CDN or bucket.
"""
from __future__ import annotations

import logging
from typing import Mapping

from flask import Blueprint, abort, current_app, send_from_directory

from . import tones
from .build import items, shape_hash
from ..line.content import Content
from .manifest import ManifestIndex
from ..line.speech import RATES
from ..settings import Settings

bp = Blueprint("audio", __name__, url_prefix="/audio")
log = logging.getLogger("ivr.audio")
YEAR = 365 * 24 * 3600


def audio_index(settings: Settings) -> ManifestIndex:
    """The built audio as the line with these settings serves it, whichever engine made it:
    TTS_ENGINE is for the build, so it can differ here without sending callers to <Say>."""
    # In the local preview PUBLIC_BASE_URL is empty: the links are paths on the same server.
    base = settings.audio_base_url or f"{settings.public_base_url}{bp.url_prefix}"
    return ManifestIndex(settings.audio_dir, base, {rate: shape_hash(rate) for rate in RATES})


def load_index(settings: Settings, contents: Mapping[str, Content]) -> ManifestIndex:
    """Read the manifest once at start-up and log how many prompts will fall back to <Say>."""
    index = audio_index(settings)
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


@bp.get(f"/{tones.FOLDER}/<name>")
def tone_file(name: str):
    """A built tone (the ringback): only the names ivr/audio/tones.py makes."""
    index = current_app.extensions["ivr"].audio
    if name not in getattr(index, "tones", {}).values():
        abort(404)
    try:
        response = send_from_directory(index.folder / tones.FOLDER, name, mimetype="audio/wav", max_age=YEAR,
                                       conditional=True, etag=True)
    except OSError:
        abort(404)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
