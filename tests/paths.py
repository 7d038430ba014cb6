"""Where the tests find the project's seeds and the shared third-party dumps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = Path(os.environ.get("CORPUS_DB_SHARED", ROOT.parent / "shared"))
REALDATA = SHARED / "realdata"


def realdata(relative: str) -> Path:
    """A file under ../shared/realdata, or skip the test with the reason when it is not there."""
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"real third-party dump {path} is absent (../shared/realdata is not beside this checkout)")
    return path
