"""Running the line: the request log, the intake of webhook bodies, the health check and the
gunicorn settings.

Imports only the settings as read locally (gunicorn_conf): the line notes what its log line says,
and the health check reads the service the app factory built.
"""
