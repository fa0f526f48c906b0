"""The listening rules on their own, over many generated sentences."""
from __future__ import annotations

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


@given(words, st.integers(1, 4))
def test_a_choice_says_what_it_is_then_the_key_in_its_own_languages_word(text, key):
    assert listening.option_form(f"For {text}, press {key}.", str(key)) == []
    assert listening.option_form(f"Fo {text}, drik {key}.", str(key), press="drik") == []
    assert listening.option_form(f"Press {key} for {text}.", str(key))  # the key first: hard to follow
    assert listening.option_form(f"For {text}, press {key}.", str(key), press="drik")
