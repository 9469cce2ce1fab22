"""``python -m coordinator.cli``: the headless commands, without Qt installed."""

from coordinator.cli.commands import main

raise SystemExit(main())
