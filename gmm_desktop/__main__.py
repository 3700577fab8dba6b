"""`python -m gmm_desktop` runs the same entry point as the `gmm-desktop` script."""

import sys

from gmm_desktop.cli import main

sys.exit(main())
