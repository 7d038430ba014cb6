"""Identifier, title and name normalization: the one rule every importer and the store share."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")

# New-style ids (0704.0001, 2401.01234v2) and old-style ids (math/0611918, hep-th/9901001v3).
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"(?<![\w-])([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?(?!\d)", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{2,9}/\S+|10/[a-z0-9]+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


# C0 and C1 controls that are not white space, DEL, and the bidi embedding, override and isolate marks
# that let a title reorder what a terminal or a browser shows around it. Stored text never holds them.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_ASCII_CONTROLS = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"


def fold_spaces(text: str) -> str:
    """Collapse runs of white space (line wrapping, doubled spaces) into one space."""
    # str.split() splits on exactly the characters \s matches (both use Py_UNICODE_ISSPACE) and is
    # ~3x faster than _SPACE.sub on a 1.5 KB abstract. An import folds each abstract twice (the importer,
    # then the paper's fields): long ASCII text that is folded already is recognised in 3 us instead of
    # folded again in 13 (short text is folded at once: checking would cost more than it saves).
    if len(text) > 200 and text.isascii():
        if _folded_ascii(text):
            return text
        # Text wrapped at line ends (arXiv abstracts) is folded once its line breaks are spaces: 4 us
        # instead of 13. Taken only when that leaves nothing but single spaces between words.
        unwrapped = text.replace("\n", " ").strip(" ")
        if unwrapped and _folded_ascii(unwrapped):
            return unwrapped
    return " ".join(text.split())


def _folded_ascii(text: str) -> bool:
    """No ASCII white space but single spaces between words (str.split()'s set: \t-\r, \x1c-\x1f, space)."""
    return not (
        "\n" in text or "  " in text or text[0] == " " or text[-1] == " " or "\t" in text or "\r" in text
        or "\x0b" in text or "\x0c" in text or "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text
    )


def strip_controls(text: str) -> str:
    """`text` without control and bidi-override characters: what every stored text field goes through.
    ASCII text (most of it) is checked with one bytes.translate, 3 us for 1.5 KB; the rest by regex."""
    if text.isascii():
        data = text.encode("ascii")
        kept = data.translate(None, _ASCII_CONTROLS)
        return text if len(kept) == len(data) else kept.decode("ascii")
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters (but tab and newline) and bidi marks shown escaped,
    as \\x1b or \\u202e, never sent raw."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


# The only characters re.IGNORECASE folds onto an ASCII letter that str.lower() does not turn into it
# (İ also lowers to two characters, shifting offsets); K is listed for good measure. Checked against
# every code point.
_CASE_TRAPS = frozenset("\u0130\u0131\u017f\u212a")


def lower_for_search(text: str) -> str | None:
    """`text.lower()`, same length and offsets, in which a case-insensitive regex match of an ASCII
    phrase is a plain substring; None for the rare text where that does not hold."""
    if text.isascii() or _CASE_TRAPS.isdisjoint(text):
        return text.lower()
    return None


def clean_title(title: str) -> str:
    """A title in its best display form: NFC, unwrapped, single-spaced."""
    return fold_spaces(unicodedata.normalize("NFC", title))


def title_key(title: str) -> str:
    """The matching form of a title: NFKC, case-folded, punctuation and spacing folded."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return fold_spaces(_NON_WORD.sub(" ", folded))


def title_hash(key: str) -> int | None:
    """The title key as a signed 64-bit integer (BLAKE2b's first 8 bytes), what papers.title_hash indexes;
    None for no title. Papers are looked up by it, then told apart by the key itself: a collision costs a
    row read, never a wrong match."""
    if not key:
        return None
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def normalize_arxiv_id(value: str | None) -> str | None:
    """The versionless arXiv id in `value` (bare, arXiv:-prefixed or an abs/pdf URL), else None."""
    if not value:
        return None
    text = _ARXIV_PREFIX.sub("", value.strip())
    match = _ARXIV_NEW.fullmatch(text.removesuffix(".pdf")) or _ARXIV_OLD.fullmatch(text.removesuffix(".pdf"))
    if match is None:
        return None
    ident = match.group(1)
    if "/" not in ident:
        return ident
    # Old style: the subject class in "math.GT/0309136" is not part of the identifier.
    archive, number = ident.split("/")
    return f"{archive.split('.')[0].lower()}/{number}"


def find_arxiv_id(text: str | None) -> str | None:
    """The first arXiv id mentioned in free text such as a URL or a note, else None."""
    if not text:
        return None
    for pattern in (r"arxiv\.org/(?:abs|pdf)/([^\s?#]+)", r"arxiv[:\s]+([^\s,;]+)"):
        for found in re.finditer(pattern, text, re.IGNORECASE):
            ident = normalize_arxiv_id(found.group(1).rstrip(".)"))
            if ident:
                return ident
    return None


_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def arxiv_id_from_doi(doi: str | None) -> str | None:
    """The arXiv id behind one of arXiv's own DataCite DOIs (10.48550/arXiv.2101.00001), else None."""
    match = _ARXIV_DOI.match(doi.strip()) if doi else None
    return normalize_arxiv_id(match.group(1)) if match else None


def normalize_doi(value: str | None) -> str | None:
    """A DOI lower-cased without resolver prefix (DOIs are case-insensitive), else None."""
    if not value:
        return None
    text = _DOI_PREFIX.sub("", value.strip())
    match = _DOI.match(text)
    if match is None:
        return None
    return match.group(1).rstrip(".,;").lower()


_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")


def display_name(raw: str) -> str:
    """An author name for display: "Last, First" turned round, DBLP homonym numbers and extra spaces dropped."""
    name = fold_spaces(unicodedata.normalize("NFC", raw)).strip(" ,;")
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last:
            name = f"{first} {last}"
    return _DBLP_HOMONYM.sub("", name)


def name_key(raw: str) -> str:
    """The matching form of an author name: display form, accents stripped, case-folded."""
    return display_name_key(display_name(raw))


def display_name_key(display: str) -> str:
    """name_key of a name already in display form (display_name's result): a caller that needs both
    forms makes the display form once."""
    decomposed = unicodedata.normalize("NFKD", display)
    # ASCII has no combining mark: most names skip the walk over their characters (~2 us of ~5).
    plain = decomposed if decomposed.isascii() else "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return fold_spaces(_NON_WORD.sub(" ", plain.casefold()))


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


_PUBLISHED = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def valid_published(text: str | None) -> str | None:
    """A publication date as stored: YYYY, YYYY-MM or YYYY-MM-DD that exists on the calendar (years 1000
    to 2999). An impossible month or day is dropped with what follows (2024-13-45 -> 2024), anything
    else unreadable (0000-00-00, 'soon') -> None."""
    match = _PUBLISHED.match(text.strip()) if text else None
    if match is None:
        return None
    year = int(match.group(1))
    if not 1000 <= year <= 2999:
        return None
    month = int(match.group(2)) if match.group(2) else None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if match.group(3) is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, int(match.group(3))).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def year_of(published: str | None) -> int | None:
    """The year of an ISO-like date string, else None."""
    if not published:
        return None
    match = _ISO_DATE.match(published.strip())
    return int(match.group(1)) if match else None


_TAG_WORD = re.compile(r"[\w.+#]+")
_ARXIV_CATEGORY = re.compile(r"^[a-z-]+\.[A-Z]{2}$")


def tag_name(raw: str) -> str:
    """One spelling per tag, so that "Large Language Models", "large language models" and
    "large-language-models" are one tag: case-folded words joined by hyphens. arXiv categories
    (cs.LG, math.GT) keep their case, which is how everybody writes them."""
    text = fold_spaces(unicodedata.normalize("NFKC", raw))
    if _ARXIV_CATEGORY.match(text):
        return text
    return "-".join(_TAG_WORD.findall(text.casefold()))


# -- the open scholarly graphs' identifiers (issue 11) ------------------------------------------------

_OPENALEX_WORK = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:works/)?)?(W\d+)$", re.IGNORECASE)
_DIGITS = re.compile(r"^\d+$")
_PMID = re.compile(r"^(?:pmid:\s*|https?://(?:www\.)?(?:pubmed\.)?ncbi\.nlm\.nih\.gov/(?:pubmed/)?)?(\d+)/?$",
                   re.IGNORECASE)
_PMCID = re.compile(r"^(?:pmcid:\s*|https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/)?(?:PMC)?(\d+)/?$",
                    re.IGNORECASE)
_DBLP_PREFIX = re.compile(r"^(?:dblp:|https?://dblp\.(?:org|uni-trier\.de)/rec/)", re.IGNORECASE)
_DBLP_SUFFIX = re.compile(r"\.(?:html|xml|bib|rdf)$")
_DBLP_KEY = re.compile(r"^[a-z][\w-]*(?:/[\w.+'-]+)+$", re.IGNORECASE)


def _text_id(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


def normalize_openalex_id(value: object) -> str | None:
    """An OpenAlex work id ('W2100301546') from a bare id or an openalex.org URL, else None."""
    text = _text_id(value)
    match = _OPENALEX_WORK.match(text) if text else None
    return match.group(1).upper() if match else None


def normalize_digits_id(value: object) -> str | None:
    """A numeric identifier (S2 corpus id, MAG id) as its digits; ints and strings alike, else None."""
    text = _text_id(value)
    if text is None or not _DIGITS.match(text):
        return None
    return text.lstrip("0") or None


def normalize_pmid(value: object) -> str | None:
    """A PubMed id from digits, 'pmid:' or a pubmed URL, else None."""
    text = _text_id(value)
    match = _PMID.match(text) if text else None
    return (match.group(1).lstrip("0") or None) if match else None


def normalize_pmcid(value: object) -> str | None:
    """A PubMed Central id as 'PMC' and digits, from either spelling or a PMC URL, else None."""
    text = _text_id(value)
    match = _PMCID.match(text) if text else None
    return f"PMC{match.group(1)}" if match else None


def normalize_dblp_key(value: object) -> str | None:
    """A dblp record key ('conf/nips/VaswaniSPUJGKP17') from the key or its dblp.org/rec URL, else None."""
    text = _text_id(value)
    if text is None:
        return None
    key = _DBLP_SUFFIX.sub("", _DBLP_PREFIX.sub("", text)) if _DBLP_PREFIX.match(text) else text
    return key if _DBLP_KEY.match(key) else None
