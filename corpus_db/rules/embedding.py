"""The embedding model: paper text in, unit vectors out. Pure (no files written, no database).

The model is WordLlama's static token embeddings (l2_supercat, 256 dimensions), whose weights and
tokenizer ship inside the `wordllama` wheel: nothing is downloaded at run time. A text's vector is the
mean of its tokens' vectors, normalised. We read the two files ourselves rather than through wordllama's
loader, which tries to download the tokenizer file from a hub before it looks beside itself. The choice
was made by measurement (bench/similar.py, BENCHMARKS.md)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
from functools import cache
from itertools import chain, compress, repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer
# tokenizers is imported by load_model(): a query (store/similar.py, which needs DIMENSIONS) never pays for it.

MODEL_ID = "wordllama-l2-supercat-256"  # stored with the vectors: a different model means re-embedding
DIMENSIONS = 256
MAX_TOKENS = 512  # the first 512 tokens (~2,000 characters) say what a paper is about
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_BATCH = 256  # texts per tokenizer call (it tokenizes a batch on every core)
_MAX_CHARS = 4 * MAX_TOKENS  # cut longer texts before splitting: past 512 tokens they would be cut anyway
_WORD_CACHE = 120_000  # distinct words whose vectors are kept (120 MB a model process); then it starts afresh


def paper_text(title: str | None, abstract: str | None) -> str:
    """What a paper's vector is made from: its title and abstract."""
    return f"{title or ''}. {abstract or ''}".strip()


def text_hash(text: str) -> str:
    """A fingerprint of the text and the model: when it changes, the paper is embedded again."""
    return hashlib.blake2b(f"{MODEL_ID}\n{text}".encode(), digest_size=12).hexdigest()


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")  # locates the files without importing wordllama
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("wordllama")
    return Path(spec.origin).parent


def _read_safetensors_matrix(path: Path) -> np.ndarray:
    """The one tensor of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with path.open("rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        name = next(k for k in header if k != "__metadata__")
        meta = header[name]
        start, end = meta["data_offsets"]
        f.seek(8 + header_len + start)
        data = f.read(end - start)
    dtype = {"F16": np.float16, "F32": np.float32}[meta["dtype"]]
    return np.frombuffer(data, dtype=dtype).reshape(meta["shape"])


class StaticModel:
    """Token vectors, the tokenizer that indexes them, and a cache of word vectors.

    The tokenizer (Llama's BPE) has no pre-tokenizer: it would run its merges over a whole abstract as
    one sequence, ~2,000 texts/s. Its merges never cross a word boundary (a space becomes "▁", which
    starts a token), so a text's tokens are its words' tokens: each distinct word is tokenized once and
    its summed token vector kept. A text's vector is then word counts times word vectors."""

    def __init__(self, vectors: np.ndarray, tokenizer: Tokenizer) -> None:
        self.vectors = vectors  # (vocabulary, DIMENSIONS) float32
        self.tokenizer = tokenizer
        self._word_index: dict[str, int] = {}
        self._word_tokens = np.zeros(_WORD_CACHE, dtype=np.int64)  # tokens per cached word: stop at MAX_TOKENS
        self._word_vectors = np.zeros((_WORD_CACHE, vectors.shape[1]), dtype=np.float32)

    def _learn(self, words: list[str]) -> None:
        """Tokenize words not seen yet and cache their summed token vectors."""
        for word, encoding in zip(words, self.tokenizer.encode_batch(words, add_special_tokens=False), strict=True):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            row = len(self._word_index)
            self._word_vectors[row] = self.vectors[ids].sum(axis=0) if len(ids) else 0.0
            self._word_index[word] = row
            self._word_tokens[row] = len(ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (len(texts) x DIMENSIONS, float32); an empty text gives a zero vector."""
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            docs = [t[:_MAX_CHARS].split() for t in texts[start : start + _BATCH]]
            words = list(chain.from_iterable(docs))
            if not words:
                continue
            # A batch's words looked up at once (-1: not cached yet), then split per text: a few numpy calls
            # per batch rather than per text, which halved the model's CPU time per paper.
            rows = self._rows(words)
            lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
            ends = np.cumsum(lengths)
            starts = ends - lengths
            tokens = np.cumsum(self._word_tokens[rows])
            before = np.concatenate([[0], tokens])[starts]  # tokens of the batch's earlier texts
            stops = np.searchsorted(tokens, before + MAX_TOKENS, side="right")  # the first MAX_TOKENS tokens,
            stops = np.maximum(np.minimum(stops, ends), starts + 1)  # and at least one word
            for row, a, b, n in zip(range(start, start + len(docs)), starts.tolist(), stops.tolist(), lengths.tolist(),
                                    strict=True):
                if n:
                    distinct, counts = np.unique(rows[a:b], return_counts=True)
                    out[row] = np.einsum("ij,i->j", self._word_vectors[distinct], counts.astype(np.float32))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _rows(self, words: list[str]) -> np.ndarray:
        """The word-cache rows of these words, learning the words not seen yet."""
        index = self._word_index
        rows = np.array(list(map(index.get, words, repeat(-1))), dtype=np.int64)  # faster here than fromiter
        missing = rows < 0
        if not missing.any():
            return rows
        new = sorted(set(compress(words, missing)))  # sorted: the same rows every run
        if len(new) > _WORD_CACHE - len(index):
            index.clear()  # full: start afresh with this batch's words
            self._learn(sorted(set(words)))
            return np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
        self._learn(new)
        rows[missing] = np.fromiter(map(index.__getitem__, compress(words, missing)), dtype=np.int64)
        return rows


@cache
def load_model() -> StaticModel:
    """The model, read once per process from the installed wordllama package (~0.3 s)."""
    base = _package_dir()
    vectors = np.ascontiguousarray(_read_safetensors_matrix(base / _WEIGHTS)[:, :DIMENSIONS], dtype=np.float32)
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / _TOKENIZER))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return StaticModel(vectors=vectors, tokenizer=tokenizer)
