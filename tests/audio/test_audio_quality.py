"""The built audio, as a phone line gets it: format, level, peaks, speech rate, whole words."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from ivr.audio import processing
from ivr.audio.manifest import Manifest
from ivr.audio.shape import SHAPES
from ivr.staff import listening

SHAPE = SHAPES["normal"]


def wav_format(path: Path) -> dict:
    """The RIFF 'fmt ' chunk, read by hand: Python's wave module cannot read mu-law."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"{path.name} is not a WAV file"
    pos = 12
    while pos < len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk == b"fmt ":
            fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            return {"format": fmt, "channels": channels, "rate": rate, "bits": bits}
        pos += 8 + size + (size & 1)
    raise AssertionError(f"{path.name} has no fmt chunk")


@pytest.fixture(scope="module")
def built(built_audio):
    manifest = Manifest.load(built_audio)
    return [(e, built_audio / e.file, processing.decode(built_audio / e.file)) for e in manifest.entries.values()]


def rms_dbfs(x: np.ndarray) -> float:
    return 20 * np.log10(max(float(np.sqrt(np.mean(x ** 2))), 1e-9))


def test_every_prompt_in_the_content_has_audio(built, make_app):
    app = make_app()
    from ivr.audio.build import items
    service = app.extensions["ivr"]
    wanted = {(i.language, i.prompt.id) for i in items(service.contents, service.settings)}
    assert wanted == {(e.language, e.prompt) for e, _, _ in built}


def test_files_are_8khz_mono_mulaw(built):
    for entry, path, _ in built:
        assert wav_format(path) == {"format": 7, "channels": 1, "rate": 8000, "bits": 8}, entry.prompt


def test_every_prompt_is_at_one_speech_level_with_peaks_limited(built):
    for entry, _, x in built:
        level = processing.active_level(x, 8000)
        assert abs(level - SHAPE.target_dbov) <= 1.0, f"{entry.prompt}: {level:.1f} dBov"
        peak = 20 * np.log10(np.max(np.abs(x)))
        assert peak <= SHAPE.peak_dbfs + 0.01, f"{entry.prompt}: peak {peak:.2f} dBFS"


def test_speech_rate_is_130_to_150_words_a_minute_or_about_110_when_slow(built):
    assert {e.rate for e, _, _ in built} == {"normal", "slow"}
    for entry, _, x in built:
        shape = SHAPES[entry.rate]
        speech_seconds = len(x) / 8000 - (shape.lead_ms + shape.tail_ms) / 1000
        wpm = len(entry.text.split()) / speech_seconds * 60
        expected = (130, 150) if entry.rate == "normal" else (105, 115)
        assert expected[0] <= wpm <= expected[1], f"{entry.rate} {entry.prompt}: {wpm:.0f} words a minute"


def quiet_gaps(x: np.ndarray) -> list[int]:
    """Milliseconds of each quiet stretch inside the speech (10 ms frames, 40 dB under the loudest)."""
    frames = x[:len(x) // 80 * 80].reshape(-1, 80)
    level = 20 * np.log10(np.maximum(np.sqrt((frames ** 2).mean(axis=1)), 1e-9))
    gaps, run = [], 0
    for quiet in level[SHAPE.lead_ms // 10 + 5:-(SHAPE.tail_ms // 10 + 5)] < level.max() - 40:
        if quiet:
            run += 1
        elif run:
            gaps, run = [*gaps, run * 10], 0
    return sorted(gaps, reverse=True)


def test_slow_speech_has_longer_pauses_between_sentences(built):
    """The caller hears each sentence end: well over a second of quiet, against under half a one."""
    by_key = {(e.rate, e.prompt): (e, x) for e, _, x in built}
    for prompt in ("phrase.welcome", "section.arrest", "adviser.emergency"):
        entry, normal = by_key[("normal", prompt)]
        between = len(listening.sentences(entry.text)) - 1
        usual, slow = quiet_gaps(normal)[:between], quiet_gaps(by_key[("slow", prompt)][1])[:between]
        assert min(slow) >= 1000 and max(usual) < 700, (prompt, usual, slow)


def test_no_prompt_starts_or_ends_abruptly(built):
    """Quiet lead-in and tail, and a soft margin before the first and after the last sound."""
    ms = 8  # samples a millisecond
    for entry, _, x in built:
        assert rms_dbfs(x[:190 * ms]) < -60, f"{entry.prompt}: sound in the lead-in"
        assert rms_dbfs(x[-300 * ms:]) < -60, f"{entry.prompt}: sound in the tail"
        speech = rms_dbfs(x[SHAPE.lead_ms * ms:-SHAPE.tail_ms * ms])
        first = rms_dbfs(x[SHAPE.lead_ms * ms:(SHAPE.lead_ms + 20) * ms])
        last = rms_dbfs(x[-(SHAPE.tail_ms + 20) * ms:-SHAPE.tail_ms * ms])
        # A clipped word would start or end at full loudness right at the cut.
        assert first < speech - 15, f"{entry.prompt}: the first sound is cut ({first:.0f} vs {speech:.0f} dBFS)"
        assert last < speech - 15, f"{entry.prompt}: the last sound is cut ({last:.0f} vs {speech:.0f} dBFS)"


def test_manifest_records_what_made_each_file(built):
    for entry, path, x in built:
        assert entry.engine == "piper" and entry.voice == "en_US-joe-medium"
        assert entry.text_hash in path.name or len(path.stem.split(".")[-1]) == 12
        assert entry.duration == pytest.approx(len(x) / 8000, abs=0.01)
        assert entry.rate in ("normal", "slow") and entry.language == "en-GB"


def test_the_recogniser_understands_short_prompts_over_a_phone_line(built, built_audio):
    """A small sample of `ivr listen` (the whole table is in docs/benchmarks.md)."""
    import jiwer

    from ivr.staff import listen
    sample = {e.prompt: (e, path) for e, path, _ in built
              if e.prompt in ("menu.main.1", "phrase.back", "adviser.whisper")}
    decoder, missing = listen.recogniser([e.text for e, _, _ in built])
    assert not missing
    for entry, path in sample.values():
        heard = listen.transcribe(decoder, listen.phone_channel(path))
        assert jiwer.wer(listen.normalise(entry.text), heard) <= listen.TARGET_WER, (entry.prompt, heard)
        # The score can fail: the same audio scored against other words is far off.
        assert jiwer.wer(listen.normalise("Thank you for calling. Goodbye."), heard) > 0.5


def test_numbers_are_scored_as_they_are_spoken():
    from ivr.staff.listen import normalise
    assert normalise("Press 9, from 9am to 5:30pm.") == "press nine from nine a m to five thirty p m"


def test_prompts_sound_equally_loud_by_an_independent_meter(built):
    """ITU-R BS.1770 loudness (pyloudnorm) agrees that no prompt stands out as loud or quiet."""
    import pyloudnorm
    meter = pyloudnorm.Meter(8000)
    loudness = {e.prompt: meter.integrated_loudness(x) for e, _, x in built}
    middle = float(np.median(list(loudness.values())))
    odd = {p: round(v - middle, 1) for p, v in loudness.items() if abs(v - middle) > 1.5}
    assert not odd, f"LU from the median: {odd}"


def test_the_offline_voice_is_deterministic(tmp_path):
    from ivr.audio import engines
    from ivr.line.content import Prompt
    engine = engines.PiperEngine(engines.default_piper_voice())
    jobs = [engines.Job(Prompt("p", "To go back, press star."), tmp_path / f"{n}.wav") for n in range(2)]
    engine.synthesise(jobs[:1], lambda j, e: None)
    engine.synthesise(jobs[1:], lambda j, e: None)
    assert jobs[0].raw.read_bytes() == jobs[1].raw.read_bytes()
