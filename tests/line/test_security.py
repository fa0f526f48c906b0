"""Only Twilio's signed requests are answered: forged, replayed and unsigned ones get 403, and the
only trace they leave is one refusal line."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import assume, given, strategies as st

from .. import wire
from .test_robustness import app, client, log_records, query, standard_fields, webhooks  # noqa: F401

CALL = list(wire.CALL_FIELDS.items()) + [("Digits", "9")]


def assert_refused_quietly(response, records) -> None:
    assert response.status_code == 403
    assert b"Response" not in response.data  # no TwiML: nothing of the line is run
    lines = [r for r in records if r.name.startswith("ivr")]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    line = json.loads(lines[0].getMessage())
    assert lines[0].levelno == logging.WARNING
    assert line["status"] == 403 and line["refused"] == "signature"
    assert line["node"] is None and line["key"] is None  # refused before the request was read
    assert wire.CALL_FIELDS["From"] not in lines[0].getMessage()


def endpoint_paths(app):
    return [path for _, path in webhooks(app)]


@given(data=st.data(), q=query)
def test_unsigned_requests_are_refused(app, client, data, q):
    path = data.draw(st.sampled_from(endpoint_paths(app)))
    with log_records() as records:
        response = wire.post(client, path, q, CALL, signature="")
    assert_refused_quietly(response, records)


HEADER_TEXT = st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f")  # what HTTP carries


@given(data=st.data(), signature=st.text(HEADER_TEXT, min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_made_up_signatures_are_refused(app, client, data, signature):
    path = data.draw(st.sampled_from(endpoint_paths(app)))
    with log_records() as records:
        response = wire.post(client, path, {"node": "main"}, CALL, signature=signature)
    assert_refused_quietly(response, records)


@given(data=st.data(), token=st.text(min_size=1, max_size=40))
def test_requests_signed_with_another_token_are_refused(app, client, data, token):
    assume(token != wire.TOKEN)
    path = data.draw(st.sampled_from(endpoint_paths(app)))
    with log_records() as records:
        response = wire.post(client, path, {"node": "main"}, CALL, token=token)
    assert_refused_quietly(response, records)


@given(data=st.data(), signed_query=query, sent_query=query)
def test_a_signed_request_replayed_to_another_url_is_refused(app, client, data, signed_query, sent_query):
    paths = endpoint_paths(app)
    signed_path, sent_path = data.draw(st.sampled_from(paths)), data.draw(st.sampled_from(paths))
    from urllib.parse import urlencode
    signed_url = wire.BASE + signed_path + (f"?{urlencode(signed_query)}" if signed_query else "")
    sent_url = wire.BASE + sent_path + (f"?{urlencode(sent_query)}" if sent_query else "")
    assume(signed_url != sent_url)
    with log_records() as records:
        response = wire.post(client, sent_path, sent_query, CALL, signed_url=signed_url)
    assert_refused_quietly(response, records)


@given(data=st.data(), standard=standard_fields, name=st.sampled_from(["Digits", "From", "CallStatus", "Extra"]),
       value=st.text(max_size=20))
def test_a_request_changed_after_signing_is_refused(app, client, data, standard, name, value):
    path = data.draw(st.sampled_from(endpoint_paths(app)))
    form = standard + [("Digits", "1")]
    signature = wire.sign(wire.BASE + path + "?node=main", wire.MultiDict(form))
    changed = [(k, v) for k, v in form if k != name] + [(name, value)]
    assume(sorted(set(changed)) != sorted(set(form)))
    with log_records() as records:
        response = wire.post(client, path, {"node": "main"}, changed, signature=signature)
    assert_refused_quietly(response, records)


@pytest.mark.parametrize("host", ["evil.example", "line.example.org.evil.example"])
def test_a_request_signed_for_another_host_is_refused_whatever_host_it_claims(client, host):
    form = wire.MultiDict(CALL)
    signature = wire.sign(f"https://{host}/voice/key?node=main", form)
    with log_records() as records:
        response = client.post("/voice/key?node=main", data=form, base_url=f"https://{host}",
                               headers={"X-Twilio-Signature": signature})
    assert_refused_quietly(response, records)


def test_a_genuine_request_is_answered(client):
    response = wire.post(client, "/voice/key", {"node": "main"}, CALL)
    assert "connecting you to an adviser" in wire.spoken(wire.first_wait_page(client, response))


FIELD_NAMES = st.sampled_from(["Digits", "From", "CallSid", "CallStatus", "Extra"])


@given(form=st.lists(st.tuples(FIELD_NAMES, st.text(max_size=8)), max_size=10),
       query=st.sampled_from(["", "?node=main", "?node=main&misses=2&lang=en-GB&rate=normal"]))
def test_the_signature_check_agrees_with_twilios_own_validator(form, query):
    """The check hands twilio's validator every value of every field (repeats included, in any
    order), and is right exactly when the validator, reading the same form, is right."""
    from twilio.request_validator import RequestValidator
    from ivr.line.webhooks import signed_by_twilio
    validator, url, fields = RequestValidator(wire.TOKEN), wire.BASE + "/voice/key" + query, wire.MultiDict(form)
    genuine, other = wire.sign(url, fields), wire.sign(url, fields, token="another-token")
    assert signed_by_twilio(validator, url, fields, genuine)
    for signature in (genuine, other, ""):
        assert signed_by_twilio(validator, url, fields, signature) == bool(signature and validator.validate(
            url, fields, signature))
