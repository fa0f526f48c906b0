"""The `ivr` command that staff use: serve the line, check content, build audio, try a call."""
from __future__ import annotations

import os
import sys

import click

from .audio.build import build_audio
from .staff.call import call
from .staff.check import check
from .staff.figures import figures
from .line.content import ContentError
from .staff.flowmap import map_command
from .staff.listen import listen
from .staff.number import number
from .settings import SettingsError


@click.group()
def main():
    """Keeping Safe phone line: tools for the people who run it."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address and port to listen on.")
@click.option("--workers", type=int, default=None, show_default="WEB_CONCURRENCY, else one per core",
              help="Worker processes.")
def serve(bind: str, workers: int | None):
    """Start the line with gunicorn, a production web server."""
    from . import create_app

    try:
        create_app()  # fail here, with a clear message, rather than in every worker
    except (SettingsError, ContentError) as exc:
        click.echo(f"The line cannot start.\n{exc}", err=True)
        sys.exit(2)
    # Timeouts, preloading and logging (no access log, no bodies) are in ivr/serve/gunicorn_conf.py.
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "python:ivr.serve.gunicorn_conf",
                               "--bind", bind, *(["--workers", str(workers)] if workers else []),
                               "ivr:create_app()"])


# Each staff tool lives in its own module; one line each here keeps merges easy.
main.add_command(call)
main.add_command(check)
main.add_command(map_command)
main.add_command(number)
main.add_command(build_audio)
main.add_command(listen)
main.add_command(figures)
