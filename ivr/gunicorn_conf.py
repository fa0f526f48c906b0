"""Gunicorn settings for the line: many short webhooks, each answered in milliseconds.

Used by `ivr serve` (gunicorn -c python:ivr.gunicorn_conf); --bind and --workers on the
command line override what is here. The app keeps nothing per call in memory, so more workers,
or more machines behind a load balancer, serve more calls.
"""
import os

bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", 0)) or (os.cpu_count() or 2)
worker_class = "sync"  # a webhook is pure CPU for about a millisecond: no waiting to overlap
timeout = 15  # Twilio gives up on a webhook after 15 s; a worker stuck longer is restarted
graceful_timeout = 10  # on a deploy, finish answering calls in progress
keepalive = 5  # Twilio reuses connections; only used by worker classes that keep them open
preload_app = True  # load content once in the master: a broken file stops the start, once
max_requests = 0  # nothing leaks between requests, so no need to recycle workers
control_socket_disable = True  # no admin socket in a shared home folder; deploys use signals

# The app logs one JSON line per request (path, node, key, status, ms) and never a form field.
# Gunicorn's own access log would add the peer address and user agent: off, so it leaks nothing.
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
    "loggers": {"ivr": {"handlers": ["stdout"], "level": os.environ.get("IVR_LOG_LEVEL", "INFO"),
                        "propagate": False}},
}
