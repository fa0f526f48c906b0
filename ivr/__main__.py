"""`python -m ivr ...` runs the same commands as `ivr ...`."""
from .cli import main

main()
