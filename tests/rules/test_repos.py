import pytest

from corpus_db.rules.repos import canonical_repo, find_links

# Each shape below occurs in the seeds (or in the formats the other importers read).
AWKWARD_LINKS = [
    ("Code is at https://github.com/PrincetonLIPS/MaM.", "https://github.com/princetonlips/mam", "code"),
    ("at https: //github.com/MTU-Bench-Team/MTU-Bench.git.", "https://github.com/mtu-bench-team/mtu-bench", "code"),
    ("\\url{https://github.com/DAMO-NLP-SG/multimodal_textbook}.",
     "https://github.com/damo-nlp-sg/multimodal_textbook", "code"),
    ("frameworkhttps://github.com/amirgholami/ZeroQ.", "https://github.com/amirgholami/zeroq", "code"),
    ("available at github.com/jeffwillette/umbc", "https://github.com/jeffwillette/umbc", "code"),
    ("https://github.com/mindspore-lab/models/tree/master/research/huawei-noah/SLAB.",
     "https://github.com/mindspore-lab/models", "code"),
    ("https://github.com/tensorflow/addons/blob/master/tensorflow_addons/optimizers/lamb.py",
     "https://github.com/tensorflow/addons", "code"),
    ("(in https://github.com/Facico/Dynamic-Logit-Fusion.)", "https://github.com/facico/dynamic-logit-fusion", "code"),
    ("released here~https://github.com/xnliang98/MigBERT.", "https://github.com/xnliang98/migbert", "code"),
    ("(https://huggingface.co/spaces/opencompass/Open_LMM_Reasoning_Leaderboard)",
     "https://huggingface.co/spaces/opencompass/open_lmm_reasoning_leaderboard", "space"),
    ("https://hf.co/datasets/nvidia/Granary", "https://huggingface.co/datasets/nvidia/granary", "dataset"),
    ("https://huggingface.co/nvidia/NV-Embed-v1.", "https://huggingface.co/nvidia/nv-embed-v1", "model"),
    ("https://huggingface.co/collections/ibm-granite.", "https://huggingface.co/collections/ibm-granite", "collection"),
    ("https://multibooth.github.io/", "https://multibooth.github.io", "project"),
    ("Project page: https://xuyunqiu.github.io/MC-Bench/.", "https://xuyunqiu.github.io/MC-Bench", "project"),
]


@pytest.mark.parametrize(("text", "url", "kind"), AWKWARD_LINKS)
def test_every_awkward_shape_folds_to_one_canonical_repo(text: str, url: str, kind: str) -> None:
    links = find_links(text)
    assert [(repo.url, repo.kind) for _, repo in links] == [(url, kind)]


def test_a_link_written_twice_in_braces_is_one_repo() -> None:
    text = "available at https://github.com/HUANGLIZI/MGLL{https://github.com/HUANGLIZI/MGLL}."
    assert [repo.url for _, repo in find_links(text)] == ["https://github.com/huanglizi/mgll"]


def test_links_that_are_not_repositories_are_ignored() -> None:
    text = "see https://arxiv.org/abs/2401.01234, https://doi.org/10.1/x and at https:// github."
    assert find_links(text) == []


def test_written_form_keeps_the_sub_path_for_provenance() -> None:
    [(written, repo)] = find_links("at https://github.com/a/b/tree/main/sub.")
    assert written == "https://github.com/a/b/tree/main/sub"
    assert (repo.owner, repo.name, repo.host) == ("a", "b", "github.com")


def test_canonical_repo_of_field_values() -> None:
    assert canonical_repo("https://github.com/Owner/Name").url == "https://github.com/owner/name"
    assert canonical_repo("github.com/owner") is None  # a user page is not a repository
    assert canonical_repo("https://huggingface.co/papers/2401.01234") is None


def test_the_code_host_search_matches_the_plain_regex_scan() -> None:
    """_code_host_links tries the regex only where a host name occurs, after a cheap test for any host at all:
    it must find what finditer over the whole text finds, proxies and capitals included."""
    from corpus_db.rules.repos import _CODE_HOST_LINK, _CODE_HOSTS, _HOST_PARTS, _code_host_links

    assert all(any(part in host for part in _HOST_PARTS) for host in _CODE_HOSTS)
    texts = [text for text, _, _ in AWKWARD_LINKS] + [
        "see HF-PROXY-eu.workers.dev/datasets/a/b and GitLab.COM/x/y", "no links at all.", "bitbucket.org/t/u",
        "Mirror: https://hf-proxy7.workers.dev/org/model", "e.g. www.GitHub.Com/a/b, then github.com/c/d",
    ]
    for text in texts:
        assert [m.span() for m in _code_host_links(text)] == [m.span() for m in _CODE_HOST_LINK.finditer(text)], text
