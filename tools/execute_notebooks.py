"""Execute notebooks in place, the way they are committed: ``./course execute [NOTEBOOK ...]``.

With no arguments, every notebook in notebooks/ and solutions/. Each runs in a fresh
kernel of the current environment, from its own folder, and is saved with its outputs
(widget state included). Prints each notebook's execution time.
"""
import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent


def execute(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend hides inline plots
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
    total = 0.0
    for path in paths:
        start = time.perf_counter()
        execute(path.resolve(), args.timeout)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{elapsed:6.1f} s  {path}")
    print(f"{total:6.1f} s  in all ({len(paths)} notebooks)")


if __name__ == "__main__":
    sys.exit(main())
