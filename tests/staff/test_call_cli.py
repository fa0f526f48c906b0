"""`ivr call`: a scripted call prints what a caller would hear, in-process or against a server."""
from __future__ import annotations

import dataclasses
import sys
import threading

import pytest
from click.testing import CliRunner
from flask import Flask, Response
from werkzeug.serving import make_server

from ivr import create_app
from ivr.staff.call import Earpiece, in_process, play_lookup, scripted
from ivr.cli import main
from ivr.staff.phone import SERVICE, Caller
from ivr.line.speech import NoAudio
from ..conftest import BASE, TOKEN, settings
from ..helpers import isolated, ivr

pytestmark = pytest.mark.usefixtures(isolated.__name__)

OPEN = {"ADVISER_NUMBERS": "+442079460901", "ADVISER_HOURS": "Mon-Fri 09:00-17:00", "SERVICE_NUMBER": SERVICE}
WEEKDAY_MORNING = "--at '2026-11-30 10:00'"  # a Monday
SATURDAY_NIGHT = "--at '2026-11-28 22:00'"


def lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if not line.startswith("DEVELOPMENT MODE")]


def test_a_scripted_call_prints_each_prompt_and_key_in_order():
    result = ivr("ivr call --keys 3,#")
    assert result.exit_code == 0, result.output
    out = lines(result)
    assert out[0].startswith("Line: This is Keeping Safe.")
    assert out[1] == "Line: Main menu, for England and Wales."
    assert out[2] == "Line: For calling the police, press 1."
    i = out.index("You press 3.")
    assert out[i + 1].startswith("Line: If your partner is arrested")
    assert out[out.index("You press #.") + 1].startswith("Line: If your partner is arrested")
    assert out[-1] == "(You hang up.)"


@pytest.mark.parametrize("keys", ["1,,", "1,wait"])
def test_an_empty_key_or_wait_stays_silent_and_the_choices_come_again(keys):
    out = lines(ivr(f"ivr call --keys {keys}"))
    assert "(You stay silent.)" in out
    after = out[out.index("(You stay silent.)") + 1:]
    assert after[:2] == ["Line: Calling the police.", "Line: For nine nine nine, press 1."]


def test_a_key_that_is_not_on_a_phone_is_refused_with_an_example():
    result = ivr("ivr call --keys 1,x")
    assert result.exit_code == 2
    assert "'x' is not a key" in result.output and "--keys 1,,#" in result.output


def test_an_answered_adviser_hears_the_whisper_and_accepts():
    out = lines(ivr(f"ivr call --keys 9 --adviser answered {WEEKDAY_MORNING}", **OPEN))
    assert "Line: Connecting you to an adviser. You will hear ringing. To stop waiting, press star." in out
    assert "Adviser's phone hears: A call from the helpline. Press 1 to take it." in out
    assert "(The adviser presses 1.)" in out
    assert out[-2:] == ["Line: Thank you for calling. Goodbye.", "(The line hangs up.)"]


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed", "declined"])
def test_when_no_adviser_takes_the_call_the_caller_hears_the_helpline(outcome):
    out = lines(ivr(f"ivr call --keys 9,2 --adviser {outcome} {WEEKDAY_MORNING}", **OPEN))
    assert "Line: Sorry, no adviser could answer just now." in out
    assert any("The National Domestic Abuse Helpline" in line for line in out)
    assert out[out.index("You press 2.") + 1] == "Line: Main menu, for England and Wales."
    assert ("(The adviser presses 2.)" in out) == (outcome == "declined")


def test_out_of_hours_the_caller_hears_when_advisers_answer():
    out = lines(ivr(f"ivr call --keys 9 {SATURDAY_NIGHT}", **OPEN))
    assert "Line: Our advisers cannot take calls right now." in out
    assert "Line: Advisers answer on Monday to Friday, from nine in the morning to five in the afternoon." in out
    assert "(The advisers' phones ring.)" not in out


def test_a_broken_setting_is_named_instead_of_calling():
    result = ivr("ivr call --keys 1", ADVISER_HOURS="weekdays")
    assert result.exit_code == 1
    assert "The line cannot start" in result.output and "ADVISER_HOURS" in result.output


@pytest.fixture
def server(tmp_path):
    app = create_app(settings(AUDIO_DIR=str(tmp_path / "audio")))
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def test_a_running_line_is_rung_with_signed_requests(server):
    result = ivr(f"ivr call {server} --public-url {BASE} --auth-token {TOKEN} --keys 4,2")
    assert result.exit_code == 0, result.output
    assert "Line: Going to court." in lines(result)
    assert any(line.startswith("Line: To plead not guilty means") for line in lines(result))


def test_a_wrong_token_is_explained(server):
    result = ivr(f"ivr call {server} --public-url {BASE} --auth-token wrong --keys 1")
    assert result.exit_code == 1
    assert "answered 403" in result.output and "auth token" in result.output


def test_nothing_listening_is_explained():
    result = ivr("ivr call http://127.0.0.1:9 --keys 1")
    assert result.exit_code == 1
    assert "Nothing answers at http://127.0.0.1:9" in result.output and "ivr serve" in result.output


class FakeAudio(NoAudio):
    """Every prompt has audio at a URL named after it."""

    def url(self, language, rate, prompt):
        return f"https://audio.example.org/{language}/{rate}/{prompt.id}.mp3"


def with_audio(app):
    app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], audio=FakeAudio())
    return app


def test_built_audio_is_shown_as_its_words_and_played(tmp_path, monkeypatch):
    caller = in_process(None)
    app = with_audio(create_app({"IVR_DEV_MODE": "1"}))
    caller.client, caller.lookup = app.test_client(), play_lookup(app)
    played = tmp_path / "played.txt"
    player = [sys.executable, "-c", f"import sys; open({str(played)!r}, 'a').write(sys.argv[1] + '\\n')"]
    shown = []
    caller.dial()
    Earpiece(shown.append, player=player).speak(caller)
    assert shown[1] == "Line: Main menu, for England and Wales."
    assert played.read_text().splitlines()[1] == "https://audio.example.org/en-GB/normal/menu.main.mp3"


def test_a_live_call_takes_keys_from_the_keyboard():
    result = CliRunner().invoke(main, ["call", "--fast", "--no-play"], input="12\n\nx\nq\n")
    out = lines(result)
    assert result.exit_code == 0, result.output
    assert out[out.index("You press 1.") + 1] == "Line: Calling the police."
    assert out[out.index("You press 2.") + 1] == "Line: You can also ask your local Neighbourhood Police Unit " \
        "for support. This is a team of police officers who work in your area. They deal with what is called " \
        "hate crime. Hate crime includes domestic violence. They can help you find ways to keep safe."
    assert "(You stay silent.)" in out
    assert "That is not a key on a phone: use 0-9, * or #." in result.output
    assert out[-1].endswith("(You hang up.)")


def test_a_live_call_asks_what_the_advisers_do():
    result = CliRunner(env=OPEN).invoke(main, ["call", "--fast", "--at", "2026-11-30 10:00"],
                                        input="9\nbusy\nq\n")
    assert "The advisers are ringing. What happens?" in result.output
    assert "(Twilio reports: busy.)" in result.output
    assert "Sorry, no adviser could answer just now." in result.output


def test_a_redirect_without_a_keypad_is_followed_at_once():
    app = Flask(__name__)
    app.post("/voice", endpoint="hold")(lambda: Response("<Response><Say>Hold on.</Say><Redirect method=\"POST\">"
                                        "/voice/next</Redirect></Response>", mimetype="text/xml"))
    app.post("/voice/next", endpoint="next")(lambda: Response("<Response><Say>Here we are.</Say><Hangup/></Response>",
                                             mimetype="text/xml"))
    shown = []
    scripted(Caller(app.test_client()), [], "answered", Earpiece(shown.append))
    assert shown == ["Line: Hold on.", "Line: Here we are.", "(The line hangs up.)"]


def test_audio_the_line_serves_itself_is_piped_to_the_player(tmp_path):
    class LocalAudio(NoAudio):
        def url(self, language, rate, prompt):
            return f"http://localhost/audio/{prompt.id}.mp3"

    app = create_app({"IVR_DEV_MODE": "1"})
    app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], audio=LocalAudio())
    app.view_functions["audio.audio_file"] = lambda name: f"sound of {name}".encode()
    heard = tmp_path / "heard.txt"
    player = [sys.executable, "-c", f"import sys; open({str(heard)!r}, 'ab').write(sys.stdin.buffer.read() + b'|')"]
    caller = Caller(app.test_client(), "http://localhost", lookup=play_lookup(app))
    caller.dial()
    Earpiece(lambda line: None, player=player).speak(caller)
    assert heard.read_bytes().split(b"|")[:2] == [b"sound of phrase.welcome.mp3", b"sound of menu.main.mp3"]


def test_built_audio_is_recognised_at_whatever_address_the_line_was_reached(make_app, built_audio):
    """A development line's links follow the address it is called on: the words still show."""
    from ivr.staff.phone import audio_words
    app = make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper")
    service = app.extensions["ivr"]
    main = service.contents["en-GB"].prompt("menu.main")
    url = service.audio.url("en-GB", "normal", main)
    words = audio_words(service)
    for address in (url, "http://localhost:8000/audio/" + url.rsplit("/", 1)[-1]):
        assert words(address) == main.text


def test_seven_slows_the_line_down_and_seven_again_brings_it_back():
    out = lines(ivr("ivr call --keys 7,7"))
    first = out.index("You press 7.")
    assert out[first + 1] == "Line: Main menu, for England and Wales."
    assert "Line: For the usual speed, press 7." in out[first:]
    assert out[-4] == "Line: For slower speech, press 7."  # after the second 7


def test_a_call_to_a_line_with_two_languages_starts_with_the_choice(tmp_path):
    import shutil
    from pathlib import Path
    from ivr.settings import PACKAGE_DIR
    folder = tmp_path / "guidance"
    folder.mkdir()
    shutil.copy(PACKAGE_DIR / "guidance" / "en-GB.yaml", folder)
    shutil.copy(Path(__file__).resolve().parents[1] / "languages" / "qaa.yaml", folder)
    out = lines(ivr("ivr call --keys 1,1", CONTENT_DIR=str(folder)))
    assert out[:2] == ["Line: For English, stay on the line.", "Line: Fo Keshi, drik 1."]
    assert out[out.index("You press 1.") + 1].startswith("Line: Dis es Kiping Saf.")
    assert "Line: Kolen de polis." in out


def test_a_timed_call_shows_when_each_prompt_starts_as_ivr_check_times_it():
    from ivr.staff import callertime
    out = lines(ivr("ivr call --keys 3 --timed"))
    assert out[0].startswith("[  0.0 s] Line: This is Keeping Safe.")
    welcome = float(out[1].split(" s]")[0].strip("[ "))
    assert out[1].endswith("Line: Main menu, for England and Wales.")
    assert welcome == pytest.approx(callertime.estimated_seconds(out[0].split("Line: ", 1)[1]), abs=0.05)
    section = out[out.index("You press 3.") + 1]
    assert "Line: If your partner is arrested, they will be taken to the police station." in section
    assert 30 < float(section.split(" s]")[0].strip("[ ")) < callertime.SECTION_SECONDS
    assert ivr("ivr call http://localhost:1 --keys 3 --timed").exit_code == 2  # in-process only
