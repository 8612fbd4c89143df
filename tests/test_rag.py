"""Tests for helpers.prompts: citations and the context string the chat model sees."""

from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate

from helpers.models.reader_units import split_prompt
from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT, format_docs, source_label


def test_source_label_prefers_printed_page_then_one_based_page() -> None:
    assert source_label({"source": "a.pdf", "page": 0, "page_label": "iv"}) == "a.pdf p. iv"
    assert source_label({"source": "a.pdf", "page": 2}) == "a.pdf p. 3"
    assert source_label({"source": "t.txt"}) == "t.txt"


def test_format_docs_puts_each_chunk_under_its_label() -> None:
    docs = [
        Document("one", metadata={"source": "a.pdf", "page": 0}),
        Document("two", metadata={"source": "b.txt"}),
    ]
    assert format_docs(docs) == "[a.pdf p. 1]\none\n\n[b.txt]\ntwo"


def test_prompts_have_the_chain_variables_and_the_stand_in_can_split_them() -> None:
    for template in (SEED_PROMPT, DEFENDED_PROMPT):
        prompt = ChatPromptTemplate.from_template(template)
        assert set(prompt.input_variables) == {"context", "question"}
        text = prompt.invoke(
            {"context": "[a.txt]\nThe kiln fires on Thursday.", "question": "When?"}
        ).to_string()
        context, question = split_prompt(text)
        assert "kiln fires on Thursday" in context
        assert question.strip().endswith("When?")
