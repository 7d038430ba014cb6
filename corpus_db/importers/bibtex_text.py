"""BibTeX field values to plain text: macros and `#` concatenation resolved, LaTeX decoded, names split."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pylatexenc.latex2text import LatexNodes2Text

from corpus_db.rules.normalize import fold_spaces

# BibTeX predefines the month macros; `month = nov` must resolve without an @string.
MONTH_MACROS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

# Math is kept as written ($\ell_1$), the way arXiv and most listings show it, so titles still match.
_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
# In a field value these are literal text, but LaTeX would read % as a comment and & as a column break.
_LITERAL = re.compile(r"(?<!\\)([%&#])")
_APPROX = re.compile(r"(?<!\\)~(?=\d)")
_APPROX_MARK = "\ue000"
_NEEDS_LATEX = re.compile(r"[\\{}~$]|--|``|''")


MAX_EXPANDED = 1_000_000  # characters a field or @string may expand to through macros and `#`


class ExpansionTooLarge(ValueError):
    """Macros and `#` would expand a value past MAX_EXPANDED."""


def _split_top(value: str, separator: re.Pattern[str]) -> list[str]:
    """Split at `separator` matches that lie outside braces and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    index = 0
    while index < len(value):
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif depth == 0 and not quoted:
            match = separator.match(value, index)
            if match and match.end() > index:
                parts.append(value[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(value[start:])
    return parts


_HASH = re.compile(r"#")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def resolve(raw: str, macros: Mapping[str, str]) -> str:
    """A field's value with enclosing braces/quotes removed and `#`-joined pieces and macros resolved."""
    pieces = []
    for piece in _split_top(raw.strip(), _HASH):
        piece = piece.strip()
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            pieces.append(piece[1:-1])
        elif piece.isdigit():
            pieces.append(piece)
        else:  # an unknown macro stays as its name, as BibTeX leaves it (with a warning)
            key = piece.lower()
            pieces.append(macros.get(key, MONTH_MACROS.get(key, piece)))
    # Measured before joining: nine levels of ten-fold `#` would otherwise build a 10 GB string.
    length = sum(map(len, pieces))
    if length > MAX_EXPANDED:
        raise ExpansionTooLarge(
            f"expands to {length:,} characters, over the limit of {MAX_EXPANDED:,} (an @string bomb?)"
        )
    return "".join(pieces)


def brace_depth(value: str) -> int | None:
    """How deep braces nest in a resolved value; None when they do not pair up (never closing more than
    was opened)."""
    depth = deepest = 0
    for char in value:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
    return deepest if depth == 0 else None


def decode(value: str) -> str:
    """LaTeX to Unicode text ({\\"u} -> ü, {{Title}} -> Title), on one line."""
    if _NEEDS_LATEX.search(value):
        text = value.replace("``", "\u201c").replace("''", "\u201d")
        # "~15M" in an abstract means "about", not a tie; keep it from becoming a space.
        text = _APPROX.sub(_APPROX_MARK, text)
        value = _LATEX.latex_to_text(_LITERAL.sub(r"\\\1", text)).replace(_APPROX_MARK, "~")
    return fold_spaces(value)


def split_names(value: str) -> tuple[str, ...]:
    """`and`-separated names (not inside braces: {Barnes and Noble}), decoded, "Last, First" kept raw."""
    names = (decode(part) for part in _split_top(value, _AND))
    return tuple(name for name in names if name and name.lower() != "others")


_LIST = re.compile(r"\s*[,;]\s*")


def split_keywords(value: str) -> tuple[str, ...]:
    """Keywords are comma- or semicolon-separated."""
    tags = (decode(part) for part in _split_top(value, _LIST))
    return tuple(dict.fromkeys(tag for tag in tags if tag))
