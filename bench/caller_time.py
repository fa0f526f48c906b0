"""Caller time from the built audio: when the 999 advice, the first menu option and each section
start, for a caller who waits for each menu and one who presses as soon as they hear their option.

Run from the repository root:  python bench/caller_time.py [--audio FOLDER] [--content FOLDER]
It builds the content's audio with the offline voice (TTS_ENGINE=piper), both speeds, into a new
temporary folder (or brings FOLDER up to date), rings the line in-process the way Twilio would
(ivr/staff/phone.py) down every path, and times what is heard with the same model `ivr check`
uses (ivr/staff/callertime.py). Prints Markdown for docs/benchmarks.md; exits 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app  # noqa: E402
from ivr.audio import build as audio_build, engines  # noqa: E402
from ivr.line import content as content_mod  # noqa: E402
from ivr.line.service import line_contents  # noqa: E402
from ivr import settings as settings_mod  # noqa: E402
from ivr.staff import callertime  # noqa: E402
from ivr.staff.callertime import EARLY, WAITS  # noqa: E402


def build(env: dict[str, str]):
    settings = settings_mod.from_env(env)
    contents = line_contents(settings, content_mod.load_all(settings.content_dir))
    voices = engines.voices(env, contents, settings.default_language)
    summary = audio_build.build(contents, settings, voices)
    if summary.failed:
        sys.exit(f"The audio build failed: {next(iter(summary.failed.values()))}")
    return voices


def table(report: callertime.Report, title: str) -> list[str]:
    rows = [f"{title}\n", "| section | keys | caller who waits | caller who presses early |", "|---|---|---:|---:|"]
    for section, times in sorted(report.sections.items(), key=lambda kv: kv[1][WAITS]):
        rows.append(f"| {section} | {', '.join(report.keys[section])} | {times[WAITS]:.1f} s "
                    f"| {times[EARLY]:.1f} s |")
    return rows


def targets(report: callertime.Report) -> list[str]:
    waits = [t[WAITS] for t in report.sections.values()]
    early = [t[EARLY] for t in report.sections.values()]
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    return [
        "| target | measured | |", "|---|---:|---|",
        f"| the welcome at most {callertime.WELCOME_SECONDS:.0f} s | {report.welcome:.1f} s "
        f"| {met(report.welcome <= callertime.WELCOME_SECONDS)} |",
        f"| the 999 advice starts within {callertime.EMERGENCY_SECONDS:.0f} s | {report.emergency:.1f} s "
        f"| {met(report.emergency is not None and report.emergency <= callertime.EMERGENCY_SECONDS)} |",
        f"| the first menu option starts within {callertime.FIRST_OPTION_SECONDS:.0f} s "
        f"| {report.first_option:.1f} s | {met(report.first_option <= callertime.FIRST_OPTION_SECONDS)} |",
        f"| every section starts within {callertime.SECTION_SECONDS:.0f} s for a caller who waits "
        f"| {min(waits):.1f} to {max(waits):.1f} s | {met(max(waits) <= callertime.SECTION_SECONDS)} |",
        f"| (no target) the same, for a caller who presses early | {min(early):.1f} to {max(early):.1f} s | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audio", help="build into this folder (default: a new temporary one)")
    parser.add_argument("--content", help="content folder (default: the line's own, ivr/guidance)")
    args = parser.parse_args()
    scratch = None if args.audio else tempfile.TemporaryDirectory(prefix="bench-caller-time-")
    folder = Path(args.audio or scratch.name)
    env = {"IVR_DEV_MODE": "1", "AUDIO_DIR": str(folder), "TTS_ENGINE": "piper",
           "DATABASE_URL": "sqlite:///:memory:",
           **({"CONTENT_DIR": args.content} if args.content else {}),
           **{k: os.environ[k] for k in ("PIPER_VOICE", "PIPER_VOICES") if k in os.environ}}
    voices = build(env)
    app = create_app({"IGNORE_ENV": True, **env})
    service = app.extensions["ivr"]
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}; "
          + "; ".join(f"{lang}: {e.name} ({e.voice})" for lang, e in voices.items()) + "\n")
    missed = False
    for language in service.contents:
        report = callertime.measure(callertime.caller_for(app), service, language)
        slow = callertime.measure(callertime.caller_for(app), service, language, slow=True)
        timed = "all from the built audio" if report.measured else "some prompts estimated (no audio)"
        print(f"### {language}, at the usual speed ({timed})\n")
        print("\n".join(targets(report)) + "\n")
        print("\n".join(table(report, "When each section starts:")) + "\n")
        print("\n".join(table(slow, f"With slower speech (7 pressed as soon as the welcome offers it; "
                                    f"no target), the welcome {slow.welcome:.1f} s:")) + "\n")
        missed = missed or bool(callertime.over_targets(report, service.contents[language]))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
