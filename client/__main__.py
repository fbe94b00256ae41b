"""``python -m cybercollege.client ...``: the same as ``cybercollege client ...``."""

import sys

from cybercollege.client.app import main

sys.exit(main())
