"""What the line says when something breaks, made so that saying it cannot break too.

The error page for each language is rendered once at start-up (if that fails, the line does not
start). At run time a failing webhook only returns one of these strings: no content lookup, no
audio index, no URL building. If even that lookup fails, LAST_RESORT is a plain literal.
"""
from __future__ import annotations

from twilio.twiml.voice_response import Hangup, Leave, VoiceResponse

from . import flow
from .flow import Where
from .speech import RATES

def _last_resort() -> str:
    """The same choices as flow.error, in English, with Twilio's built-in voice.

    Relative URLs: Twilio resolves them against the URL it just fetched, so this needs nothing
    from the settings or the content file, which are exactly what may have failed.
    """
    here = "node=main&misses=0&lang=en-GB&rate=normal"
    response = VoiceResponse()
    gather = response.gather(action=f"/voice/key?{here}", action_on_empty_result=False, finish_on_key="",
                             input="dtmf", method="POST", num_digits=1, timeout=flow.TIMEOUT_SECONDS)
    gather.say("Sorry, something went wrong on this line. If you are in danger, hang up and call "
               "nine nine nine. To talk to an adviser, press 9.", language="en-GB")
    response.redirect(f"/voice/silence?{here.replace('misses=0', 'misses=1')}", method="POST")
    return str(response)


LAST_RESORT = _last_resort()
# An adviser's leg is joined to the caller when its document ends, so on an error it must hang up:
# an unscreened leg (perhaps a voicemail) never takes the call, and the caller's <Dial> moves on.
ADVISER_LEG_HANGUP = str(VoiceResponse().append(Hangup()))
# A caller waiting in a queue whose wait page failed leaves the queue: the <Enqueue action> then
# gives the no-adviser path (the error page's keys would not work in a queue).
LEAVE_QUEUE = str(VoiceResponse().append(Leave()))
# What a caller being joined to an adviser hears before the join (<Queue url>): nothing, at once.
JOIN_NOW = str(VoiceResponse())


def error_pages(svc) -> dict[str, str]:
    """flow.error for each language, as TwiML text, with its audio and absolute URLs."""
    return {lang: str(flow.error(svc.line(Where(lang=lang, rate=RATES[0])), Where(lang=lang)))
            for lang in svc.contents}


def error_page(svc, lang: str | None) -> str:
    """The error page in the caller's language, else the default one, else the literal."""
    try:
        pages = svc.error_pages
        return pages.get(lang) or pages[svc.settings.default_language]
    except Exception:  # noqa: BLE001 - this is the path of last resort
        return LAST_RESORT
