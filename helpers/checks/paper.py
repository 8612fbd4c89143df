"""Exercise checks of notebook 11: the RAG paper's marginalisations.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import report, todo, unanswered
from helpers.lang import say


def check_temperature(value: Any, per_passage: Any, scores: Any, temperature: float = 0.2) -> None:
    """Notebook 11: RAG-Token's log p(answer) over all the chunks of ``per_passage`` (each
    chunk's per-token log-probabilities) when p(z|x) is the softmax of ``scores`` at
    ``temperature`` rather than at 0.05."""
    if unanswered(value):
        print(todo())
        return
    try:
        value = float(value)
    except (TypeError, ValueError):
        report(False, "", say("Expected a number: a log-probability (negative).",
                              "숫자가 필요합니다: 로그 확률(음수)."))
        return
    from helpers.models.marginals import rag_sequence_logprob, rag_token_logprob, retriever_probs

    def marginal(tau: float, k: int, formula: Any = rag_token_logprob) -> float:
        return formula(per_passage[:k], retriever_probs(list(scores)[:k], temperature=tau))

    k = len(per_passage)
    want, usual = marginal(temperature, k), marginal(0.05, k)
    wrong = {
        say("That is the value at τ = 0.05: pass temperature=0.2 to retriever_probs.",
            "τ = 0.05에서의 값입니다: retriever_probs에 temperature=0.2를 넘기세요."): usual,
        say("That is RAG-Sequence's log p: the exercise asks for RAG-Token's.",
            "RAG-Sequence의 log p입니다: 연습 문제는 RAG-Token의 log p를 묻습니다."):
            marginal(temperature, k, rag_sequence_logprob),
        say("That is k = 1, where τ changes nothing: use all four chunks.",
            "k = 1의 값입니다. 여기서는 τ가 아무것도 바꾸지 않습니다: 청크 네 개를 모두 쓰세요."):
            marginal(temperature, 1),
    }
    for hint, other in wrong.items():
        if abs(value - other) <= 5e-3 < abs(want - other):  # rounded to 2 decimals, or not
            report(False, "", hint)
            return
    report(
        abs(value - want) <= 5e-3,
        say(f"Right: RAG-Token {want:.2f} at τ = {temperature}, {usual:.2f} at τ = 0.05: chunks "
            "without the answer weigh more.",
            f"맞습니다: RAG-Token은 τ = {temperature}에서 {want:.2f}, τ = 0.05에서 {usual:.2f}"
            "입니다: 답이 없는 청크의 비중이 커집니다."),
        say(f"Not RAG-Token's log p at k = {k}, τ = {temperature}: softmax the scores with "
            "retriever_probs, then rag_token_logprob over all the chunks.",
            f"k = {k}, τ = {temperature}에서 RAG-Token의 log p가 아닙니다: retriever_probs로 "
            "점수에 softmax를 적용한 뒤, 모든 청크에 대해 rag_token_logprob을 계산하세요."),
    )


_GREEDY_SIGNATURE = "rag_token_greedy(prompts, p_z, next_logprobs, tokenizer, max_new_tokens=12)"


class _ToyTokenizer:
    """The vocabulary of check_rag_token_greedy's toy generator: id 1 ends the text, id 2 is a
    line break."""

    eos_token_id = 1
    words = ("<pad>", "<eos>", "\n", " a", " b", " c", " d", ".", " ?")

    def decode(self, ids: Any) -> str:
        """Return the text of ``ids``."""
        return "".join(self.words[int(i)] for i in ids)


#: Toy generators for check_rag_token_greedy, in the order their failures are reported: the
#: passages' p(z|x), max_new_tokens, next-token probabilities per (passage, tokens decoded so
#: far) — a prefix not listed gets the passage's "*" entry, else the end of text — the expected
#: answer, and the hint printed when the answer differs (``hint_ko`` in Korean). Token ids: 1
#: end, 2 line break, 3-6 " a" to " d", 7 ".". The uniform mixture comes before the weighted
#: one, so that a decoder that ignores p(z|x) gets the weights hint.
_GREEDY_CASES: tuple[dict[str, Any], ...] = (
    {"p_z": [0.5, 0.5], "max_new_tokens": 3,
     "probs": {"A": {"*": {4: 0.9}}, "B": {"*": {4: 0.8}}}, "expected": [4, 4, 4],
     "hint": "An answer that never ends must stop after max_new_tokens tokens.",
     "hint_ko": "끝나지 않는 답변은 max_new_tokens개 토큰 뒤에 멈춰야 합니다."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {1: 0.7}}}, "expected": [6],
     "hint": "With one passage whose next token is the end-of-text token "
             "(tokenizer.eos_token_id), stop there: the answer is the tokens before it.",
     "hint_ko": "구절이 하나이고 그 다음 토큰이 텍스트 끝 토큰(tokenizer.eos_token_id)이면 "
                "거기서 멈추세요: 답변은 그 앞의 토큰들입니다."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {2: 0.7}}}, "expected": [6],
     "hint": "A token that decodes to text holding a line break ends the answer too: stop "
             "before it (tokenizer.decode([token])).",
     "hint_ko": "디코딩한 텍스트에 줄바꿈이 들어 있는 토큰도 답변을 끝냅니다: 그 앞에서 "
                "멈추세요(tokenizer.decode([token]))."},
    {"p_z": [0.5, 0.5], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.9, 4: 0.05, 5: 0.05}, (3,): {4: 0.5, 5: 0.4, 6: 0.1}},
               "B": {(): {3: 0.001, 4: 0.5, 5: 0.499}, (3,): {4: 0.01, 5: 0.4, 6: 0.59}}},
     "expected": [3, 5],
     "hint": "Your decoder picks other tokens than the mixture Σ_z p(z|x)·p(token | x, z, y_<i): "
             "add the passages' weighted probabilities (not their log-probabilities) and take "
             "the largest sum, rather than the token one passage alone is surest of.",
     "hint_ko": "디코더가 혼합 Σ_z p(z|x)·p(token | x, z, y_<i)과 다른 토큰을 고릅니다: 한 "
                "구절이 홀로 가장 확신하는 토큰이 아니라, 구절들의 가중 확률(로그 확률이 "
                "아님)을 더해 합이 가장 큰 토큰을 고르세요."},
    {"p_z": [0.8, 0.2], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.6, 4: 0.4}, (3,): {7: 0.9}},
               "B": {(): {3: 0.2, 4: 0.8}, (3,): {7: 0.9}}}, "expected": [3, 7],
     "hint": "With p(z|x) = [0.8, 0.2] your decoder picks another first token: weight each "
             "passage's next-token probabilities by its p(z|x).",
     "hint_ko": "p(z|x) = [0.8, 0.2]에서 디코더가 다른 첫 토큰을 고릅니다: 각 구절의 다음 토큰 "
                "확률에 그 구절의 p(z|x)로 가중치를 주세요."},
)


class _EndlessLoop(Exception):
    """Raised by the toy generator when a decoder asks it for far more steps than it may."""


def _toy_next_logprobs(probs: dict[str, Any], calls: list[tuple[int, ...]]) -> Any:
    """Return a next_logprobs(prompt, generated) over the toy vocabulary that logs its calls."""
    import torch

    def next_logprobs(prompt: str, generated: Any = ()) -> Any:
        prefix = tuple(int(t) for t in generated)
        calls.append(prefix)
        if len(calls) > 100:  # a loop that ignores max_new_tokens would never end
            raise _EndlessLoop
        table = probs[prompt]
        given = table.get(prefix, table.get("*", {1: 1.0}))
        rest = (1.0 - sum(given.values())) / (len(_ToyTokenizer.words) - len(given))
        p = torch.tensor([given.get(i, rest) for i in range(len(_ToyTokenizer.words))])
        return torch.log(p.clamp_min(1e-12)).float()

    return next_logprobs


def _run_greedy(fn: Any, case: dict[str, Any]) -> tuple[Any, list[tuple[int, ...]]]:
    """Run the learner's decoder on one toy case: (its result, the prefixes it asked for)."""
    calls: list[tuple[int, ...]] = []
    prompts = sorted(case["probs"])
    result = fn(prompts, list(case["p_z"]), _toy_next_logprobs(case["probs"], calls),
                _ToyTokenizer(), max_new_tokens=case["max_new_tokens"])
    return result, calls


def _expected_shares(case: dict[str, Any]) -> list[list[float]]:
    """Return log p(z|x) + log p(token | z, prefix) for each passage and each expected token."""
    import math

    rows = []
    for i, token in enumerate(case["expected"]):
        prefix = tuple(case["expected"][:i])
        row = []
        for prompt, pz in zip(sorted(case["probs"]), case["p_z"], strict=True):
            lp = _toy_next_logprobs(case["probs"], [])(prompt, prefix)
            row.append(math.log(pz) + float(lp[token]))
        rows.append(row)
    return rows


def check_rag_token_greedy(fn: Any) -> None:
    """Notebook 11: the learner's RAG-Token greedy decoder, run on toy generators whose answers
    are known (a correct decoder gives them; common mistakes do not)."""
    if unanswered(fn):
        print(todo())
        return
    if not callable(fn):
        report(False, "", say(f"Expected a function: def {_GREEDY_SIGNATURE}.",
                              f"함수가 필요합니다: def {_GREEDY_SIGNATURE}."))
        return
    for case in _GREEDY_CASES:
        try:
            result, calls = _run_greedy(fn, case)
        except _EndlessLoop:
            report(False, "", say(case["hint"], case["hint_ko"]) if case["max_new_tokens"] == 3
                   else say("Your loop goes on and on: stop after max_new_tokens tokens at the "
                            "latest.",
                            "반복이 끝나지 않습니다: 늦어도 max_new_tokens개 토큰 뒤에는 "
                            "멈추세요."))
            return
        except Exception as err:  # noqa: BLE001 - the learner's code: report it, never raise
            report(False, "", say(f"Your function raised {type(err).__name__}: {err} — it is "
                                  f"called as {_GREEDY_SIGNATURE}.",
                                  f"함수에서 {type(err).__name__} 예외가 발생했습니다: {err} — "
                                  f"호출 형태는 {_GREEDY_SIGNATURE}입니다."))
            return
        if result is None:
            print(todo())
            return
        try:
            generated, shares = result
            tokens = [int(t) for t in generated]
            share_rows = [[float(v) for v in row] for row in shares]
        except (TypeError, ValueError):
            report(False, "", say("Return two lists: the answer's token ids, and for each of "
                                  "them one share per passage.",
                                  "리스트 두 개를 돌려주세요: 답변의 토큰 id들, 그리고 각 토큰마다 "
                                  "구절별 몫(share) 하나씩."))
            return
        if not calls:
            report(False, "", say("Your function never calls next_logprobs: ask it, at every "
                                  "step, for each passage's next-token log-probabilities.",
                                  "함수가 next_logprobs를 한 번도 호출하지 않습니다: 매 단계마다 "
                                  "각 구절의 다음 토큰 로그 확률을 요청하세요."))
            return
        if tokens != case["expected"]:
            lost = len(tokens) > 1 and all(not prefix for prefix in calls)
            report(False, "", say("Each step must give next_logprobs the tokens decoded so far "
                                  "(its second argument).",
                                  "각 단계는 지금까지 디코딩한 토큰을 next_logprobs에 넘겨야 "
                                  "합니다(두 번째 인자).") if lost
                   else say(case["hint"], case["hint_ko"]))
            return
        want = _expected_shares(case)
        same_shape = [len(row) for row in share_rows] == [len(w) for w in want]
        if not same_shape or any(abs(a - b) > 1e-4 for row, w in zip(share_rows, want, strict=True)
                                 for a, b in zip(row, w, strict=True)):
            report(False, "", say("The tokens are right, the shares not: for each token, one "
                                  "number per passage, log p(z|x) + log p(token | x, z, y_<i).",
                                  "토큰은 맞지만 몫(share)이 틀립니다: 각 토큰마다 구절별로 숫자 "
                                  "하나, log p(z|x) + log p(token | x, z, y_<i)입니다."))
            return
    report(True, say(f"Right: on {len(_GREEDY_CASES)} toy generators it picks the mixture's best "
                     "token and stops where the answer ends.",
                     f"맞습니다: 장난감 생성기 {len(_GREEDY_CASES)}개에서 혼합의 최선 토큰을 "
                     "고르고, 답변이 끝나는 곳에서 멈춥니다."), "")
