"""How one prompt is spoken: its pre-built audio when there is a current file, else <Say>.

The audio index is the seam to the audio build: anything with a `url(language, rate, prompt)`
method that returns a URL, or None when the prompt has no current audio.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from twilio.twiml import TwiML

from .content import Content, Prompt

# The speech rates the line offers, the first being the usual one; the audio build shapes each
# (ivr/audio/shape.py). A rate travels in the URL, like the language; key 7 moves to the next.
RATES = ("normal", "slow")
# A prompt with no audio at a rate is spoken by Twilio's <Say> at about that rate, through SSML
# <prosody rate>: a percentage of the voice's own speed, honoured by Amazon Polly and Google
# voices (Twilio's Basic voices, man, woman and alice, ignore SSML; `ivr check` warns of them).
# Three quarters of a voice's usual 145 to 150 words a minute is about 110, the slow rate's aim.
SAY_RATES = {"normal": None, "slow": "75%"}


class AudioIndex(Protocol):
    def url(self, language: str, rate: str, prompt: Prompt) -> str | None:
        """Where Twilio can fetch this prompt's current audio, or None to speak it with <Say>."""

    def status(self, language: str, rate: str, prompt: Prompt) -> str:
        """'current', 'stale' (built from other words or settings) or 'missing'."""

    def duration(self, language: str, rate: str, prompt: Prompt) -> float | None:
        """Seconds of built audio, when it is current."""

    def generation(self) -> int:
        """A number that changes when the audio may have changed, so pages built from it are rebuilt."""

    def tone_url(self, name: str) -> str | None:
        """Where Twilio can fetch a built tone (the ringback), or None when it is not built."""


class NoAudio:
    """Used before any audio is built: every prompt is spoken with <Say>."""

    def url(self, language: str, rate: str, prompt: Prompt) -> str | None:
        return None

    def status(self, language: str, rate: str, prompt: Prompt) -> str:
        return "missing"

    def duration(self, language: str, rate: str, prompt: Prompt) -> float | None:
        return None

    def generation(self) -> int:
        return 0

    def tone_url(self, name: str) -> str | None:
        return None


@dataclass(frozen=True)
class Speaker:
    content: Content
    rate: str
    audio: AudioIndex

    def add(self, verb: TwiML, prompt: Prompt) -> None:
        """Nest the prompt in `verb` (a Response or Gather) as <Play>, or <Say> as a fallback."""
        url = self.audio.url(self.content.language, self.rate, prompt)
        if url:
            verb.play(url)
        elif SAY_RATES.get(self.rate):
            say = verb.say(voice=self.content.say_voice, language=self.content.say_language)
            say.prosody(prompt.text, rate=SAY_RATES[self.rate])
        else:
            verb.say(prompt.text, voice=self.content.say_voice, language=self.content.say_language)

    def tone(self, verb: TwiML, name: str, instead: Prompt) -> None:
        """Nest a built tone in `verb`, or say `instead` when it is not built: never dead air."""
        url = self.audio.tone_url(name)
        if url:
            verb.play(url)
        else:
            self.add(verb, instead)
