"""Audio for the local preview's first start: build what is missing, never stop the preview.

The configured engine builds it, with the build's progress bar. When that engine cannot be
reached (gTTS with no internet), the offline voice builds it instead, and the preview says so
and then plays the offline voice's audio. A start with nothing missing builds nothing and asks
no one: audio that is current for either voice is kept.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable, Mapping

from . import build, engines
from .manifest import Manifest
from ..line.content import Content, Prompt
from ..settings import Settings

PROBE_TIMEOUT_SECONDS = 5  # a first start waits this long at most to learn Google cannot be reached


def missing(contents: Mapping[str, Content], settings: Settings, engine: engines.Engine) -> int:
    """How many prompts have no current audio from `engine`."""
    wanted = build.items(contents, settings)
    voices = build.by_language(engine, contents)
    return len(build.plan(wanted, Manifest.load(Path(settings.audio_dir)), voices, Path(settings.audio_dir))[1])


def unreachable(engine: engines.Engine) -> str | None:
    """Why `engine` cannot speak now, found with one short request; None when it can.

    Only gTTS depends on anything outside this computer, so only gTTS is asked, once, briefly:
    the build's own retries (minutes, offline) are for a build someone chose to run.
    """
    if not isinstance(engine, engines.GttsEngine):
        return None
    probe = engines.GttsEngine(lang=engine.lang, tld=engine.tld, timeout=PROBE_TIMEOUT_SECONDS, attempts=1,
                               tts_factory=engine.tts_factory)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            probe.speak(engines.Job(Prompt("probe", "Hello."), Path(tmp) / "probe.wav"))
        except engines.SynthesisError as exc:
            return exc.cause
    return None


def prepare(contents: Mapping[str, Content], settings: Settings, configured: engines.Engine,
            offline: engines.Engine, echo: Callable[[str], None]) -> engines.Engine:
    """Bring the audio up to date for the preview; returns the engine whose audio it should play."""
    engine = configured
    if configured.name != offline.name and missing(contents, settings, configured):
        if not missing(contents, settings, offline):
            echo(f"Audio: using the offline voice's audio, built before. Run `ivr build-audio` to build "
                 f"it with {configured.name} instead.")
            engine = offline
        elif (cause := unreachable(configured)) is not None:
            echo(f"Audio: the {configured.name} voice cannot be reached ({cause}).\n"
                 "Using the offline voice instead.")
            engine = offline
    if todo := missing(contents, settings, engine):
        echo(f"Audio: making {todo} prompts with the {engine.name} voice. The first time this takes a few "
             "minutes; the bar moves once the voice has spoken them all.")
    try:
        summary = build.build(contents, settings, engine, progress=True)
    except Exception as exc:  # noqa: BLE001 - a failed build must never stop the preview
        echo(f"Audio: the build failed ({exc}). Every prompt will be spoken by the web browser's own voice.")
        return engine
    if summary.built or summary.failed:
        echo(f"Audio ({engine.name}): {summary.line()}.")
    else:
        echo(f"Audio ({engine.name}): all {len(summary.reused)} prompts are up to date.")
    if summary.failed:
        echo(f"  {len(summary.failed)} prompts have no audio; the web page speaks them with the browser's "
             f"own voice, and marks them. First problem: {next(iter(summary.failed.values()))}")
    return engine
