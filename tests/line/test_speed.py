"""Key 7: slower speech on request, kept for the rest of the call until 7 again.

Each test runs twice (the `app` fixture): before any audio is built, when slow speech is
Twilio's <Say> slowed with SSML, and with the built audio, when it is the slow recordings.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ivr.line.speech import SAY_RATES
from ..caller import Caller
from ..conftest import BASE, TOKEN


def speeds(caller) -> set[str]:
    """At what speed the latest document speaks: 'slow' for slow audio or slowed <Say>."""
    out = set()
    for element in caller.doc.iter():
        if element.tag == "Play":
            out.add("slow" if ".slow." in element.text.rsplit("/", 1)[-1] else "normal")
        elif element.tag == "Say":
            prosody = element.find("prosody")
            out.add("slow" if prosody is not None and prosody.get("rate") == SAY_RATES["slow"] else "normal")
    return out


def links(caller) -> list[str]:
    return [el.get("action") or el.text for el in caller.doc.iter() if el.tag in ("Gather", "Redirect", "Dial")]


def test_seven_in_the_welcome_says_the_main_menu_again_slowly(caller):
    caller.dial()
    assert speeds(caller) == {"normal"}
    caller.press("7")
    assert speeds(caller) == {"slow"}
    assert caller.last[0] == "Main menu, for England and Wales."
    assert caller.said("For the usual speed, press 7.") and not caller.said("For slower speech")
    assert all("rate=slow" in url for url in links(caller))


def test_the_slow_speed_lasts_through_keys_silence_and_wrong_keys(caller):
    caller.dial().press("7").press("1")
    for step in (lambda: caller.press("2"), lambda: caller.press("#"), lambda: caller.press("*"),
                 lambda: caller.press("5"), caller.wait, lambda: caller.press("8")):
        step()
        assert speeds(caller) == {"slow"}, caller.last
        assert all("rate=slow" in url for url in links(caller))
    assert caller.said("For the usual speed, press 7.")  # back in the main menu


def test_seven_again_returns_to_the_usual_speed(caller):
    caller.dial().press("7").press("3").press("7")
    assert speeds(caller) == {"normal"}
    assert caller.last[0].startswith("If your partner is arrested")  # the section again, at the usual speed
    assert all("rate=normal" in url for url in links(caller))
    caller.press("8")
    assert caller.said("For slower speech, press 7.")


def test_seven_in_a_section_says_the_section_again_slowly(app, caller):
    caller.dial().press("3").press("7")
    assert caller.last[0] == app.extensions["ivr"].contents["en-GB"].sections["arrest"].say
    assert speeds(caller) == {"slow"}


def test_the_adviser_path_keeps_the_slow_speed_but_the_adviser_hears_the_usual(caller):
    board = caller.board  # the advisers' phones ring out unanswered
    caller.dial().press("7").press("9")
    enqueue = caller.doc.find("Enqueue")
    assert "rate=slow" in enqueue.get("action") and "rate=slow" in enqueue.get("waitUrl")
    board.advance(0.5)
    assert caller.said("Connecting you to an adviser.") and speeds(caller) == {"slow"}
    # What an adviser's phone is sent when it answers (the Url of the line's call to it):
    whisper = next(data["Url"] for _, method, url, data in board.requests if url.endswith("/Calls.json"))
    adviser = Caller(caller.client, BASE, TOKEN, from_number="+442079460001", call_sid="CA" + "2" * 32)
    adviser.post(whisper, Direction="outbound-api")
    assert adviser.said("A call from the helpline.") and speeds(adviser) == {"normal"}
    assert board.settle(until=lambda: not board.holds(caller), seconds=300), "\n".join(board.report())
    assert caller.said("Sorry, no adviser could answer just now.") and speeds(caller) == {"slow"}
    caller.press("2")
    assert speeds(caller) == {"slow"}


def test_slow_speech_without_slow_audio_is_said_slowly_never_silent(make_app, audio_copy):
    """Audio built at the usual speed only: the slow prompts fall back to a slowed <Say>."""
    import json
    manifest = json.loads((audio_copy / "manifest.json").read_text())
    manifest["prompts"] = {k: v for k, v in manifest["prompts"].items() if "/slow/" not in k}
    (audio_copy / "manifest.json").write_text(json.dumps(manifest))
    caller = Caller(make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper").test_client(), BASE, TOKEN).dial()
    assert caller.played and speeds(caller) == {"normal"}
    caller.press("7")
    assert not caller.played and caller.last[0] == "Main menu, for England and Wales."
    say = next(caller.doc.iter("Say"))
    assert say.get("voice") == "Polly.Amy" and say.get("language") == "en-GB"
    assert ET.tostring(say, encoding="unicode").startswith(
        '<Say language="en-GB" voice="Polly.Amy"><prosody rate="75%">Main menu, for England and Wales.')
