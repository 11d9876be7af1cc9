"""`python -m screening`: see `screening.cli`."""

import sys

from screening.cli import main

sys.exit(main())
