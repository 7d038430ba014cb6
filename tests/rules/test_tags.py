"""Tag kinds, fold keys and category names: the rules that keep keywords apart and spellings together."""

from __future__ import annotations

import pytest

from corpus_db.rules.normalize import tag_name
from corpus_db.rules.tags import ARXIV_CATEGORY, CURATED, KEYWORD, fold_key, tag_kind, tag_label


@pytest.mark.parametrize("spellings", [
    ("LLMs", "llm", "LLM"),
    ("large language models", "Large Language Models (LLMs)", "large-language-model", "Large Language Model"),
    ("vision-language models", "Vision-Language Models (VLMs)"),
    ("diffusion models", "Diffusion Model"),
])
def test_near_duplicate_spellings_share_a_fold_key(spellings: tuple[str, ...]) -> None:
    assert len({fold_key(tag_name(s)) for s in spellings}) == 1


@pytest.mark.parametrize(("one", "other"), [("news", "new"), ("physics", "physic"), ("analysis", "analysi"),
                                            ("cs.LG", "cs.CL"), ("gans", "gas"), ("1280x720-resolution", "1")])
def test_different_tags_keep_different_keys(one: str, other: str) -> None:
    assert fold_key(tag_name(one)) != fold_key(tag_name(other))


def test_kinds_and_category_names() -> None:
    assert tag_kind("cs.CL", curated=False) == ARXIV_CATEGORY
    assert tag_kind("quant-ph", curated=False) == ARXIV_CATEGORY
    assert tag_kind("cond-mat.mtrl-sci", curated=True) == ARXIV_CATEGORY
    assert tag_kind("quantization", curated=True) == CURATED
    assert tag_kind("tokens", curated=False) == KEYWORD
    assert tag_label("cs.CL") == "cs.CL — Computation and Language"
    assert tag_label("quantization") == "quantization"
