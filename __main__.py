"""``python -m batchlab``: the same command line as the ``batchlab`` script."""

from batchlab.cli import run

if __name__ == "__main__":
    run()
