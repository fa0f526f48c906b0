"""`ivr build-audio`: make every prompt's audio in advance, only what changed, atomically.

The build is a pure plan (which prompts need speech) and then three steps: the engine
speaks the planned prompts into a staging folder, each is processed for the phone, and
the new files and manifest are moved into place. Until the manifest is replaced the old
one still names only old files, so a build that fails or is killed leaves the line as it was.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import click

from ..line import adviser
from . import browser_copies, engines, tones
from ..line.content import Content, Prompt
from . import fallback
from .manifest import MANIFEST, Entry, Manifest, ManifestIndex, digest, file_name, key
from ..settings import Settings
from ..line.speech import RATES, NoAudio
from .shape import SHAPES
from .voice import VoiceMismatch

KEEP = {MANIFEST, "README.md", ".gitkeep", ".lock", fallback.FILE}


@dataclass(frozen=True)
class Item:
    language: str
    rate: str
    prompt: Prompt

    @property
    def key(self) -> str:
        return key(self.language, self.rate, self.prompt.id)


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"built {len(self.built)}, reused {len(self.reused)}, failed {len(self.failed)}, "
                f"removed {len(self.removed)} old files, in {self.seconds:.1f} s")


def settings_hash(engine: engines.Engine, rate: str) -> str:
    """Everything that made a file: the build remakes audio when any of it changes."""
    return digest({"engine": engine.settings(), "shape": SHAPES[rate].as_dict(), "rate": rate})


def shape_hash(rate: str) -> str:
    """The processing for the phone alone: with the words, what the line needs to call audio current."""
    return digest({"shape": SHAPES[rate].as_dict(), "rate": rate})


def items(contents: Mapping[str, Content], settings: Settings) -> list[Item]:
    """Every prompt the line can say, for each language and speech rate."""
    out = []
    for language, content in sorted(contents.items()):
        for rate in RATES:
            out += [Item(language, rate, p)
                    for p in adviser.all_prompts(content, settings)]
    return out


Voices = Mapping[str, engines.Engine]  # language -> the engine that speaks it (engines.voices)


def by_language(engine: engines.Engine | Voices, contents: Mapping[str, Content]) -> Voices:
    """One engine for every language, or the voices already chosen per language."""
    return engine if isinstance(engine, Mapping) else {language: engine for language in contents}


def plan(wanted: list[Item], manifest: Manifest, voices: Voices, folder: Path) -> tuple[list[Item], list[Item]]:
    """(to reuse, to build): reuse when text and settings are unchanged and the file is there."""
    reuse, build = [], []
    for item in wanted:
        entry = manifest.entries.get(item.key)
        same = (entry is not None and entry.text_hash == digest(item.prompt.text)
                and entry.settings_hash == settings_hash(voices[item.language], item.rate)
                and (folder / entry.file).is_file())
        (reuse if same else build).append(item)
    return reuse, build


@contextmanager
def locked(folder: Path):
    """One build at a time per audio folder (a second waits, then finds the work done)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build(contents: Mapping[str, Content], settings: Settings, engine: engines.Engine | Voices,
          progress: bool = False) -> Summary:
    """Bring settings.audio_dir up to date with the content, every language at every rate, each
    language in its own voice (`engine` for all, or one per language); see the module docstring."""
    started = time.monotonic()
    folder = Path(settings.audio_dir)
    voices = by_language(engine, contents)
    with locked(folder):
        old = Manifest.load(folder)
        wanted = items(contents, settings)
        reuse, todo = plan(wanted, old, voices, folder)
        summary = Summary(reused=[i.key for i in reuse])
        new = Manifest({i.key: replace(old.entries[i.key], shape_hash=shape_hash(i.rate)) for i in reuse}, {})
        if todo:
            make(todo, voices, folder, new, summary, progress)
            for k in summary.failed:  # keep the last good file: it may only be stale
                if k in old.entries and (folder / old.entries[k].file).is_file():
                    new.entries[k] = old.entries[k]
            new.failed = dict(summary.failed)
        if new != old:
            new.save(folder)  # the moment the new audio goes live
            # Only a build that changed something tidies up: a rebuild with nothing to do writes
            # and deletes nothing, so it never races a reader of the folder.
            summary.removed = remove_unused(folder, new, old)
        tones.build(folder)  # the ringback: not speech, so not in the manifest (ivr/audio/tones.py)
        browser_copies.update(folder, new)  # the browser phone's copies (ivr/audio/browser_copies.py)
        write_fallback(folder, contents, settings)
    summary.seconds = time.monotonic() - started
    return summary


def make(todo: list[Item], voices: Voices, folder: Path, new: Manifest, summary: Summary,
         progress: bool) -> None:
    """Speak and process `todo` in a staging folder, then move the finished files in beside the old."""
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        speak(todo, voices, staging, new, summary, progress)
        for entry in new.entries.values():
            if (staging / entry.file).exists():
                os.replace(staging / entry.file, folder / entry.file)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def speak(todo: list[Item], voices: Voices, staging: Path, new: Manifest, summary: Summary,
          progress: bool) -> None:
    """Synthesise `todo`, each language with its own engine, and process each result as it
    arrives (processing runs alongside)."""
    from tqdm import tqdm
    bar = tqdm(total=len(todo), desc="Building audio", unit="prompt", disable=not progress, file=sys.stderr)
    by_prompt = {}
    jobs: dict[str, list[engines.Job]] = {}
    for n, item in enumerate(todo):
        shape = SHAPES[item.rate]
        job = engines.Job(item.prompt, staging / f"raw-{n}", shape.sentence_pause_ms, shape.engine_slowdown)
        by_prompt[id(job)] = item
        jobs.setdefault(item.language, []).append(job)

    def finish(item: Item, job: engines.Job) -> None:
        from .processing import ProcessingError
        engine = voices[item.language]
        try:
            entry = process(item, job.raw, staging, engine)
        except ProcessingError as exc:
            summary.failed[item.key] = f"prompt '{item.prompt.id}': {exc}"
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the other prompts
            summary.failed[item.key] = (f"prompt '{item.prompt.id}': the {engine.name} engine's audio could "
                                        f"not be processed ({exc})")
        else:
            new.entries[item.key] = entry
            summary.built.append(item.key)
        bar.update(1)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = []

        def done(job: engines.Job, error: Exception | None) -> None:
            item = by_prompt[id(job)]
            if error is not None:
                summary.failed[item.key] = str(error)
                bar.update(1)
            else:
                futures.append(pool.submit(finish, item, job))
        for language, batch in jobs.items():
            voices[language].synthesise(batch, done)
        for future in futures:
            future.result()
    bar.close()


def process(item: Item, raw: Path, staging: Path, engine: engines.Engine) -> Entry:
    from . import processing  # numpy and pydub: only the build needs them
    text_hash, shaped_by = digest(item.prompt.text), settings_hash(engine, item.rate)
    name = file_name(item.language, item.rate, item.prompt.id, text_hash, shaped_by)
    measured = processing.process(raw, staging / name, item.prompt.text, SHAPES[item.rate])
    raw.unlink(missing_ok=True)
    return Entry(language=item.language, rate=item.rate, prompt=item.prompt.id, text=item.prompt.text,
                 file=name, text_hash=text_hash, settings_hash=shaped_by, engine=engine.name,
                 voice=engine.voice, duration=measured.duration, level_dbov=measured.level_dbov,
                 peak_dbfs=measured.peak_dbfs, wpm=measured.wpm, shape_hash=shape_hash(item.rate))


def write_fallback(folder: Path, contents: Mapping[str, Content], settings: Settings) -> None:
    """fallback.xml from the audio just built (see fallback.py)."""
    base = fallback.audio_base(settings)  # no address for the audio: Twilio's own voice instead
    index = ManifestIndex(folder, base, {r: shape_hash(r) for r in RATES}) if base else NoAudio()
    fallback.write(folder, contents, settings, index)


def remove_unused(folder: Path, manifest: Manifest, previous: Manifest) -> list[str]:
    """Delete audio no prompt uses any more, and leftovers of builds that were killed.

    The previous build's files stay one build longer: a line still running on the previous
    manifest (until it is restarted) must never hand Twilio a file that is gone.
    """
    used = {e.file for m in (manifest, previous) for e in m.entries.values()} | KEEP
    removed = []
    for path in folder.iterdir():
        if path.name.startswith(".staging-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)  # safe: we hold the build lock
        elif path.is_file() and path.name not in used and (
                path.suffix == ".wav" or path.name.startswith("manifest.tmp")):
            path.unlink()
            removed.append(path.name)
    return removed


def settings_from_env() -> tuple[Settings, dict[str, Content], Voices]:
    """Settings as the line reads them (.env, then the environment), the languages callers are
    offered, and the voice for each."""
    from ..line import content as content_mod
    from ..line.service import line_contents
    from .. import local
    env = local.environment()
    settings = local.settings(env)
    contents = line_contents(settings, content_mod.load_all(settings.content_dir))
    return settings, contents, engines.voices(env, contents, settings.default_language)


def failures(failed: dict[str, str]) -> dict[str, list[str]]:
    """Failures that were tried, by cause: a language with no voice fails every prompt alike."""
    out: dict[str, list[str]] = {}
    for key, cause in failed.items():
        if ": not tried" not in cause:
            same = cause.split(": ", 1)[-1]
            first = next((c for c in out if c.split(": ", 1)[-1] == same), cause)
            out.setdefault(first, []).append(key)
    return out


@click.command("build-audio")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build_audio(quiet: bool):
    """Build the audio for every prompt (only what changed), into AUDIO_DIR."""
    try:
        settings, contents, voices = settings_from_env()
    except Exception as exc:  # noqa: BLE001 - SettingsError, ContentError or a bad TTS_ENGINE
        click.echo(f"Cannot build the audio.\n{exc}", err=True)
        sys.exit(2)
    for language, engine in voices.items():
        click.echo(f"{language}: engine {engine.name} ({engine.voice}), at {' and '.join(RATES)} speed.")
    click.echo(f"Audio folder: {settings.audio_dir}")
    try:
        summary = build(contents, settings, voices, progress=not quiet)
    except VoiceMismatch as exc:
        click.echo(f"Cannot build the audio.\n{exc}", err=True)
        sys.exit(2)
    click.echo(f"Audio: {summary.line()}.")
    published = fallback.url(settings)
    click.echo(f"Fallback for callers when the line is down: {settings.audio_dir / fallback.FILE}"
               + (f", to publish with the audio at {published}" if published else
                  " (set AUDIO_BASE_URL and publish the audio folder there, so it works when the server is down)"))
    skipped = [k.rsplit("/", 1)[-1] for k, cause in summary.failed.items() if ": not tried" in cause]
    for cause, keys in failures(summary.failed).items():
        click.echo(f"  FAILED {cause}" if len(keys) == 1 else
                   f"  FAILED, {len(keys)} prompts ({keys[0]} and others): {cause.split(': ', 1)[-1]}", err=True)
    if skipped:
        click.echo(f"  NOT TRIED, for the same reason: {', '.join(skipped)}", err=True)
    if summary.failed:
        click.echo("The line will speak these prompts with Twilio's voice until a build succeeds.", err=True)
        sys.exit(1)
