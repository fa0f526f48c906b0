"""The package's parts and which way their imports go (pyproject.toml's import-linter contracts)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package under `root`, with the contracts in its pyproject.toml."""
    return subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=120)


def test_every_import_goes_the_way_the_contracts_say():
    run = lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture
def copy(tmp_path) -> Path:
    """The package and its contracts, copied so a test can break them."""
    shutil.copytree(REPO / "ivr", tmp_path / "ivr", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("from __future__ import annotations\n",
                                   f"from __future__ import annotations\n{line}\n", 1), encoding="utf-8")


@pytest.mark.parametrize("module, line, named", [
    ("line/flow.py", "from ..staff import check", "ivr.line.flow -> ivr.staff.check"),
    ("line/webhooks.py", "from ..audio import build", "ivr.line.webhooks -> ivr.audio.build"),
    ("audio/manifest.py", "from ..staff import listening", "ivr.audio.manifest -> ivr.staff.listening"),
    ("line/webhooks.py", "from ..web import phone", "ivr.line.webhooks -> ivr.web.phone"),
])
def test_an_import_against_the_layers_fails_and_names_itself(copy, module, line, named):
    add_import(copy / "ivr" / module, line)
    run = lint_imports(copy)
    assert run.returncode == 1
    assert "BROKEN" in run.stdout and named in run.stdout


def test_two_modules_that_import_each_other_fail(copy):
    # The circle that flowmap and flowsvg once made: the drawing imports the command that draws it.
    add_import(copy / "ivr" / "staff" / "flowsvg.py", "from . import flowmap")
    run = lint_imports(copy)
    assert run.returncode == 1
    assert "No module imports another in a circle BROKEN" in run.stdout
    assert "in ivr.staff" in run.stdout and ".flowsvg -> .flowmap" in run.stdout
