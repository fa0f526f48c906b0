"""The Twilio-like caller now lives in the package (ivr/staff/phone.py) so `ivr call` uses it too."""
from ivr.staff.phone import CALLER, KNOWN_ATTRIBUTES, SERVICE, Caller, CallEnded, check_attributes  # noqa: F401
