"""Running the line: the request log, the intake of webhook bodies, the health check, the usage
figures' tally and the gunicorn settings.

Imports only the settings as read locally (gunicorn_conf) and the database (ivr.store), for the
tally's writer: the line notes what its log line says and what it counts, and the health check
reads the service the app factory built.
"""
