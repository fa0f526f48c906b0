"""Browser pages for the charity's staff: the usage figures (figures.py) and their report (report.py).

May import the audio, the line, running it (ivr.serve), the database (ivr.store) and the settings;
never the staff tools. Every page here is for signed-in staff only: none is a Twilio webhook.
"""
