"""``python -m batchlab``: the same command line as the ``batchlab`` script."""

import sys

from batchlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
