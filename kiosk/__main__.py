"""``python -m kiosk``: the same as the ``kiosk`` command (the demo restarts itself this way)."""

import sys

from kiosk.cli import main

sys.exit(main())
