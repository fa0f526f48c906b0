"""The ceilings for the webhook benchmarks: bare Flask endpoints returning a fixed TwiML string.

Served by the same gunicorn settings as the line, they show what the server and Flask cost on
their own (`create_app`), and with the one piece of work every Twilio webhook must do before
anything else, reading the form and checking its signature (`create_signed_app`), so the line's
figures can be read as a fraction of each.
"""
import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

# The size and shape of the line's main-menu answer.
TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://line.example.org/voice/key'
         '?node=main&amp;misses=0&amp;lang=en-GB&amp;rate=normal" actionOnEmptyResult="false" finishOnKey="" '
         'input="dtmf" method="POST" numDigits="1" timeout="6">'
         + '<Say language="en-GB" voice="Polly.Amy">For calling the police, press 1.</Say>' * 8
         + '</Gather><Redirect method="POST">https://line.example.org/voice/silence?node=main&amp;misses=1'
         '&amp;lang=en-GB&amp;rate=normal</Redirect></Response>')


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/voice")
    @app.post("/voice/key")
    def fixed():
        return Response(TWIML, mimetype="text/xml")
    return app


def create_signed_app() -> Flask:
    """The fixed answer, only after twilio's validator accepts the form (as the tutorials do it)."""
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"]

    @app.post("/voice")
    @app.post("/voice/key")
    def fixed():
        url = base + request.full_path.rstrip("?")
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return Response(TWIML, mimetype="text/xml")
    return app
