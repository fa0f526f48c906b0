"""The browser phone: a phone in a web page that rings the line as Twilio would.

The page (templates/phone/index.html, static/phone.js) follows the TwiML the line's own
webhooks return, verb by verb, so it can never drift from what callers hear: it carries no
menus of its own. This blueprint serves it, with what the page cannot get from TwiML alone:
the words of each recorded prompt (for the captions), a copy of each that browsers play, the
names of the places in the call, and the advisers' side of option 9 (adviser_side.py).

Registered by the app factory in the local preview only, for now; in production it will be
reached through the staff sign-in.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory, url_for

from . import adviser_side
from ..audio import browser_copies
from ..line.adviser import all_prompts
from ..line.speech import RATES

bp = Blueprint("phone", __name__, template_folder="templates", static_folder="static",
               static_url_path="/phone/static")


@bp.get("/")
def page():
    return render_template("phone/index.html", line=url_for("phone.line"), answer=url_for("voice.answer"),
                           status=url_for("voice.status"), advisers=url_for("phone.advisers"),
                           clock_header=adviser_side.CLOCK_HEADER)


@bp.get("/phone/line.json")
def line():
    """What the page needs besides TwiML: each audio file's words, the places, the outcomes."""
    svc = current_app.extensions["ivr"]
    audio, places = {}, {}
    folder = getattr(svc.audio, "folder", None)  # None before any audio index (nothing is built)
    for lang, content in svc.contents.items():
        for rate in RATES:
            for prompt in all_prompts(content, svc.settings):
                url = svc.audio.url(lang, rate, prompt)
                if url:
                    file = url.rsplit("/", 1)[-1]
                    copy = folder is not None and browser_copies.path(folder, file).is_file()
                    audio[file] = {"words": prompt.text,
                                   "browser": url_for("phone.browser_audio", name=file) if copy else None}
        places[lang] = {**{m.id: m.say.rstrip(".") for m in content.menus.values()},
                        **{s.id: s.title for s in content.sections.values()}}
    now = svc.clock() if svc.clock else None
    outcomes = [o for o in adviser_side.OUTCOMES
                if o.clock is None or now is None or adviser_side.first_time(svc.settings, now, o.clock == "open")]
    return jsonify(audio=audio, places=places,
                   steps={url_for("voice.adviser_choice"): "No adviser could answer",
                          url_for("voice.adviser_silence"): "No adviser could answer"},
                   outcomes=[{"id": o.id, "label": o.label, "clock": o.clock} for o in outcomes])


@bp.get("/phone/audio/<name>")
def browser_audio(name: str):
    index = current_app.extensions["ivr"].audio
    if name not in getattr(index, "files", {}):  # only names in the manifest: no path tricks
        abort(404)
    return send_from_directory(browser_copies.path(index.folder, name).parent, name, mimetype="audio/wav",
                               max_age=365 * 24 * 3600)


@bp.post("/phone/advisers")
def advisers():
    """The advisers' side of a <Dial> the page was sent: a plan the page plays (adviser_side.py)."""
    body = request.get_json(silent=True) or {}
    outcome, document_url = str(body.get("outcome", "")), str(body.get("url", ""))
    try:
        dial = ET.fromstring(str(body.get("dial", "")))
    except ET.ParseError:
        abort(400)
    if dial.tag != "Dial" or outcome not in {o.id for o in adviser_side.OUTCOMES}:
        abort(400)
    plan = adviser_side.play(dial, document_url, outcome, _fetch(), _speech())
    return jsonify(plan.as_dict())


def _fetch() -> adviser_side.Fetch:
    """Requests for the adviser legs, made in this process to this app, as Twilio makes them."""
    client = current_app.test_client()

    def fetch(url: str, method: str, params: dict) -> ET.Element:
        parts = urlsplit(url)
        if parts.netloc not in ("", request.host):
            abort(400)  # the preview plays the advisers' side of this line only
        response = client.open(parts.path + (f"?{parts.query}" if parts.query else ""), method=method,
                               data=params, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code != 200:
            abort(502)
        return ET.fromstring(response.data)
    return fetch


def _speech() -> adviser_side.Speech:
    """A <Say> or <Play> on an adviser's phone -> its words and how long they take."""
    index = current_app.extensions["ivr"].audio
    files = getattr(index, "files", {})

    def speech(verb: ET.Element) -> tuple[str, float]:
        text = "".join(verb.itertext()).strip()
        entry = files.get(text.rsplit("/", 1)[-1]) if verb.tag == "Play" else None
        return (entry.text, entry.duration) if entry else adviser_side.words_and_seconds(text)
    return speech
