"""Gunicorn settings for the line: many short webhooks, each answered in milliseconds.

Used by `ivr serve` (gunicorn -c python:ivr.serve.gunicorn_conf); --bind and --workers on the
command line override what is here. The app keeps nothing per call in memory, so more workers,
or more machines behind a load balancer, serve more calls.
"""

from gunicorn import glogging

from ivr import local
from ivr.settings import worker_processes

line_env = local.environment()  # the line's .env (or `ivr --env-file`), then the environment
bind = "127.0.0.1:8000"  # under systemd, the socket keeping-safe.socket passes instead (deploy/systemd)
workers = worker_processes(line_env.get("WEB_CONCURRENCY", "").strip())  # the app reads the same (settings.py)
# Threads keep connections open between requests (Twilio and load balancers reuse them) and let
# a slow or idle connection wait in a poller instead of holding a whole worker, as a sync worker
# would; two are enough because a webhook is about half a millisecond of CPU with no I/O.
worker_class = "gthread"
threads = 2
timeout = 15  # Twilio gives up on a webhook after 15 s; a worker stuck longer is restarted
graceful_timeout = 10  # on a deploy, finish answering calls in progress
keepalive = 5  # seconds an idle connection stays open for the next webhook
preload_app = True  # load content once in the master: a broken file stops the start, once
max_requests = 0  # nothing leaks between requests, so no need to recycle workers
control_socket_disable = True  # no admin socket in a shared home folder; deploys use signals


def worker_exit(server, worker):
    """A worker that stops (a deploy, a restart, a timeout) first writes its last usage figures,
    so only a crash loses counts: at most the last few seconds' (ivr/serve/tally.py)."""
    from .tally import close_all
    close_all()


class Logger(glogging.Logger):
    """Gunicorn's logger without its access log.

    The app logs one JSON line per request (path, node, key, status, ms) and never a form field.
    Gunicorn's access line would hold the peer's address and user agent, and gunicorn builds it
    on every request whenever logging is configured, even with nowhere to write it: not at all here.
    """

    def access(self, resp, req, environ, request_time):
        pass


logger_class = Logger
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "line",
                            "stream": "ext://sys.stdout"}},
    "root": {"level": "WARNING", "handlers": ["stdout"]},
    "loggers": {"ivr": {"handlers": ["stdout"], "level": line_env.get("IVR_LOG_LEVEL") or "INFO",
                        "propagate": False}},
}
