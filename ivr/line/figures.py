"""What each step of a call adds to the usage figures: how many, never who called or in what order.

A guidance page's counts are worked out once, with the page (webhooks.build_page), and added by
the webhook; the adviser path names how each request ended with `adviser_outcome`. The counts
go to the app's tally (ivr/serve/tally.py), in memory: counting never waits for the database,
and can never change what a caller hears.
"""
from __future__ import annotations

import logging

from flask import current_app

from typing import Mapping

from ..store.figures import ADVISER_OUTCOMES, CALL_STARTED, ERROR_PAGE, SILENCE, WRONG_KEY
from .content import MAIN, Content
from .flow import AGAIN_KEY, SPEED_KEY, Where, next_node, next_rate
from .languages import language_keys

log = logging.getLogger("ivr.figures")
Counts = tuple[tuple[str, str], ...]


def page_counts(contents: Mapping[str, Content], step: str, where: Where, key: str) -> Counts:
    """What one guidance page counts: a call started, the language and speed chosen, a key and
    where it led, a miss, an error page. `contents` are the languages offered, the default first."""
    if step == "answer":
        if len(contents) > 1:
            return (CALL_STARTED,)  # the choice of language comes first
        return (CALL_STARTED, ("language", where.lang), ("reached", MAIN))
    if step == "language":
        if key == AGAIN_KEY:
            return ()
        return (("language", language_keys(contents).get(key, next(iter(contents)))), ("reached", MAIN))
    if step == "fallback":
        return (ERROR_PAGE,)
    if step == "silence" or not key:
        return (SILENCE,)
    if key == SPEED_KEY:
        return (("key", key), ("speed", next_rate(where.rate)))
    to = next_node(contents[where.lang], where, key)
    if to is None:
        return (WRONG_KEY,)
    return (("key", key),) if to == where.node else (("key", key), ("reached", to))


def adviser_outcome(name: str) -> None:
    """Count one adviser request by how it ended: one of store.figures.ADVISER_OUTCOMES."""
    if name not in ADVISER_OUTCOMES:
        log.error("usage figures: %r is not an adviser outcome (%s)", name, ", ".join(ADVISER_OUTCOMES))
        return
    _count(("adviser", name))


def error_page() -> None:
    """The caller was given the error page because a webhook failed."""
    _count(ERROR_PAGE)


def call_ended(duration: str) -> None:
    """Twilio's status callback: the call's length band, from CallDuration (whole seconds)."""
    try:
        current_app.extensions["ivr"].figures.call_length(duration)
    except Exception:  # noqa: BLE001 - counting must never cost a caller their answer
        log.exception("usage figures: could not count a call's length")


def _count(*pairs: tuple[str, str]) -> None:
    try:
        current_app.extensions["ivr"].figures.count(*pairs)
    except Exception:  # noqa: BLE001 - counting must never cost a caller their answer
        log.exception("usage figures: could not count %s", pairs)
