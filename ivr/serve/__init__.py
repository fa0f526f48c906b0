"""Running the line: the request log, the health check and the gunicorn settings.

Imports nothing else of ours: the line notes what its log line says, and the health check
reads the service the app factory built.
"""
