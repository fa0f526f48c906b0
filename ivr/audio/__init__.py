"""The audio pipeline: speech engines, processing for the phone, the manifest, `ivr build-audio`,
and serving the built files at /audio.

May import the line's content and speech model and the settings; never the staff tools or the
browser pages. The line reads the built audio only through the index that the app factory hands it.
"""
