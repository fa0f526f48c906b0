"""The listening rules on their own, over many generated sentences."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ivr.staff import listening

DIGITS = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
words = st.lists(st.sampled_from(["you", "can", "call", "the", "police", "at", "any", "time", "bail"]),
                 min_size=1, max_size=12).map(" ".join)


@given(words, st.integers(0, 9))
def test_press_and_one_key_is_never_a_problem(text, key):
    assert listening.digits(f"{text}, press {key}.", DIGITS) == []


@given(words, st.integers(10, 10**11))
def test_any_longer_number_is_found_and_spelled_out_digit_by_digit(text, number):
    (problem,) = listening.digits(f"{text} {number}.", DIGITS)
    assert problem.words == str(number)
    assert " ".join(DIGITS[int(d)] for d in str(number)) in problem.fix


@given(st.integers(1, 40))
def test_a_sentence_is_too_long_exactly_when_it_has_over_25_words(count):
    problems = listening.sentence_length(" ".join(["word"] * count) + ".")
    assert any("this sentence has" in p.text for p in problems) == (count > 25)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
QUARTERS = [f"{h:02}:{m:02}" for h in range(24) for m in (0, 15, 30, 45)] + ["24:00"]


@st.composite
def adviser_hours(draw) -> str:
    """Any ADVISER_HOURS the settings accept: up to three parts, each days and a span of quarter hours."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.integers(0, 6))
        last = draw(st.integers(first, 6))
        opens = draw(st.integers(0, len(QUARTERS) - 2))
        closes = draw(st.integers(opens + 1, len(QUARTERS) - 1))
        days = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
        parts.append(f"{days} {QUARTERS[opens]}-{QUARTERS[closes]}")
    return "; ".join(parts)


def hours_heard(hours: str) -> str:
    from ivr.line import adviser, content
    from ivr.settings import PACKAGE_DIR, from_env
    shipped = content.load(PACKAGE_DIR / "guidance" / "en-GB.yaml")
    return adviser.hours_prompt(shipped, from_env({"ADVISER_HOURS": hours})).text


def rules(text: str) -> list:
    return [*listening.sentence_length(text), *listening.digits(text, DIGITS), *listening.abbreviations(text)]


@given(adviser_hours())
def test_whatever_the_hours_the_sentences_made_from_them_pass_the_listening_rules(hours):
    heard = hours_heard(hours)
    assert rules(heard) == [], (hours, heard)


def test_hours_are_said_as_a_person_would_say_them():
    assert hours_heard("Mon-Sun 00:00-24:00") == "Advisers answer every day, day and night."
    assert hours_heard("Mon-Fri 09:00-13:00; Mon-Fri 14:00-17:00") == (
        "Advisers answer Monday to Friday, from nine in the morning to five in the afternoon. "
        "They take a break between one and two in the afternoon.")
    assert hours_heard("Mon-Tue 01:15-01:30; Mon-Tue 00:00-00:15") == (
        "Advisers answer on Monday and Tuesday, from midnight to half past one in the morning. "
        "They take a break at quarter past twelve at night. They answer again at quarter past one in the morning.")
    assert hours_heard("Mon-Fri 09:00-17:30; Sat 10:00-13:00") == (
        "Advisers answer Monday to Friday. They answer from nine in the morning to half past five in the "
        "afternoon. Advisers answer on Saturday, from ten in the morning to one in the afternoon.")


@pytest.mark.parametrize("number", ["0808 2000 247", "08082000247", "+44 808 2000 247", "0800 1111",
                                    "020 7946 0001"])
def test_the_helpline_sentence_made_from_the_setting_passes_the_listening_rules(number):
    from ivr.line import adviser, content
    from ivr.settings import PACKAGE_DIR, from_env
    shipped = content.load(PACKAGE_DIR / "guidance" / "en-GB.yaml")
    heard = adviser.helpline_prompt(shipped, from_env({"HELPLINE_NUMBER": number})).text
    assert rules(heard) == [], heard


@given(words, st.integers(1, 4))
def test_a_choice_says_what_it_is_then_the_key_in_its_own_languages_word(text, key):
    assert listening.option_form(f"For {text}, press {key}.", str(key)) == []
    assert listening.option_form(f"Fo {text}, drik {key}.", str(key), press="drik") == []
    assert listening.option_form(f"Press {key} for {text}.", str(key))  # the key first: hard to follow
    assert listening.option_form(f"For {text}, press {key}.", str(key), press="drik")
