"""Exercise checks of notebooks 04-05: embeddings and the Chroma index.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import report, todo, unanswered, whole_number
from helpers.lang import say


def check_nearest_chunk(chunk: Any, query: str) -> None:
    """Notebook 04: the id of the stored chunk whose vector is most similar to the query's."""
    if unanswered(chunk):
        print(todo())
        return
    import numpy as np

    from helpers.embeddings.minilm import get_embeddings
    from helpers.index.chroma import corpus_vectors

    ids, vectors, _, _ = corpus_vectors()
    if chunk not in ids:
        report(False, "", say(
            "Not a chunk id of the index: take it from the ids of corpus_vectors().",
            "인덱스의 청크 id가 아닙니다: corpus_vectors()의 ids에서 고르세요."))
        return
    sims = vectors @ np.array(get_embeddings().embed_query(query), dtype=np.float32)
    if chunk == ids[int(np.argmin(sims))]:
        report(False, "", say("That is the *least* similar chunk: take the highest similarity.",
                              "*가장 덜* 유사한 청크입니다: 유사도가 가장 높은 것을 고르세요."))
        return
    report(
        chunk == ids[int(np.argmax(sims))],
        say(f"Right: similarity {sims.max():.3f}, the highest of all {len(ids)} chunks.",
            f"맞습니다: 유사도 {sims.max():.3f}, 청크 {len(ids)}개 중 가장 높습니다."),
        say("Not the nearest: compare the query vector with every stored vector and take the "
            "highest.",
            "최근접 청크가 아닙니다: 쿼리 벡터를 저장된 모든 벡터와 비교해 가장 높은 것을 "
            "고르세요."),
    )


def _english_hits() -> dict[str, int]:
    """Return how many English dev questions (gold in an English document) find their evidence
    in the top 5 of the index's English chunks, with MiniLM and with USE (stored vectors)."""
    import numpy as np
    from langchain_core.documents import Document

    from helpers.embeddings.minilm import get_embeddings
    from helpers.embeddings.use import MultilingualUSEEmbeddings
    from helpers.evaluation.metrics import relevance
    from helpers.index.chroma import corpus_vectors, course_index
    from helpers.questions.course import load_questions

    ids, vectors, metadatas, texts = corpus_vectors()
    rows = [i for i, m in enumerate(metadatas) if ".ko." not in m["source"]]
    chunks = [Document(page_content=texts[i], metadata=metadatas[i]) for i in rows]
    questions = [q for q in load_questions() if q.get("split") == "dev" and q["lang"] == "en"
                 and q["gold"] and ".ko." not in q["gold"]["source"]]
    got = course_index(embedder="use").get(ids=[ids[i] for i in rows], include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    models = {"minilm": (get_embeddings(), vectors[rows]),
              "use": (MultilingualUSEEmbeddings(), np.array([by_id[ids[i]] for i in rows]))}
    counts = {"questions": len(questions)}
    for name, (model, chunk_vectors) in models.items():
        found = 0
        for q in questions:
            sims = chunk_vectors @ np.array(model.embed_query(q["question"]))
            top = np.argsort(-sims, kind="stable")[:5]
            found += any(relevance([chunks[i] for i in top], q["gold"]))
        counts[name] = found
    return counts


def check_use_english(value: Any) -> None:
    """Notebook 04: how many English dev questions (gold in an English document) USE finds in
    the top 5 of the index's English chunks."""
    if not whole_number(value, "how many English questions USE finds.", "USE가 찾는 영어 질문 수."):
        return
    counts = _english_hits()
    if value == counts["minilm"] != counts["use"]:
        report(False, "", say(
            "That is MiniLM's count: embed the English chunks and the questions with `use`.",
            "MiniLM의 개수입니다: 영어 청크와 질문을 `use`로 임베딩하세요."))
        return
    n, use, minilm = counts["questions"], counts["use"], counts["minilm"]
    report(
        value == use,
        say(f"Right: of {n} English questions USE finds {use}, MiniLM {minilm}: measure each "
            "language apart.",
            f"맞습니다: 영어 질문 {n}개 중 USE는 {use}개, MiniLM은 {minilm}개를 찾습니다: 언어마다 "
            "따로 측정하세요."),
        say("Not USE's count: take the English dev questions whose gold is in an English document, "
            "the index's English chunks, and the top 5.",
            "USE의 개수가 아닙니다: 정답 출처가 영어 문서인 영어 dev 질문, 인덱스의 영어 청크, "
            "상위 5개를 쓰세요."),
    )


def check_news_count(count: Any, store: Any) -> None:
    """Notebook 05: how many chunks of the newsletter the demo collection holds (via a filter)."""
    if unanswered(count):
        print(todo())
        return
    expected = len(store.get(where={"source": "tidewell/news-2026.txt"}, include=[])["ids"])
    report(
        count == expected,
        say("Right: a metadata filter counted them without any similarity search.",
            "맞습니다: 유사도 검색 없이 메타데이터 필터로 셌습니다."),
        say("Not the count: use the collection's get() with a where filter on the source.",
            "개수가 다릅니다: 컬렉션의 get()에 source에 대한 where 필터를 쓰세요."),
    )


def check_page_filter(docs: Any) -> None:
    """Notebook 05: handbook chunks from pages 3 to 4 (0-based) that contain the word 'laser'."""
    if unanswered(docs):
        print(todo())
        return
    if not isinstance(docs, list) or not docs or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", say("Expected a non-empty list of Documents from similarity_search.",
                              "similarity_search가 반환한, 비어 있지 않은 Document 리스트가 "
                              "필요합니다."))
        return
    pages_ok = all(3 <= d.metadata.get("page", -1) <= 4 for d in docs)
    word_ok = all("laser" in d.page_content for d in docs)
    if not pages_ok:
        report(False, "", say(
            "Some chunks are outside pages 3-4: combine $gte and $lte with $and.",
            "3-4페이지 밖의 청크가 있습니다: $gte와 $lte를 $and로 묶으세요."))
    else:
        report(word_ok, say("Right: metadata and document filters together.",
                            "맞습니다: 메타데이터 필터와 문서 필터를 함께 썼습니다."),
               say("Some chunks lack 'laser': add where_document={'$contains': 'laser'}.",
                   "'laser'가 없는 청크가 있습니다: where_document={'$contains': 'laser'}를 "
                   "더하세요."))


def _tidewell_found(chunk_size: int, chunk_overlap: int) -> tuple[int, int]:
    """Return how many English Tidewell dev questions find their evidence in the top 3 chunks of
    the handbook and newsletter split at this setting (MiniLM, exact cosine), and of how many."""
    import numpy as np

    from helpers.documents.loaders import load_pdf, load_text
    from helpers.documents.splitting import split_documents
    from helpers.embeddings.minilm import get_embeddings
    from helpers.evaluation.metrics import is_relevant
    from helpers.questions.course import load_questions

    sources = ("tidewell/handbook.pdf", "tidewell/news-2026.txt")
    docs = load_pdf(sources[0]) + load_text(sources[1])
    chunks = split_documents(docs, chunk_size, chunk_overlap)
    questions = [q for q in load_questions() if q.get("split") == "dev" and q["lang"] == "en"
                 and q["answerable"] and q["gold"]["source"] in sources]
    emb = get_embeddings()
    vectors = np.array(emb.embed_documents([c.page_content for c in chunks]))
    found = 0
    for q in questions:
        top = np.argsort(-(vectors @ np.array(emb.embed_query(q["question"]))), kind="stable")[:3]
        found += any(is_relevant(chunks[i], q["gold"]) for i in top)
    return found, len(questions)


def check_small_chunks(value: Any) -> None:
    """Notebook 05: how many Tidewell dev questions find their evidence in the top 3 of a
    collection of the handbook and newsletter split at 250/25."""
    if not whole_number(value, "what found_in_top3(small) returns.",
                        "found_in_top3(small)이 반환하는 값."):
        return
    small, n = _tidewell_found(250, 25)
    usual, _ = _tidewell_found(500, 50)
    if value == usual != small:
        report(False, "", say(
            "That is the 500/50 collection's count: measure `small`, split at 250/25.",
            "500/50 컬렉션의 개수입니다: 250/25로 나눈 `small`을 측정하세요."))
        return
    change = (say("fewer than", "보다 적습니다") if small < usual
              else say("more than", "보다 많습니다") if small > usual
              else say("as many as", "와 같습니다"))
    report(
        value == small,
        say(f"Right: {small} of {n} at 250/25, {change} at 500/50 ({usual}).",
            f"맞습니다: 250/25에서 {n}개 중 {small}개로, 500/50의 {usual}개{change}."),
        say("Not the count of a 250/25 collection: split docs at 250/25, store them, and count "
            "with found_in_top3.",
            "250/25 컬렉션의 개수가 아닙니다: docs를 250/25로 나눠 저장하고 found_in_top3로 "
            "세세요."),
    )
