"""The paper's formulas on a tiny deterministic stand-in generator (a lookup table)."""

from __future__ import annotations

import math
import types

import pytest

from helpers.models.gemma import cache_argument, score_answer
from helpers.models.marginals import rag_sequence_logprob, rag_token_logprob, retriever_probs

# p(token | passage): passage A knows "Tobiah", passage B knows "Loft".
TABLE = {
    "A": {"Tobiah": 0.9, "Loft": 0.1},
    "B": {"Tobiah": 0.2, "Loft": 0.8},
}


def table_logprobs(prompt: str, answer: str) -> list[float]:
    return [math.log(TABLE[prompt][token]) for token in answer.split()]


def test_retriever_probs_is_a_softmax():
    p = retriever_probs([2.0, 1.0, 0.0])
    assert sum(p) == pytest.approx(1.0)
    assert p == sorted(p, reverse=True)
    assert retriever_probs([0.3, 0.3]) == [0.5, 0.5]
    assert retriever_probs([1.0, 0.0], temperature=0.1)[0] > retriever_probs([1.0, 0.0])[0]


def test_k1_both_equal_the_single_passage_likelihood():
    scores = score_answer(table_logprobs, ["A"], [1.0], "Tobiah Loft")
    single = math.log(0.9) + math.log(0.1)
    assert scores["rag_sequence"] == pytest.approx(single)
    assert scores["rag_token"] == pytest.approx(single)


def test_hand_computed_two_passage_example():
    p_z = [0.5, 0.5]
    scores = score_answer(table_logprobs, ["A", "B"], p_z, "Tobiah Loft")
    sequence = math.log(0.5 * 0.9 * 0.1 + 0.5 * 0.2 * 0.8)  # one passage for the whole answer
    token = math.log((0.5 * 0.9 + 0.5 * 0.2) * (0.5 * 0.1 + 0.5 * 0.8))  # a passage per token
    assert scores["rag_sequence"] == pytest.approx(sequence)
    assert scores["rag_token"] == pytest.approx(token)
    # the answer mixes facts from two passages: RAG-Token can combine them, so it scores higher
    assert scores["rag_token"] > scores["rag_sequence"]


def test_token_marginals_sum_to_one_over_the_vocabulary():
    p_z = retriever_probs([0.7, 0.2])
    total = sum(
        math.exp(rag_token_logprob([[math.log(TABLE["A"][t])], [math.log(TABLE["B"][t])]], p_z))
        for t in ("Tobiah", "Loft")
    )
    assert total == pytest.approx(1.0)


def test_sequence_of_one_token_equals_token():
    per_passage = [[math.log(0.9)], [math.log(0.2)]]
    p_z = [0.3, 0.7]
    assert rag_sequence_logprob(per_passage, p_z) == pytest.approx(
        rag_token_logprob(per_passage, p_z)
    )


# --- Gemma's code paths that depend on the transformers version -----------------------------


def tiny_gemma():
    """Return a randomly initialised two-layer Gemma 3 (no download): the architecture of 07."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = transformers.Gemma3TextConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    return transformers.Gemma3ForCausalLM(config).eval()


def test_the_cache_argument_carries_the_prompt_in_this_transformers(recwarn):
    """One step decoded with the cache gives the logits of a full forward pass: the cache was
    used (transformers before 5.24 silently ignores ``cache=``; 5.24 warns on the old name)."""
    import torch

    model = tiny_gemma()
    name = cache_argument(model)
    ids = torch.tensor([[2, 5, 9, 13, 17, 21]])
    with torch.no_grad():
        full = model(ids).logits[0, -1]
        prompt = model(ids[:, :-1], use_cache=True)
        step = model(ids[:, -1:], **{name: getattr(prompt, name)}, use_cache=True).logits[0, -1]
        alone = model(ids[:, -1:]).logits[0, -1]
    assert torch.allclose(step, full, atol=1e-5)
    assert not torch.allclose(alone, full, atol=1e-3)  # without the cache the step would differ
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning | DeprecationWarning)]


class WordTokenizer:
    """A tokenizer for :func:`tiny_gemma`: one id per word, <bos> = 2 first (like Gemma's)."""

    bos_token_id = 2

    def __call__(self, text, add_special_tokens=True, return_tensors="pt"):
        import torch

        ids = [3 + sum(map(ord, word)) % 60 for word in text.split()]
        ids = ([self.bos_token_id] if add_special_tokens else []) + ids
        return types.SimpleNamespace(input_ids=torch.tensor([ids]))


def test_next_token_logprobs_agree_with_the_answer_scorer(monkeypatch):
    """Decoding step by step (notebook 11's RAG-Token greedy) sees the same log-probabilities
    as scoring the whole answer at once, and each step is a distribution over the vocabulary."""
    import torch

    from helpers.models import gemma

    tokenizer = WordTokenizer()
    model = tiny_gemma()
    monkeypatch.setattr(gemma, "load_generator", lambda: (model, tokenizer))
    gemma._prompt_state.cache_clear()  # prompt caches of another model
    prompt, answer = "Context: Tobiah leads the woodshop Answer:", "Tobiah Marsh Loft"
    answer_ids = tokenizer(answer, add_special_tokens=False).input_ids[0].tolist()
    whole = gemma.gemma_token_logprobs(prompt, answer)
    steps = [gemma.next_token_logprobs(prompt, answer_ids[:i]) for i in range(len(answer_ids))]
    assert [float(s[t]) for s, t in zip(steps, answer_ids, strict=True)] == pytest.approx(
        whole, abs=1e-4
    )
    for step in steps:
        assert step.dtype == torch.float32
        assert float(step.exp().sum()) == pytest.approx(1.0, abs=1e-4)
    again = gemma.next_token_logprobs(prompt, answer_ids[:2])  # the prompt's cache is intact
    assert torch.equal(again, steps[2])
    gemma._prompt_state.cache_clear()


def test_gemma_is_cached_and_loaded_in_its_dtype():
    from helpers.models.gemma import DTYPE, model_inputs

    assert DTYPE == "bfloat16" and model_inputs()["dtype"] == DTYPE  # part of the cache key


def test_gemma_computes_in_float32_with_its_weights_kept_in_bfloat16(monkeypatch):
    """The bfloat16 model made to compute in float32 gives the logits of a float32 copy of the
    same (bfloat16-rounded) weights, keeps one bfloat16 embedding matrix for both ends and its
    linear layers' weights in bfloat16."""
    import torch

    from helpers.models import gemma

    monkeypatch.setattr(gemma, "_HEAD_CHUNK", 24)  # several chunks of the 64-token vocabulary
    ids = torch.tensor([[2, 5, 9, 13, 17, 21]])
    reference = tiny_gemma().to(torch.bfloat16).to(torch.float32)  # the same rounded weights
    model = gemma._compute_in_float32(tiny_gemma().to(torch.bfloat16))
    with torch.no_grad():
        expected, got = reference(ids).logits, model(ids).logits
    assert got.dtype == torch.float32
    assert torch.allclose(got, expected, atol=1e-5)
    embeddings = model.get_input_embeddings().weight
    assert embeddings.dtype == torch.bfloat16 and model.lm_head.weight is embeddings
    layers = [m for m in model.modules() if type(m).__name__ == "WideLinear"]
    assert layers and all(m.weight.dtype == torch.bfloat16 for m in layers)  # widened as they run


@pytest.mark.caches
def test_gemma_tokenizer_gives_autotokenizers_ids():
    """load_generator reads Gemma's tokenizer as the plain fast tokenizer (without
    GemmaTokenizer's Python copies of the vocabulary, ~160 MB): the same ids, <bos> first."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    from helpers.cache import dir_path
    from helpers.models.gemma import model_inputs

    folder = dir_path("models", model_inputs())
    if not folder.is_dir():
        pytest.skip("Gemma is not converted yet (make index)")
    plain = PreTrainedTokenizerFast.from_pretrained(folder)
    auto = AutoTokenizer.from_pretrained(folder)
    texts = ["Context: Tobiah Marsh leads the woodshop.\nQuestion: Who?\nAnswer:",
             "데비안 패키지를 보류하려면\n\n  apt-mark를 씁니다. <start_of_turn>"]
    for text in texts:
        assert plain(text).input_ids == auto(text).input_ids
        assert plain(text).input_ids[0] == auto.bos_token_id
    ids = auto(texts[1]).input_ids
    assert plain.decode(ids) == auto.decode(ids)
