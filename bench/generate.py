"""Deterministic synthetic dumps for the benchmarks: N papers in the Kaggle arXiv JSON-lines format or the
Hugging Face daily-papers JSON format, written as a stream (memory stays flat at any N).

Paper i is a pure function of (seed, i): an edited copy or an appended day is the same stream with some
records changed or more records at the end, so re-import benchmarks compare like with like.

    python bench/generate.py arxiv bench-data/arxiv-100k.jsonl -n 100000
    python bench/generate.py arxiv edited.jsonl -n 100000 --edit-fraction 0.01
    python bench/generate.py arxiv grown.jsonl -n 100000 --append 1000      # the dump plus one new day
    python bench/generate.py hf hf.json -n 5000 --first 95000               # entries for papers 95000..99999
    python bench/generate.py hf-days hf/ --days 30 --per-day 50              # one file per listing day
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

DEFAULT_SEED = 20240527
PAPERS_PER_MONTH = 25_000  # arXiv's rate in recent years; ids are YYMM.NNNNN from 2015-01 on
FIRST_MONTH = (2015, 1)
PAPERS_PER_DAY = PAPERS_PER_MONTH // 25  # what --append adds by default: one working day
_WRITE_BUFFER = 1 << 20

# Frequent words first: the Zipf weights below make them as common as in real abstracts, so the FTS
# posting lists (and the cost of a one-word query) look like arXiv's.

def _split(text: str) -> list[str]:
    return text.split()


_COMMON = _split(
    "the of and a to in we is for that this with on by are as an our be from which can model method "
    "results these show it data learning using based approach at performance two new also propose "
    "problem such framework into than between paper each task training their both more network have "
    "function used present study time methods systems over its set analysis large different information "
    "algorithm non existing however not proposed when high state models has while one only case via "
    "process structure number order first space work other well small demonstrate provide given under "
    "where efficient across multiple significantly tasks effective theory learn neural deep graph image "
    "images video language text representation representations features feature dataset datasets "
    "benchmark benchmarks evaluation experiments experimental accuracy robust robustness generalization "
    "optimization gradient stochastic convex loss objective prior posterior bayesian inference sampling "
    "estimation estimator regression classification clustering kernel sparse matrix tensor linear "
    "nonlinear dynamics equation equations solution solutions boundary quantum field energy particle "
    "spin magnetic phase transition temperature density galaxy galaxies stellar cosmological dark matter "
    "black hole gravitational wave waves spectrum spectral frequency signal noise channel wireless "
    "communication protocol security privacy attack adversarial detection segmentation tracking "
    "transformer transformers attention encoder decoder generative diffusion reinforcement policy reward "
    "agent agents robot robotic control planning navigation simulation physical prediction forecasting "
    "temporal spatial memory compute hardware parallel distributed federated scalable scaling pretrained "
    "fine tuning retrieval reasoning instruction alignment evaluation human preference multimodal vision "
    "speech audio medical clinical protein molecular chemical material materials surface interface"
)
_SYLLABLES = _split(
    "ka lo mi ra te su no vi pe da zo ri ba fe gu ly mo ne xi ta ro ce di ha ju qua ster tron gen morph "
    "lith phas plex cyt graph lum nar sol vor cal dyn fer hel kin lat"
)
_TOPIC_PHRASES = (
    "mixture of experts", "quantization", "layer normalization", "vision-language", "semantic segmentation",
    "large language models", "LLMs", "knowledge distillation", "LoRA", "object detection",
    "retrieval-augmented generation", "RAG", "continual learning", "pre-training", "reinforcement learning",
    "RLHF", "diffusion models", "state space models", "Mamba", "medical imaging", "speech recognition",
    "catastrophic forgetting", "parameter-efficient", "multi-object tracking", "data mixture",
)
_FIRST_NAMES = _split(
    "Wei Jing Yang Li Hao Xin Yu Ming Jun Lei Anna Maria Elena Sofia Laura Sara Julia Emma Olga Irina "
    "John David Michael James Robert Daniel Thomas Peter Paul Mark Andrew Alexander Sergey Dmitry Ivan "
    "Hiroshi Takeshi Yuki Kenji Min-Jun Seo-yeon Ji-ho Arjun Priya Rahul Ananya Vikram Mohammed Ahmed "
    "Fatima Omar Ali José Zoë Łukasz Søren François Jürgen Ébène Chloé Björn Nikolaï Carlos Diego Lucas "
    "Mateo Pablo Giulia Marco Luca Hannah Felix Jonas Noah Liam Ethan Olivia Mia Grace"
)
_LAST_NAMES = _split(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Smith Johnson "
    "Williams Brown Jones Miller Davis Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson "
    "Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen "
    "King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell "
    "Parker Evans Edwards Collins Stewart Morris Rogers Reed Cook Morgan Bell Murphy Bailey Cooper "
    "Richardson Cox Howard Ward Torres Peterson Gray Ramirez James Watson Brooks Kelly Sanders Price "
    "Bennett Wood Barnes Ross Henderson Coleman Jenkins Perry Powell Long Patterson Hughes Flores "
    "Washington Butler Simmons Foster Gonzales Bryant Alexander Russell Griffin Diaz Hayes Müller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Schröder Neumann "
    "Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Dubois "
    "Lefèvre Moreau Laurent Simon Michel García Fernández Pérez Sánchez Gómez Díaz Álvarez Romero Rossi "
    "Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Kowalski Nowak Wiśniewski Ivanov "
    "Smirnov Kuznetsov Popov Sokolov Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi "
    "Kim Park Choi Jung Kang Cho Yoon Jang Lim Han Singh Kumar Sharma Gupta Patel Shah Reddy Iyer Rao "
    "Nguyen Tran Pham Hoang Dang Bui Do Ngo"
)
_CATEGORIES = (
    ("cs.LG", 14), ("cs.CV", 12), ("cs.CL", 9), ("cs.AI", 6), ("stat.ML", 5), ("cs.RO", 3), ("cs.CR", 2),
    ("eess.IV", 2), ("eess.SP", 2), ("quant-ph", 6), ("hep-ph", 4), ("hep-th", 4), ("astro-ph.GA", 3),
    ("astro-ph.CO", 2), ("cond-mat.mtrl-sci", 3), ("cond-mat.str-el", 2), ("math.CO", 3), ("math.PR", 2),
    ("math.OC", 2), ("math.AP", 2), ("physics.optics", 2), ("q-bio.QM", 1), ("econ.EM", 1), ("gr-qc", 2),
)
_LICENSES = (
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-nc-sa/4.0/", None,
)


def _vocabulary() -> tuple[list[str], list[float]]:
    """~20k words with Zipf weights: the common words above, then pronounceable made-up terms."""
    words = list(dict.fromkeys(_COMMON))
    rng = random.Random(7)
    seen = set(words)
    while len(words) < 20_000:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cumulative = list(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(words))))
    return words, cumulative


WORDS, _CUM_WEIGHTS = _vocabulary()
# Text is cut from one long Zipf-distributed word stream drawn once: slicing it is ~20x faster than
# drawing every word, and joining 2-3 fragments at random offsets keeps sentences distinct.
_STREAM = random.Random(11).choices(WORDS, cum_weights=_CUM_WEIGHTS, k=1 << 20)
_STREAM_END = len(_STREAM) - 16
_CATEGORY_NAMES = [c for c, _ in _CATEGORIES]
_CATEGORY_CUM = list(itertools.accumulate(w for _, w in _CATEGORIES))


@dataclass
class Paper:
    """The facts of synthetic paper i, before they are written in any format."""

    index: int
    arxiv_id: str
    title: str
    abstract: str  # plain, unwrapped
    authors: list[tuple[str, str]]  # (last, first)
    categories: list[str]
    created: datetime
    versions: int
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    repo: str | None  # a github URL the abstract mentions, if any
    hf_links: list[str]
    keywords: list[str]


def _rng(seed: int, index: int, salt: int = 0) -> random.Random:
    return random.Random((seed * 1_000_003 + index) * 31 + salt)


def _month(index: int) -> tuple[int, int, int]:
    """(year, month, number within month) for paper i: ids advance month by month like arXiv's."""
    months, number = divmod(index, PAPERS_PER_MONTH)
    year, month0 = divmod(FIRST_MONTH[1] - 1 + months, 12)
    return FIRST_MONTH[0] + year, month0 + 1, number + 1


def _words(rng: random.Random, count: int) -> list[str]:
    start = int(rng.random() * _STREAM_END)
    return _STREAM[start:start + count]


def _sentence(rng: random.Random) -> str:
    random_ = rng.random
    parts = [" ".join(_words(rng, 4 + int(random_() * 7))) for _ in range(2 + (random_() < 0.5))]
    if random_() < 0.25:
        parts.insert(1, rng.choice(_TOPIC_PHRASES))
    return " ".join(parts).capitalize() + "."


_SLUG_WORDS = WORDS[200:]  # rarer words make plausible repository names


def _slug(rng: random.Random) -> str:
    return "-".join(rng.choices(_SLUG_WORDS, k=1 + (rng.random() < 0.5)))


def paper(seed: int, index: int) -> Paper:
    """Synthetic paper `index` of the corpus drawn from `seed`; the same arguments give the same paper."""
    rng = _rng(seed, index)
    year, month, number = _month(index)
    title_words = _words(rng, rng.randint(5, 13))
    if rng.random() < 0.3:
        title_words.insert(rng.randrange(len(title_words)), rng.choice(_TOPIC_PHRASES))
    title = " ".join(w if w.isupper() else w.capitalize() for w in title_words)
    target = rng.randint(1200, 1800)
    sentences: list[str] = []
    length = 0
    while length < target:
        sentences.append(_sentence(rng))
        length += len(sentences[-1]) + 1
    repo = None
    hf_links: list[str] = []
    roll = rng.random()
    if roll < 0.12:
        repo = f"https://github.com/{_slug(rng)}{index % 997}/{_slug(rng)}"
        sentences.append(f"Code is available at {repo}.")
    elif roll < 0.16:
        owner, name = _slug(rng), _slug(rng)
        hf_links = [f"https://huggingface.co/{owner}/{name}", f"https://huggingface.co/datasets/{owner}/{name}-data"]
        sentences.append(f"Models and data are released at {hf_links[0]} and {hf_links[1]}.")
    elif roll < 0.18:
        sentences.append(f"Project page: https://{_slug(rng)}.github.io/.")
    n_authors = min(1 + int(rng.expovariate(1 / 3.5)), 40)
    authors = [
        (rng.choice(_LAST_NAMES), rng.choice(_FIRST_NAMES) + (f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if
                                                             rng.random() < 0.2 else ""))
        for _ in range(n_authors)
    ]
    categories = list(dict.fromkeys(rng.choices(_CATEGORY_NAMES, cum_weights=_CATEGORY_CUM, k=rng.randint(1, 3))))
    created = datetime(year, month, 1 + (number * 28) // (PAPERS_PER_MONTH + 1), rng.randrange(24),
                       rng.randrange(60), rng.randrange(60), tzinfo=UTC)
    has_doi = rng.random() < 0.3
    return Paper(
        index=index,
        arxiv_id=f"{year % 100:02d}{month:02d}.{number:05d}",
        title=title,
        abstract=" ".join(sentences),
        authors=authors,
        categories=categories,
        created=created,
        versions=1 + int(rng.random() < 0.35) + int(rng.random() < 0.1),
        doi=f"10.{1000 + index % 8000}/synth.{year}.{index}" if has_doi else None,
        journal_ref=f"J. Synth. Res. {rng.randint(1, 99)}:{rng.randint(1, 9999)},{year}" if has_doi else None,
        comments=f"{rng.randint(4, 40)} pages, {rng.randint(1, 15)} figures" if rng.random() < 0.6 else None,
        license=rng.choice(_LICENSES),
        repo=repo,
        hf_links=hf_links,
        keywords=list(dict.fromkeys(" ".join(_words(rng, 2)) for _ in range(rng.randint(3, 10)))),
    )


def edited(seed: int, index: int, fraction: float) -> bool:
    """Whether record `index` is among the `fraction` an edited copy changes (a fixed hash: no state)."""
    return fraction > 0 and ((index + 1) * 2654435761 ^ seed) % 1_000_003 < fraction * 1_000_003


def _edit(item: Paper, seed: int) -> Paper:
    """A new version of the paper: an extra sentence in the abstract and one more version entry."""
    rng = _rng(seed, item.index, salt=1)
    item.abstract = f"{item.abstract} {_sentence(rng)}"
    item.versions += 1
    return item


_WRAPS = {width: re.compile(rf"(\S(?:.{{0,{width - 2}}}\S)?)(?: +|$)|(\S+)") for width in (70, 78)}


def _wrap(text: str, width: int, indent: str) -> str:
    """arXiv's hard wrap: lines of at most `width` characters (a longer word alone) joined by
    newline + `indent`."""
    return f"\n{indent}".join(m.group(1) or m.group(2) for m in _WRAPS[width].finditer(text))


def _tex_name(first: str, last: str) -> str:
    return f"{first} {last}"


def arxiv_line(item: Paper) -> str:
    """One line of the Kaggle snapshot, key order and escaping as Kaggle writes them."""
    versions = [
        {"version": f"v{v}", "created": format_datetime(item.created + timedelta(days=9 * (v - 1)), usegmt=True)}
        for v in range(1, item.versions + 1)
    ]
    names = [_tex_name(first, last) for last, first in item.authors]
    byline = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    record = {
        "id": item.arxiv_id,
        "submitter": _tex_name(item.authors[0][1], item.authors[0][0]),
        "authors": byline,
        "title": _wrap(item.title, 70, "  "),
        "comments": item.comments,
        "journal-ref": item.journal_ref,
        "doi": item.doi,
        "report-no": None,
        "categories": " ".join(item.categories),
        "license": item.license,
        "abstract": "  " + _wrap(item.abstract, 78, "") + "\n",
        "versions": versions,
        "update_date": (item.created + timedelta(days=9 * (item.versions - 1))).date().isoformat(),
        "authors_parsed": [[last, first, ""] for last, first in item.authors],
    }
    return json.dumps(record, separators=(",", ":"))


def arxiv_lines(seed: int, count: int, *, first: int = 0, edit_fraction: float = 0.0) -> Iterator[str]:
    """Lines for papers first .. first+count-1, `edit_fraction` of them in an edited version."""
    for index in range(first, first + count):
        item = paper(seed, index)
        if edited(seed, index, edit_fraction):
            item = _edit(item, seed)
        yield arxiv_line(item)


def hf_entry(item: Paper, day: date, seed: int) -> dict[str, object]:
    """One daily-papers entry (the 2025 schema era) for the paper, listed on `day`."""
    rng = _rng(seed, item.index, salt=2)
    submitted = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC)
    published = item.created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    hf_paper: dict[str, object] = {
        "id": item.arxiv_id,
        "authors": [
            {"_id": f"{item.index:012x}{n:012x}", "name": f"{first} {last}", "hidden": False}
            for n, (last, first) in enumerate(item.authors)
        ],
        "publishedAt": published,
        "submittedOnDailyAt": submitted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "title": _wrap(item.title, 70, "  "),
        "summary": _wrap(item.abstract, 78, ""),
        "upvotes": int(rng.expovariate(1 / 12)),
        "discussionId": f"{item.index:024x}",
        "ai_keywords": item.keywords,
    }
    if item.repo or rng.random() < 0.3:
        hf_paper["githubRepo"] = item.repo or f"https://github.com/{_slug(rng)}/{_slug(rng)}"
        hf_paper["githubStars"] = int(rng.expovariate(1 / 200))
    if rng.random() < 0.1:
        hf_paper["projectPage"] = f"https://{_slug(rng)}.github.io/"
    return {
        "paper": hf_paper,
        "publishedAt": published,
        "title": hf_paper["title"],
        "summary": hf_paper["summary"],
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{item.arxiv_id}.png",
        "numComments": int(rng.expovariate(1 / 2)),
        "submittedBy": {"_id": f"{rng.getrandbits(96):024x}", "fullname": _tex_name(*reversed(item.authors[0])),
                        "name": _slug(rng), "type": "user"},
        "isAuthorParticipating": rng.random() < 0.4,
    }


def _open(path: Path):  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", buffering=_WRITE_BUFFER, newline="\n")


def write_arxiv(path: Path, count: int, *, seed: int = DEFAULT_SEED, edit_fraction: float = 0.0,
                append: int = 0) -> int:
    """Write the Kaggle JSON-lines dump of papers 0..count+append-1; the number of lines written."""
    with _open(path) as out:
        for line in arxiv_lines(seed, count + append, edit_fraction=edit_fraction):
            out.write(line)
            out.write("\n")
    return count + append


def derive_arxiv(base: Path, path: Path, count: int, *, seed: int = DEFAULT_SEED, edit_fraction: float = 0.0,
                 append: int = 0) -> int:
    """What write_arxiv(path, count, ...) writes, made from the unedited dump `base` of the same seed and
    count: unchanged lines are copied, so an edited copy or a grown dump of 1M papers takes seconds."""
    written = 0
    with base.open(encoding="utf-8", newline="\n") as source, _open(path) as out:
        for index, line in enumerate(itertools.islice(source, count)):
            if edited(seed, index, edit_fraction):
                line = arxiv_line(_edit(paper(seed, index), seed)) + "\n"
            out.write(line)
            written += 1
        for line in arxiv_lines(seed, append, first=count):
            out.write(line)
            out.write("\n")
            written += 1
    if written != count + append:
        raise ValueError(f"{base}: has fewer than {count} lines")
    return written


def _write_hf(path: Path, items: Iterator[dict[str, object]]) -> int:
    """A JSON array written one entry at a time, indented like the API dumps people save."""
    written = 0
    with _open(path) as out:
        out.write("[")
        for entry in items:
            out.write(",\n" if written else "\n")
            out.write(json.dumps(entry, ensure_ascii=False, indent=1))
            written += 1
        out.write("\n]\n")
    return written


def write_hf(path: Path, count: int, *, seed: int = DEFAULT_SEED, first: int = 0, per_day: int = 50) -> int:
    """One daily-papers JSON file for papers first..first+count-1, `per_day` of them per listing day."""
    start = date(2025, 1, 1)
    return _write_hf(path, (
        hf_entry(paper(seed, i), start + timedelta(days=(i - first) // per_day), seed)
        for i in range(first, first + count)
    ))


def write_hf_days(directory: Path, days: int, *, seed: int = DEFAULT_SEED, per_day: int = 50,
                  first: int = 0, start: date = date(2025, 1, 1)) -> list[Path]:
    """One file per day (YYYY-MM-DD.json, as HF dumps are saved): day d lists papers
    first + d*per_day onwards. Raising `days` by one adds exactly one new file (an appended day)."""
    paths = []
    for d in range(days):
        day = start + timedelta(days=d)
        path = directory / f"{day.isoformat()}.json"
        base = first + d * per_day
        if not path.exists():
            _write_hf(path, (hf_entry(paper(seed, i), day, seed) for i in range(base, base + per_day)))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("format", choices=("arxiv", "hf", "hf-days"))
    parser.add_argument("out", type=Path, help="file to write (a directory for hf-days)")
    parser.add_argument("-n", "--count", type=int, default=10_000, help="papers (arxiv, hf)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--edit-fraction", type=float, default=0.0, help="arxiv: share of records edited")
    parser.add_argument("--append", type=int, default=0, help=f"arxiv: extra papers at the end (a day: "
                                                               f"{PAPERS_PER_DAY})")
    parser.add_argument("--first", type=int, default=0, help="hf, hf-days: index of the first paper listed")
    parser.add_argument("--days", type=int, default=1, help="hf-days: number of day files")
    parser.add_argument("--per-day", type=int, default=50, help="hf, hf-days: entries per listing day")
    args = parser.parse_args(argv)
    if args.format == "arxiv":
        n = write_arxiv(args.out, args.count, seed=args.seed, edit_fraction=args.edit_fraction, append=args.append)
    elif args.format == "hf":
        n = write_hf(args.out, args.count, seed=args.seed, first=args.first, per_day=args.per_day)
    else:
        n = len(write_hf_days(args.out, args.days, seed=args.seed, per_day=args.per_day, first=args.first))
    print(f"{args.out}: {n} {'files' if args.format == 'hf-days' else 'records'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
