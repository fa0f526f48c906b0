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
from ivr.staff.adviser_call import Advisers
from ivr.staff.call import Earpiece, in_process, play_lookup, scripted
from ivr.staff.switchboard import Switchboard
from ivr.cli import main
from ivr.staff.phone import SERVICE, Caller
from ivr.line.speech import NoAudio
from ..conftest import BASE, TOKEN, settings
from ..helpers import SETTINGS, isolated, ivr

pytestmark = pytest.mark.usefixtures(isolated.__name__)

OPEN = {"ADVISER_NUMBERS": "+442079460901", "ADVISER_HOURS": "Mon-Fri 09:00-17:00", "SERVICE_NUMBER": SERVICE}
TWO = {**OPEN, "ADVISER_NUMBERS": "+442079460901,+442079460902"}
WEEKDAY_MORNING = "--at '2026-11-30 10:00'"  # a Monday
SATURDAY_NIGHT = "--at '2026-11-28 22:00'"


def lines(result) -> list[str]:
    return result.output.splitlines()


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


def test_an_adviser_who_answers_hears_the_whisper_presses_1_and_talks():
    out = lines(ivr(f"ivr call --keys 9 --adviser answers {WEEKDAY_MORNING}", **OPEN))
    assert "Line: Connecting you to an adviser. You will hear ringing. To stop waiting, press star." in out
    assert "(adviser 1's phone hears: A call from the helpline. Press 1 to take it.)" in out
    assert any(line.endswith("presses 1)") for line in out)
    assert any(line.endswith("is talking to the caller)") for line in out)
    assert out[-2:] == ["Line: Thank you for calling. Goodbye.", "(The line hangs up.)"]


def test_a_switched_off_phone_and_an_adviser_who_answers_after_8_seconds():
    out = lines(ivr(f"ivr call --keys 9 --adviser off,answers-after=8 {WEEKDAY_MORNING}", **TWO))
    assert "(2 s: adviser 1's phone (+442079460901) voicemail answers)" in out
    assert "(11 s: adviser 2's phone (+442079460902) is talking to the caller)" in out
    assert out[-2] == "Line: Thank you for calling. Goodbye."


@pytest.mark.parametrize("phone", ["no-answer", "busy", "fails", "declines", "voicemail", "off", "whisper-fails"])
def test_when_no_adviser_takes_the_call_the_caller_hears_the_helpline(phone):
    out = lines(ivr(f"ivr call --keys 9,2 --adviser {phone} {WEEKDAY_MORNING}", **OPEN))
    assert "Line: Sorry, no adviser could answer just now." in out
    assert any("The National Domestic Abuse Helpline" in line for line in out)
    assert out[out.index("You press 2.") + 1] == "Line: Main menu, for England and Wales."
    assert any(line.endswith("presses 2)") for line in out) == (phone == "declines")


def test_star_while_the_phones_ring_stops_waiting():
    out = lines(ivr(f"ivr call --keys 9,*,2 --adviser no-answer {WEEKDAY_MORNING}", **OPEN))
    assert out.index("(You hear ringing.)") < out.index("You press *.") < out.index("Line: You have stopped waiting.")
    assert any(line.endswith("stops ringing (cancelled))") for line in out)
    assert out[out.index("You press 2.") + 1] == "Line: Main menu, for England and Wales."


def test_twilios_api_down_can_be_rehearsed():
    out = lines(ivr(f"ivr call --keys 9 --api down {WEEKDAY_MORNING}", **OPEN))
    assert any("Twilio's API cannot be reached" in line for line in out)
    assert "Line: Sorry, no adviser could answer just now." in out


def test_out_of_hours_the_caller_hears_when_advisers_answer():
    out = lines(ivr(f"ivr call --keys 9 {SATURDAY_NIGHT}", **OPEN))
    assert "Line: Our advisers cannot take calls right now." in out
    assert "Line: Advisers answer Monday to Friday, from nine in the morning to five in the afternoon." in out
    assert not any("rings" in line for line in out)


def test_adviser_says_plainly_when_it_cannot_apply_and_what_would():
    out = lines(ivr(f"ivr call --keys 9 --adviser answers {SATURDAY_NIGHT}", **OPEN))
    assert out[0] == ("(--adviser does not apply now: it is Saturday 22:00 UK time, outside ADVISER_HOURS "
                      "(Mon-Fri 09:00-17:00), so nobody's phone rings. Add --at '2026-11-30 09:00' to call when "
                      "advisers answer.)")
    out = lines(ivr("ivr call --keys 9 --adviser answers --at '2026-12-25 10:00'",
                    **OPEN, ADVISER_CLOSED_DAYS="2026-12-25"))
    assert out[0].startswith("(--adviser does not apply now: Friday 25 December is a closed day (ADVISER_CLOSED_DAYS)")
    assert "--at '2026-12-28 09:00'" in out[0]
    # With no ADVISER_NUMBERS the line rung in-process (the local preview) rings one pretend adviser,
    # on a number from Ofcom's drama range, so --adviser still says what that phone does.
    out = lines(ivr(f"ivr call --keys 9 --adviser off {WEEKDAY_MORNING}", **{**OPEN, "ADVISER_NUMBERS": ""}))
    assert "(2 s: adviser 1's phone (+442079460999) voicemail answers)" in out
    assert "Line: Sorry, no adviser could answer just now." in out


@pytest.mark.parametrize("phones,says", [("sometimes", "'sometimes' is not an adviser behaviour. Use one of answers,"),
                                         ("off,off", "it gives 2 behaviours, but ADVISER_NUMBERS has 1 phone")])
def test_a_wrong_adviser_behaviour_is_refused_naming_the_choices(phones, says):
    result = ivr(f"ivr call --keys 9 --adviser {phones} {WEEKDAY_MORNING}", **OPEN)
    assert result.exit_code == 2 and says in result.output


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
    assert "Nothing answers at http://127.0.0.1:9. Is the line running? Start it with `scripts/run`" in result.output


class FakeAudio(NoAudio):
    """Every prompt has audio at a URL named after it."""

    def url(self, language, rate, prompt):
        return f"https://audio.example.org/{language}/{rate}/{prompt.id}.mp3"


def with_audio(app):
    app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], audio=FakeAudio())
    return app


def test_built_audio_is_shown_as_its_words_and_played(tmp_path, monkeypatch):
    caller = in_process(None)
    app = with_audio(create_app())
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


def test_a_live_call_asks_what_the_advisers_do_and_offers_star_while_they_ring():
    result = CliRunner(env=TWO).invoke(main, ["call", "--fast", "--no-play", "--at", "2026-11-30 10:00"],
                                       input="9\nsometimes\nno-answer,voicemail\n\n*\nq\n")
    assert "The advisers' phones ring. What does each do?" in result.output
    assert "'sometimes' is not an adviser behaviour" in result.output  # asked again
    assert "Enter to keep waiting, * and Enter to stop waiting" in result.output
    assert "You press *." in result.output and "You have stopped waiting." in result.output


def test_a_redirect_without_a_keypad_is_followed_at_once():
    app = Flask(__name__)
    app.post("/voice", endpoint="hold")(lambda: Response("<Response><Say>Hold on.</Say><Redirect method=\"POST\">"
                                        "/voice/next</Redirect></Response>", mimetype="text/xml"))
    app.post("/voice/next", endpoint="next")(lambda: Response("<Response><Say>Here we are.</Say><Hangup/></Response>",
                                             mimetype="text/xml"))
    shown = []
    scripted(Caller(app.test_client()), [], Advisers(Switchboard(app.test_client()), shown.append),
             Earpiece(shown.append))
    assert shown == ["Line: Hold on.", "Line: Here we are.", "(The line hangs up.)"]


def test_audio_the_line_serves_itself_is_piped_to_the_player(tmp_path):
    class LocalAudio(NoAudio):
        def url(self, language, rate, prompt):
            return f"http://localhost/audio/{prompt.id}.mp3"

    app = create_app()
    app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], audio=LocalAudio())
    app.view_functions["audio.audio_file"] = lambda name: f"sound of {name}".encode()
    heard = tmp_path / "heard.txt"
    player = [sys.executable, "-c", f"import sys; open({str(heard)!r}, 'ab').write(sys.stdin.buffer.read() + b'|')"]
    caller = Caller(app.test_client(), "http://localhost", lookup=play_lookup(app))
    caller.dial()
    Earpiece(lambda line: None, player=player).speak(caller)
    assert heard.read_bytes().split(b"|")[:2] == [b"sound of phrase.welcome.mp3", b"sound of menu.main.mp3"]


def test_built_audio_is_recognised_at_whatever_address_the_line_was_reached(make_app, built_audio):
    """The words show whatever address the audio is reached at (the preview's links are paths)."""
    from ivr.staff.phone import audio_words
    app = make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper")
    service = app.extensions["ivr"]
    main = service.contents["en-GB"].prompt("menu.main")
    url = service.audio.url("en-GB", "normal", main)
    words = audio_words(service)
    for address in (url, "http://localhost:8000/audio/" + url.rsplit("/", 1)[-1]):
        assert words(address) == main.text


def test_a_call_plays_the_offline_voice_whatever_the_engine_setting(built_audio, monkeypatch):
    monkeypatch.setenv("AUDIO_DIR", str(built_audio))
    caller = in_process(None).dial()
    assert caller.played and len(caller.played) == len(caller.last)


class Terminal:
    """`ivr call` in a terminal of its own (a pseudo-terminal), typed into as staff would type."""

    def __init__(self, cwd, *args):
        import os
        import pty
        import subprocess
        self.os = os
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
        env["DATABASE_URL"] = f"sqlite:///{cwd / 'line.sqlite3'}"
        self.process = subprocess.Popen([sys.executable, "-m", "ivr", "call", "--no-play", *args], cwd=cwd, env=env,
                                        stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.output = ""

    def wait_for(self, words: str, seconds: float = 60) -> str:  # generous: the machine may be busy
        import select
        import time
        deadline = time.monotonic() + seconds
        while words not in self.output:
            assert time.monotonic() < deadline, f"no {words!r} in:\n{self.output}"
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.output += self.os.read(self.master, 4096).decode(errors="replace").replace("\r", "")
                except OSError:  # the call ended and its terminal closed
                    assert words in self.output, f"no {words!r} in:\n{self.output}"
        return self.output

    def type(self, keys: str) -> None:
        self.os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=10)
        finally:
            self.process.kill()
            self.os.close(self.master)


def test_in_a_terminal_a_key_cuts_the_speech_short_at_once_and_q_hangs_up_at_once(tmp_path):
    terminal = Terminal(tmp_path)
    try:
        terminal.wait_for("Line: This is")
        terminal.type("1")  # no Enter: a phone's key counts when it is pressed
        heard = terminal.wait_for("Line: Calling the police.")
        welcome = heard[heard.index("Line: This is"):heard.index("You press 1.")]
        assert welcome.rstrip().endswith("...") and "Main menu" not in welcome  # cut short, menu never said
        terminal.wait_for("Line: For nine nine nine")
        terminal.type("q")
        heard = terminal.wait_for("(You hang up.)")
        assert "harassment" not in heard.split("You press 1.")[1]  # the rest of the menu was never said
        assert terminal.close() == 0
    finally:
        terminal.process.kill()


def test_audio_playing_stops_when_a_key_is_pressed(tmp_path):
    import threading
    from ivr.staff.call import Keypad
    played = tmp_path / "played.txt"
    player = [sys.executable, "-c", f"import time; p = open({str(played)!r}, 'a'); p.write('start '); p.flush(); "
              "time.sleep(30); p.write('end')"]
    keypad = Keypad()
    caller = Caller(with_audio(create_app(settings(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL=""))).test_client(), "http://localhost")
    caller.dial()

    def press_once_playing():
        while not played.exists():
            threading.Event().wait(0.02)
        keypad.press("1")
    threading.Thread(target=press_once_playing, daemon=True).start()
    Earpiece(lambda line: None, player=player, keypad=keypad).speak(caller)
    assert played.read_text() == "start "  # stopped, not played to the end, and nothing after it
    assert keypad.next() == "1"


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
