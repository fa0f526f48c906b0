"""Processing on made-up sounds whose right answer is known."""
from __future__ import annotations

import numpy as np
import pytest
from pydub import AudioSegment

from ivr.audio import processing
from ivr.audio.shape import Shape

FS = 22050


def segment(x: np.ndarray, fs: int = FS) -> AudioSegment:
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    return AudioSegment(pcm, frame_rate=fs, sample_width=2, channels=1)


def tone(seconds: float, amplitude: float, freq: float = 440.0, fs: int = FS) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    return amplitude * np.sin(2 * np.pi * freq * t)


def test_a_steady_tone_is_measured_at_its_rms_level():
    x = tone(2.0, 0.1, fs=8000)
    assert processing.active_level(x, 8000) == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.3)


def test_pauses_do_not_lower_the_active_speech_level():
    burst = tone(2.0, 0.1, fs=8000)
    gaps = np.concatenate([burst, np.zeros(8000), burst, np.zeros(8000)])
    plain_rms = 10 * np.log10(np.mean(gaps ** 2))
    active = processing.active_level(gaps, 8000)
    # P.56 counts 200 ms after each burst as speech (its hangover), so a little lower.
    assert active == pytest.approx(processing.active_level(burst, 8000), abs=0.8)
    assert active > plain_rms + 1.2


def test_trimming_keeps_a_soft_first_sound():
    rng = np.random.default_rng(1)
    hiss = 0.01 * rng.standard_normal(int(0.06 * FS))  # an 's' at about -40 dBFS
    x = np.concatenate([np.zeros(FS // 2), hiss, tone(0.5, 0.5), np.zeros(FS // 2)])
    trimmed = processing.trim(segment(x), margin_ms=80)
    assert 500 + 60 + 80 <= len(trimmed) + 10 <= 560 + 500 + 160 + 20, len(trimmed)
    assert len(trimmed) >= 60 + 500, "the soft sound before the loud part was cut"


def test_a_fast_voice_is_slowed_into_range_and_a_good_one_left_alone():
    shape = Shape()
    assert processing.tempo_for(140, shape) == 1.0
    assert processing.tempo_for(200, shape) == pytest.approx(140 / 200)
    assert processing.tempo_for(100, shape) == pytest.approx(140 / 100)


def test_loud_peaks_are_limited_without_moving_the_level(tmp_path):
    shape = Shape()
    spiky = tone(1.0, 0.05, fs=8000)
    spiky[::800] = 0.9  # clicks far above the speech
    out = processing.level(spiky, shape)
    assert 20 * np.log10(np.max(np.abs(out))) <= shape.peak_dbfs
    assert processing.active_level(out, 8000) == pytest.approx(shape.target_dbov, abs=0.5)


def test_processing_makes_an_8khz_file_at_the_target_level(tmp_path):
    raw = tmp_path / "raw.wav"
    words = "one two three four five six seven"
    # Seven "words" in 1.5 s is 280 words a minute: twice too fast.
    segment(np.concatenate([np.zeros(FS // 4), tone(1.5, 0.3, 300), np.zeros(FS // 4)])).export(raw, format="wav")
    measured = processing.process(raw, tmp_path / "out.wav", words, Shape())
    assert 130 <= measured.wpm <= 150
    assert abs(measured.level_dbov - -20) <= 1
    assert measured.peak_dbfs <= -3
