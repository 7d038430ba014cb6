"""The keyword taxonomy: what it tags, and that its fast path agrees with a plain regex scan."""

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_db.importers.listing import parse
from corpus_db.rules.taxonomy import Taxonomy
from tests.paths import SEEDS


def brute_force(taxonomy: Taxonomy, *texts: str) -> list[str]:
    joined = "\n".join(texts)
    return [tag for tag, pattern in taxonomy.rules if pattern.search(joined)]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("MH-MoE: Multi-Head Mixture-of-Experts", ["mixture-of-experts"]),
        ("we study moe in cooking", []),  # acronyms match in their own case only
        ("Quantization-aware training; we quantize to INT4", ["quantization"]),
        ("Semantic-SAM segments anything", ["segmentation"]),
        ("the sam of it", []),
        ("Pre-RMSNorm Transformers", ["normalization"]),
        ("RMSNorm and LayerNorm", ["normalization"]),
        ("a multimodal LLM", ["multimodal", "large-language-models"]),
        ("QUANTIZATION IN CAPITALS", ["quantization"]),
        ("", []),
    ],
)
def test_shipped_taxonomy_tags(taxonomy: Taxonomy, text: str, tags: list[str]) -> None:
    assert taxonomy.tags_for(text) == tags


def test_fast_path_agrees_with_a_plain_scan_on_every_seed(taxonomy: Taxonomy) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        for record in parse(path.open("rb"), str(path)):
            assert taxonomy.tags_for(record.title, record.abstract) == brute_force(
                taxonomy, record.title, record.abstract or ""
            ), record.title


def test_user_taxonomy_with_prefixes_hyphens_and_non_ascii(tmp_path: Path) -> None:
    custom = Taxonomy.from_mapping(
        {"Graph Neural Networks": ["graph neural net*", "GNN*"], "Über": ["über*"], "low-bit": ["low-bit"]}
    )
    assert [tag for tag, _ in custom.rules] == ["graph-neural-networks", "über", "low-bit"]
    for text in ["Graph neural networks and GNNs", "gnn lowercase", "Überraschung", "low-bit quantised", "lowbit"]:
        assert custom.tags_for(text) == brute_force(custom, text), text
    assert custom.tags_for("GNNs, über alles, low-bit") == ["graph-neural-networks", "über", "low-bit"]


def test_a_broken_taxonomy_file_names_itself(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yml"
    bad.write_text("quantization: not-a-list\n")
    with pytest.raises(ValueError, match=r"tax.yml: tag 'quantization' needs a list of phrases"):
        Taxonomy.load(bad)


def test_a_taxonomy_in_use_crosses_to_a_worker_process(taxonomy: Taxonomy) -> None:
    """Workers get the taxonomy pickled, its automaton perhaps built already (the automaton itself cannot be)."""
    text = "Ärger: MoE for RAG, über LayerNorm"
    assert taxonomy.tags_for(text)  # builds the automaton
    assert pickle.loads(pickle.dumps(taxonomy)).tags_for(text) == taxonomy.tags_for(text)


_PIECES = ["MoE", "moe", "RAG", "rag", "LayerNorm", "quantiz", "ed", "retrieval", "mixture of experts", "SAM",
           "distil", "lation", "C++", "c#", "-bit", "low", "GNN", "s", "_", "9", "²", "Ⅻ",
           "é", "Ü", "😀", "ß", " ", "-", "\n", "(", ")", "a", "x"]
_SHIPPED = Taxonomy.load()
_ODD = Taxonomy.from_mapping({
    "cpp": ["C++", "c#"], "bits": ["-bit", "low-bit*"], "gnn": ["GNN*", "graph net*"], "under": ["_x", "x_"],
})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_the_fast_path_agrees_with_a_plain_scan_around_non_ascii_text(pieces: list[str]) -> None:
    # Offsets into the text must be characters, not UTF-8 bytes (non-ASCII text before a phrase shifts them),
    # and the boundary test must be re's \b, phrases ending in punctuation included.
    text = "".join(pieces)
    for taxonomy in (_SHIPPED, _ODD):
        assert taxonomy.tags_for(text) == brute_force(taxonomy, text)

