"""The frozen app's first module: the same entry point as the ``liaison-hub`` command."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
