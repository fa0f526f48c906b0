"""Every figure in README.md and docs/staff-guide.md is the code's own: checked here, never typed
and forgotten. (docs/benchmarks.md holds measurements, each with the command that made it.)"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ivr.audio.shape import SHAPES
from ivr.line import adviser, content, flow, screening
from ivr.serve import gunicorn_conf
from ivr.staff import listen, listening

REPO = Path(__file__).resolve().parents[1]
README, GUIDE = REPO / "README.md", REPO / "docs" / "staff-guide.md"

# (file, words around the figures, each (\d...) a figure, and what the code says they are)
FIGURES = [
    (README, r"If nobody presses a key for (\d+) seconds", [flow.TIMEOUT_SECONDS]),
    (README, r"If nobody presses 1 within about (\d+) seconds", [screening.WHISPER_SECONDS]),
    (README, r"a calm speed \((\d+) to (\d+) words a minute\)", [SHAPES["normal"].min_wpm, SHAPES["normal"].max_wpm]),
    (README, r"A prompt with a high score \(above ([\d.]+)\)", [listen.TARGET_WER]),
    (README, r"at most (\d+) options a menu numbered 1 to (\d+), every section\s+within (\d+) presses",
     [content.MAX_OPTIONS, content.MAX_OPTIONS, content.MAX_PRESSES]),
    (README, r"a worker stuck for (\d+) s", [gunicorn_conf.timeout]),
    (README, r"connections are kept for (\d+) s", [gunicorn_conf.keepalive]),
    (README, r"workers get (\d+) s to finish", [gunicorn_conf.graceful_timeout]),
    (GUIDE, r"short sentences: (\d+) words at most, about (\d+) on average",
     [listening.MAX_SENTENCE_WORDS, listening.MAX_AVERAGE_WORDS]),
]


@pytest.mark.parametrize("path, words, figures", FIGURES, ids=[f[1][:40] for f in FIGURES])
def test_each_figure_in_the_docs_is_the_codes(path, words, figures):
    found = re.search(words, path.read_text(encoding="utf-8"))
    assert found, f"{path.name} no longer says {words!r}: keep this test in step with it"
    assert [float(g) for g in found.groups()] == [float(f) for f in figures], \
        f"{path.name} says {found[0]!r}, but the code says {figures}"


def test_the_health_check_example_is_what_the_line_answers(make_app, built_audio):
    app = make_app(AUDIO_DIR=str(built_audio))
    answered = app.test_client().get("/healthz").get_json()
    example = re.search(r"`(\{\"status\": \"ok\".*?\})`", README.read_text(encoding="utf-8"))[1]
    assert json.loads(example) == answered, f"put this in README.md's health check: {json.dumps(answered)}"


def test_the_build_summary_example_counts_the_prompts_there_are(make_app):
    service = make_app().extensions["ivr"]
    prompts = len(adviser.all_prompts(service.contents["en-GB"], service.settings))
    rates = len(flow.RATES)  # one changed sentence is made again at each speed
    said = re.search(r"a summary such as\s+`built (\d+), reused (\d+), failed 0`", README.read_text(encoding="utf-8"))
    expected = f"built {rates}, reused {prompts * rates - rates}"
    assert said and (int(said[1]), int(said[2])) == (rates, prompts * rates - rates), \
        f"README.md: after one change, '{expected}'"
