"""`ivr check` proofreads the content for listeners: each finding names file, line, prompt and fix."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.staff import check
from ivr.settings import PACKAGE_DIR
from ivr.line.speech import NoAudio
from ..conftest import settings
from ..helpers import isolated, ivr

pytestmark = pytest.mark.usefixtures(isolated.__name__)

SHIPPED = PACKAGE_DIR / "guidance" / "en-GB.yaml"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the shipped content with one change, as staff might make it."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, old
    folder = tmp_path / "guidance"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "en-GB.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, words: str) -> int:
    return next(n for n, row in enumerate(path.read_text().splitlines(), 1) if words in row)


def test_the_shipped_content_passes():
    result = ivr("ivr check")
    assert result.exit_code == 0, result.output
    assert "The content is ready for callers (1 file checked; 0 errors, 1 warning)." in result.output
    assert "warning: no audio is built yet for en-GB" in result.output


def test_a_sentence_over_25_words_is_found_on_its_own_line(tmp_path):
    long = "Bail means they can go home while the police finish their work on the case and talk to " \
           "the people who saw what happened that night."
    path = edited(tmp_path, "Bail means they can go home while the police finish their work.", long)
    result = ivr(f"ivr check {path}")
    assert result.exit_code == 1
    assert f"guidance/en-GB.yaml:{line_of(path, 'Bail means')}: error in section.arrest: " \
           "this sentence has 26 words" in result.output
    assert "Fix: split it into two sentences of 25 words or fewer" in result.output
    # Slowly, the longer section would now take over a minute: worth knowing, not an error.
    assert "warning in section.arrest: at the slow speed, callers hear about 65 seconds" in result.output
    assert "1 error, 2 warnings. Fix the errors, then run `ivr check` again." in result.output


@pytest.mark.parametrize("sentences, average", [(["ten"] * 17, 17.0), (["ten"] * 15, None)])
def test_long_sentences_on_average_are_found(tmp_path, sentences, average):
    long = " ".join(sentences).capitalize() + "."
    path = edited(tmp_path, "wrong_key: Sorry, that key does nothing here.", f"wrong_key: {long} {long}")
    result = ivr(f"ivr check {path}")
    found = f"error in phrase.wrong_key: its sentences average {average} words"
    assert (found in result.output) == bool(average), result.output


def test_one_sentence_is_judged_by_its_length_alone(tmp_path):
    path = edited(tmp_path, "wrong_key: Sorry, that key does nothing here.", "wrong_key: " + "Word " * 20 + "end.")
    assert ivr(f"ivr check {path}").exit_code == 0


@pytest.mark.parametrize("old, new, fix", [
    ("hang up and call nine nine nine.\n    You can", "hang up and call 999.\n    You can",
     "write it as it is spoken, like 'nine nine nine'"),
    ("When you are asked, press five five.", "When you are asked, press 55.", "like 'five five'"),
    ("You cannot.", "You cannot. Call 0808 2000 247.", "like 'oh eight oh eight, two oh oh oh, two four seven'"),
    ("local Neighbourhood Police Unit for", "local NPU for", "say 'Neighbourhood Police Unit' in full"),
    ("For example, they must stay", "Eg, they must stay", "say 'for example' in full"),
    ("Then the Crown Prosecution Service decides", "Then the CPS decides", "say 'Crown Prosecution Service'"),
    ("A group like Victim Support", "A group like VSO", "write the words it stands for"),
])
def test_digits_and_abbreviations_are_found_on_their_line_with_the_words_to_use(tmp_path, old, new, fix):
    path = edited(tmp_path, old, new)
    result = ivr(f"ivr check {path}")
    assert result.exit_code == 1
    assert f":{line_of(path, new.splitlines()[0])}: error in " in result.output
    assert fix in result.output.split("Fix: ")[1]
    # Only the change ("press 9" and the like are fine); 999 in digits is also missing from the welcome.
    assert result.output.count(": error in ") == (2 if "999" in new else 1)


@pytest.mark.parametrize("new, problem", [
    ('"Press 3 for arrest and bail."', "a choice should say what it is, then '..., press 3.'"),
    ('"For arrest and bail, press 2."', "it says 'press 2' but it is key 3"),
])
def test_every_option_says_what_it_is_then_press_its_own_key(tmp_path, new, problem):
    path = edited(tmp_path, '"For arrest and bail, press 3."', new)
    result = ivr(f"ivr check {path}")
    assert f"en-GB.yaml:{line_of(path, new)}: error in menu.main.3: {problem}" in result.output


@pytest.mark.parametrize("repeats, seconds", [(3, None), (4, 64)])
def test_a_section_over_a_minute_is_found(tmp_path, repeats, seconds):
    more = " They may then be kept in custody until the court case." * repeats
    path = edited(tmp_path, "Custody means they are kept locked up.", "Custody means they are kept locked up." + more)
    result = ivr(f"ivr check {path}")
    assert result.exit_code == (1 if seconds else 0), result.output
    found = f"{path.name}:{line_of(path, '  arrest:')}: error in section.arrest: callers hear about {seconds} " \
            "seconds of speech before a choice (estimated at 140 words a minute)"
    assert (found in result.output) == bool(seconds)


def test_a_broken_structure_is_reported_by_the_loaders_own_rules(tmp_path):
    path = edited(tmp_path, "go: harassment}", "go: harasment}")
    result = ivr(f"ivr check {path}")
    assert result.exit_code == 1
    assert f"en-GB.yaml:{line_of(path, 'harasment')}: error: option 3 of menu 'police' goes to 'harasment'" \
        in result.output


def test_settings_that_do_not_read_are_named_with_their_line_in_the_env_file(tmp_path):
    Path(".env").write_text("ADVISER_NUMBERS=+442079460901\nADVISER_HOURS=weekdays 9 to 5\n")
    result = ivr("ivr check", HELPLINE_NUMBER="12")
    assert result.exit_code == 1
    assert ".env:2: error in ADVISER_HOURS: cannot read 'weekdays 9 to 5'" in result.output
    assert "(the environment): error in HELPLINE_NUMBER: '12' is not a valid phone number" in result.output


class FakeAudio(NoAudio):
    """Audio built for some prompts: the arrest section is long, the menu is stale, the rest missing."""

    def status(self, language, rate, prompt):
        return {"section.arrest": "current", "menu.main": "stale"}.get(prompt.id, "missing")

    def duration(self, language, rate, prompt):
        return 75.0 if prompt.id == "section.arrest" else None


def test_audio_that_is_stale_or_missing_is_a_warning_and_built_lengths_are_measured(monkeypatch):
    monkeypatch.setattr(check, "line_audio", lambda settings: FakeAudio())
    result = ivr("ivr check")
    assert "warning in menu.main: this prompt has audio made from older words or settings" in result.output
    assert "warning in section.guilty: this prompt has no audio" in result.output
    assert "section.arrest: this prompt" not in result.output
    assert "error in section.arrest: callers hear about 75 seconds of speech before a choice " \
           "(measured from the built audio)" in result.output


def test_a_line_without_advisers_is_checked_too():
    result = ivr("ivr check", ADVISER_HOURS="", ADVISER_NUMBERS="")
    assert result.exit_code == 0, result.output


def built(folder: Path, **more: str) -> dict[str, str]:
    """Settings for the audio the tests build (their hours are part of the words)."""
    return {"AUDIO_DIR": str(folder), "ADVISER_HOURS": settings()["ADVISER_HOURS"], **more}


def test_audio_made_by_the_offline_voice_is_current_and_the_other_engine_is_one_plain_line(built_audio):
    result = ivr("ivr check", **built(built_audio))
    assert result.exit_code == 0, result.output
    assert "audio made from older words" not in result.output and "no audio" not in result.output
    (note,) = [line for line in result.output.splitlines() if "TTS_ENGINE" in line]
    assert note.startswith("Audio: made with piper") and "TTS_ENGINE is gtts (the default)" in note
    assert "To keep piper, set TTS_ENGINE=piper in the .env file." in note
    assert "TTS_ENGINE" not in ivr("ivr check", **built(built_audio, TTS_ENGINE="piper")).output


def test_a_bad_engine_is_a_warning_about_the_build_not_the_audio(built_audio):
    result = ivr("ivr check", **built(built_audio, TTS_ENGINE="festival"))
    assert result.exit_code == 0, result.output
    assert "(the environment): warning in TTS_ENGINE: 'festival' is not an engine" in result.output
    assert "`ivr build-audio` cannot run until it is" in result.output
    assert "audio made from older words" not in result.output and "no audio" not in result.output


README_HOURS = "Mon-Fri 09:00-17:30; Sat 10:00-13:00"  # the README's own example


@pytest.mark.parametrize("variant", [
    {"ADVISER_HOURS": README_HOURS}, {"ADVISER_HOURS": "Mon-Sun 00:00-24:00"},
    {"ADVISER_HOURS": "Mon-Fri 09:00-13:00; Mon-Fri 14:00-17:00"}, {"ADVISER_HOURS": "weekdays"},
    {"HELPLINE_NUMBER": "12"}, {"DEFAULT_LANGUAGE": "fr-FR"}, {"TTS_ENGINE": "festival"},
], ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()))
def test_ivr_check_and_start_up_agree_about_the_settings(variant):
    from ivr import create_app
    from ivr.settings import SettingsError
    config = settings(**variant)
    try:
        create_app(config)
        starts = True
    except SettingsError:
        starts = False
    result = ivr("ivr check", **{k: v for k, v in config.items() if isinstance(v, str)})
    assert (result.exit_code == 0) == starts, result.output
    if not starts:
        (name,) = variant
        assert result.output.count(": error in ") == 1 and f"error in {name}: " in result.output, result.output


def test_a_settings_problem_is_reported_once_as_a_settings_problem_not_as_audio(built_audio):
    Path(".env").write_text("ADVISER_HOURS=weekdays 9 to 5\n")
    result = ivr("ivr check", AUDIO_DIR=str(built_audio))
    findings = [line for line in result.output.splitlines() if not line.startswith("    ")]
    assert findings[0] == ".env:1: error in ADVISER_HOURS: cannot read 'weekdays 9 to 5'; write it like " \
        "'Mon-Fri 09:00-17:00; Sat 10:00-13:00'"
    assert findings[1:] == ["1 error, 0 warnings. Fix the errors, then run `ivr check` again."], result.output


def test_audio_made_with_another_voice_of_the_same_engine_says_which_setting_to_set_back(built_audio, tmp_path):
    other = tmp_path / "en_GB-alba-medium.onnx"
    result = ivr("ivr check", **built(built_audio, TTS_ENGINE="piper", PIPER_VOICE=str(other)))
    (note,) = [line for line in result.output.splitlines() if line.startswith("Audio:")]
    assert "but PIPER_VOICE now gives the voice en_GB-alba-medium" in note
    assert note.endswith("To keep en_US-joe-medium, set PIPER_VOICE back to it in the .env file.")


# -- Caller time, per-language rules and both speeds -----------------------------------------

KESHI = Path(__file__).resolve().parents[1] / "languages" / "qaa.yaml"


def test_a_welcome_pushed_over_twenty_seconds_is_a_warning_naming_the_target(tmp_path):
    path = edited(tmp_path, "    You can hang up at any time.\n",
                  "    You can hang up at any time, and you can call back whenever it is safe for you.\n")
    result = ivr(f"ivr check {path}")
    assert result.exit_code == 0, result.output  # a warning: the line still works
    assert f"en-GB.yaml:{line_of(path, '  welcome: >-')}: warning in phrase.welcome: the welcome takes 23.7 " \
           "seconds (estimated from the words)" in result.output
    assert "Fix: keep it to 20 seconds" in result.output


def test_a_longer_menu_pushes_the_sections_after_it_past_a_minute(tmp_path):
    path = edited(tmp_path, '"For your local police team, press 2."',
                  '"For your local police team, who work in the area where you live, press 2."')
    result = ivr(f"ivr check {path}")
    for section in ("emergency", "neighbourhood", "harassment"):
        assert f"warning in section.{section}: this section starts 61.8 seconds into the call for a caller " \
               "who waits for each menu (keys 1," in result.output
    assert "shorten the welcome or the menus on the way (main, police)" in result.output
    assert "section.arrest: this section starts" not in result.output


def test_the_999_advice_must_come_early_and_in_the_welcome(tmp_path):
    late = edited(tmp_path, "    If you are in danger, hang up and call nine nine nine.\n", "")
    late.write_text(late.read_text().replace("    For slower speech, press 7.\n",
                                             "    For slower speech, press 7.\n"
                                             "    If you are in danger, hang up and call nine nine nine.\n", 1))
    assert "the 999 advice starts 13.5 seconds into the call" in ivr(f"ivr check {late}").output
    gone = edited(tmp_path / "2", "hang up and call nine nine nine.\n    You can", "hang up.\n    You can")
    result = ivr(f"ivr check {gone}")
    assert result.exit_code == 1
    assert "error in phrase.welcome: the welcome does not tell callers to call nine nine nine" in result.output


def test_a_translation_is_checked_by_its_own_rules_and_number_words(tmp_path):
    path = tmp_path / "qaa.yaml"
    text = KESHI.read_text()
    path.write_text(text.replace("Dei mus stai awai from yu.",  # 21 words: over Keshi's 20
                                 "Dei mus stai awai from yu " + "an " * 14 + "yu.")
                    .replace("Fo bak, drik star.", "Fo bak, press 5.").replace("kol nin nin nin an stai", "kol 999 an stai"))
    result = ivr(f"ivr check {path}")
    assert "error in section.arrest: this sentence has 21 words" in result.output
    assert "Fix: split it into two sentences of 20 words or fewer" in result.output
    assert "error in adviser.emergency: '999' is written in digits" in result.output
    assert "like 'nin nin nin'" in result.output and "only 'drik' and one key may use a digit" in result.output
    assert "error in phrase.back: '5' is written in digits" in result.output  # "press" is not Keshi
    assert "phrase.adviser" not in result.output  # "drik 9" is


def test_a_translation_nobody_reviewed_is_a_warning_that_callers_will_not_hear_it(tmp_path):
    path = tmp_path / "qaa.yaml"
    path.write_text("\n".join(r for r in KESHI.read_text().splitlines() if "reviewed_" not in r))
    result = ivr(f"ivr check {path}")
    assert "warning: Keshi is not offered to callers: no review by a qualified translator is recorded" \
        in result.output
    assert "warning in say: prompts without audio would be read by a en-US voice, not a qaa one" in result.output


def test_a_basic_twilio_voice_cannot_slow_down(tmp_path):
    path = edited(tmp_path, "voice: Polly.Amy", "voice: alice")
    assert "warning in say: Twilio's 'alice' voice cannot speak more slowly" in ivr(f"ivr check {path}").output


def test_with_a_second_language_the_choice_is_timed_too(tmp_path):
    folder = edited(tmp_path, "name: English", "name: English").parent
    (folder / "qaa.yaml").write_text(KESHI.read_text())
    result = ivr(f"ivr check {folder}")
    assert "2 files checked" in result.output
    assert "en-GB.yaml:" in result.output and "the 999 advice starts 9.8 seconds into the call" in result.output


class UsualSpeedBuilt(NoAudio):
    def status(self, language, rate, prompt):
        return "current" if rate == "normal" else "missing"

    def duration(self, language, rate, prompt):
        return 3.0 if rate == "normal" else None


def test_audio_missing_at_the_slow_speed_is_a_warning_of_its_own(monkeypatch):
    monkeypatch.setattr(check, "line_audio", lambda settings: UsualSpeedBuilt())
    result = ivr("ivr check")
    assert "warning: no audio is built yet for en-GB at the slow speed" in result.output
    assert "0 errors, 1 warning" in result.output
