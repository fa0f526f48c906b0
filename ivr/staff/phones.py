"""What an adviser's phone does when it rings: the behaviours the switchboard plays and
`ivr call --adviser` names (answers, off, busy, voicemail...)."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phone:
    """What one adviser's phone does when it rings."""
    does: str = "person"      # person, voicemail, busy, no-answer, fails, whisper-fails
    after: float = 4.0        # seconds of ringing before it answers (a person or a voicemail)
    presses: str = "1"        # the key a person presses ("" for none)
    press_after: float = 2.0  # seconds after answering
    talks: float = 60.0       # seconds a conversation lasts before the adviser hangs up


# Each behaviour `ivr call --adviser` and the tests can name; "-after=N" sets the seconds.
PHONES = {
    "answers": Phone("person"),
    "declines": Phone("person", presses="2"),
    "voicemail": Phone("voicemail", after=12.0, presses=""),
    "off": Phone("voicemail", after=1.5, presses=""),  # switched off: network voicemail within 2 s
    "busy": Phone("busy"),
    "no-answer": Phone("no-answer"),
    "fails": Phone("fails"),  # the number cannot be reached
    "whisper-fails": Phone("whisper-fails"),  # answered, but the line's whisper URL cannot be fetched
}
ALIASES = {"answered": "answers", "declined": "declines", "failed": "fails"}  # the older --adviser words


def parse_phone(text: str) -> Phone:
    """'answers', 'answers-after=8', 'off', 'voicemail-after=20', ... -> Phone; ValueError naming the choices."""
    name, _, seconds = text.strip().lower().partition("-after=")
    name = ALIASES.get(name, name)
    if name not in PHONES or (seconds and not re.fullmatch(r"\d{1,3}(\.\d)?", seconds)):
        raise ValueError(f"'{text.strip()}' is not an adviser behaviour. Use one of {', '.join(PHONES)}; "
                         "answers, declines and voicemail take -after=SECONDS, like answers-after=8")
    phone = PHONES[name]
    if seconds:
        if phone.does not in ("person", "voicemail", "whisper-fails"):
            raise ValueError(f"'{text.strip()}': only answers, declines and voicemail can say when they answer")
        return Phone(phone.does, float(seconds), phone.presses, phone.press_after, phone.talks)
    return phone
