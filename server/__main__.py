"""``python -m cybercollege.server ...``: the same as the ``cybercollege`` command."""

from cybercollege.server.edge.cli import main

raise SystemExit(main())
