"""Audio benchmark: full build and no-change rebuild times, bytes a minute, intelligibility.

Run from the repository root:  python bench/audio.py [--engine piper] [--out FOLDER]
It builds the real content into a fresh folder (never the line's own audio/), so the
figures are for a build from nothing. Prints Markdown for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.audio import build as audio_build, engines  # noqa: E402
from ivr.line import content  # noqa: E402
from ivr.staff import listen  # noqa: E402
from ivr import settings as settings_mod  # noqa: E402
from ivr.audio.manifest import Manifest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="piper", choices=["piper", "gtts"])
    parser.add_argument("--out", help="build into this folder (default: a new temporary one)")
    args = parser.parse_args()
    scratch = None if args.out else tempfile.TemporaryDirectory(prefix="bench-audio-")  # removed at exit
    folder = Path(args.out or scratch.name)
    env = {**os.environ, "AUDIO_DIR": str(folder), "TTS_ENGINE": args.engine}
    settings = settings_mod.from_env(env)
    contents = content.load_all(settings.content_dir)
    engine = engines.from_env(env)

    full = audio_build.build(contents, settings, engine)
    again = audio_build.build(contents, settings, engine)
    entries = list(Manifest.load(folder).entries.values())
    seconds = sum(e.duration for e in entries)
    size = sum((folder / e.file).stat().st_size for e in entries)
    started = time.monotonic()
    scores, missing = listen.score(folder)
    listened = time.monotonic() - started
    bad = [s for s in scores if s.wer > listen.TARGET_WER]
    levels = [e.level_dbov for e in entries]

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"engine {engine.name} ({engine.voice})\n")
    print("| measure | value |\n|---|---|")
    print(f"| full build ({len(full.built)} prompts, {seconds / 60:.1f} min of speech) | {full.seconds:.1f} s |")
    print(f"| rebuild with no change ({len(again.built)} synthesised, {len(again.reused)} reused) "
          f"| {again.seconds:.2f} s |")
    print(f"| audio bytes per minute (8 kHz mu-law WAV) | {size / (seconds / 60):,.0f} |")
    print(f"| active speech level, min / max | {min(levels):.2f} / {max(levels):.2f} dBov |")
    print(f"| highest peak | {max(e.peak_dbfs for e in entries):.2f} dBFS |")
    print(f"| speech rate, min / max | {min(e.wpm for e in entries):.0f} / {max(e.wpm for e in entries):.0f} "
          "words a minute |")
    print(f"| listening test time | {listened:.1f} s |")
    print(f"| word error rate, mean / worst | {sum(s.wer for s in scores) / len(scores):.3f} / "
          f"{scores[0].wer:.3f} |")
    print(f"| prompts above WER {listen.TARGET_WER:.2f} | {len(bad)} of {len(scores)} |\n")
    print("Worst ten prompts:\n")
    print(listen.table(scores, 10))
    if missing:
        print(f"\nWords the recogniser does not know: {', '.join(missing)}")


if __name__ == "__main__":
    main()
