"""Mistakes in a content file's YAML, said in plain words, on the line where they start.

The parser stops where it can no longer make sense of the file, which is often lines after
the slip: a quote left open reads on to the next quote mark, and a line indented too little
ends the words above it. So when the parser fails, the lines up to where it stopped are
looked over for the usual slips (quotes, brackets, indentation, a colon or a space left out),
and the first one is reported. Only when none is found is the parser's own mark used.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import yaml

NAME = re.compile(r"([^\s:#'\"{}\[\],][^:#]*?|'[^']*'|\"[^\"]*\"):(?=\s|$)")  # a name and its colon
GLUED = re.compile(r"([\w-]+):(\S+)")  # a name with no space after its colon (or a name: words)
LOOKS_LIKE_NAME = re.compile(r"\w+\s*:(\s|$)")
QUOTE_NAMES = {'"': "double quotes", "'": "single quotes"}
SPECIAL_STARTS = "*&!%@`|>"  # characters YAML reads as instructions at the start of some words


@dataclass(frozen=True)
class Mistake:
    line: int
    problem: str
    fix: str


class DuplicateName(yaml.MarkedYAMLError):
    """A name written twice in one part: YAML would keep the second silently."""

    def __init__(self, name: str, first_line: int, mark):
        super().__init__(problem=f"'{name}' twice", problem_mark=mark)
        self.name, self.first_line = name, first_line


def explain(text: str, error: yaml.YAMLError) -> Mistake:
    """The mistake behind `error`, on the line where it starts, with what to do about it."""
    if isinstance(error, DuplicateName):
        line = error.problem_mark.line + 1
        return Mistake(line, f"'{error.name}' is written twice in the same part (lines {error.first_line} "
                       f"and {line}), so the line would use only one of them",
                       f"keep one '{error.name}:' and delete the other, or rename it")
    rows = text.split("\n")
    mark = getattr(error, "problem_mark", None)
    stop = mark.line + 1 if mark else len(rows)
    return Scan(rows).first(stop) or from_parser(error, rows)


def from_parser(error: yaml.YAMLError, rows: list[str]) -> Mistake:
    """The parser's own finding, in plain words (used when the scan finds no slip of its own)."""
    mark, context = getattr(error, "problem_mark", None), getattr(error, "context_mark", None)
    problem, during = getattr(error, "problem", "") or "", getattr(error, "context", "") or ""
    line = mark.line + 1 if mark else 1
    if "quoted scalar" in during and context is not None:
        return unclosed(context.line + 1, rows[context.line][context.column:])
    if "\\t" in problem or "tab" in problem:
        return tab(line)
    if "mapping values are not allowed" in problem:
        return colon_in_words(line)
    if "could not find expected ':'" in problem:
        return Mistake(line, "the line above this one, or this one, has no colon after its name",
                       "write each name with a colon and a space after it, like 'title: Harassment'; "
                       "a sentence that goes on to the next line needs more spaces at its start than the name")
    if "alias" in problem or "anchor" in problem or "tag" in during:
        return special_start(line)
    return Mistake(line, "the file's layout stops making sense here",
                   "compare this line and the few above it with similar parts of the file: the same number of "
                   "spaces at the start, quote marks in pairs, and a colon and a space after each name")


# -- The slips, said for people who have never heard of YAML ---------------------------------

def unclosed(line: int, quoted: str) -> Mistake:
    mark = quoted[0]
    start = " ".join(quoted[1:].split()[:5])
    where = "before ', go:'" if re.search(r",\s*go\s*:", quoted) else "after the last word"
    return Mistake(line, f"the words in {QUOTE_NAMES[mark]} that start {mark}{start}... have no closing "
                   f"quote mark ({mark})",
                   f"put {mark} at the end of the words, on this line ({where}), or take out the one at the start")


def cut_short(line: int, quoted: str, rest: str) -> Mistake:
    mark = quoted[0]
    if LOOKS_LIKE_NAME.match(rest):
        name = rest.split(":")[0].strip()
        return Mistake(line, f"there is no comma between the words in quotes and '{name}:'",
                       f"put a comma after the closing quote mark, like {quoted}, {name}: ...")
    if mark == "'" and quoted[-2:-1].isalpha() and rest[:1].isalpha():
        word = re.match(r"\w*", quoted[-2::-1])[0][::-1] + "'" + re.match(r"\w*", rest)[0]
        return Mistake(line, f"the apostrophe in \"{word}\" ends the words in single quotes too early",
                       f"write the apostrophe twice ({word.replace(chr(39), chr(39) * 2)}), or put the words "
                       "in double quotes (\") instead")
    other = "single" if mark == '"' else "double"
    return Mistake(line, f"the words in {QUOTE_NAMES[mark]} end at {quoted}, but more words follow "
                   f"({rest.strip()[:30]})", f"put the quote marks round all the words, or take them out; "
                   f"inside {QUOTE_NAMES[mark]}, use the other kind of quote mark ({other})")


def tab(line: int) -> Mistake:
    return Mistake(line, "this line starts with a tab", "use spaces, not the Tab key, at the start of the line: "
                   "as many spaces as the lines it belongs with")


def colon_in_words(line: int) -> Mistake:
    return Mistake(line, "the words on this line have a colon and a space in them, which reads as a new name",
                   "put the words in double quotes (\"like this: with a colon\"), or use a comma or full stop "
                   "instead of the colon")


def special_start(line: int) -> Mistake:
    return Mistake(line, "the words on this line start with a character that has a special meaning here",
                   "put the words in double quotes (\"like this\"), or start them with a letter")


def cut_by_hash(text: str) -> list[Mistake]:
    """Words after a name that a ' #' cuts short. YAML reads the rest of the line as a note, so the
    file loads, and callers would never hear those words: worth a warning even when all is well."""
    out, block = [], None  # block: indentation of the name whose words follow on the lines below
    for number, row in enumerate(text.split("\n"), 1):
        text_here, spaces = row.strip(), indent(row)
        if block is not None and (not text_here or spaces > block):
            continue
        block = None
        found = NAME.match(text_here)
        if not found or text_here.startswith("#"):
            continue
        rest = text_here[found.end():].strip()
        if rest[:1] in (">", "|"):
            block = spaces
        elif rest and rest[0] not in "\"'{[#" and " #" in rest:
            kept = strip_comment(rest).strip()
            out.append(Mistake(number, f"the words stop at the # sign, so callers hear only \"{kept}\": the rest "
                               "of the line is read as a note", "write 'hash' in words (\"press hash\"), or put "
                               "all the words in double quotes; a note for staff goes on a line of its own"))
    return out


# -- Looking over the lines ------------------------------------------------------------------

class Scan:
    """A look over the file's lines for the slips people make, in the order they appear."""

    def __init__(self, rows: list[str]):
        self.rows = rows
        # How often each indentation starts a name: of two lines that do not line up, the rarer is the odd one.
        self.usual = Counter(indent(r) for r in rows if NAME.match(r.strip()) and not r.strip().startswith("#"))

    def first(self, stop: int) -> Mistake | None:
        levels: list[tuple[int, int]] = [(0, 0)]  # (indentation, line that set it) of each open part
        block = None  # (indentation of the name, of the words, name) while in words after `say: >-`
        opens = False  # the line above ended with a name and a colon: a part inside it may follow
        plain = None  # indentation of the name of the line above, when its words had no quotes
        for number, row in enumerate(self.rows[:max(stop, 1)], 1):
            text, spaces = row.strip(), indent(row)
            if not text:
                continue
            if "\t" in row[:len(row) - len(row.lstrip())]:
                return tab(number)
            if block is not None:
                name_at, words_at, name = block
                if words_at is None and spaces > name_at:
                    block = (name_at, spaces, name)
                    continue
                if words_at is not None and spaces >= words_at:
                    continue
                block = None
                if words_at is not None and not (NAME.match(text) or GLUED.match(text) or text[0] in "#-"):
                    return Mistake(number, f"this line has fewer spaces at the start than the lines above it, so it "
                                   f"is not read as part of the words of '{name}'",
                                   f"start it with {words_at} spaces, like the line above")
            if text.startswith("#"):
                continue
            if opens and spaces > levels[-1][0]:
                levels.append((spaces, number))
            elif plain is not None and spaces > plain and not NAME.match(text):
                continue  # the words of the line above, going on: allowed when indented more than its name
            elif spaces > levels[-1][0]:
                return self.misaligned(number, spaces, *levels[-1])
            else:
                while levels and spaces < levels[-1][0]:
                    popped = levels.pop()
                if levels[-1][0] != spaces:
                    return self.misaligned(number, spaces, *popped)
            slip, opens, plain, block = self.contents(number, text, spaces)
            if slip:
                return slip
        return None

    def misaligned(self, number: int, spaces: int, other_spaces: int, other: int) -> Mistake:
        """Two lines that should line up do not: blame the one whose indentation is rarer in the file."""
        if other and self.usual[other_spaces] < self.usual[spaces]:
            number, spaces, other, other_spaces = other, other_spaces, number, spaces
        return Mistake(number, f"this line starts with {spaces} spaces, which does not line up with the lines "
                       "around it, so it is read as part of something else",
                       f"start it with the same number of spaces as the lines it belongs with (line {other} "
                       f"has {other_spaces})")

    def contents(self, number: int, text: str, spaces: int):
        """(slip, opens a part, name's indentation if plain words, block of words) for one line."""
        if text.startswith("- "):
            return value(number, text[2:].strip()), False, None, None
        found = NAME.match(text)
        if not found:
            glued = GLUED.match(text)
            if glued:
                return Mistake(number, f"there is no space after the colon in '{glued[0][:30]}'",
                               f"put one space after the colon: '{glued[1]}: {glued[2]}'"), False, None, None
            return Mistake(number, "this line has no name and colon, so it is not clear what it belongs to",
                           "write a name, a colon and a space, then the words (like 'title: Harassment'); if the "
                           "words go on from the line above, start this line with more spaces than that line's "
                           "name"), False, None, None
        name, rest = found[1], text[found.end():].strip()
        if not rest or rest.startswith("#"):
            return None, True, None, None
        if rest[0] in ">|" and re.fullmatch(r"[>|][-+]?\d?(\s+#.*)?", rest):
            return None, False, None, (spaces, None, name.strip("'\""))
        return value(number, rest), False, (spaces if rest[0] not in "\"'{[" else None), None


def value(number: int, text: str) -> Mistake | None:
    """A slip in what follows a name's colon (or a list's dash) on one line."""
    if text[0] in "\"'":
        return after_quotes(number, text)
    if text[0] in "{[":
        return flow(number, text)
    if text[0] in SPECIAL_STARTS:
        return special_start(number)
    if re.search(r":\s", strip_comment(text)):
        return colon_in_words(number)
    return None


def after_quotes(number: int, text: str) -> Mistake | None:
    """Words in quotes after a name: the quote must close on this line, with nothing after it."""
    end = closed_at(text)
    if end is None:
        return unclosed(number, text)
    rest = strip_comment(text[end + 1:]).strip()
    return cut_short(number, text[:end + 1], rest) if rest else None


def flow(number: int, text: str) -> Mistake | None:
    """A part written on one line in brackets, like {say: "...", go: police}."""
    depth, i, start = 0, 0, True  # start: where a new value may begin
    while i < len(text):
        c = text[i]
        if start and c in "\"'":
            end = closed_at(text[i:])
            if end is None:
                return unclosed(number, text[i:])
            rest = text[i + end + 1:].lstrip()
            if rest and rest[0] not in ",}]:#":
                return cut_short(number, text[i:i + end + 1], rest)
            i += end + 1
            start = False
            continue
        if c == "#" and text[i - 1:i] in (" ", ""):
            break
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth < 0:
                return Mistake(number, f"this line closes a bracket ({c}) that was never opened",
                               f"take out the extra {c}")
        start = c in "{[,:" or (start and c == " ")
        i += 1
    if depth > 0:
        return Mistake(number, "a bracket ({) opened on this line is not closed on it",
                       "put } at the end of the line, after the last part (like go: police})")
    return None


def closed_at(text: str) -> int | None:
    """Where the quote opened at text[0] closes (a doubled '' or an escaped \\" does not close it)."""
    mark, i = text[0], 1
    while i < len(text):
        if mark == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == mark:
            if mark == "'" and text[i + 1:i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def strip_comment(text: str) -> str:
    return re.split(r"\s#", text, maxsplit=1)[0]


def indent(row: str) -> int:
    return len(row) - len(row.lstrip(" "))
