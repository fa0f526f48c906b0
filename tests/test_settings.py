"""Adviser settings are checked at start-up: a bad one stops the line with a message naming it."""
from __future__ import annotations

import os
import re
import logging
from datetime import date, time
from pathlib import Path

import click

import pytest

from ivr import create_app
from ivr.settings import END_OF_DAY, Opening, SettingsError, from_env

from .conftest import ACCOUNT_SID, TOKEN, settings


def problems(**overrides) -> str:
    with pytest.raises(SettingsError) as err:
        from_env(settings(**overrides))
    return str(err.value)


@pytest.mark.parametrize("numbers", ["+44 20 7946 09", "not a number", "+442079460901,12345",
                                     "sip:adviser", "sip:a@b@c", "client:jo smith", "client:"])
def test_a_malformed_adviser_number_stops_start_up_naming_the_setting(numbers):
    assert "ADVISER_NUMBERS:" in problems(ADVISER_NUMBERS=numbers)


def test_start_up_itself_stops_on_a_bad_adviser_number(tmp_path):
    with pytest.raises(SettingsError, match="ADVISER_NUMBERS: '0800 NOPE'"):
        create_app(settings(ADVISER_NUMBERS="0800 NOPE", AUDIO_DIR=str(tmp_path)))


def test_more_than_ten_advisers_cannot_be_rung_at_once():
    many = ",".join(f"+4420794609{n:02d}" for n in range(11))
    assert "ADVISER_NUMBERS: at most 10" in problems(ADVISER_NUMBERS=many)


def test_adviser_numbers_are_kept_in_e164():
    s = from_env(settings(ADVISER_NUMBERS="020 7946 0901, +44 (0)20 7946 0902 ,sip:a@pbx.example.org,client:jo"))
    assert s.advisers == ("+442079460901", "+442079460902", "sip:a@pbx.example.org", "client:jo")


def test_no_adviser_numbers_is_allowed_and_means_closed():
    assert from_env(settings(ADVISER_NUMBERS="")).advisers == ()


def test_advisers_need_the_service_number_even_in_the_local_preview():
    text = problems(SERVICE_NUMBER="", TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="")
    assert "SERVICE_NUMBER: needed whenever ADVISER_NUMBERS is set, even in the local preview" in text


def test_a_bad_service_number_is_named_once():
    text = problems(SERVICE_NUMBER="12")
    assert text.count("SERVICE_NUMBER") == 1


@pytest.mark.parametrize("hours", [
    "Mon-Fri 9-5", "Mon-Fri 09:00 to 17:00", "Funday 09:00-17:00", "Fri-Mon 09:00-17:00",
    "Mon-Fri 25:00-26:00", "Mon-Fri 09:00-17:00; nonsense", "weekdays", "Mon 09:00-17:00,",
])
def test_hours_that_do_not_parse_stop_start_up_naming_the_setting(hours):
    assert "ADVISER_HOURS: cannot read" in problems(ADVISER_HOURS=hours)


def test_hours_that_close_before_they_open_are_refused():
    assert "closing time is not after the opening time" in problems(ADVISER_HOURS="Mon 17:00-09:00")


@pytest.mark.parametrize("hours", ["Mon-Fri 09:10-17:00", "Mon 09:00-17:05"])
def test_hours_the_line_cannot_say_plainly_are_refused(hours):
    assert "ADVISER_HOURS: in" in problems(ADVISER_HOURS=hours)


def test_hours_read_as_uk_weekly_openings():
    s = from_env(settings(ADVISER_HOURS="Mon-Wed,Fri 09:30-17:45; sat 10:00-24:00; Sun 00:00-23:59"))
    assert s.hours == (Opening((0, 1, 2, 4), time(9, 30), time(17, 45)),
                       Opening((5,), time(10), END_OF_DAY), Opening((6,), time(0), END_OF_DAY))


def test_empty_hours_are_allowed_and_mean_closed():
    assert from_env(settings(ADVISER_HOURS="")).hours == ()


def test_closed_days_are_dates():
    s = from_env(settings(ADVISER_CLOSED_DAYS="2026-12-25, 2026-12-28"))
    assert s.closed_days == {date(2026, 12, 25), date(2026, 12, 28)}
    assert "ADVISER_CLOSED_DAYS: '25/12/2026'" in problems(ADVISER_CLOSED_DAYS="25/12/2026")


@pytest.mark.parametrize("ring", ["4", "61", "twenty", "-5"])
def test_ring_seconds_must_be_5_to_60(ring):
    assert "ADVISER_RING_SECONDS:" in problems(ADVISER_RING_SECONDS=ring)


@pytest.mark.parametrize("processes", ["0", "two", "65", "-1", "²"])
def test_worker_processes_must_be_a_whole_number_from_1_to_64(processes):
    assert "WEB_CONCURRENCY:" in problems(WEB_CONCURRENCY=processes)


def test_worker_processes_are_one_per_core_unless_set(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert from_env(settings()).processes == 3 and from_env(settings(WEB_CONCURRENCY="1")).processes == 1


def test_a_bad_helpline_number_is_named():
    assert "HELPLINE_NUMBER:" in problems(HELPLINE_NUMBER="0808 2000")


def test_every_bad_adviser_setting_is_named_at_once():
    text = problems(ADVISER_NUMBERS="nope", ADVISER_HOURS="never", ADVISER_CLOSED_DAYS="someday",
                    ADVISER_RING_SECONDS="0")
    for name in ("ADVISER_NUMBERS", "ADVISER_HOURS", "ADVISER_CLOSED_DAYS", "ADVISER_RING_SECONDS"):
        assert f"{name}:" in text


def test_an_empty_helpline_setting_means_the_national_helpline():
    assert from_env(settings(HELPLINE_NUMBER="")).helpline_number == "0808 2000 247"


@pytest.mark.parametrize("seconds", ["²⁵", "٢٥", "25s", "4", "61"])
def test_ring_seconds_that_are_not_plain_numbers_are_named_not_a_crash(seconds):
    assert "ADVISER_RING_SECONDS" in problems(ADVISER_RING_SECONDS=seconds)


def test_a_bare_line_in_the_env_file_is_ignored_not_read_as_none(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_ENV_FILE", str(tmp_path / ".env"))
    for name in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SERVICE_NUMBER", "ADVISER_NUMBERS", "AUDIO_DIR",
                 "HELPLINE_NUMBER", "IVR_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("TWILIO_AUTH_TOKEN\nAUDIO_DIR\nHELPLINE_NUMBER\n")
    svc = create_app().extensions["ivr"]
    assert svc.settings.audio_dir.name != "None"
    assert svc.settings.helpline_number == "0808 2000 247"


# -- Where the settings are read from -------------------------------------------------------------

@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A line's folder and another folder, each with a .env saying which it is."""
    from ivr import local
    line, elsewhere = tmp_path / "line", tmp_path / "elsewhere"
    for folder in (line, elsewhere):
        folder.mkdir()
        (folder / ".env").write_text(f"HELPLINE_NUMBER={'0808 2000 247' if folder == line else '0800 1111'}\n")
    monkeypatch.setattr(local, "LINE_FOLDER", line)
    monkeypatch.delenv("IVR_ENV_FILE", raising=False)
    monkeypatch.delenv("HELPLINE_NUMBER", raising=False)
    return line, elsewhere


def test_the_env_file_is_read_from_the_lines_folder_not_the_current_one(folders, monkeypatch):
    from ivr import local
    line, elsewhere = folders
    monkeypatch.chdir(elsewhere)
    assert local.env_file() == line / ".env"
    assert local.environment()["HELPLINE_NUMBER"] == "0808 2000 247"


def test_ivr_env_file_names_another_file_for_every_command(folders, monkeypatch):
    from click.testing import CliRunner
    from ivr import cli, local
    line, elsewhere = folders
    seen = []
    monkeypatch.setattr(cli.main, "commands", {**cli.main.commands})
    cli.main.add_command(click.Command("probe", callback=lambda: seen.append(local.environment()["HELPLINE_NUMBER"])))
    result = CliRunner().invoke(cli.main, ["--env-file", str(elsewhere / ".env"), "probe"])
    assert result.exit_code == 0, result.output
    assert seen == ["0800 1111"]
    assert os.environ["IVR_ENV_FILE"] == str(elsewhere / ".env")  # what `ivr serve`'s gunicorn inherits
    monkeypatch.delenv("IVR_ENV_FILE")


def test_a_missing_env_file_is_named(folders, tmp_path):
    from click.testing import CliRunner
    from ivr import cli
    result = CliRunner().invoke(cli.main, ["--env-file", str(tmp_path / "nothing.env"), "check"])
    assert result.exit_code == 2
    assert "nothing.env" in result.output and "does not exist" in result.output


ROOT = Path(__file__).resolve().parent.parent
NOT_SETTINGS = {"CLOCK", "BACKGROUND", "TWILIO_HTTP_CLIENT", "PREVIEW_SECONDS", "FIGURES", "FIGURES_SECONDS", "MOUNT",  # create_app's hooks (tests, the staff phone)
                "CONTENT_LENGTH", "CONTENT_TYPE", "PATH_INFO", "REQUEST_METHOD"}  # WSGI


def settings_read_by_the_code() -> set[str]:
    names = set()
    for path in (ROOT / "ivr").rglob("*.py"):
        names |= set(re.findall(r"""\bget\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    return {n for n in names if not n.startswith("HTTP_")} - NOT_SETTINGS


def test_env_example_lists_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    code = settings_read_by_the_code()
    assert {"TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "AUDIO_BASE_URL"} <= code
    assert code - listed == set(), "settings the line reads but .env.example does not list"
    assert listed - code == set(), ".env.example lists settings the line does not read"


def test_env_example_reads_as_settings_and_every_line_is_a_note_or_a_setting():
    from dotenv import dotenv_values
    values = dotenv_values(ROOT / ".env.example")
    assert set(values) <= settings_read_by_the_code()
    for row in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        assert not row or row.startswith("#") or re.fullmatch(r"[A-Z][A-Z0-9_]+=.*", row), row


@pytest.mark.parametrize("path, ignored", [(".env", True), (".env.production", True), (".env.example", False),
                                          ("call-flow.svg", True), ("call-flow.mmd", True)])
def test_settings_and_generated_files_stay_out_of_git(path, ignored):
    import subprocess
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
    assert result.returncode == (0 if ignored else 1), path


# -- Twilio's REST API: the account SID, or an API key and secret --------------------------------

def test_advisers_need_the_account_sid_to_be_rung():
    text = problems(TWILIO_ACCOUNT_SID="")
    assert "TWILIO_ACCOUNT_SID: needed whenever ADVISER_NUMBERS is set" in text and "Twilio console" in text
    assert from_env(settings(TWILIO_ACCOUNT_SID="", ADVISER_NUMBERS="")).account_sid == ""


@pytest.mark.parametrize("overrides,named", [
    ({"TWILIO_ACCOUNT_SID": "AC-not-a-sid-a-secret-1234"}, "TWILIO_ACCOUNT_SID: does not look like an account SID"),
    ({"TWILIO_API_KEY": "SK" + "a" * 31, "TWILIO_API_SECRET": "s3cret-value"}, "TWILIO_API_KEY: does not look like"),
    ({"TWILIO_API_KEY": "SK" + "a" * 32}, "TWILIO_API_KEY and TWILIO_API_SECRET: give both"),
    ({"TWILIO_API_SECRET": "s3cret-value"}, "TWILIO_API_KEY and TWILIO_API_SECRET: give both"),
])
def test_bad_rest_credentials_are_named_without_repeating_them(overrides, named):
    text = problems(**overrides)
    assert named in text
    for value in overrides.values():
        assert value not in text


def test_an_api_key_and_secret_are_used_for_the_rest_api_instead_of_the_auth_token(make_app, board, caplog):
    """And no credential reaches a log line, a request to Twilio's webhooks, or /healthz."""
    key, secret = "SK" + "b" * 32, "api-secret-value"
    board.credentials = {(key, secret)}  # the auth token alone would now be refused
    board.script("+442079460901", "answers")
    caplog.set_level(logging.DEBUG)
    app = make_app(TWILIO_API_KEY=key, TWILIO_API_SECRET=secret)
    caller = board.caller().dial()
    caller.press("9")
    assert board.settle(until=lambda: board.talking(caller) is not None)
    logged = "\n".join(r.getMessage() + repr(r.args) + repr(getattr(r, "exc_info", "")) for r in caplog.records)
    health = app.test_client().get("/healthz").data.decode()
    for secret_value in (ACCOUNT_SID, TOKEN, key, secret):
        assert secret_value not in logged and secret_value not in health


def test_the_real_rest_client_never_logs_its_requests():
    """twilio's client logs each request's URL, with the account SID in it, at INFO: not here."""
    from ivr.line.ringing import Ringer
    http = Ringer(from_env(settings()), None).client().http_client
    assert not http.logger.isEnabledFor(logging.INFO)
