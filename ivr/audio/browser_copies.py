"""A copy of each built prompt that any web browser plays, for the browser phone.

Callers' files are 8 kHz G.711 mu-law WAV, the format phone networks carry; browsers cannot be
relied on to play mu-law. Each copy is the same samples decoded to 16-bit PCM WAV, which every
browser plays, so the browser phone sounds exactly as a caller hears the line. Copies live in
`browser/` inside the audio folder, under the phone file's own name; the callers' files are
never touched. The built tones (the ringback, in tones/) get copies too. Made by the audio
build (see `update`), so the line only reads them.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from . import tones
from .manifest import Manifest

FOLDER = "browser"
log = logging.getLogger("ivr.audio")


def path(audio_dir: Path, file: str) -> Path:
    """Where the browser copy of the phone file `file` is (whether or not it has been made)."""
    return Path(audio_dir) / FOLDER / file


def update(audio_dir: Path, manifest: Manifest) -> list[str]:
    """Make the copies the manifest's files and the built tones lack; drop copies whose phone
    file is gone.

    Returns the files copied. A copy that cannot be made is logged and left out: the browser
    phone then says that prompt with the browser's own voice, and marks it.
    """
    audio_dir = Path(audio_dir)
    (audio_dir / FOLDER).mkdir(parents=True, exist_ok=True)
    sources = {**{e.file: audio_dir / e.file for e in manifest.entries.values()},
               **{t.file: tones.path(audio_dir, t) for t in tones.TONES.values()}}
    todo = sorted(f for f, source in sources.items() if source.is_file() and not path(audio_dir, f).is_file())
    made = []
    for start in range(0, len(todo), BATCH):
        made += _copy(sources, audio_dir, todo[start:start + BATCH])
    for copy in (audio_dir / FOLDER).iterdir():
        source = sources.get(copy.name, audio_dir / copy.name)
        if not source.is_file():  # the build removed the phone file: its copy goes too
            copy.unlink(missing_ok=True)
    return made


BATCH = 64  # files per ffmpeg run: starting ffmpeg costs more than converting a prompt


def _copy(sources: dict[str, Path], audio_dir: Path, files: list[str]) -> list[str]:
    """Copy `files` in one ffmpeg run; if that fails, one by one, so one bad file costs only itself."""
    from .processing import ProcessingError, ffmpeg  # the build's ffmpeg, with its clear errors
    staged = {f: path(audio_dir, f).with_name(f".{f}.{os.getpid()}.tmp") for f in files}
    args = [a for f in files for a in ("-i", str(sources[f]))]
    for n, f in enumerate(files):
        args += ["-map", f"{n}:a", "-c:a", "pcm_s16le", "-f", "wav", "-y", str(staged[f])]
    try:
        ffmpeg(args, b"")
    except (ProcessingError, OSError) as exc:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        if len(files) > 1:
            return [f for one in files for f in _copy(sources, audio_dir, [one])]
        log.warning("audio: no browser copy of %s (%s); the browser phone will use the browser's voice",
                    files[0], exc)
        return []
    for f, tmp in staged.items():
        os.replace(tmp, path(audio_dir, f))  # each copy whole or not at all
    return files
