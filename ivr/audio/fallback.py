"""The fallback document: what a caller hears when no line server answers at all.

`ivr build-audio` writes it beside the audio as fallback.xml: the error message, what to do in
danger (999, and 55 on a mobile), the helpline number said slowly and twice, then a goodbye,
each from the built audio (or <Say> where a prompt has none). It is a plain file, so it can be
published with the audio on a CDN or bucket (AUDIO_BASE_URL), and `ivr number` makes it the
number's fallback URL, fetched with GET, which static hosting serves. It offers no keys: with
the line down, no key could lead anywhere.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping

from twilio.twiml.voice_response import VoiceResponse

from ..line.adviser import helpline_prompt
from ..line.content import Content, Prompt
from ..line.speech import RATES, AudioIndex, Speaker
from ..settings import Settings

FILE = "fallback.xml"  # publish with Content-Type text/xml, as Twilio expects of TwiML


def prompts(content: Content, settings: Settings) -> list[Prompt]:
    return [content.prompt("phrase.unavailable"), content.prompt("adviser.emergency"),
            helpline_prompt(content, settings), content.prompt("phrase.goodbye")]


def document(content: Content, settings: Settings, audio: AudioIndex) -> str:
    """The TwiML, in the default language, at the usual speech rate."""
    response = VoiceResponse()
    speaker = Speaker(content, RATES[0], audio)
    for prompt in prompts(content, settings):
        speaker.add(response, prompt)
    response.hangup()
    return str(response)


def audio_base(settings: Settings) -> str:
    """Where the published audio is: AUDIO_BASE_URL, else the line's own /audio."""
    return settings.audio_base_url or (f"{settings.public_base_url}/audio" if settings.public_base_url else "")


def url(settings: Settings) -> str:
    """The document's published address, or "" when it can only live on the line's own server."""
    return f"{settings.audio_base_url}/{FILE}" if settings.audio_base_url else ""


def write(folder: Path, contents: Mapping[str, Content], settings: Settings, audio: AudioIndex) -> Path:
    """Write the document into `folder`, replacing the old one in one step (and only if it changed:
    a rebuild with nothing to do writes nothing)."""
    text = document(contents[settings.default_language], settings, audio)
    path = folder / FILE
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    handle, staging = tempfile.mkstemp(prefix=".fallback-", dir=folder)
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(staging, 0o644)
    os.replace(staging, folder / FILE)
    return folder / FILE
