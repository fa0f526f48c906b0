"""The call line that Twilio talks to: the guidance as data, the call flow, option 9, the webhooks.

May import the settings (ivr.settings, and ivr.local for the local preview's "this computer only"),
the running-it part (ivr.serve) and the line's database (ivr.store), never the audio build, the staff tools or the browser pages: a webhook's path to its answer
touches only the line, the settings and what was loaded at start-up.
"""
