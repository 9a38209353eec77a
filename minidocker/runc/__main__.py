"""`python -m minidocker.runc ...` runs minirunc, as the console script does."""

import sys

from .cli import main

sys.exit(main())
