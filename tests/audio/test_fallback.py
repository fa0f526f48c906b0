"""When no line server answers, the number's fallback still speaks: a static document built with
the audio, served here by a plain static file server and followed by the Twilio-like caller."""
from __future__ import annotations

import functools
import http.server
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from ivr.audio import fallback
from ivr.audio.manifest import Manifest
from ivr.line import content as content_mod
from ivr.line.adviser import spoken_number
from ivr.staff.phone import Caller, Remote
from ..conftest import build_audio


class StaticFiles(http.server.SimpleHTTPRequestHandler):
    """Python's own static file server, with TwiML as text/xml, as a bucket would be set up."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".xml": "text/xml"}

    def log_message(self, *args):
        pass


@pytest.fixture
def static_server(audio_copy):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticFiles,
                                                                                directory=str(audio_copy)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", audio_copy
    server.shutdown()
    server.server_close()


def words_of(folder: Path):
    files = {e.file: e.text for e in Manifest.load(folder).entries.values()}
    return lambda url: files.get(url.rsplit("/", 1)[-1])


def test_the_build_writes_the_fallback_from_the_built_audio(built_audio):
    doc = ET.fromstring((built_audio / fallback.FILE).read_text())
    assert [el.tag for el in doc] == ["Play", "Play", "Play", "Play", "Hangup"]
    words = words_of(built_audio)
    heard = [words(el.text) for el in doc.iter("Play")]
    content = content_mod.load_all(Path(content_mod.__file__).parent.parent / "guidance")["en-GB"]
    assert heard[0] == content.phrases["unavailable"]
    assert "nine nine nine" in heard[1] and "press five five" in heard[1]
    assert heard[2].count(spoken_number(content, "0808 2000 247")) == 2  # the helpline number, twice
    assert heard[3] == content.phrases["goodbye"]


def test_a_caller_hears_the_fallback_from_a_plain_static_file_server(static_server):
    url, folder = static_server
    summary = build_audio(folder, AUDIO_BASE_URL=url)  # published there: nothing to rebuild, a new document
    assert not summary.built and not summary.failed
    caller = Caller(Remote(url, timeout=5), base_url=url, lookup=words_of(folder))
    caller.fetch(f"{url}/{fallback.FILE}", ErrorCode="11200", ErrorUrl="https://line.example.org/voice")
    heard = " ".join(caller.heard)
    assert caller.heard[0] == "Sorry, this line is not working just now."
    assert "hang up and call nine nine nine" in heard and "National Domestic Abuse Helpline" in heard
    assert caller.heard[-1] == "Thank you for calling. Goodbye."
    assert caller.ended
    assert caller.played and all(u.startswith(url + "/") for u in caller.played)
    for played in caller.played:  # Twilio fetches each file from the same server
        reply = requests.get(played, timeout=5)
        assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("audio/")


def test_without_audio_the_fallback_still_speaks(tmp_path):
    from ivr.line.speech import NoAudio
    from ivr import settings as settings_mod
    from ..conftest import settings
    env = settings_mod.from_env({k: v for k, v in settings().items() if isinstance(v, str)})
    contents = content_mod.load_all(env.content_dir)
    doc = ET.fromstring(ET.tostring(ET.parse(fallback.write(tmp_path, contents, env, NoAudio())).getroot()))
    assert [el.tag for el in doc] == ["Say", "Say", "Say", "Say", "Hangup"]
    assert all(el.get("language") == "en-GB" for el in doc.iter("Say"))
