"""``python -m client ...``: the same as ``cybercollege client ...``."""

import sys

from client.app import main

sys.exit(main())
