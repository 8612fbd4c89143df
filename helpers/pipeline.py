"""The course pipeline in one call, and the seed's beside it: retriever, prompt and chat model in
one LCEL chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT, format_docs
from helpers.retrieval.course import course_retriever, seed_retriever

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import Runnable


def rag_chain(
    retriever: BaseRetriever | Callable[[str], list[Document]],
    template: str,
    llm: BaseChatModel,
) -> Runnable:
    """Return an LCEL chain: question -> ``{"question", "docs", "answer"}``."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough

    prompt = ChatPromptTemplate.from_template(template)
    answer = (
        RunnableLambda(lambda x: {"context": format_docs(x["docs"]), "question": x["question"]})
        | prompt
        | llm
        | StrOutputParser()
    )
    return RunnableParallel(docs=retriever, question=RunnablePassthrough()).assign(answer=answer)


def course_chain(llm: BaseChatModel | None = None, k: int = 5) -> Runnable:
    """Return the course pipeline: hybrid retriever, defended prompt, the active chat model."""
    from helpers.models.chat import get_chat_model

    return rag_chain(course_retriever(k), DEFENDED_PROMPT, llm or get_chat_model())


def seed_chain(llm: BaseChatModel | None = None) -> Runnable:
    """Return the seed note's pipeline: MMR over MiniLM, the seed prompt, the active chat model."""
    from helpers.models.chat import get_chat_model

    return rag_chain(seed_retriever(), SEED_PROMPT, llm or get_chat_model())
