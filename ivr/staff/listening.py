"""Rules for words that are heard, not read: short sentences, no digits or abbreviations that a
speech engine misreads, options in one fixed form, and never a long speech before a choice.

Each rule takes a prompt's text and returns Problems (what, how to fix it, and the words to
look for in the file), so `ivr check` can say where they are and each rule can be read alone.
"""
from __future__ import annotations

import re
from typing import NamedTuple

MAX_SENTENCE_WORDS = 25
MAX_AVERAGE_WORDS = 15
MAX_SECONDS_BEFORE_CHOICE = 60
WORDS_PER_MINUTE = 140  # the slow end of 130-150: estimates err towards "too long"

# What staff should write instead; any other word in capitals is flagged as an abbreviation too.
ABBREVIATIONS = {
    "eg": "for example", "ie": "that is", "etc": "and so on", "approx": "about", "vs": "against",
    "npu": "Neighbourhood Police Unit", "cps": "Crown Prosecution Service", "mr": "Mister",
    "mrs": "Missus", "dr": "Doctor", "asap": "as soon as possible", "info": "information",
    "tel": "telephone", "dv": "domestic violence", "da": "domestic abuse",
    "idva": "an independent domestic violence adviser", "marac": "a meeting where agencies plan your safety",
}
# "press 9" is fine ("press 55" is not); engines read clock times like "9am" and "5:30pm" well.
# Each language names its own word for "press" (the content file's `rules:`).
_CLOCK = r"\b\d{1,2}(:\d\d)?[ap]m\b"
_NUMBER = re.compile(r"\d(?:[\d,.:]*\d)?(?: \d+)*")


def _allowed(press: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(press)} \d\b|{_CLOCK}", re.IGNORECASE)


def _option(press: str) -> re.Pattern:
    """What an option is, then its key: 'For bail, press 3.'"""
    return re.compile(rf"(?P<what>[^,].*), {re.escape(press)} (?P<key>\d)\.", re.IGNORECASE)



class Problem(NamedTuple):
    text: str
    fix: str
    words: str = ""  # the words that show where in the prompt the problem is


Problems = list[Problem]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def sentence_length(text: str, most: int = MAX_SENTENCE_WORDS, average_most: int = MAX_AVERAGE_WORDS) -> Problems:
    """Sentences of at most `most` words, `average_most` on average (each language sets its own)."""
    out = []
    found = sentences(text)
    for sentence in found:
        words = len(sentence.split())
        if words > most:
            out.append(Problem(f"this sentence has {words} words: \"{sentence}\"",
                               f"split it into two sentences of {most} words or fewer",
                               " ".join(sentence.split()[:3])))
    if len(found) > 1:  # one sentence is judged by the longest-sentence rule alone
        average = sum(len(s.split()) for s in found) / len(found)
        if average > average_most:
            out.append(Problem(f"its sentences average {average:.1f} words",
                               f"aim for {average_most} or fewer: split the longest sentences"))
    return out


def spoken_digits(number: str, digit_words: tuple[str, ...]) -> str:
    """'0808 2000 247' -> 'oh eight oh eight, two oh oh oh, two four seven', in the file's own words."""
    return ", ".join(" ".join(digit_words[int(d)] for d in group if d.isdigit()) for group in number.split())


def digits(text: str, digit_words: tuple[str, ...], press: str = "press") -> Problems:
    """Numbers written as digits, which an engine reads as 'nine hundred and ninety-nine'; the
    fix spells them in the file's own number words (`digits:`)."""
    out = []
    for match in _NUMBER.finditer(_allowed(press).sub("", text)):
        number = match.group()
        out.append(Problem(f"'{number}' is written in digits, and a speech engine may misread it",
                           f"write it as it is spoken, like '{spoken_digits(number, digit_words)}' "
                           f"(a year as 'nineteen ninety-seven'); only '{press}' and one key may use a digit",
                           number))
    return out


def abbreviations(text: str) -> Problems:
    out = []
    for word in re.findall(r"[A-Za-z][A-Za-z.]*[A-Za-z]\.?", text):
        bare = word.replace(".", "")
        if bare.lower() in ABBREVIATIONS:
            out.append(Problem(f"'{word}' is an abbreviation", f"say '{ABBREVIATIONS[bare.lower()]}' in full", word))
        elif bare.isupper():
            out.append(Problem(f"'{word}' is an abbreviation, which callers may not know and an engine may "
                               "spell out", "write the words it stands for", word))
    return out


def option_form(text: str, key: str, press: str = "press") -> Problems:
    """A choice says what it is, then its key ('For bail, press 3.'), as CALLERS.md asks."""
    match = _option(press).fullmatch(text.strip())
    if not match:
        return [Problem(f"a choice should say what it is, then '..., {press} {key}.'",
                        f"write it like 'For bail, {press} {key}.': what it is first, then the key")]
    if match["key"] != key:
        return [Problem(f"it says '{press} {match['key']}' but it is key {key}", f"change it to '{press} {key}'")]
    return []


def welcome_facts(text: str, digit_words: tuple[str, ...], press: str = "press") -> Problems:
    """The welcome's safety facts that can be checked in any language: 999 in the file's own
    number words, and the keys for an adviser (9) and for slower speech (7)."""
    nines = " ".join([digit_words[9]] * 3)
    out = [] if nines.lower() in " ".join(text.lower().replace(",", " ").split()) else [
        Problem(f"the welcome does not tell callers to call {nines}",
                f"keep 'If you are in danger, hang up and call {nines}' near its start")]
    for key, what in (("9", "an adviser"), ("7", "slower speech")):
        if f"{press} {key}".lower() not in text.lower():
            out.append(Problem(f"the welcome does not offer {what} ('{press} {key}')",
                               f"keep a sentence like 'For {what}, {press} {key}.' in it"))
    return out


def estimated_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_MINUTE * 60


def too_long(seconds: float, measured: bool, wpm: float = WORDS_PER_MINUTE) -> Problems:
    if seconds <= MAX_SECONDS_BEFORE_CHOICE:
        return []
    how = "measured from the built audio" if measured else f"estimated at {wpm:.0f} words a minute"
    return [Problem(f"callers hear about {seconds:.0f} seconds of speech before a choice ({how})",
                    f"keep it under {MAX_SECONDS_BEFORE_CHOICE} seconds: cut sentences, or split it into "
                    "two sections with a menu")]
