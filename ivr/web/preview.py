"""Starting the local preview: the line on this computer, with no Twilio account, at an address
only this computer can reach, with its audio built first.

`ivr serve` uses it when the Twilio settings are absent (see ivr.local.local_preview).
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..audio import engines, first_run
from ..line.content import Content
from ..local import LOOPBACK_NAMES, is_loopback
from ..settings import Settings

DEFAULT_BIND = "127.0.0.1:8000"


def bind_problem(bind: str) -> str | None:
    """Why the preview must not listen at `bind`, or None: only a loopback address and port."""
    host, _, port = bind.rpartition(":")
    if host not in LOOPBACK_NAMES and not is_loopback(host.strip("[]")) or not port.isdigit():
        return (f"The local preview listens on this computer only, not on '{bind}'.\n"
                f"Leave out --bind (it uses {DEFAULT_BIND}), or give a port on 127.0.0.1, like "
                "--bind 127.0.0.1:8080.\nTo run the real line for Twilio, add the Twilio settings "
                "(README, \"Settings\").")
    return None


def address(bind: str) -> str:
    return f"http://{bind}/"


def prepare_audio(contents: Mapping[str, Content], settings: Settings, env: Mapping[str, str],
                  echo: Callable[[str], None]) -> dict[str, str]:
    """Build the audio the preview lacks; returns settings the served line must use with it."""
    configured = engines.from_env(env)
    offline = engines.from_env({**env, "TTS_ENGINE": "piper"})
    engine = first_run.prepare(contents, settings, configured, offline, echo)
    # The line judges audio current against TTS_ENGINE: it must be the voice that built it.
    return {} if engine.name == configured.name else {"TTS_ENGINE": engine.name}


def welcome(bind: str) -> str:
    return (f"\nLocal preview of the line: open {address(bind)} in a web browser on this computer.\n"
            f"It listens on this computer only ({bind}) and needs no Twilio account: nobody is really rung,\n"
            "and nothing is recorded. To run the real line, add the Twilio settings (README, \"Settings\").\n")
