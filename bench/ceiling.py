"""The ceiling for the webhook benchmark: a bare Flask endpoint returning a fixed TwiML string.

Served by the same gunicorn settings as the line, it shows what the server and Flask cost on
their own, so the line's figures can be read as a fraction of it.
"""
from flask import Flask, Response

# The size and shape of the line's main-menu answer.
TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://line.example.org/voice/key'
         '?node=main&amp;misses=0&amp;lang=en-GB&amp;rate=normal" actionOnEmptyResult="false" finishOnKey="" '
         'input="dtmf" method="POST" numDigits="1" timeout="6">'
         + '<Say language="en-GB" voice="Polly.Amy">To hear about calling the police, press 1.</Say>' * 8
         + '</Gather><Redirect method="POST">https://line.example.org/voice/silence?node=main&amp;misses=1'
         '&amp;lang=en-GB&amp;rate=normal</Redirect></Response>')


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/voice")
    @app.post("/voice/key")
    def fixed():
        return Response(TWIML, mimetype="text/xml")
    return app
