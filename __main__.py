"""``python -m celldose``: the command-line application, as the ``celldose`` command runs it."""

import sys

from celldose.cli import main

if __name__ == "__main__":
    sys.exit(main())
