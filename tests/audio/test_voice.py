"""The offline voice is the one the Piper voice catalogue publishes, or the build stops saying so."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.audio import engines, voice
from ivr.line.content import Prompt
from ..helpers import isolated, ivr  # noqa: F401


def test_the_installed_voice_is_the_catalogues():
    model = Path(engines.default_piper_voice())
    assert model.name == voice.DEFAULT
    voice.check(model)  # raises if the installed file is not the published one


@pytest.fixture
def impostor(tmp_path) -> Path:
    """A voice file named like the real one, of the right size, with other bytes."""
    real = Path(engines.default_piper_voice())
    model = tmp_path / voice.DEFAULT
    with open(model, "wb") as f:
        f.truncate(voice.PUBLISHED[voice.DEFAULT].size_bytes)
    shutil.copy(real.with_name(real.name + ".json"), tmp_path)
    return model


def test_a_voice_with_other_bytes_stops_the_build_naming_the_file_and_the_published_digest(impostor):
    engine = engines.PiperEngine(str(impostor))
    job = engines.Job(Prompt("phrase.goodbye", "Goodbye.", 1), impostor.parent / "raw")
    with pytest.raises(voice.VoiceMismatch) as error:
        engine.synthesise([job], lambda job, error: pytest.fail("nothing should be spoken"))
    message = str(error.value)
    assert str(impostor) in message and voice.PUBLISHED[voice.DEFAULT].md5_digest in message
    assert voice.CATALOGUE in message


def test_a_truncated_voice_or_a_missing_config_is_named(impostor):
    with open(impostor, "r+b") as f:
        f.truncate(1000)
    with pytest.raises(voice.VoiceMismatch, match="has 1,000 bytes"):
        voice.check(impostor)
    impostor.with_name(impostor.name + ".json").unlink()
    impostor.unlink()
    shutil.copy(engines.default_piper_voice(), impostor)
    with pytest.raises(voice.VoiceMismatch, match=r"onnx\.json is missing"):
        voice.check(impostor)


def test_ivr_build_audio_stops_with_the_message_and_builds_nothing(isolated, impostor, tmp_path):
    audio = tmp_path / "audio"
    result = ivr("ivr build-audio --quiet", TTS_ENGINE="piper", PIPER_VOICE=str(impostor), AUDIO_DIR=str(audio))
    assert result.exit_code == 2
    assert "Cannot build the audio." in result.output and "Piper voice catalogue" in result.output
    assert not list(audio.glob("*.wav"))


def test_a_voice_the_catalogue_table_does_not_name_is_not_checked(tmp_path):
    other = tmp_path / "en_GB-someone-medium.onnx"
    other.write_bytes(b"staff chose this voice")
    voice.check(other)
