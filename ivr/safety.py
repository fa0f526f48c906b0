"""What the line says when something breaks, made so that saying it cannot break too.

The error page for each language is rendered once at start-up (if that fails, the line does not
start). At run time a failing webhook only returns one of these strings: no content lookup, no
audio index, no URL building. If even that lookup fails, LAST_RESORT is a plain literal.
"""
from __future__ import annotations

from . import flow
from .flow import RATES, Where

XML = '<?xml version="1.0" encoding="UTF-8"?>'

# The same choices as flow.error, in English, with Twilio's built-in voice. Relative URLs: Twilio
# resolves them against the URL it just fetched, so this needs nothing from the settings.
LAST_RESORT = XML + (
    '<Response><Gather action="/voice/key?node=main&amp;misses=0&amp;lang=en-GB&amp;rate=normal" '
    'actionOnEmptyResult="false" finishOnKey="" input="dtmf" method="POST" numDigits="1" timeout="6">'
    '<Say language="en-GB">Sorry, something went wrong on this line. '
    'If you are in danger, hang up and call nine nine nine. To talk to an adviser, press 9.</Say>'
    '</Gather><Redirect method="POST">/voice/silence?node=main&amp;misses=1&amp;lang=en-GB&amp;rate=normal'
    '</Redirect></Response>')

# An adviser's leg is joined to the caller when its document ends, so on an error it must hang up:
# an unscreened leg (perhaps a voicemail) never takes the call, and the caller's <Dial> moves on.
ADVISER_LEG_HANGUP = XML + "<Response><Hangup /></Response>"


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
