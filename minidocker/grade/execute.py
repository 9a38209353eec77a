"""Run one notebook to the end in a fresh kernel, errors and all (cf. nbgrader's Execute preprocessor,
which also runs with allow_errors so every test cell gets its own result).

`python -m minidocker.grade.execute IN.ipynb OUT.ipynb CELL_TIMEOUT`: the autograder starts this in a
process of its own, with MINIDOCKER_ROOT pointing at a private engine root, and kills it when the
notebook's time is up. A kernel that dies is reported on stderr (exit 3); OUT holds the cells run so far.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

DEAD_KERNEL = 3
CELL_TIMEOUT = 4


def main(argv: list[str] | None = None) -> int:
    src, dst, timeout = (sys.argv[1:] if argv is None else argv)[:3]
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=float(timeout), kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(src).parent)}})
    code = 0
    try:
        client.execute()
    except DeadKernelError as exc:
        print(f"the kernel died ({str(exc).splitlines()[0] if str(exc) else 'killed'})", file=sys.stderr)
        code = DEAD_KERNEL
    except CellTimeoutError:
        print(f"a cell ran longer than {timeout} s", file=sys.stderr)
        code = CELL_TIMEOUT
    nbformat.write(nb, dst)
    return code


if __name__ == "__main__":
    sys.exit(main())
