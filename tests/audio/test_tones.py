"""The ringback a waiting caller hears: UK ringing, made by the audio build, in the phone's format."""
from __future__ import annotations

import subprocess

import numpy as np

from ivr.audio import tones
from ivr.audio.processing import decode

RATE = 8000


def spectrum_peaks(x: np.ndarray, count: int) -> list[float]:
    magnitude = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    peaks = [i for i in range(1, len(magnitude) - 1) if magnitude[i - 1] < magnitude[i] > magnitude[i + 1]]
    return sorted(freqs[i] for i in sorted(peaks, key=lambda i: magnitude[i])[-count:])


def test_the_ringback_is_400_and_450_hz_together_with_the_uk_cadence(tmp_path):
    tones.build(tmp_path)
    x = decode(tones.path(tmp_path, tones.RINGBACK))
    assert abs(len(x) / RATE - 2.0) < 0.01  # 0.4 on, 0.2 off, 0.4 on, 1.0 off: the page's keypad waits 1 s more
    beat = RATE // 50  # 400 and 450 Hz beat 50 times a second: judge loudness over one beat
    loud = np.array([np.sqrt(np.mean(x[i:i + beat] ** 2)) > 0.01 for i in range(0, len(x) - beat + 1, beat)])
    share = lambda a, b: loud[int(a * 50):int(b * 50)].mean()  # noqa: E731
    assert share(0.02, 0.38) == 1 and share(0.42, 0.58) == 0 and share(0.62, 0.98) == 1
    assert share(1.02, 2.0) == 0  # never music, never anything in the gap
    assert [round(f / 10) * 10 for f in spectrum_peaks(x[int(0.02 * RATE):int(0.38 * RATE)], 2)] == [400, 450]
    assert 0.05 < np.max(np.abs(x)) < 0.5  # comfortably below full scale, near the prompts' level


def test_it_is_the_phone_format_and_only_made_again_when_the_tone_changes(tmp_path):
    assert tones.build(tmp_path) == [tones.RINGBACK.file]
    assert tones.build(tmp_path) == []
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels",
                            "-of", "csv=p=0", str(tones.path(tmp_path, tones.RINGBACK))],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert probe == "pcm_mulaw,8000,1"
    old = tmp_path / tones.FOLDER / "ringback-uk.000000000000.wav"
    old.write_bytes(b"an older cadence")
    tones.build(tmp_path)
    assert not old.exists() and tones.path(tmp_path, tones.RINGBACK).exists()


def test_the_audio_build_makes_it_and_the_line_plays_it_from_there(built_audio, make_app):
    assert tones.path(built_audio, tones.RINGBACK).is_file()
    svc = make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper").extensions["ivr"]
    assert svc.audio.tone_url("ringback-uk").endswith(f"/audio/tones/{tones.RINGBACK.file}")
