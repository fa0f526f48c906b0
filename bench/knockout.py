"""The line with one piece of its work taken out, to measure what that piece costs. Not a test.

    python bench/instructions.py --without log            # or signature, hmac, flow, figures, writer

BENCH_WITHOUT names the pieces (comma-separated) to take out of `ivr:create_app()`:

- log: the request log line is not written;
- signature: the X-Twilio-Signature check is off (as nothing is signed in the local preview);
- hmac: the form is read and handed over, but twilio's validator is not run;
- flow: the webhook views return a fixed page: no query string, flow or page cache (the form
  is still read, by the signature check that runs before any view);
- figures: nothing is counted for the usage figures (the answers stay right);
- writer: the usage figures are counted in memory but not written while it runs: under valgrind,
  about 50 times slower, the batch written every 5 s falls on a few hundred requests instead
  of the tens of thousands it falls on at full speed, so this shows what counting alone costs.

What is left answers wrongly on purpose, so it is only ever run by bench/instructions.py.
"""
import dataclasses
import os

from flask import Response

from bench.ceiling import TWIML

PIECES = ("log", "signature", "hmac", "flow", "figures", "writer")


def create_app():
    import ivr
    from ivr.serve import requestlog
    from ivr.line import webhooks
    app = ivr.create_app()
    without = set(filter(None, os.environ.get("BENCH_WITHOUT", "").split(",")))
    if without - set(PIECES):
        raise SystemExit(f"BENCH_WITHOUT: unknown {sorted(without - set(PIECES))}; known: {', '.join(PIECES)}")
    if "log" in without:
        requestlog.write = lambda line: None
    if "signature" in without:
        app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], validator=None)
    if "hmac" in without:
        webhooks.signed_by_twilio = lambda validator, url, form, signature: bool(webhooks.Fields(form.lists()))
    if "figures" in without:
        from ivr.serve.tally import Uncounted
        app.extensions["ivr"] = dataclasses.replace(app.extensions["ivr"], figures=Uncounted())
    if "writer" in without:
        from ivr.serve.tally import Tally
        svc = app.extensions["ivr"]
        app.extensions["ivr"] = dataclasses.replace(svc, figures=Tally(svc.database, every=10 ** 9))
    if "flow" in without:
        for endpoint in ("voice.answer", "voice.key"):
            app.view_functions[endpoint] = lambda: Response(TWIML, mimetype="text/xml")
    return app
