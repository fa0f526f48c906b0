"""The browser phone's copy of each prompt: the very samples a caller hears, in a format every
browser plays, made by the build; the callers' own files are never changed."""
from __future__ import annotations

import hashlib
import shutil
import wave

import numpy as np

from ivr.audio import browser_copies, tones
from ivr.audio.manifest import Manifest
from ivr.audio.processing import decode


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.wav")}


def test_each_prompt_gets_a_copy_with_the_same_samples_and_callers_files_are_untouched(audio_copy):
    shutil.rmtree(audio_copy / "browser", ignore_errors=True)
    manifest = Manifest.load(audio_copy)
    before = digests(audio_copy)
    made = browser_copies.update(audio_copy, manifest)
    assert sorted(made) == sorted({e.file for e in manifest.entries.values()} | {tones.RINGBACK.file})
    assert digests(audio_copy) == before
    entry = manifest.entries["en-GB/normal/phrase.welcome"]
    with wave.open(str(browser_copies.path(audio_copy, entry.file))) as copy:
        assert (copy.getsampwidth(), copy.getframerate(), copy.getnchannels()) == (2, 8000, 1)  # plain PCM
    phone, browser = decode(audio_copy / entry.file), decode(browser_copies.path(audio_copy, entry.file))
    assert len(phone) == len(browser) and np.max(np.abs(phone - browser)) < 1e-4
    ring, copy = decode(tones.path(audio_copy, tones.RINGBACK)), decode(browser_copies.path(audio_copy, tones.RINGBACK.file))
    assert len(ring) == len(copy) and np.max(np.abs(ring - copy)) < 1e-4  # the ringback too, as callers hear it
    assert browser_copies.update(audio_copy, manifest) == []  # made once


def test_a_copy_goes_when_the_build_removes_its_prompt(audio_copy):
    manifest = Manifest.load(audio_copy)
    browser_copies.update(audio_copy, manifest)
    gone = manifest.entries["en-GB/normal/menu.main"].file
    (audio_copy / gone).unlink()
    browser_copies.update(audio_copy, manifest)
    assert not browser_copies.path(audio_copy, gone).exists()
    assert browser_copies.path(audio_copy, tones.RINGBACK.file).exists()  # its phone file is in tones/


def test_the_preview_serves_the_copies_of_manifest_files_only(make_app, built_audio):
    app = make_app(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", AUDIO_DIR=str(built_audio), TTS_ENGINE="piper")
    client = app.test_client()
    file = Manifest.load(built_audio).entries["en-GB/normal/menu.main"].file
    known = client.get("/phone/line.json").json["audio"][file]
    assert known["words"] == "Main menu, for England and Wales." and known["browser"] == f"/phone/audio/{file}"
    served = client.get(known["browser"])
    assert served.status_code == 200 and served.mimetype == "audio/wav"
    assert served.data == browser_copies.path(built_audio, file).read_bytes()
    ringing = client.get("/phone/line.json").json["audio"][tones.RINGBACK.file]
    assert ringing["words"] == "(ringing)" and client.get(ringing["browser"]).status_code == 200
    for name in ("manifest.json", "..%2Fmanifest.json", "nothing.wav"):
        assert client.get(f"/phone/audio/{name}").status_code == 404
