"""Identity resolution as a pure rule: which known paper a record's fields are."""

from __future__ import annotations

from typing import Any

from corpus_db.rules.identity import Candidates, compatible, drop_taken_identifiers, identity_key, resolve, speaks_again


def paper(id_: int, title_key: str, arxiv_id: str | None = None, doi: str | None = None) -> dict[str, Any]:
    return {"id": id_, "title_key": title_key, "arxiv_id": arxiv_id, "doi": doi}


def fields(title_key: str, arxiv_id: str | None = None, doi: str | None = None) -> dict[str, Any]:
    return {"title_key": title_key, "arxiv_id": arxiv_id, "doi": doi}


def known(*papers: dict[str, Any]) -> Candidates:
    candidates = Candidates()
    for p in papers:
        candidates.remember(p)
    return candidates


def test_an_arxiv_id_decides_before_a_doi_and_a_title() -> None:
    candidates = known(paper(1, "a", arxiv_id="2101.00001"), paper(2, "b", doi="10.1/x"))
    assert resolve(candidates, fields("b", arxiv_id="2101.00001", doi="10.1/x")) == 1


def test_a_doi_decides_when_there_is_no_arxiv_match() -> None:
    candidates = known(paper(1, "a", arxiv_id="2101.00001"), paper(2, "b", doi="10.1/x"))
    assert resolve(candidates, fields("zzz", arxiv_id="2101.99999", doi="10.1/x")) == 2


def test_a_title_joins_only_papers_whose_identifiers_agree() -> None:
    candidates = known(paper(1, "same", arxiv_id="2101.00001"), paper(2, "same", doi="10.1/x"))
    assert resolve(candidates, fields("same", arxiv_id="2101.00002", doi="10.1/x")) == 2
    assert resolve(candidates, fields("same", arxiv_id="2101.00003", doi="10.1/y")) is None
    assert resolve(candidates, fields("same")) == 1  # the oldest compatible paper


def test_an_unknown_record_is_a_new_paper() -> None:
    assert resolve(known(paper(1, "a")), fields("b")) is None


def test_compatible_ignores_identifiers_one_side_lacks() -> None:
    assert compatible(paper(1, "t", arxiv_id="2101.00001"), fields("t", doi="10.1/x"))
    assert not compatible(paper(1, "t", doi="10.1/y"), fields("t", doi="10.1/x"))


def test_an_identifier_another_paper_holds_is_never_filled() -> None:
    candidates = known(paper(1, "a"), paper(2, "b", doi="10.1/x"))
    updates = drop_taken_identifiers(candidates, candidates.papers[1], {"doi": "10.1/x", "identity_key": "doi:x"})
    assert updates == {}
    free = drop_taken_identifiers(candidates, candidates.papers[1], {"doi": "10.1/z", "identity_key": "doi:z"})
    assert free == {"doi": "10.1/z", "identity_key": "doi:z"}


def test_remembering_a_paper_again_updates_its_indexes() -> None:
    candidates = known(paper(1, "a"))
    candidates.remember({**candidates.papers[1], "doi": "10.1/new"})
    assert resolve(candidates, fields("other", doi="10.1/new")) == 1


def test_the_graph_identifiers_match_like_arxiv_ids_and_dois() -> None:
    candidates = known({**paper(1, "a"), "openalex_id": "W1"}, {**paper(2, "b"), "pmid": "42", "dblp_key": "conf/x/Y"})
    assert resolve(candidates, {**fields("zzz"), "openalex_id": "W1"}) == 1
    assert resolve(candidates, {**fields("zzz"), "dblp_key": "conf/x/Y"}) == 2
    assert resolve(candidates, {**fields("zzz"), "s2_corpus_id": "7"}) is None


def test_a_title_never_joins_papers_whose_graph_identifiers_disagree() -> None:
    candidates = known({**paper(1, "introduction"), "dblp_key": "books/x/A"})
    assert resolve(candidates, {**fields("introduction"), "dblp_key": "books/x/B"}) is None
    assert resolve(candidates, {**fields("introduction"), "pmid": "5"}) == 1


def test_a_paper_without_a_title_is_found_by_identifier_only() -> None:
    candidates = known({**paper(1, ""), "s2_corpus_id": "42"})
    assert resolve(candidates, fields("")) is None
    assert resolve(candidates, {**fields("a paper"), "s2_corpus_id": "42"}) == 1


def test_identity_key_takes_the_strongest_identifier() -> None:
    key = identity_key({"arxiv_id": None, "doi": None, "openalex_id": "W1", "pmid": "2", "title": "T"})
    assert key == "openalex:W1"
    assert identity_key({"s2_corpus_id": "42", "title": ""}) == "s2:42"


def test_the_same_openalex_work_speaks_again() -> None:
    assert speaks_again({"openalex_id": "W1"}, {"openalex_id": "W1"})
    assert not speaks_again({"openalex_id": "W1"}, {"openalex_id": "W2"})
    assert not speaks_again({"openalex_id": None}, {"openalex_id": None})
