"""The guidance as data: load a language's content file and check its shape.

A content file is YAML that charity staff edit. Loading it checks every structural rule
(keys lead somewhere, menus are small and numbered 1..n, every section within two presses)
and reports each problem with the file and line, so a broken file never half-loads.

A file also says its language's name in that language, how that language is offered before the
welcome, and whether it is the original or a translation (who translated it, and which qualified
translator reviewed it, when): only the original and reviewed translations are offered
(languages.offered).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import yaml

from .yamlerrors import DuplicateName, explain

MAIN = "main"
GUIDANCE_KEYS = "1234"
MAX_OPTIONS = len(GUIDANCE_KEYS)
MAX_PRESSES = 2

REQUIRED_PHRASES = (
    "welcome", "wrong_key", "again", "back", "main_menu", "adviser", "adviser_first",
    "slower", "usual_speed", "error", "goodbye", "unavailable",
)
# How a language is offered before the welcome, in its own words: the default one says to stay
# on the line, each other one names its key ({key}, filled in by the line: languages.offered).
REQUIRED_OFFER = ("stay", "press")
REQUIRED_ADVISER = (
    "connecting", "closed", "closed_today", "hours", "hours_long", "hours_break", "hours_break_long",
    "day_and_night",
    "every_day", "on_days", "day_range", "day_list",
    "clock_hours", "on_the_hour", "quarter_past", "half_past", "quarter_to",
    "morning", "afternoon", "evening", "night", "midday", "midnight",
    "no_answer", "emergency", "helpline", "try_again", "to_guidance", "number_again",
    "whisper", "whisper_missed", "stop_waiting", "ringing", "stopped", "taken", "gone",
)
# Words the line puts into other sentences (adviser hours), never said alone: not prompts.
ADVISER_WORDS = ("clock_hours", "midday", "midnight", "every_day")


# Between a problem and its fix, when the loader knows one: staff see the same two lines as from `ivr check`.
FIX = "\n    Fix: "


class ContentError(Exception):
    """One or more problems in a content file, each naming its file and line (and a fix after FIX)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Option:
    key: str
    say: str
    go: str
    line: int


@dataclass(frozen=True)
class Menu:
    id: str
    say: str
    options: dict[str, Option]
    line: int


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    say: str
    line: int


@dataclass(frozen=True)
class Prompt:
    """One thing the line says, with a stable id that names its audio."""
    id: str
    text: str
    line: int = 0


@dataclass(frozen=True)
class Translation:
    """Who translated a content file, and the qualified translator who reviewed it (and when)."""
    translated_by: str
    reviewed_by: str = ""
    reviewed_on: date | None = None

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewed_by and self.reviewed_on)


@dataclass(frozen=True)
class Rules:
    """How `ivr check` proofreads this language: each language sets its own (`rules:` in the file)."""
    sentence_words: int = 25  # the longest sentence, in words
    average_words: int = 15   # the longest average sentence, in words
    press: str = "press"      # the word before a key: only after it may a digit be written ("press 9")


@dataclass(frozen=True)
class Content:
    path: Path
    language: str
    name: str
    say_voice: str
    say_language: str
    digits: tuple[str, ...]
    weekdays: tuple[str, ...]
    phrases: dict[str, str]
    adviser: dict[str, str]
    menus: dict[str, Menu]
    sections: dict[str, Section]
    lines: dict[str, int] = field(default_factory=dict)
    offer: dict[str, str] = field(default_factory=dict)  # REQUIRED_OFFER -> words
    original: bool = False  # the file translations are made from: it needs no review
    translation: Translation | None = None
    rules: Rules = field(default_factory=Rules)
    offered_as: str = ""  # the sentence that offers this language before the welcome, when there is a choice

    @property
    def reviewed(self) -> bool:
        """Whether callers may hear this file: the original, or a translation a qualified translator reviewed."""
        return self.original or bool(self.translation and self.translation.reviewed)

    def node(self, node_id: str) -> Menu | Section | None:
        return self.menus.get(node_id) or self.sections.get(node_id)

    def parent(self, node_id: str) -> str:
        """The menu one level up (the main menu is its own parent)."""
        for menu in self.menus.values():
            if any(o.go == node_id for o in menu.options.values()) and menu.id != node_id:
                return menu.id
        return MAIN

    def prompts(self) -> list[Prompt]:
        """Every fixed prompt in the file, each once, in reading order."""
        out = [Prompt(f"phrase.{k}", v, self.lines.get(f"phrase.{k}", 0))
               for k, v in self.phrases.items()]
        out += [Prompt(f"adviser.{k}", v, self.lines.get(f"adviser.{k}", 0))
                for k, v in self.adviser.items() if "{" not in v and k not in ADVISER_WORDS]
        for menu in self.menus.values():
            out.append(Prompt(f"menu.{menu.id}", menu.say, menu.line))
            out += [Prompt(f"menu.{menu.id}.{o.key}", o.say, o.line)
                    for o in menu.options.values()]
        out += [Prompt(f"section.{s.id}", s.say, s.line) for s in self.sections.values()]
        if self.offered_as:
            which = "stay" if self.offered_as == self.offer.get("stay") else "press"
            out.append(Prompt("language.offer", self.offered_as, self.lines.get(f"offer.{which}", 0)))
        return out

    def prompt(self, prompt_id: str) -> Prompt:
        return self._index()[prompt_id]

    def _index(self) -> dict[str, Prompt]:
        # Frozen dataclass: cache through object.__setattr__ so lookups stay O(1).
        try:
            return self.__dict__["_prompt_index"]
        except KeyError:
            index = {p.id: p for p in self.prompts()}
            object.__setattr__(self, "_prompt_index", index)
            return index


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping and of each of its keys."""


def _construct_mapping(loader, node, deep=False):
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for k, _ in node.value:
        name = loader.construct_object(k)
        if name in mapping.key_lines:  # YAML would keep the second without a word
            raise DuplicateName(str(name), mapping.key_lines[name], k.start_mark)
        mapping.key_lines[name] = k.start_mark.line + 1
    return mapping


class _LineDict(dict):
    line = 0
    key_lines: dict = {}


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# YAML 1.1 would read `no` and `on` as booleans; in a content file they are words.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(path: str | Path) -> Content:
    """Load and check one content file; raise ContentError listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
        raw = yaml.load(text, Loader=_LineLoader)
    except OSError as exc:
        raise ContentError([f"{path}: cannot read the file ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ContentError([f"{path}:{line}: this line has a character that is not plain text (UTF-8), often a "
                            f"curly quote or a dash from a word processor{FIX}save the file as UTF-8 text (in "
                            "the editor's Save As), or type that character again"]) from exc
    except yaml.YAMLError as exc:
        mistake = explain(text, exc)
        raise ContentError([f"{path}:{mistake.line}: {mistake.problem}{FIX}{mistake.fix}"]) from exc
    return _Reader(path, raw).read()


class _Reader:
    """Turns the parsed YAML into Content, collecting problems instead of stopping at one."""

    def __init__(self, path: Path, raw):
        self.path = path
        self.raw = raw if isinstance(raw, dict) else _LineDict()
        self.problems: list[str] = []
        self.lines: dict[str, int] = {}
        if not isinstance(raw, dict):
            self.problem(1, "the file should be a set of named parts (language, phrases, menus, ...)")

    def problem(self, line: int, text: str) -> None:
        self.problems.append(f"{self.path}:{line}: {text}")

    def text(self, mapping, key: str, where: str) -> str:
        value = mapping.get(key)
        line = getattr(mapping, "key_lines", {}).get(key, getattr(mapping, "line", 1))
        if not isinstance(value, str) or not value.strip():
            self.problem(line, f"{where} needs '{key}': some words to say")
            return ""
        return " ".join(value.split())

    def part(self, key: str) -> _LineDict:
        value = self.raw.get(key)
        if not isinstance(value, dict):
            self.problem(self.raw.key_lines.get(key, 1), f"the file needs a '{key}:' part")
            return _LineDict()
        return value

    def words(self, key: str, count: int) -> tuple[str, ...]:
        value = self.raw.get(key)
        if not (isinstance(value, list) and len(value) == count and all(isinstance(v, str) for v in value)):
            self.problem(self.raw.key_lines.get(key, 1), f"'{key}' should be a list of {count} words")
            return ("",) * count
        return tuple(value)

    def strings(self, part: str, required: tuple[str, ...]) -> dict[str, str]:
        mapping = self.part(part)
        out = {}
        for key in required:
            out[key] = self.text(mapping, key, f"'{part}'")
            self.lines[f"{'phrase' if part == 'phrases' else part}.{key}"] = mapping.key_lines.get(key, mapping.line)
        for key in mapping:
            if key not in required:
                self.problem(mapping.key_lines[key], f"'{part}' has an unknown entry '{key}'. "
                             f"The known ones are: {', '.join(required)}")
        return out

    def clock_hours(self, adviser: dict[str, str]) -> dict[str, str]:
        if len(adviser.get("clock_hours", "").split(",")) != 12:
            self.problem(self.lines.get("adviser.clock_hours", 1), "'clock_hours' should be the 12 hours "
                         "of the clock as words, from twelve to eleven, separated by commas")
        return adviser

    def read(self) -> Content:
        say = self.part("say")
        language = self.text(self.raw, "language", "the file")
        content = Content(
            path=self.path,
            language=language,
            name=self.text(self.raw, "name", "the file"),
            say_voice=self.text(say, "voice", "'say'"),
            say_language=self.text(say, "language", "'say'"),
            digits=self.words("digits", 10),
            weekdays=self.words("weekdays", 7),
            phrases=self.strings("phrases", REQUIRED_PHRASES),
            adviser=self.clock_hours(self.strings("adviser", REQUIRED_ADVISER)),
            menus=self.menus(),
            sections=self.sections(),
            lines=self.lines,
            offer=self.offer(),
            original=_yes(self.raw.get("original")),
            translation=self.translation(),
            rules=self.rules(),
        )
        self.check_tree(content)
        if self.problems:
            raise ContentError(self.problems)
        return content

    def offer(self) -> dict[str, str]:
        words = self.strings("offer", REQUIRED_OFFER)
        if "{key}" not in words.get("press", "{key}"):
            self.problem(self.lines["offer.press"], "'press' should name the key as {key}, like "
                         "'For English, press {key}.': the line fills in the key this language has")
        if "{" in words.get("stay", ""):
            self.problem(self.lines["offer.stay"], "'stay' has no key to fill in: it says to stay on the line")
        return words

    def translation(self) -> Translation | None:
        """`original: true`, or a `translation:` part naming the translator and its reviewer."""
        raw, line = self.raw.get("translation"), self.raw.key_lines.get("translation", 1)
        if raw is None:
            if not _yes(self.raw.get("original")):
                self.problem(self.raw.key_lines.get("original", 1), "the file needs 'original: true' (the "
                             "file translations are made from) or a 'translation:' part saying who translated it")
            return None
        if _yes(self.raw.get("original")):
            self.problem(line, "a file is either the original or a translation: remove 'original' or 'translation'")
        if not isinstance(raw, dict):
            self.problem(line, "'translation' needs 'translated_by', and once a qualified translator has checked "
                         "it, 'reviewed_by' and 'reviewed_on'")
            return None
        by = self.text(raw, "translated_by", "'translation'")
        reviewer = raw.get("reviewed_by") or ""
        on = raw.get("reviewed_on")
        if isinstance(on, datetime):
            on = on.date()
        elif isinstance(on, str):
            try:
                on = date.fromisoformat(on.strip())
            except ValueError:
                on = "not a date"
        if on is not None and not isinstance(on, date):
            self.problem(raw.key_lines.get("reviewed_on", raw.line), "'reviewed_on' should be the date of the "
                         "review, like 2026-11-20")
            on = None
        if bool(reviewer) != bool(on):
            self.problem(raw.line, "a review needs both 'reviewed_by' (the qualified translator who checked "
                         "the file) and 'reviewed_on' (when)")
        return Translation(by, " ".join(str(reviewer).split()), on)

    def rules(self) -> Rules:
        raw = self.raw.get("rules")
        if raw is None:
            return Rules()
        if not isinstance(raw, dict):
            self.problem(self.raw.key_lines["rules"], "'rules' should name sentence_words, average_words and press")
            return Rules()
        default, values = Rules(), {}
        for key, value in raw.items():
            if not hasattr(default, key):
                self.problem(raw.key_lines[key], f"'rules' has an unknown entry '{key}'. "
                             "The known ones are: sentence_words, average_words, press")
            elif not isinstance(value, type(getattr(default, key))) or not value:
                self.problem(raw.key_lines[key], f"'{key}' should be like '{getattr(default, key)}'")
            else:
                values[key] = value
        return replace(default, **values)

    def menus(self) -> dict[str, Menu]:
        menus, part = {}, self.part("menus")
        for menu_id, raw in part.items():
            if not isinstance(raw, dict):
                self.problem(self.raw["menus"].key_lines[menu_id], f"menu '{menu_id}' needs 'say' and 'options'")
                continue
            menus[str(menu_id)] = Menu(str(menu_id), self.text(raw, "say", f"menu '{menu_id}'"),
                                       self.options(menu_id, raw), part.key_lines[menu_id])
        if MAIN not in menus:
            self.problem(self.raw.key_lines.get("menus", 1), f"'menus' needs a '{MAIN}' menu: the first one callers hear")
        return menus

    def options(self, menu_id, raw) -> dict[str, Option]:
        options = raw.get("options")
        if not isinstance(options, dict) or not options:
            self.problem(raw.line, f"menu '{menu_id}' needs 'options', with at least key 1")
            return {}
        out = {}
        for key, opt in options.items():
            line = options.key_lines[key]
            if not isinstance(opt, dict):
                self.problem(line, f"option {key} of menu '{menu_id}' needs 'say' and 'go'")
                continue
            out[str(key)] = Option(str(key), self.text(opt, "say", f"option {key} of menu '{menu_id}'"),
                                   str(opt.get("go", "")), line)
        keys = list(out)
        if len(keys) > MAX_OPTIONS:
            self.problem(raw.line, f"menu '{menu_id}' has {len(keys)} options; at most {MAX_OPTIONS} "
                         "are easy to remember. Move some into a new menu.")
        expected = [str(n) for n in range(1, len(keys) + 1)]
        if sorted(keys) != expected:
            self.problem(options.line, f"menu '{menu_id}' uses keys {', '.join(keys)}; "
                         f"number them {', '.join(expected)} with no gaps (9, 0, star and hash are kept "
                         "for the adviser, going back and hearing again)")
        return out

    def sections(self) -> dict[str, Section]:
        sections, part = {}, self.part("sections")
        for section_id, raw in part.items():
            if not isinstance(raw, dict):
                self.problem(self.raw["sections"].key_lines[section_id],
                             f"section '{section_id}' needs 'title' and 'say'")
                continue
            sections[str(section_id)] = Section(
                str(section_id), self.text(raw, "title", f"section '{section_id}'"),
                self.text(raw, "say", f"section '{section_id}'"), part.key_lines[section_id])
        return sections

    def check_tree(self, content: Content) -> None:
        for section_id, section in content.sections.items():
            if section_id in content.menus:
                self.problem(section.line, f"'{section_id}' is both a menu and a section; rename one")
        for menu in content.menus.values():
            for opt in menu.options.values():
                if content.node(opt.go) is None:
                    self.problem(opt.line, f"option {opt.key} of menu '{menu.id}' goes to '{opt.go}', "
                                 "which is not a menu or section in this file")
                elif opt.go == MAIN:
                    self.problem(opt.line, f"option {opt.key} of menu '{menu.id}' goes to the main menu; "
                                 "key 8 already does that everywhere")
        depth = _presses(content)
        for node_id, node in {**content.menus, **content.sections}.items():
            if node_id not in depth:
                self.problem(node.line, f"'{node_id}' cannot be reached: no menu option goes to it")
            elif isinstance(node, Section) and depth[node_id] > MAX_PRESSES:
                self.problem(node.line, f"section '{node_id}' takes {depth[node_id]} key presses to reach; "
                             f"keep every section within {MAX_PRESSES} presses of the main menu")
        for menu in content.menus.values():
            if not menu.options and menu.id in depth:
                self.problem(menu.line, f"menu '{menu.id}' leads nowhere: give it options")


def _yes(value) -> bool:
    """`true` or `yes` (which this loader reads as words, not booleans)."""
    return str(value).strip().lower() in ("true", "yes")


def _presses(content: Content) -> dict[str, int]:
    """Fewest key presses from the main menu to each node (breadth-first)."""
    depth, frontier = {MAIN: 0}, [MAIN]
    while frontier:
        nxt = []
        for node_id in frontier:
            menu = content.menus.get(node_id)
            for opt in (menu.options.values() if menu else ()):
                if opt.go not in depth and content.node(opt.go) is not None:
                    depth[opt.go] = depth[node_id] + 1
                    nxt.append(opt.go)
        frontier = nxt
    return depth


def load_all(folder: str | Path) -> dict[str, Content]:
    """Every language in a folder of content files, keyed by language tag."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError([f"{folder}: no content files (*.yaml) found here"])
    problems, out = [], {}
    for file in files:
        try:
            content = load(file)
        except ContentError as exc:
            problems += exc.problems
            continue
        if content.language != file.stem:
            problems.append(f"{file}:1: language is '{content.language}' but the file is named "
                            f"'{file.name}'; name it '{content.language}.yaml'")
        out[content.language] = content
    if problems:
        raise ContentError(problems)
    return out

