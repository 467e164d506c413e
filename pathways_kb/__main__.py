"""`python -m pathways_kb`: the curator CLI."""

import sys

from pathways_kb.cli import main

sys.exit(main())
