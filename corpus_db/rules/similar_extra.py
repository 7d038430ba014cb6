"""Whether the optional `similar` extra is installed, and how to install it. Standard library only: every
command and the web plugin ask this before importing numpy or the model."""

from __future__ import annotations

import importlib.util

INSTALL_HINT = "Similar papers need the optional extra: pip install 'corpus-db[similar]'"
# numpy for the vector maths, tokenizers for the model's tokenizer, wordllama for the model's files.
REQUIRED_MODULES = ("numpy", "tokenizers", "wordllama")


def missing_modules() -> list[str]:
    """The modules of the extra that cannot be imported here (empty when the extra is installed)."""
    return [name for name in REQUIRED_MODULES if not _findable(name)]


def _findable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as missing
        return False


def available() -> bool:
    """True when similar papers can be computed and searched."""
    return not missing_modules()
