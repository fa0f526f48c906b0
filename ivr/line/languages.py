"""The choice of language, before the welcome, when callers are offered more than one.

Each language is offered in its own words and voice ("For English, stay on the line", then
"For Cymraeg, press 1" in Welsh, and so on); staying on the line keeps the line's default.
Only reviewed translations are offered (content.offered). The language chosen travels in the
URL of every webhook after this one, so the whole call, the adviser path too, is in it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from twilio.twiml.voice_response import VoiceResponse

from . import flow
from .content import GUIDANCE_KEYS, Content
from .flow import Line, Where

MAX_LANGUAGES = 1 + len(GUIDANCE_KEYS)  # the default, and a key each for up to four more

# Seconds of quiet after the last offer before the default language's welcome: long enough to
# press a key just heard, short enough not to keep the default language's callers waiting.
CHOICE_TIMEOUT_SECONDS = 2


def start(lines: list[Line], where: Where) -> VoiceResponse:
    """A new call: the choice of language if there is one, else the welcome in the only language."""
    if len(lines) < 2:
        return flow.answer(lines[0], where)
    return choice(lines, where)


def choice(lines: list[Line], where: Where) -> VoiceResponse:
    """Every language's offer, each in its own voice, with the keypad live throughout."""
    first = replace(where, lang=lines[0].content.language, misses=0)
    response, keypad = lines[0].keypad(first, action="voice.language", silence="voice.language",
                                       timeout=CHOICE_TIMEOUT_SECONDS)
    for line in lines:
        line.speaker.add(keypad, line.content.prompt("language.offer"))
    return response


def chosen(lines: list[Line], where: Where, key: str) -> VoiceResponse:
    """The caller pressed `key` at the choice (or nothing): the welcome in that language.

    Hash hears the choice again; any key that names no language, or none, keeps the default,
    so a caller is never told off in a language they may not speak. 9 and 0 never reach here:
    the webhook sends them to an adviser, in the default language.
    """
    if key == flow.AGAIN_KEY:
        return choice(lines, where)
    by_language = {line.content.language: line for line in lines}
    language = language_keys(by_language).get(key, lines[0].content.language)
    return flow.answer(by_language[language], replace(where, lang=language))


def offered(contents: Mapping[str, Content], default: str) -> dict[str, Content]:
    """The languages callers are offered: the default first, then each reviewed translation, by tag.

    A translation that no qualified translator has reviewed is never offered. With more than one
    language, each learns the sentence that offers it before the welcome (its key filled in).
    """
    others = sorted(lang for lang, c in contents.items() if lang != default and c.reviewed)
    chosen = [lang for lang in (default, *others[:MAX_LANGUAGES - 1]) if lang in contents]
    if len(chosen) < 2:
        return {lang: contents[lang] for lang in chosen}
    out = {default: replace(contents[default], offered_as=contents[default].offer["stay"])}
    for key, lang in language_keys(chosen).items():
        out[lang] = replace(contents[lang], offered_as=contents[lang].offer["press"].format(key=key))
    return out


def language_keys(languages) -> dict[str, str]:
    """key -> language for every offered language but the first (the default needs no key)."""
    return {str(n): lang for n, lang in enumerate(list(languages)[1:], 1)}
