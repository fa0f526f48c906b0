"""A call with audio built: every prompt is played, and <Say> covers any prompt without audio."""
from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from ivr.audio.build import items
from ivr.audio.manifest import Manifest
from ivr.staff.phone import RINGING
from ..caller import Caller
from ..conftest import BASE, TOKEN
from ..line.test_call_flow import all_states, arrive


@pytest.fixture
def audio_app(make_app, built_audio):
    return make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper")


def prompt_count(app) -> int:
    return len(items(app.extensions["ivr"].contents, app.extensions["ivr"].settings))


def says(caller) -> list[str]:
    return [el.text for el in caller.doc.iter() if el.tag == "Say"]


def test_a_walk_through_the_line_plays_audio_for_every_prompt(audio_app, board):
    played = set()
    for node, how in all_states(audio_app):
        caller = arrive(board.caller(), audio_app, node, how)
        assert not says(caller), (node, how, says(caller))
        played.update(caller.played)
        caller.press("9")
        board.advance(1)
        assert not says(caller) and caller.said("Connecting you to an adviser.")
        board.advance(6)
        assert caller.last == [RINGING]  # the built ringback, not <Say>
        played.update(caller.played)
        assert board.settle(until=lambda: not board.holds(caller))  # nobody answers
        assert not says(caller) and caller.said("The National Domestic Abuse Helpline")
        played.update(caller.played)
    assert all(url.startswith(f"{BASE}/audio/") for url in played)
    assert len(played) >= 35
    tone = next(url for url in played if "/audio/tones/" in url)
    response = audio_app.test_client().get(tone.removeprefix(BASE))
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert "immutable" in response.headers["Cache-Control"]


def test_a_prompt_whose_file_was_deleted_is_spoken_with_say(make_app, audio_copy, caplog):
    entry = Manifest.load(audio_copy).entries["en-GB/normal/menu.main.2"]
    (audio_copy / entry.file).unlink()
    with caplog.at_level(logging.WARNING, logger="ivr.audio"):
        app = make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper")
    assert f"1 of {prompt_count(app)} prompts" in caplog.text
    caller = Caller(app.test_client(), BASE, TOKEN).dial()
    assert says(caller) == ["For when the police come, press 2."]
    assert len(caller.played) == len(caller.last) - 1
    assert caller.said("For going to court, press 4.")



@pytest.mark.parametrize("breakage", ["deleted", "unreadable"])
def test_a_file_broken_under_a_running_line_is_spoken_with_say_within_a_second(make_app, audio_copy,
                                                                                  breakage, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("ivr.audio.manifest.time", SimpleNamespace(monotonic=lambda: clock[0]))
    app = make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper")
    client = app.test_client()
    entry = Manifest.load(audio_copy).entries["en-GB/normal/menu.main.2"]
    first = Caller(client, BASE, TOKEN).dial()
    assert not says(first)  # every prompt played, and the page now cached
    (audio_copy / entry.file).unlink()
    if breakage == "unreadable":
        (audio_copy / entry.file).mkdir()  # in its place, something that cannot be read as audio
    clock[0] += 0.5
    assert not says(Caller(client, BASE, TOKEN).dial())  # looked at once a second, not every webhook
    clock[0] += 0.5
    caller = Caller(client, BASE, TOKEN).dial()
    assert says(caller) == ["For when the police come, press 2."]
    assert len(caller.played) == len(caller.last) - 1
    assert client.get(f"/audio/{entry.file}").status_code == 404  # not a 500 for Twilio's <Play>
    health = app.test_client().get("/healthz").get_json()["languages"]["en-GB"]
    assert health["audio_current"] == {"normal": health["prompts"] - 1, "slow": health["prompts"]}


def test_status_is_current_stale_or_missing(make_app, audio_copy):
    app = make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper")
    service = app.extensions["ivr"]
    wanted = items(service.contents, service.settings)
    assert {service.audio.status(i.language, i.rate, i.prompt) for i in wanted} == {"current"}
    main = service.contents["en-GB"].prompt("menu.main")
    edited = type(main)(main.id, "The main menu.")
    assert service.audio.status("en-GB", "normal", edited) == "stale"
    assert service.audio.url("en-GB", "normal", edited) is None
    assert service.audio.duration("en-GB", "normal", main) > 0.5
    assert service.audio.status("cy-GB", "normal", main) == "missing"
    assert service.audio.status("en-GB", "slow", main) == "current"  # both speeds are built
    assert service.audio.url("en-GB", "slow", main) != service.audio.url("en-GB", "normal", main)
    assert service.audio.status("en-GB", "fast", main) == "missing"
    # The hours come from settings: new hours make the built sentence stale until rebuilt.
    other = make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper", ADVISER_HOURS="Mon-Fri 09:00-17:00")
    hours = [i for i in items(other.extensions["ivr"].contents, other.extensions["ivr"].settings)
             if i.prompt.id == "adviser.hours"][0]
    assert other.extensions["ivr"].audio.status("en-GB", "normal", hours.prompt) == "stale"


@pytest.mark.parametrize("engine", [{}, {"TTS_ENGINE": "gtts"}, {"TTS_ENGINE": "piper", "PIPER_LENGTH_SCALE": "1.2"},
                                    {"TTS_ENGINE": "no such engine"}])
def test_audio_is_current_whichever_engine_the_line_is_set_to(make_app, built_audio, caplog, engine):
    """The engine is the build's setting: callers hear the built voice wherever the line runs."""
    with caplog.at_level(logging.INFO, logger="ivr.audio"):
        app = make_app(AUDIO_DIR=str(built_audio), **engine)
    assert f"all {prompt_count(app)} prompts have current audio" in caplog.text
    caller = Caller(app.test_client(), BASE, TOKEN).dial()
    assert caller.played and not says(caller)


def test_audio_processed_another_way_is_stale(make_app, audio_copy, monkeypatch):
    from ivr.audio import shape
    monkeypatch.setitem(shape.SHAPES, "normal", shape.Shape(target_dbov=-18.0))
    app = make_app(AUDIO_DIR=str(audio_copy))
    main = app.extensions["ivr"].contents["en-GB"].prompt("menu.main")
    assert app.extensions["ivr"].audio.status("en-GB", "normal", main) == "stale"


def test_audio_is_served_with_long_caching_and_an_etag(audio_app):
    client = audio_app.test_client()
    url = Caller(client, BASE, TOKEN).dial().played[0]
    path = url.removeprefix(BASE)
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.data[:4] == b"RIFF"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("path", ["/audio/manifest.json", "/audio/..%2Fmanifest.json", "/audio/../ivr/__init__.py",
                                  "/audio/nothing.wav", "/audio/.lock", "/audio/README.md"])
def test_only_files_in_the_manifest_are_served(audio_app, path):
    assert audio_app.test_client().get(path).status_code == 404


def test_a_cdn_can_serve_the_audio(make_app, built_audio):
    app = make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper", AUDIO_BASE_URL="https://cdn.example.org/line/")
    caller = Caller(app.test_client(), BASE, TOKEN).dial()
    assert caller.played and all(u.startswith("https://cdn.example.org/line/en-GB.") for u in caller.played)
    assert caller.said("For calling the police, press 1.")


def test_before_any_build_every_prompt_is_spoken_and_startup_says_so(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="ivr.audio"):
        app = make_app()
    total = prompt_count(app)
    assert f"{total} of {total} prompts" in caplog.text and "ivr build-audio" in caplog.text
    caller = Caller(app.test_client(), BASE, TOKEN).dial()
    assert not caller.played and caller.said("For calling the police, press 1.")


def test_in_the_local_preview_audio_links_are_paths_never_the_host_called(make_app, built_audio):
    app = make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper", TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="")
    for host in ("http://127.0.0.1:8000", "http://localhost:9000"):
        response = app.test_client().post("/voice", base_url=host)
        assert b"<Play>/audio/en-GB.normal.phrase.welcome." in response.data
    # A name that is not this computer's own (a web page's, pointed at 127.0.0.1) gets nothing.
    assert app.test_client().post("/voice", base_url="http://line.example.org").status_code == 403
