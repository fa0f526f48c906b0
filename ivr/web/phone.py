"""The browser phone: a phone in a web page that rings the line as Twilio would.

The page (templates/phone/index.html, static/phone.js) follows the TwiML the line's own
webhooks return, verb by verb, so it can never drift from what callers hear: it carries no
menus of its own. This blueprint serves it, with what the page cannot get from TwiML alone:
the words of each recorded prompt (for the captions), a copy of each that browsers play, the
names of the places in the call, and, once the caller waits for an adviser, the advisers' side
of option 9 (adviser_side.py): Twilio's queue and the pretend advisers' phones.

Registered by the app factory in the local preview, and in the preview line the real line's
staff phone builds for signed-in staff (staff_phone.py), which passes it each request.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from flask_wtf.csrf import generate_csrf

from . import adviser_side, staff_phone
from .. import local
from ..audio import browser_copies, tones
from ..line.adviser import all_prompts
from ..line.speech import RATES

bp = Blueprint("phone", __name__, template_folder="templates", static_folder="static",
               static_url_path="/phone/static")
RINGING = "(ringing)"  # how the captions show a tone

@bp.get("/")
def page():
    # The staff phone's page sends back the real line's CSRF token, which its gate checks.
    on_server = local.passed_on_by_staff_gate(request)
    return render_template("phone/index.html", line=url_for("phone.line"), answer=url_for("voice.answer"),
                           status=url_for("voice.status"), queue=url_for("phone.queue", step="join").rpartition("/")[0],
                           clock_header=adviser_side.CLOCK_HEADER, on_server=on_server,
                           csrf=request.environ.get(staff_phone.CSRF_TOKEN) if on_server else generate_csrf())


def several_processes(settings) -> str | None:
    """Why option 9 cannot be tried on this phone, or None: the staff phone on a line of several
    worker processes, where the wait could be asked of one that does not hold it."""
    if settings.processes == 1 or not local.passed_on_by_staff_gate(request):
        return None
    return (f"On this server the line runs {settings.processes} worker processes, and the pretend advisers "
            "of option 9 live in one of them, so option 9 cannot be tried here. Try it in the local preview "
            "on your own computer, or run the line with WEB_CONCURRENCY=1.")


@bp.get("/phone/line.json")
def line():
    """What the page needs besides TwiML: each audio file's words (a tone's too), the places, the outcomes."""
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
    for tone in tones.TONES.values():  # the ringback, once built
        if svc.audio.tone_url(tone.name):
            copy = folder is not None and browser_copies.path(folder, tone.file).is_file()
            audio[tone.file] = {"words": RINGING, "tone": True, "seconds": tone.seconds,
                                "browser": url_for("phone.browser_audio", name=tone.file) if copy else None}
    waiting, nobody = "Waiting for an adviser", "No adviser could answer"
    why_not = several_processes(svc.settings)
    return jsonify(audio=audio, places=places,
                   steps={url_for("voice.adviser_wait"): waiting, url_for("voice.adviser_wait_key"): waiting,
                          url_for("voice.adviser_choice"): nobody, url_for("voice.adviser_silence"): nobody},
                   outcomes=[] if why_not else [{"id": o.id, "label": o.label, "clock": o.clock}
                                                for o in adviser_side.offered(svc.settings, svc.clock())],
                   noOutcomes=why_not)


@bp.get("/phone/audio/<name>")
def browser_audio(name: str):
    index = current_app.extensions["ivr"].audio
    if name not in getattr(index, "files", {}) and name not in getattr(index, "tones", {}).values():
        abort(404)  # only the manifest's files and the built tones: no path tricks
    return send_from_directory(browser_copies.path(index.folder, name).parent, name, mimetype="audio/wav",
                               max_age=365 * 24 * 3600)


@bp.post("/phone/queue/<step>")
def queue(step: str):
    """The page's call in Twilio's queue (adviser_side.py): join it at an <Enqueue>, look how
    the wait stands, leave (the page played <Leave>), hang up, or skip on to what happens next."""
    side = current_app.extensions.get("advisers_side")
    body = request.get_json(silent=True) or {}
    call = str(body.get("call", ""))
    if side is None or step not in ("join", "look", "leave", "hang-up", "skip"):
        abort(404)
    if not adviser_side.CALL_SID.fullmatch(call):
        abort(400)
    if step == "join":
        return jsonify(side.join(call, *_joining(body)))
    if call not in side.waits:
        abort(404)
    return jsonify({"look": side.look, "leave": side.leave, "hang-up": side.hang_up, "skip": side.skip}[step](call))


def _joining(body: dict) -> tuple[adviser_side.Outcome, ET.Element]:
    """The outcome the person chose, and the <Enqueue> the line sent; 400 for anything else."""
    svc = current_app.extensions["ivr"]
    outcomes = {} if several_processes(svc.settings) else {o.id: o for o in adviser_side.offered(svc.settings, svc.clock())}
    try:
        enqueue = ET.fromstring(str(body.get("enqueue", "")))
    except ET.ParseError:
        abort(400)
    outcome = outcomes.get(str(body.get("outcome", "")))
    if enqueue.tag != "Enqueue" or not (enqueue.text or "").strip() or outcome is None:
        abort(400)
    return outcome, enqueue
