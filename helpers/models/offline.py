"""The base of the course's two offline chat models (the extractive reader, SmolLM2): a chat model
that answers in this process, written as one method, ``answer(messages) -> str``.

LangChain's ``SimpleChatModel`` did this once and is kept only for backward compatibility, so the
course subclasses ``BaseChatModel`` here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class OfflineChatModel(BaseChatModel):
    """A chat model whose subclasses write only :meth:`answer` (and ``_llm_type``)."""

    def answer(self, messages: Sequence[BaseMessage]) -> str:
        """Return the answer to ``messages`` as text."""
        raise NotImplementedError

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = AIMessage(content=self.answer(messages))
        return ChatResult(generations=[ChatGeneration(message=message)])
