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
_ALLOWED = re.compile(r"\bpress \d\b|\b\d{1,2}(:\d\d)?[ap]m\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d(?:[\d,.:]*\d)?(?: \d+)*")
_OPTION = re.compile(r"To [^,]+(?:,[^,]+)*, press (?P<key>\d)\.")



class Problem(NamedTuple):
    text: str
    fix: str
    words: str = ""  # the words that show where in the prompt the problem is


Problems = list[Problem]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def sentence_length(text: str) -> Problems:
    out = []
    found = sentences(text)
    for sentence in found:
        words = len(sentence.split())
        if words > MAX_SENTENCE_WORDS:
            out.append(Problem(f"this sentence has {words} words: \"{sentence}\"",
                               f"split it into two sentences of {MAX_SENTENCE_WORDS} words or fewer",
                               " ".join(sentence.split()[:3])))
    if len(found) > 1:  # one sentence is judged by the longest-sentence rule alone
        average = sum(len(s.split()) for s in found) / len(found)
        if average > MAX_AVERAGE_WORDS:
            out.append(Problem(f"its sentences average {average:.1f} words",
                               f"aim for {MAX_AVERAGE_WORDS} or fewer: split the longest sentences"))
    return out


def spoken_digits(number: str, digit_words: tuple[str, ...]) -> str:
    """'0808 2000 247' -> 'oh eight oh eight, two oh oh oh, two four seven', in the file's own words."""
    return ", ".join(" ".join(digit_words[int(d)] for d in group if d.isdigit()) for group in number.split())


def digits(text: str, digit_words: tuple[str, ...]) -> Problems:
    """Numbers written as digits, which an engine reads as 'nine hundred and ninety-nine'."""
    out = []
    for match in _NUMBER.finditer(_ALLOWED.sub("", text)):
        number = match.group()
        out.append(Problem(f"'{number}' is written in digits, and a speech engine may misread it",
                           f"write it as it is spoken, like '{spoken_digits(number, digit_words)}' "
                           "(a year as 'nineteen ninety-seven'); only 'press' and one key may use a digit",
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


def option_form(text: str, key: str) -> Problems:
    match = _OPTION.fullmatch(text.strip())
    if not match:
        return [Problem(f"an option should read 'To ..., press {key}.'",
                        f"write it like 'To hear about bail, press {key}.': what it is first, then the key")]
    if match["key"] != key:
        return [Problem(f"it says 'press {match['key']}' but it is key {key}", f"change it to 'press {key}'")]
    return []


def estimated_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_MINUTE * 60


def too_long(seconds: float, measured: bool) -> Problems:
    if seconds <= MAX_SECONDS_BEFORE_CHOICE:
        return []
    how = "measured from the built audio" if measured else f"estimated at {WORDS_PER_MINUTE} words a minute"
    return [Problem(f"callers hear about {seconds:.0f} seconds of speech before a choice ({how})",
                    f"keep it under {MAX_SECONDS_BEFORE_CHOICE} seconds: cut sentences, or split it into "
                    "two sections with a menu")]
