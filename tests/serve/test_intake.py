"""Hostile bodies are refused cheaply: before the body is read, or before it is parsed, with one
HMAC at most, and with nothing of the body in any log line."""
from __future__ import annotations

import io
import json
import logging

import pytest

from ivr.serve import intake
from .. import wire
from ..line.test_robustness import app, client, log_records  # noqa: F401

CALL = list(wire.CALL_FIELDS.items()) + [("Digits", "1")]
MARKER = "07700900999"  # stands for a caller's number inside a hostile body: it must reach no log


class Unreadable(io.RawIOBase):
    """A body that fails the test if anything reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")

    def seekable(self):
        return True  # werkzeug's test client asks where the stream starts

    def seek(self, offset, whence=io.SEEK_SET):
        return 0


@pytest.fixture
def counted(monkeypatch):
    """How many HMACs twilio's validator computes, and how many forms werkzeug parses, from when
    the test sets both to 0 (after signing its request)."""
    import twilio.request_validator
    from werkzeug import formparser
    counts = {"hmac": 0, "parsed": 0}
    real_hmac, real_parse = twilio.request_validator.hmac.new, formparser.FormDataParser.parse

    def hmac_new(*args, **kwargs):
        counts["hmac"] += 1
        return real_hmac(*args, **kwargs)

    def parse(self, *args, **kwargs):
        counts["parsed"] += 1
        return real_parse(self, *args, **kwargs)

    monkeypatch.setattr(twilio.request_validator.hmac, "new", hmac_new)
    monkeypatch.setattr(formparser.FormDataParser, "parse", parse)
    return counts


def refusals(records) -> list[tuple[int, str]]:
    lines = [json.loads(r.getMessage()) for r in records if r.name == "ivr.requests"]
    return [(line["status"], line.get("refused")) for line in lines]


def test_no_signature_header_is_refused_before_the_body_is_read(client, counted):
    with log_records() as records:
        response = client.post("/voice/key?node=main", input_stream=Unreadable(), content_length=40_000,
                               content_type=intake.FORM)
    assert response.status_code == 403
    assert refusals(records) == [(403, "signature")]
    assert counted == {"hmac": 0, "parsed": 0}


@pytest.mark.parametrize("signature, status", [("genuine", 200), ("made-up", 403), ("another token", 403)])
def test_one_hmac_per_request_whatever_the_signature(client, counted, signature, status):
    form = wire.MultiDict(CALL)
    signatures = {"genuine": wire.sign(wire.BASE + "/voice/key?node=main", form),
                  "made-up": "bm90IGEgc2lnbmF0dXJl",
                  "another token": wire.sign(wire.BASE + "/voice/key?node=main", form, token="another")}
    counted.update(hmac=0, parsed=0)
    response = wire.post(client, "/voice/key", {"node": "main"}, CALL, signature=signatures[signature])
    assert response.status_code == status
    assert counted == {"hmac": 1, "parsed": 1}


def test_a_form_of_exactly_the_most_fields_is_answered(client):
    form = CALL + [(f"Extra{n}", "x") for n in range(intake.MAX_FIELDS - len(CALL))]
    assert "calling the police" in wire.spoken(wire.twiml(wire.post(client, "/voice/key", {"node": "main"}, form)))


@pytest.mark.parametrize("signed", [True, False])
def test_the_11650_field_body_is_refused_before_it_is_parsed(client, counted, signed):
    form = CALL + [("x", "1")] * 11_650
    signature = wire.sign(wire.BASE + "/voice/key?node=main", wire.MultiDict(form)) if signed else "bm90IGEgc2lnbmF0dXJl"
    counted.update(hmac=0, parsed=0)
    with log_records() as records:
        response = wire.post(client, "/voice/key", {"node": "main"}, form, signature=signature)
    assert response.status_code == 413
    assert refusals(records) == [(413, "fields")]
    assert counted == {"hmac": 0, "parsed": 0}


def test_an_oversized_value_is_refused_before_it_is_parsed(client, counted):
    form = CALL + [("SipHeader_X", "y" * (intake.MAX_FIELD_BYTES + 1))]
    signature = wire.sign(wire.BASE + "/voice/key?node=main", wire.MultiDict(form))
    counted.update(hmac=0, parsed=0)
    with log_records() as records:
        response = wire.post(client, "/voice/key", {"node": "main"}, form, signature=signature)
    assert response.status_code == 413
    assert refusals(records) == [(413, "size")]
    assert counted == {"hmac": 0, "parsed": 0}


MALFORMED = {
    "not UTF-8 once decoded": f"From={MARKER}&Digits=%FF%FE".encode(),
    "raw bytes outside URL-encoding": f"From={MARKER}&Digits=1 2".encode() + b"\xc3\xa9",
    "a broken %-escape": f"From={MARKER}&Digits=%zz".encode(),
    "a field without =": f"From={MARKER}&Digits".encode(),
    "a newline in the body": f"From={MARKER}\n&Digits=1".encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_form_gets_400_logged_as_refused_without_its_bytes(client, counted, caplog, body):
    caplog.set_level(logging.DEBUG)
    response = client.post("/voice/key?node=main", data=body, content_type=intake.FORM,
                           headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 400
    assert b"Response" not in response.data
    lines = [r for r in caplog.records if r.name.startswith("ivr")]
    assert [(r.levelno, json.loads(r.getMessage())["refused"]) for r in lines] == [(logging.WARNING, "body")]
    assert MARKER not in caplog.text
    assert counted == {"hmac": 0, "parsed": 0}


def test_a_body_that_is_not_a_form_is_refused(client):
    body = json.dumps({"From": MARKER, "Digits": "1"})
    response = client.post("/voice/key?node=main", data=body, content_type="application/json",
                           headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 400


def test_a_body_shorter_than_its_declared_length_is_refused(app):
    from werkzeug.test import EnvironBuilder, run_wsgi_app
    environ = EnvironBuilder(path="/voice/key", method="POST", data=b"Digits=1", content_type=intake.FORM,
                             headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}).get_environ()
    environ["CONTENT_LENGTH"] = "500"  # the client said 500 bytes, then stopped after 8
    _, status, _ = run_wsgi_app(app.wsgi_app, environ)
    assert status == "400 Bad Request"


def test_other_paths_and_methods_pass_untouched(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/voice").status_code == 405  # a wrong method, as before: not a body problem
