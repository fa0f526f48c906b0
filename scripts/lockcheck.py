"""Whether requirements/*.txt were made from the pyproject.toml beside them (standard library only:
scripts/setup runs it before any package is installed).

    python3 scripts/lockcheck.py [serve|audio|test ...]   check (default: all three); exit 1 if stale
    python3 scripts/lockcheck.py --header NAME            the lines scripts/lock heads NAME.txt with
    python3 scripts/lockcheck.py --build-requires         pyproject's [build-system] requires
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {"serve": (), "audio": ("audio",), "test": ("audio", "test")}  # lock file -> extras it holds
MARK = "# from pyproject.toml: "


def wanted(name: str) -> list[str]:
    """What pyproject.toml asks of this lock file: the build backend, the line's needs, its extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    out = list(project["build-system"]["requires"]) + list(project["project"]["dependencies"])
    for extra in SETS[name]:
        out += project["project"]["optional-dependencies"][extra]
    return sorted({" ".join(r.split()) for r in out})


def header(name: str) -> str:
    return "\n".join([f"# requirements/{name}.txt: every package for `scripts/setup` ({', '.join(SETS[name]) or 'serving only'}),",
                      "# pinned with its files' hashes. Made by scripts/lock: do not edit by hand.",
                      *(MARK + r for r in wanted(name))]) + "\n"


def recorded(name: str) -> list[str] | None:
    path = ROOT / "requirements" / f"{name}.txt"
    if not path.is_file():
        return None
    return sorted(line[len(MARK):].strip() for line in path.read_text(encoding="utf-8").splitlines()
                  if line.startswith(MARK))


def check(names: list[str]) -> list[str]:
    problems = []
    for name in names:
        have, want = recorded(name), wanted(name)
        if have is None:
            problems.append(f"requirements/{name}.txt is missing.")
        elif have != want:
            added = [r for r in want if r not in have]
            gone = [r for r in have if r not in want]
            problems.append(f"requirements/{name}.txt was not made from this pyproject.toml"
                            + (f"; pyproject.toml now asks for {', '.join(added)}" if added else "")
                            + (f"; it no longer asks for {', '.join(gone)}" if gone else "") + ".")
    return problems


def main(args: list[str]) -> int:
    if args[:1] == ["--header"]:
        sys.stdout.write(header(args[1]))
        return 0
    if args[:1] == ["--build-requires"]:
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        sys.stdout.write("".join(r + "\n" for r in project["build-system"]["requires"]))
        return 0
    unknown = [a for a in args if a not in SETS]
    if unknown:
        print(f"unknown lock file {unknown[0]}: use {', '.join(SETS)}", file=sys.stderr)
        return 2
    problems = check(args or list(SETS))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("pyproject.toml and the lock files disagree, so nothing was installed. Remake the lock files "
              "with scripts/lock (it needs the package registry), then commit pyproject.toml and "
              "requirements/ together.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
