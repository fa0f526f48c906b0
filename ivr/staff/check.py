"""`ivr check`: the content file's proofreader.

It runs the loader's own structural rules (ivr/line/content.py), the rules for listening
(ivr/staff/listening.py, with each language's own limits and number words), reads the settings
as start-up reads them (ivr/settings.py), asks the audio index which prompts have no current
audio at each speed, and times the way to each section as callers hear it (ivr/staff/callertime.py).
Every finding says file, line, prompt, fix. A problem is reported once, where its cause is: a bad
setting as a setting, never as the audio or the words it stops the check from judging. Two plain
notes follow: audio made with another voice than TTS_ENGINE names, and settings only `ivr serve` needs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

import click

from ..line import adviser, content as content_mod
from . import callertime, listening
from ..line.content import Content, ContentError, Prompt
from ..line.yamlerrors import cut_by_hash
from ..line.speech import RATES
from ..audio import engines
from ..audio.files import audio_index
from ..audio.manifest import Manifest
from ..local import env_file, environment
from ..local import settings as local_settings
from ..settings import Settings, SettingsError, content_dir
from ..settings import from_env as settings_from_env
from ..line.speech import AudioIndex, NoAudio
from ..line.flow import SPEED_KEY
from ..audio.shape import SHAPES
from .inprocess import local_app

@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    prompt: str
    problem: str
    fix: str
    level: str = "error"  # or "warning": worth knowing, but the line works

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        about = f" in {self.prompt}" if self.prompt else ""
        return f"{where}: {self.level}{about}: {self.problem}\n    Fix: {self.fix}"


def shown(path: Path | str) -> str:
    """A path as staff typed it: relative to where they are, when it is below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def structural(problem: str) -> Finding:
    """A loader problem ('file:line: what', then its fix after content.FIX when it has one) as a finding."""
    problem, _, fix = problem.partition(content_mod.FIX)
    match = re.match(r"(?s)(.*?):(\d+): (.*)", problem)
    path, line, text = (match[1], int(match[2]), match[3]) if match else ("", 0, problem)
    return Finding(shown(path), line, "", text, fix or "change this line as the message says, then run "
                   "`ivr check` again (the wording is checked once the file loads)")


def load(paths: list[Path]) -> tuple[list[Content], list[Finding]]:
    contents, findings = [], []
    for path in paths:
        try:
            contents += content_mod.load_all(path).values() if path.is_dir() else [content_mod.load(path)]
        except ContentError as exc:
            findings += [structural(p) for p in exc.problems]
    return contents, findings


def read_settings(env: Mapping[str, str]) -> tuple[Settings | None, list[Finding]]:
    """The settings the words depend on (hours, numbers), read as start-up reads them in the local
    preview. Those only a production line needs (the Twilio token, the public address) are for
    `serving` to mention."""
    try:
        return local_settings(env), []
    except SettingsError as exc:
        return None, [setting_finding(p) for p in exc.problems]


def serving(env: Mapping[str, str]) -> list[str]:
    """One line when `ivr serve` would stop at settings the other tools do without."""
    try:
        settings_from_env(env)
    except SettingsError as exc:
        names = sorted({p.partition(":")[0] for p in exc.problems})
        listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        return [f"Settings: `ivr serve` would not start yet: it needs {listed} (it says what each needs; "
                "`ivr check`, `ivr call` and `ivr map` work without them)."]
    return []


def setting_finding(problem: str, level: str = "error", why: str = "") -> Finding:
    name, _, text = problem.partition(": ")
    path, line, settings_file = "(the environment)", 0, env_file()
    if settings_file.is_file():
        for number, row in enumerate(settings_file.read_text(encoding="utf-8").splitlines(), 1):
            if row.strip().removeprefix("export ").startswith(f"{name}="):
                path, line = shown(settings_file), number
    fix = f"correct {name} where the line's settings are kept (the .env file)"
    return Finding(path, line, name, text, f"{fix}. {why}" if why else fix, level)


def default_language(settings: Settings, contents: list[Content]) -> list[Finding]:
    """Start-up refuses a DEFAULT_LANGUAGE with no content file: so does the check."""
    if not contents or settings.default_language in {c.language for c in contents}:
        return []
    return [setting_finding(f"DEFAULT_LANGUAGE: no content file for '{settings.default_language}' in "
                            f"{shown(settings.content_dir)}")]


def build_engine(env: Mapping[str, str]) -> tuple[engines.Engine | None, list[Finding]]:
    """The engine `ivr build-audio` would use. A bad TTS_ENGINE is a warning: the line plays what is built."""
    try:
        return engines.from_env(env), []
    except ValueError as exc:
        return None, [setting_finding(str(exc), "warning", "`ivr build-audio` cannot run until it is; the line "
                                      "goes on playing the audio already built")]


def voice_notes(settings: Settings, engine: engines.Engine, env: Mapping[str, str]) -> list[str]:
    """One plain line for each voice the audio was made with that the settings no longer name:
    the line plays it all the same, but the next build would make it all again."""
    notes = []
    for name, made_by in sorted({(e.engine, e.voice) for e in Manifest.load(settings.audio_dir).entries.values()}):
        if (name, made_by) == (engine.name, engine.voice):
            continue
        if name != engine.name:
            now = f"TTS_ENGINE is {engine.name}" + ("" if env.get("TTS_ENGINE", "").strip() else " (the default)")
            keep = f"To keep {name}, set TTS_ENGINE={name} in the .env file."
        else:
            setting = "PIPER_VOICE" if name == "piper" else "GTTS_TLD"
            now = f"{setting} now gives the voice {engine.voice}"
            keep = f"To keep {made_by}, set {setting} back to it in the .env file."
        notes.append(f"Audio: made with {name} (voice {made_by}), but {now}. The line plays it as it is; the next "
                     f"`ivr build-audio` makes it all again with {engine.name} ({engine.voice}). {keep}")
    return notes


def locate(content: Content, prompt: Prompt, words: str) -> int:
    """The file line where `words` appear in this prompt (a long prompt spans many lines)."""
    start = content.lines.get(prompt.id) or prompt.line
    if not words or not start:
        return start
    rows = content.path.read_text(encoding="utf-8").splitlines()
    for number in range(start, min(start + 40, len(rows)) + 1):
        if words in " ".join(rows[number - 1].split()):
            return number
    return start


def option_keys(content: Content) -> dict[str, str]:
    """Prompts that offer a key, and the key each must name."""
    keys = {f"menu.{m.id}.{o.key}": o.key for m in content.menus.values() for o in m.options.values()}
    keys.update({"adviser.try_again": adviser.TRY_AGAIN_KEY, "adviser.to_guidance": adviser.GUIDANCE_KEY,
                 "adviser.number_again": adviser.NUMBER_AGAIN_KEY,
                 "phrase.slower": SPEED_KEY, "phrase.usual_speed": SPEED_KEY})
    return keys


def all_prompts(content: Content, settings: Settings | None) -> list[Prompt]:
    """Every prompt, with those made from settings (hours, helpline number) when they read."""
    return adviser.all_prompts(content, settings) if settings else content.prompts()


def wording(content: Content, prompts: list[Prompt]) -> list[Finding]:
    """The rules for listening, with this language's own limits, number words and word for 'press'."""
    keys, rules, out = option_keys(content), content.rules, []
    for prompt in prompts:
        problems = [*listening.sentence_length(prompt.text, rules.sentence_words, rules.average_words),
                    *listening.digits(prompt.text, content.digits, rules.press),
                    *listening.abbreviations(prompt.text)]
        if prompt.id in keys:
            problems += listening.option_form(prompt.text, keys[prompt.id], rules.press)
        if prompt.id == "phrase.welcome":
            problems += listening.welcome_facts(prompt.text, content.digits, rules.press)
        out += [Finding(shown(content.path), locate(content, prompt, p.words), prompt.id, p.text, p.fix)
                for p in problems]
    return out


def segments(content: Content, prompts: list[Prompt]) -> dict[str, list[Prompt]]:
    """What a caller hears in one go before the next choice, named by where it starts."""
    by_id = {p.id: p for p in prompts}
    out = {"phrase.welcome": [by_id["phrase.welcome"], by_id["menu.main"]]}
    out.update({f"section.{s}": [by_id[f"section.{s}"]] for s in content.sections})
    if "adviser.helpline" in by_id:  # only when the settings read; the hours only when there are some
        for start, keys in (("no_answer", ("no_answer", "emergency", "helpline")),
                            ("closed", ("closed", "closed_today", "hours", "emergency", "helpline"))):
            out[f"adviser.{start}"] = [by_id[f"adviser.{k}"] for k in keys if f"adviser.{k}" in by_id]
    return out


def lengths(content: Content, prompts: list[Prompt], audio: AudioIndex) -> list[Finding]:
    """Speech before a choice, at each speed: over a minute is an error at the usual speed, and a
    warning at the slower one (which callers choose, knowing it takes longer)."""
    out = []
    for rate in RATES:
        for start, heard in segments(content, prompts).items():
            measured = [audio.duration(content.language, rate, p) for p in heard]
            known = all(m is not None for m in measured)
            seconds = sum(measured) if known else sum(callertime.estimated_seconds(p.text, rate) for p in heard)
            first = heard[0]
            level, speed = ("error", "") if rate == RATES[0] else ("warning", f"at the {rate} speed, ")
            out += [Finding(shown(content.path), first.line, start, speed + p.text, p.fix, level)
                    for p in listening.too_long(seconds, known, SHAPES[rate].wpm)]
    return out


def audio_status(content: Content, prompts: list[Prompt], audio: AudioIndex) -> list[Finding]:
    """Prompts without current audio, at each speed: a warning, since the line speaks them with
    <Say> instead (at the slow speed, Twilio's voice slowed down)."""
    rebuild = "run `ivr build-audio` to record it; until then Twilio's voice reads the words"
    out = []
    for rate in RATES:
        speed = "" if rate == RATES[0] else f" at the {rate} speed"
        status = {p.id: audio.status(content.language, rate, p) for p in prompts}
        if all(s == "missing" for s in status.values()):
            out.append(Finding(shown(content.path), 0, "", f"no audio is built yet for {content.language}{speed}",
                               rebuild, "warning"))
            continue
        why = {"missing": "has no audio", "stale": "has audio made from older words or settings"}
        out += [Finding(shown(content.path), p.line, p.id, f"this prompt {why[status[p.id]]}{speed}", rebuild,
                        "warning") for p in prompts if status[p.id] in why]
    if all(f.problem.startswith("no audio is built yet") for f in out) and len(out) == len(RATES):
        return [replace(out[0], problem=f"no audio is built yet for {content.language}")]
    return out


BASIC_VOICES = ("man", "woman", "alice")  # Twilio's Basic voices, which ignore SSML


def languages(content: Content) -> list[Finding]:
    """What callers of this language are offered: a reviewed file, and a <Say> voice that fits."""
    out, path = [], shown(content.path)
    if not content.reviewed:
        out.append(Finding(path, content.lines.get("offer.stay", 1), "",
                           f"{content.name} is not offered to callers: no review by a qualified translator "
                           "is recorded", "once a second, qualified translator has checked the whole file, "
                           "add reviewed_by and reviewed_on to its 'translation:' part (docs/staff-guide.md, "
                           "step 6)", "warning"))
    if content.say_voice.split(".")[0].lower() in BASIC_VOICES:
        out.append(Finding(path, 0, "say", f"Twilio's '{content.say_voice}' voice cannot speak more slowly, so "
                           "prompts without slow audio would be at the usual speed",
                           "choose an Amazon Polly or Google voice (like Polly.Amy) for 'say: voice:'", "warning"))
    if content.say_language.split("-")[0].lower() != content.language.split("-")[0].lower():
        out.append(Finding(path, 0, "say", f"prompts without audio would be read by a {content.say_language} "
                           f"voice, not a {content.language} one", "choose a Twilio voice and language for "
                           f"{content.name} under 'say:' (twilio.com/docs/voice/twiml/say/text-speech)", "warning"))
    return out


def timing(paths: list[Path], audio: AudioIndex) -> list[Finding]:
    """Caller time (callertime.py, the model bench/caller_time.py uses): a warning for each target
    that the line made from these files would miss, at the usual speed."""
    out = []
    for folder in dict.fromkeys(p if p.is_dir() else p.parent for p in paths):
        try:
            app = callertime.with_audio(local_app(CONTENT_DIR=str(folder), DATABASE_URL="sqlite:///:memory:"), audio)
        except (SettingsError, ContentError):
            continue  # already reported: the files or the settings do not load
        service = app.extensions["ivr"]
        for report in callertime.for_line(app):
            content = service.contents[report.language]
            lines = {p.id: p.line for p in content.prompts()}
            out += [Finding(shown(content.path), lines.get(o.prompt, 0), o.prompt, o.problem, o.fix, "warning")
                    for o in callertime.over_targets(report, content)]
    return out


def cut_words(content: Content) -> list[Finding]:
    """Words a '#' cut off as a note: the file loads, but callers would not hear them."""
    return [Finding(shown(content.path), m.line, "", m.problem, m.fix, "warning")
            for m in cut_by_hash(content.path.read_text(encoding="utf-8"))]


def run(contents: list[Content], settings: Settings | None, audio: AudioIndex | None,
        paths: list[Path] = ()) -> list[Finding]:
    """Every finding for these contents (loaded from `paths`). Without settings (they do not read)
    or audio (unknown until they do), what depends on them is left out: that problem is the
    settings' alone."""
    findings = []
    for content in contents:
        prompts = all_prompts(content, settings)
        findings += cut_words(content)
        findings += wording(content, prompts) + lengths(content, prompts, audio or NoAudio())
        findings += (audio_status(content, prompts, audio) if audio is not None else []) + languages(content)
    if settings is not None and audio is not None and paths and not any(f.level == "error" for f in findings):
        findings += timing(list(paths), audio)
    return findings


def line_audio(settings: Settings) -> AudioIndex:
    """The audio index the line itself uses, with these settings."""
    return audio_index(settings)


def summary(findings: list[Finding], files: int) -> str:
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    counted = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if errors:
        return f"{counted}. Fix the errors, then run `ivr check` again."
    return f"The content is ready for callers ({files} file{'s' * (files != 1)} checked; {counted})."


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check(paths: tuple[Path, ...]):
    """Proofread the guidance for callers who listen, not read.

    Checks PATHS (content files or folders; default: the line's own). Exits with status 1 if
    there is any error; warnings (such as audio not built yet) do not.
    """
    env = environment()
    settings, findings = read_settings(env)
    folder = settings.content_dir if settings else content_dir(env.get("CONTENT_DIR"))
    targets = list(paths) or [folder]
    contents, problems = load(targets)
    findings += problems
    notes: list[str] = []
    if settings is not None:
        findings += default_language(settings, contents) if not paths and not problems else []
        engine, more = build_engine(env)
        findings += more
        notes = (voice_notes(settings, engine, env) if engine else []) + serving(env)
    findings += run(contents, settings, line_audio(settings) if settings else None, targets)
    for finding in findings:
        click.echo(str(finding))
    for note in notes:
        click.echo(note)
    files = sum(len(list(p.glob("*.yaml"))) if p.is_dir() else 1 for p in targets)
    click.echo(summary(findings, files))
    if any(f.level == "error" for f in findings):
        raise SystemExit(1)
