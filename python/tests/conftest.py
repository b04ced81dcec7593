import os
import pathlib
import shutil

import pytest

collect_ignore_glob = ["fixtures/*"]

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """The `aquifer` command-line binary (scripts/test builds it; AQUIFER_CLI names another)."""
    candidates = [os.environ.get("AQUIFER_CLI", "")]
    candidates += [str(ROOT / "target" / p / "aquifer") for p in ("release", "debug")]
    candidates.append(shutil.which("aquifer") or "")
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    pytest.skip("the aquifer binary is not built (cargo build -p aquifer-cli)")
