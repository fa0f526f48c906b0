"""The `ivr` command that staff use: serve the line, check content, build audio, try a call."""
from __future__ import annotations

import os
import sys

import click

from . import local
from .audio.build import build_audio
from .staff.accounts import staff
from .staff.call import call
from .staff.check import check
from .staff.figures import figures
from .line.content import ContentError
from .staff.flowmap import map_command
from .staff.listen import listen
from .staff.number import number
from .settings import SettingsError


@click.group()
@click.option("--env-file", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              help="Read the settings from this file instead of .env in the line's folder.")
def main(env_file: str | None):
    """Keeping Safe phone line: tools for the people who run it."""
    if env_file:
        os.environ[local.ENV_FILE] = env_file  # inherited by the gunicorn that `ivr serve` starts


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address and port to listen on.")
@click.option("--workers", type=int, default=None, show_default="WEB_CONCURRENCY, else one per core",
              help="Worker processes (the local preview always runs one).")
def serve(bind: str, workers: int | None):
    """Start the line with gunicorn, a production web server.

    Without the Twilio settings it starts the local preview instead: the line in a web page on
    this computer only, its audio built first.
    """
    from . import create_app, local
    from .line.content import load_all
    from .settings import from_env
    from .web import preview

    if workers:  # through the environment, so the app knows its processes as gunicorn does
        os.environ["WEB_CONCURRENCY"] = str(workers)
    env = local.environment()
    try:
        settings = from_env(env)
        if settings.preview:
            if problem := preview.bind_problem(bind):
                click.echo(problem, err=True)
                sys.exit(2)
            os.environ.update(preview.prepare_audio(load_all(settings.content_dir), settings, env, click.echo))
        create_app()  # fail here, with a clear message, rather than in every worker
    except (SettingsError, ContentError, ValueError) as exc:  # ValueError: a TTS_ENGINE that is no engine
        click.echo(f"The line cannot start.\n{exc}", err=True)
        sys.exit(2)
    if settings.preview:
        click.echo(preview.welcome(bind))
        os.environ["WEB_CONCURRENCY"] = "1"  # the preview's stand-in for Twilio (its switchboard) lives in one worker's memory
    # Timeouts, preloading and logging (no access log, no bodies) are in ivr/serve/gunicorn_conf.py.
    sys.stdout.flush()  # what was said must not vanish with this process image
    sys.stderr.flush()
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "python:ivr.serve.gunicorn_conf",
                               "--bind", bind,
                               "ivr:create_app()"])


# Each staff tool lives in its own module; one line each here keeps merges easy.
main.add_command(call)
main.add_command(check)
main.add_command(map_command)
main.add_command(number)
main.add_command(build_audio)
main.add_command(listen)
main.add_command(staff)
main.add_command(figures)
