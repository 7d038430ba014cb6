import random

import pytest

from corpus_db.rules.identity import identity_key
from corpus_db.rules.normalize import (
    display_name,
    find_arxiv_id,
    fold_spaces,
    name_key,
    normalize_arxiv_id,
    normalize_doi,
    title_key,
    year_of,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.01234v2", "2401.01234"),
        ("arXiv:2401.01234", "2401.01234"),
        ("0704.0001", "0704.0001"),
        ("math/0611918", "math/0611918"),
        ("math.GT/0309136v1", "math/0309136"),
        ("https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("http://arxiv.org/pdf/1706.03762v5.pdf", "1706.03762"),
        ("not an id", None),
        ("", None),
        (None, None),
    ],
)
def test_arxiv_ids_lose_prefix_and_version(raw: str | None, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


def test_arxiv_id_found_in_free_text() -> None:
    assert find_arxiv_id("code and paper: https://arxiv.org/abs/2106.09685v2.") == "2106.09685"
    assert find_arxiv_id("arXiv: 1910.07512 [cs]") == "1910.07512"
    assert find_arxiv_id("no identifier here") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.1145/ABC.123", "10.1145/abc.123"),
        ("https://doi.org/10.1000/XYZ", "10.1000/xyz"),
        ("doi: 10.1000/xyz.", "10.1000/xyz"),
        ("10/fqd6hj", "10/fqd6hj"),
        ("nonsense", None),
    ],
)
def test_dois_are_case_folded_without_resolver(raw: str, expected: str | None) -> None:
    assert normalize_doi(raw) == expected


def test_title_key_folds_case_punctuation_spacing_and_compatibility_forms() -> None:
    assert title_key("MH-MoE:Multi-Head   Mixture-of-Experts") == "mh moe multi head mixture of experts"
    assert title_key("ＭＨ–ＭｏＥ: multi head mixture of experts") == "mh moe multi head mixture of experts"
    assert title_key("Training\n  Free") == title_key("training-free")


def test_identity_prefers_arxiv_then_doi_then_title() -> None:
    assert identity_key({"arxiv_id": "2401.01234", "doi": "10.1/x", "title": "T"}) == "arxiv:2401.01234"
    assert identity_key({"arxiv_id": None, "doi": "10.1/x", "title": "T"}) == "doi:10.1/x"
    assert identity_key({"pmid": "123", "mag_id": "9", "title": "T"}) == "pmid:123"
    assert identity_key({"title": "A Title!"}) == "title:a title"


def test_author_names_for_display_and_matching() -> None:
    assert display_name("Ge, Rong") == "Rong Ge"
    assert display_name("Rong Ge 0001") == "Rong Ge"
    assert display_name("  Yann   LeCun ") == "Yann LeCun"
    assert name_key("Balázs Szegedy") == name_key("Balazs  Szegedy") == "balazs szegedy"


def test_year_of_iso_like_dates() -> None:
    assert year_of("2024-05-27") == 2024
    assert year_of("2019") == 2019
    assert year_of("May 2019") is None
    assert year_of(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Large Language Models", "large-language-models"),
        ("large  language-models", "large-language-models"),
        ("Classifier-Free Guidance (CFG)", "classifier-free-guidance-cfg"),
        ("cs.LG", "cs.LG"),
        ("hep-th", "hep-th"),
        ("C++", "c++"),
        ("mixture-of-experts", "mixture-of-experts"),
        ("  ", ""),
    ],
)
def test_tag_names_have_one_spelling(raw: str, expected: str) -> None:
    from corpus_db.rules.normalize import tag_name

    assert tag_name(raw) == expected


def test_fold_spaces_is_str_split_and_join_on_every_kind_of_space() -> None:
    """The shortcut for text folded already must agree with the plain rule, ASCII or not."""
    spaces = [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003"]
    pieces = [*spaces, "a", "bc", "é", "w" * 150]  # past 200 characters the folded-already check applies
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        if rng.random() < 0.2:
            text = rng.choice(spaces) + "w" * 150 + " word" * rng.randrange(20) + rng.choice(["", *spaces])
        elif rng.random() < 0.2:  # wrapped at line ends, as arXiv abstracts are (the unwrapping shortcut)
            words = ["w" * 40, *(rng.choice(["word", "a", "é", "bc"]) for _ in range(rng.randrange(60)))]
            text = "".join(word + rng.choice([" ", " ", "\n", " \n", "\n ", "\t", "  "]) for word in words)
            text = rng.choice(["", " ", "  ", "\n"]) + text
        folded = " ".join(text.split())
        assert fold_spaces(text) == folded
        assert fold_spaces(folded) == folded
