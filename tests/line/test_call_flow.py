"""A caller walks the line with the keypad: what they hear, and that nothing ends the call."""
from __future__ import annotations

import re

import pytest

from ivr.line.content import MAIN, Section
from ..caller import Caller, CallEnded



def guidance(app):
    return app.extensions["ivr"].contents["en-GB"]


def path_to(content, node_id):
    """The keys from the main menu to a node."""
    for key, opt in content.menus[MAIN].options.items():
        if opt.go == node_id:
            return [key]
        sub = content.menus.get(opt.go)
        for key2, opt2 in (sub.options.items() if sub else ()):
            if opt2.go == node_id:
                return [key, key2]
    raise AssertionError(f"{node_id} unreachable")


def test_the_welcome_gives_the_safety_facts_first_then_the_main_menu(caller):
    """How long they take is benchmarked (bench/caller_time.py) and checked (`ivr check`)."""
    caller.dial()
    first = caller.last[0].lower()
    needed = ["this is keeping safe.", "if you are in danger, hang up and call nine nine nine.",
              "you can hang up at any time.", "we will never call or text you.",
              "for an adviser, press 9 at any time.", "for slower speech, press 7."]
    assert [first.index(words) for words in needed] == sorted(first.index(words) for words in needed)
    assert caller.last[1] == "Main menu, for England and Wales."
    assert caller.said("For calling the police, press 1.")


def test_the_menu_after_the_welcome_does_not_offer_again_what_the_welcome_just_did(caller):
    caller.dial()
    assert caller.last[-1] == "To hear this again, press hash."
    assert not caller.said("For slower speech, press 7. For an adviser, press 9.")
    caller.press("#")  # the main menu on its own offers them
    assert caller.last[-3:] == ["For slower speech, press 7.", "For an adviser, press 9.",
                                "To hear this again, press hash."]


def test_main_menu_offers_four_topics_in_the_plain_form(caller):
    caller.dial()
    options = [s for s in caller.last if re.fullmatch(r"For [^.]+, press \d\.", s)]
    assert [o[-2] for o in options] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("section", ["emergency", "neighbourhood", "statement", "withdrawing", "arrest",
                                     "guilty", "not_guilty", "harassment"])
def test_every_section_is_reached_within_two_presses_and_says_its_guidance(app, caller, section):
    content = guidance(app)
    keys = path_to(content, section)
    assert len(keys) <= 2
    caller.dial()
    for key in keys:
        caller.press(key)
    assert caller.last[0] == content.sections[section].say
    assert caller.said("To hear this again, press hash.")
    assert caller.said("To go back, press star.")
    assert caller.said("For an adviser, press 9.")


def test_the_guidance_covers_the_whole_page(app, caller):
    heard = []
    for section in guidance(app).sections.values():
        call = Caller(caller.client, caller.base_url, caller.auth_token).dial()
        for key in path_to(guidance(app), section.id):
            call.press(key)
        heard += call.last
    text = " ".join(heard).lower()
    for fact in ["call nine nine nine in an emergency", "neighbourhood police unit", "take a statement",
                 "photographs of your injuries", "you cannot", "withdraw your statement",
                 "crown prosecution service", "bail conditions", "victim impact statement", "victim support",
                 "formal caution", "protection from harassment act, nineteen ninety-seven",
                 "up to five years in prison"]:
        assert fact in text, fact


def all_states(app):
    """Every node, plus the same node after a wrong key and after two silences."""
    content = guidance(app)
    for node in [*content.menus, *content.sections]:
        for how in ("fresh", "wrong key", "silences"):
            yield node, how


def arrive(caller, app, node, how):
    caller.dial()
    for key in ([] if node == MAIN else path_to(guidance(app), node)):
        caller.press(key)
    if how == "wrong key":
        caller.press("5")
        assert caller.said("Sorry, that key does nothing here.")
    elif how == "silences":
        caller.wait().wait()
        assert caller.said("If you would like to talk to a person, press 9 now.")
    return caller


@pytest.mark.parametrize("key", ["9", "0"])
def test_adviser_keys_reach_the_adviser_from_every_state(app, board, key):
    for node, how in all_states(app):
        caller = arrive(board.caller(), app, node, how)
        caller.press(key)
        assert [el.tag for el in caller.doc] == ["Enqueue"], (node, how)
        board.advance(1)
        assert caller.said("Connecting you to an adviser."), (node, how)
        caller.hang_up()


def test_star_goes_back_one_level_and_hash_repeats_everywhere(app, client):
    content = guidance(app)
    for node, how in all_states(app):
        caller = arrive(Caller(client, "https://line.example.org", "test-token"), app, node, how)
        caller.press("#")
        expected = content.sections[node].say if node in content.sections else content.menus[node].say
        assert caller.last[0] == expected, (node, how, caller.last)
        caller.press("*")
        parent = content.parent(node)
        assert caller.last[0] == content.menus[parent].say, (node, how)


def test_eight_goes_to_the_main_menu_from_deep_in_the_tree(caller):
    caller.dial().press("1").press("1").press("8")
    assert caller.last[0] == "Main menu, for England and Wales."


def test_a_section_two_levels_down_offers_the_main_menu(caller):
    caller.dial().press("1").press("2")
    assert caller.said("For the main menu, press 8.")


def test_a_wrong_key_says_so_and_repeats_the_menu(caller):
    caller.dial().press("5")
    assert caller.last[0] == "Sorry, that key does nothing here."
    assert caller.said("For going to court, press 4.")


def test_a_wrong_key_in_a_section_repeats_the_choices_not_the_guidance(app, caller):
    caller.dial().press("3").press("2")
    assert caller.last[0] == "Sorry, that key does nothing here."
    assert guidance(app).sections["arrest"].say not in caller.last
    assert caller.said("To hear this again, press hash.")


def test_silence_never_ends_the_call_and_offers_a_person_after_two(caller):
    caller.dial()
    caller.wait()
    assert caller.said("For calling the police, press 1.")
    assert not caller.said("If you would like to talk to a person")
    for _ in range(12):
        caller.wait()
        assert not caller.ended
        assert caller.last[0] == "If you would like to talk to a person, press 9 now."
    caller.press("1")
    assert caller.last[0] == "Calling the police."


def test_wrong_keys_never_end_the_call(caller):
    caller.dial()
    for key in "5665*" * 3:
        caller.press(key)
        assert not caller.ended
        caller.wait()


def test_every_prompt_is_interruptible_and_hash_is_a_key(caller):
    caller.dial()
    for _ in range(3):
        gather = caller.gather()
        assert gather.get("finishOnKey") == ""
        assert gather.get("numDigits") == "1"
        assert gather.get("timeout") == "6"
        assert gather.get("input") == "dtmf"
        assert [el.tag for el in caller.doc][-1] == "Redirect"
        caller.press("1")


def test_call_state_travels_in_the_url_not_cookies(caller, client):
    caller.dial().press("1")
    assert "node=police" in caller.gather().get("action")
    assert not client.get_cookie("session")


def test_unknown_node_in_the_url_lands_on_the_main_menu(caller):
    caller.post("/voice/key?node=nonsense&misses=x&lang=zz&rate=fast", Digits="#")
    assert caller.last[0] == "Main menu, for England and Wales."
    assert "rate=normal" in caller.gather().get("action")


def test_empty_digits_count_as_silence(caller):
    caller.dial()
    caller.post(caller.gather().get("action"), Digits="")
    assert caller.said("For calling the police, press 1.")


def test_fallback_url_gives_the_emergency_advice_and_the_adviser(caller, board):
    caller.post("/voice/fallback", ErrorCode="11200")
    assert caller.said("If you are in danger, hang up and call nine nine nine.")
    caller.press("9")
    board.advance(1)
    assert caller.said("Connecting you to an adviser.")


def test_status_callback_is_accepted(caller):
    url = "https://line.example.org/voice/status"
    from twilio.request_validator import RequestValidator
    data = caller.params(CallStatus="completed", CallDuration="42")
    sig = RequestValidator("test-token").compute_signature(url, data)
    response = caller.client.post("/voice/status", data=data, headers={"X-Twilio-Signature": sig})
    assert response.status_code == 204


def test_an_unexpected_error_still_tells_the_caller_how_to_get_help(app, caller, monkeypatch):
    from ivr.line import flow

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(flow, "keypress", broken)
    caller.dial().press("1")
    assert caller.said("Sorry, something went wrong on this line.")
    assert caller.said("hang up and call nine nine nine")
    caller.wait()  # and the call goes on
    assert not caller.ended


def test_no_caller_is_ever_recorded_texted_or_called_back(app, board):
    """Every document a caller (or an adviser's phone) is given, all the way to the no-adviser path."""
    tags = set()
    for node, how in all_states(app):
        caller = arrive(board.caller(), app, node, how)
        caller.press("9")
        while board.holds(caller) or any(el.tag == "Enqueue" for el in caller.doc):
            tags.update(el.tag for el in caller.doc.iter())
            board.advance(3)
        tags.update(el.tag for el in caller.doc.iter())
        assert caller.said("Sorry, no adviser could answer just now."), (node, how)
    assert not tags & {"Record", "Sms", "Message", "Conference", "Stream", "Transcription"}
    assert "Enqueue" in tags  # the one queue is the caller's own wait


def test_pages_built_once_still_follow_the_clock_for_the_adviser(make_app):
    from datetime import datetime, timezone
    clock = {"now": datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)}  # a Tuesday noon
    app = make_app(CLOCK=lambda: clock["now"], ADVISER_HOURS="Mon-Fri 09:00-17:00")
    first = Caller(app.test_client(), "https://line.example.org", "test-token").dial().press("9")
    assert [el.tag for el in first.doc] == ["Enqueue"]
    clock["now"] = datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc)  # the same day, after hours
    later = Caller(app.test_client(), "https://line.example.org", "test-token").dial().press("9")
    assert later.said("Our advisers cannot take calls right now.")


def test_two_callers_in_the_same_place_hear_the_same_and_nothing_of_each_other(client):
    one = Caller(client, "https://line.example.org", "test-token", from_number="+442079460111").dial().press("2")
    two = Caller(client, "https://line.example.org", "test-token", from_number="+442079460222").dial().press("2")
    assert one.last == two.last
    import xml.etree.ElementTree as ET
    assert "460111" not in ET.tostring(two.doc, encoding="unicode")
