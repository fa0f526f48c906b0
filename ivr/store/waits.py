"""A caller's wait for an adviser, shared by every worker on every server: one row a wait, one a leg.

A wait is named by a random token (also its Twilio queue's name), never by anything of the
caller's: no number, no call SID. Its legs are the calls to advisers' phones, with their call SIDs
(the advisers', not the caller's) and states. Every change is one short transaction, and each
decision that only one request may take is a conditional UPDATE whose row count says who took
it, so two workers, or two servers on one PostgreSQL, can never both win:

    waiting -> ringing -> connected (the adviser who pressed 1 first)
                       -> over (an outcome: stopped, no adviser answered, limit, failed, hung up)

The rows are deleted when the caller's side of the wait ends (Twilio's <Enqueue action>), and a
wait the line never heard the end of is purged after MAX_AGE_SECONDS.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .database import Database
from .models import Base

WAITING, RINGING, CONNECTED, OVER = "waiting", "ringing", "connected", "over"
# Leg states: its call is being asked for, rings (Twilio has it), is answered (the whisper), or ended.
PLACING, PLACED, ANSWERED, ENDED = "placing", "placed", "answered", "ended"
NOT_PLACED = "not-placed"  # a leg's status when Twilio never took the call
MAX_AGE_SECONDS = 6 * 3600  # longer than any conversation; a wait this old lost its end


class Wait(Base):
    __tablename__ = "adviser_waits"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    started: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch: 9 was pressed
    ringing_since: Mapped[float | None] = mapped_column(Float)
    queue_sid: Mapped[str | None] = mapped_column(String(34))
    winner: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(String(200))  # why advisers could not be rung, for the log


class Leg(Base):
    __tablename__ = "adviser_legs"
    token: Mapped[str] = mapped_column(ForeignKey("adviser_waits.token", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the adviser's place in ADVISER_NUMBERS
    call_sid: Mapped[str | None] = mapped_column(String(34))
    state: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))  # Twilio's final CallStatus


@dataclass(frozen=True)
class LegView:
    position: int
    call_sid: str | None
    state: str
    status: str | None


@dataclass(frozen=True)
class WaitView:
    """A wait as read in one transaction."""
    token: str
    state: str
    outcome: str | None
    started: float
    ringing_since: float | None
    queue_sid: str | None
    winner: int | None
    problem: str | None
    legs: tuple[LegView, ...]

    def live(self) -> list[LegView]:
        return [leg for leg in self.legs if leg.state != ENDED]


def open_wait(db: Database, token: str, now: float) -> None:
    """The caller pressed 9: a new wait (and old waits whose end never came are cleared away)."""
    with db.transaction() as s:
        s.execute(delete(Wait).where(Wait.started < now - MAX_AGE_SECONDS))
        s.add(Wait(token=token, state=WAITING, started=now))


def start_ringing(db: Database, token: str, queue_sid: str, now: float, advisers: int) -> bool:
    """The caller is in the queue: True for the one request that gets to ring the advisers."""
    with db.transaction() as s:
        took = s.execute(update(Wait).where(Wait.token == token, Wait.state == WAITING)
                         .values(state=RINGING, ringing_since=now, queue_sid=queue_sid or None)).rowcount == 1
        if took:
            s.add_all(Leg(token=token, position=i, state=PLACING) for i in range(advisers))
    return took


def read(db: Database, token: str) -> WaitView | None:
    with db.transaction() as s:
        return _view(s, token)


def placed(db: Database, token: str, position: int, call_sid: str) -> bool:
    """Twilio took the call to this adviser: True if the wait still wants it (else hang it up)."""
    with db.transaction() as s:
        # The SID whatever the state: the phone may have answered before Twilio's answer reached us.
        s.execute(update(Leg).where(Leg.token == token, Leg.position == position).values(call_sid=call_sid))
        s.execute(update(Leg).where(Leg.token == token, Leg.position == position, Leg.state == PLACING)
                  .values(state=PLACED))
        state = s.execute(select(Wait.state).where(Wait.token == token)).scalar()
    return state == RINGING


def not_placed(db: Database, token: str, position: int, problem: str) -> None:
    with db.transaction() as s:
        s.execute(update(Leg).where(Leg.token == token, Leg.position == position)
                  .values(state=ENDED, status=NOT_PLACED))
        s.execute(update(Wait).where(Wait.token == token).values(problem=problem[:200]))


def answered(db: Database, token: str, position: int) -> str | None:
    """An adviser's phone answered (the whisper): the wait's state, None when it is gone."""
    with db.transaction() as s:
        s.execute(update(Leg).where(Leg.token == token, Leg.position == position, Leg.state.in_((PLACING, PLACED)))
                  .values(state=ANSWERED))
        return s.execute(select(Wait.state).where(Wait.token == token)).scalar()


def leg_ended(db: Database, token: str, position: int, status: str) -> None:
    with db.transaction() as s:
        s.execute(update(Leg).where(Leg.token == token, Leg.position == position).values(state=ENDED, status=status))


def claim(db: Database, token: str, position: int) -> bool:
    """An adviser pressed 1: True for the first, atomically, whichever worker or server answers."""
    with db.transaction() as s:
        return s.execute(update(Wait).where(Wait.token == token, Wait.state == RINGING)
                         .values(state=CONNECTED, winner=position, outcome="connected")).rowcount == 1


def unclaim(db: Database, token: str, position: int) -> bool:
    """The adviser who pressed 1 was never joined (their <Dial> found nobody): ringing again, so
    the wait ends the way it would have, instead of waiting for someone already gone."""
    with db.transaction() as s:
        return s.execute(update(Wait).where(Wait.token == token, Wait.state == CONNECTED, Wait.winner == position)
                         .values(state=RINGING, winner=None, outcome=None)).rowcount == 1


def finish(db: Database, token: str, outcome: str, also_from: tuple[str, ...] = ()) -> bool:
    """Decide how the wait ends, once: True for the request whose decision it is."""
    with db.transaction() as s:
        return s.execute(update(Wait).where(Wait.token == token, Wait.state.in_((WAITING, RINGING, *also_from)))
                         .values(state=OVER, outcome=outcome)).rowcount == 1


def close(db: Database, token: str) -> WaitView | None:
    """The caller's side ended: delete the wait and its legs; returns them as they were (to hang up)."""
    with db.transaction() as s:
        view = _view(s, token)
        s.execute(delete(Leg).where(Leg.token == token))  # not every database cascades
        s.execute(delete(Wait).where(Wait.token == token))
    return view


def _view(s, token: str) -> WaitView | None:
    wait = s.get(Wait, token)
    if wait is None:
        return None
    legs = s.execute(select(Leg).where(Leg.token == token).order_by(Leg.position)).scalars()
    return WaitView(wait.token, wait.state, wait.outcome, wait.started, wait.ringing_since, wait.queue_sid,
                    wait.winner, wait.problem,
                    tuple(LegView(leg.position, leg.call_sid, leg.state, leg.status) for leg in legs))
