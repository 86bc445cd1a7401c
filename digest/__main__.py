"""Run digest as `python -m digest`."""

import sys

from digest.cli import main

if __name__ == "__main__":  # not when a compare worker (spawned) imports it
    sys.exit(main())
