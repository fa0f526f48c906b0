"""Option 9 on Twilio's documented behaviour: advisers' phones rung by the switchboard stand-in."""
from __future__ import annotations

import pytest

from ivr.staff.switchboard import Switchboard

A, B = "+442079460901", "+442079460902"


@pytest.fixture
def board_line(make_app):
    def make(**settings) -> Switchboard:
        board = Switchboard(None)
        app = make_app(**board.config(), **settings)
        return board.connect(app.test_client())
    return make


def test_a_switched_off_phone_does_not_stop_another_adviser_taking_the_call(board_line):
    board = board_line()
    board.script(A, "off")
    board.script(B, "answers-after=8")
    caller = board.caller().dial()
    caller.press("9")
    assert board.settle(until=lambda: board.talking(caller) is not None, seconds=60), "\n".join(board.report())
    assert board.talking(caller) == B
