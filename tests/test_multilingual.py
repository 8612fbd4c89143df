"""Tests for helpers.embeddings.use: the USE wrapper is a working, offline LangChain Embeddings."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from helpers.embeddings.use import MultilingualUSEEmbeddings, _use_model


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("the multilingual encoder tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_vectors_are_unit_length_and_the_query_matches_the_document(no_network):
    _use_model.cache_clear()  # load the weights with the network blocked
    emb = MultilingualUSEEmbeddings()
    assert isinstance(emb, Embeddings)
    docs = emb.embed_documents(["데비안 패키지", "a Debian package"])
    assert len(docs) == 2 and len(docs[0]) == 512
    assert all(isinstance(x, float) for x in docs[0])
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(emb.embed_query("데비안 패키지"), docs[0], atol=1e-6)
    assert emb.embed_documents([]) == []


def test_a_translation_is_closer_than_an_unrelated_sentence(no_network):
    emb = MultilingualUSEEmbeddings()
    ko, en, other = np.array(
        emb.embed_documents(
            [
                "레이저 커터로 PVC를 자르면 안 됩니다.",
                "You must not cut PVC with the laser cutter.",
                "The kiln fires on Thursday nights.",
            ]
        )
    )
    assert ko @ en > 0.6
    assert ko @ en > ko @ other + 0.3
