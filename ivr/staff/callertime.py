"""Caller time: how long a caller waits for the 999 advice, the first choice and each section.

One timing model, used by `bench/caller_time.py` (the figures in docs/benchmarks.md) and by
`ivr check` (a warning when a change pushes a path over a target). It rings the line the way
Twilio would (phone.Caller, posting signed webhooks and following the TwiML) and adds up how
long each document takes to hear:

- a <Play> lasts as long as its built file (the duration the audio build measured);
- a <Say> (a prompt with no audio yet) as long as the build would make it: its words at the
  rate's speed (ivr/audio/shape.py), plus the quiet the build puts around every prompt;
- a caller's key press, and Twilio fetching the next document, KEY_SECONDS;
- staying on the line at a <Gather>, its timeout, as Twilio waits that long before moving on.

Two callers are followed down every path: one who waits for each menu to finish before
pressing, and one who presses as soon as they hear their option ("..., press 3").
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from ..audio.shape import SHAPES
from ..line.adviser import all_prompts
from ..line.content import MAIN, Content, Prompt
from ..line.languages import language_keys
from ..line.flow import SPEED_KEY
from ..line.speech import RATES, SAY_RATES
from .listening import sentences
from .phone import Caller

# The targets (issue 17): every second counts for a caller who may have to hang up at any time.
WELCOME_SECONDS = 20.0       # the welcome itself, at most
EMERGENCY_SECONDS = 8.0      # the 999 advice starts within this of the call starting
FIRST_OPTION_SECONDS = 30.0  # the first menu option starts within this
SECTION_SECONDS = 60.0       # every section starts within this, for a caller who waits
# From a key press to the next document's first sound: the press itself and Twilio fetching the
# next page (CALLERS.md: about half a second of quiet after a key press).
KEY_SECONDS = 0.5

WAITS, EARLY = "waits for each menu", "presses as soon as they hear their option"


@dataclass(frozen=True)
class Heard:
    """One prompt in a document: which, in what language, and how long it takes to hear."""
    prompt: Prompt | None  # None: words the line does not know (never in a guidance path)
    language: str
    seconds: float
    measured: bool


class Clock:
    """How long each prompt on this line takes to hear, from its built audio or estimated."""

    def __init__(self, service):
        self.contents: dict[str, Content] = service.contents
        self.files: dict[str, Heard] = {}  # audio file name -> what it says
        self.texts: dict[str, tuple[str, Prompt]] = {}  # words -> (language, prompt)
        for language, content in self.contents.items():
            for prompt in all_prompts(content, service.settings):
                self.texts.setdefault(prompt.text, (language, prompt))
                for rate in RATES:
                    url = service.audio.url(language, rate, prompt)
                    seconds = service.audio.duration(language, rate, prompt)
                    if url and seconds is not None:
                        self.files[url.rsplit("/", 1)[-1]] = Heard(prompt, language, seconds, True)

    def heard(self, element) -> Heard:
        if element.tag == "Play":
            found = self.files.get((element.text or "").strip().rsplit("/", 1)[-1])
            if found:
                return found
        words = " ".join("".join(element.itertext()).split())
        language, prompt = self.texts.get(words, ("", None))
        prosody = element.find("prosody")
        rate = next((r for r, say in SAY_RATES.items() if prosody is not None and say == prosody.get("rate")),
                    RATES[0])
        return Heard(prompt, language, estimated_seconds(words, rate), False)

    def keypad(self, doc) -> tuple[list[Heard], int]:
        """What the document's <Gather> says, and how long Twilio waits after it for a key."""
        gather = next(el for el in doc if el.tag == "Gather")
        return [self.heard(el) for el in gather if el.tag in ("Say", "Play")], int(gather.get("timeout", "5"))


def estimated_seconds(text: str, rate: str = RATES[0]) -> float:
    """How long the audio build would make these words: the rate's speed, and the quiet around them."""
    shape = SHAPES[rate]
    return len(text.split()) / shape.wpm * 60 + (shape.lead_ms + shape.tail_ms) / 1000


@dataclass
class Timeline:
    """One caller's way through the call: when each prompt they heard started."""
    starts: dict[str, float] = field(default_factory=dict)  # prompt id -> seconds into the call
    heard: dict[str, Heard] = field(default_factory=dict)
    measured: bool = True
    now: float = 0.0

    def hear(self, items: list[Heard], until: int | None = None) -> None:
        """The caller hears `items` (up to and including index `until`) from now on."""
        for item in items[:None if until is None else until + 1]:
            if item.prompt is not None:
                self.starts.setdefault(item.prompt.id, self.now)
                self.heard.setdefault(item.prompt.id, item)
            self.measured = self.measured and item.measured
            self.now += item.seconds

    def press(self) -> None:
        """A key pressed: the next document starts KEY_SECONDS later."""
        self.now += KEY_SECONDS

    def stay(self, timeout: int) -> None:
        """Silence at a <Gather>: Twilio waits out its timeout, then fetches the next document."""
        self.now += timeout + KEY_SECONDS


def names_key(clock: Clock, item: Heard, key: str) -> bool:
    """Whether this prompt offers `key`, as the caller hears it: 'press 3' in its own language."""
    content = clock.contents.get(item.language)
    press = content.rules.press if content else "press"
    return item.prompt is not None and f"{press} {key}".lower() in item.prompt.text.lower()


def follow(caller: Caller, clock: Clock, steps: Iterable[tuple[str, bool]]) -> Timeline:
    """Ring the line and press each step's key in turn ('' stays on the line), after the whole
    menu or (waits False) as soon as it is offered; returns when each prompt started."""
    timeline = Timeline()
    caller.dial()
    for key, waits in steps:
        items, timeout = clock.keypad(caller.doc)
        if not key:  # stay on the line: hear it all, then Twilio waits out the timeout
            timeline.hear(items)
            timeline.stay(timeout)
            caller.wait()
            continue
        offered = [i for i, item in enumerate(items) if names_key(clock, item, key)]
        timeline.hear(items, None if waits or not offered else offered[0])
        timeline.press()
        caller.press(key)
    timeline.hear(clock.keypad(caller.doc)[0])
    return timeline


def paths(content: Content) -> dict[str, tuple[str, ...]]:
    """Each section, and the keys from the main menu that lead to it (the fewest)."""
    out, frontier = {}, [(MAIN, ())]
    while frontier:
        node, keys = frontier.pop(0)
        for key, option in content.menus[node].options.items():
            if option.go in content.sections:
                out.setdefault(option.go, (*keys, key))
            elif option.go in content.menus and len(keys) < len(content.menus):
                frontier.append((option.go, (*keys, key)))
    return out


@dataclass(frozen=True)
class Report:
    """Caller time in one language at one speed, for both callers."""
    language: str
    rate: str
    welcome: float              # how long the welcome lasts
    emergency: float | None     # when the 999 advice starts (None: the welcome does not give it)
    first_option: float         # when the main menu's first option starts
    sections: dict[str, dict[str, float]]  # section -> {WAITS: seconds, EARLY: seconds}
    keys: dict[str, tuple[str, ...]]       # section -> the keys pressed to reach it
    measured: bool              # every prompt timed from built audio (else some estimated)


def start_keys(content: Content, contents: dict[str, Content]) -> tuple[str, ...]:
    """The keys that reach the welcome in this language: none, or the choice of language first."""
    if not content.offered_as:
        return ()
    keys = {language: key for key, language in language_keys(contents).items()}
    return (keys.get(content.language, ""),)


def measure(make_caller, service, language: str, slow: bool = False) -> Report:
    """Follow every path in `language`; `make_caller()` gives a new Caller on the line each time.

    `slow`: the caller presses 7 as soon as the welcome offers slower speech, then goes on.
    """
    content = service.contents[language]
    clock = Clock(service)
    sections, found, measured = {}, paths(content), True
    welcome = None
    for section, keys in found.items():
        sections[section] = {}
        for who, waits in ((WAITS, True), (EARLY, False)):
            first = [(key, waits) for key in start_keys(content, service.contents)]
            steps = [*first, *((SPEED_KEY, False),) * slow, *((key, waits) for key in keys)]
            timeline = follow(make_caller(), clock, steps)
            sections[section][who] = timeline.starts[f"section.{section}"]
            measured = measured and timeline.measured
            welcome = welcome or timeline
    item = welcome.heard["phrase.welcome"]
    return Report(language, RATES[1] if slow else RATES[0], item.seconds,
                  _emergency(content, welcome.starts["phrase.welcome"], item),
                  welcome.starts[f"menu.{MAIN}.1"], sections, found, measured)


def _emergency(content: Content, starts: float, welcome: Heard) -> float | None:
    """When, within the welcome, the sentence with 'nine nine nine' (in its own words) starts:
    its share of the words, timed from the first word."""
    words = " ".join([content.digits[9]] * 3).lower()
    shape = SHAPES[RATES[0]]
    speech = max(welcome.seconds - (shape.lead_ms + shape.tail_ms) / 1000, 0.0)
    total, before = len(welcome.prompt.text.split()), 0
    for sentence in sentences(welcome.prompt.text):
        if words in " ".join(sentence.lower().replace(",", " ").split()):
            return round(starts + shape.lead_ms / 1000 + speech * before / max(total, 1), 2)
        before += len(sentence.split())
    return None


@dataclass(frozen=True)
class Over:
    """A target missed: which prompt to shorten, what is wrong, and how to fix it."""
    prompt: str
    problem: str
    fix: str


def over_targets(report: Report, content: Content) -> list[Over]:
    """The targets this report misses (the usual speed only: slower speech is the caller's choice)."""
    out, how = [], "measured from the built audio" if report.measured else "estimated from the words"
    if report.welcome > WELCOME_SECONDS:
        out.append(Over("phrase.welcome", f"the welcome takes {report.welcome:.1f} seconds ({how})",
                        f"keep it to {WELCOME_SECONDS:.0f} seconds: shorter sentences, and anything that is not a "
                        "safety fact (999, hang up at any time, we never call or text, 9 for an adviser) elsewhere"))
    if report.emergency is not None and report.emergency > EMERGENCY_SECONDS:  # None: `ivr check` says so
        out.append(Over("phrase.welcome", f"the 999 advice starts {report.emergency:.1f} seconds into the call ({how})",
                        f"move it to the start of the welcome, so it starts within {EMERGENCY_SECONDS:.0f} seconds"))
    if report.first_option > FIRST_OPTION_SECONDS:
        out.append(Over("menu.main.1", f"the first menu option starts {report.first_option:.1f} seconds into the "
                        f"call ({how})", f"keep it within {FIRST_OPTION_SECONDS:.0f} seconds: shorten the welcome "
                        "and the main menu's first words"))
    for section, times in report.sections.items():
        if times[WAITS] > SECTION_SECONDS:
            menus = [MAIN, *_menus_on_the_way(content, report.keys[section])]
            out.append(Over(f"section.{section}",
                            f"this section starts {times[WAITS]:.1f} seconds into the call for a caller who "
                            f"waits for each menu (keys {', '.join(report.keys[section])}; {how})",
                            f"keep it within {SECTION_SECONDS:.0f} seconds: shorten the welcome or the menus on "
                            f"the way ({', '.join(menus)}), for example by cutting words the options repeat"))
    return out


def _menus_on_the_way(content: Content, keys: tuple[str, ...]) -> list[str]:
    node, out = MAIN, []
    for key in keys[:-1]:
        node = content.menus[node].options[key].go
        out.append(node)
    return out


def caller_for(app):
    """A function giving a new Twilio-like caller on an in-process line, for `measure`."""
    service = app.extensions["ivr"]
    base = service.settings.public_base_url or "http://localhost"
    return lambda: Caller(app.test_client(), base, service.settings.auth_token, lookup=lambda url: None)


def for_line(app, languages: Iterable[str] | None = None) -> list[Report]:
    """Caller time at the usual speed in each language of an in-process line."""
    service = app.extensions["ivr"]
    return [measure(caller_for(app), service, language) for language in (languages or service.contents)]


def with_audio(app, audio):
    """The same app with another audio index (what `ivr check` was given)."""
    app.extensions["ivr"] = replace(app.extensions["ivr"], audio=audio)
    return app
