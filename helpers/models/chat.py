"""The chat model of the active mode: Gemini online, the offline extractive reader otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpers.models.gemini import gemini_options
from helpers.settings import get_settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel


def get_chat_model(temperature: float | None = None) -> BaseChatModel:
    """Return Gemini (online) or the offline extractive stand-in, as the settings say.

    ``temperature`` is sent only when given, or as 0.0 to models before Gemini 3 (see
    :func:`gemini_options`); the offline stand-in has none.
    """
    settings = get_settings()
    if settings.mode == "online":
        from helpers.models.gemini import chat_model  # with the rate limiter and the answer cache

        return chat_model(**gemini_options(settings.chat_model, temperature))
    from helpers.models.reader import ExtractiveChatModel

    return ExtractiveChatModel()  # scores sentences with the multilingual USE (reads Korean)
