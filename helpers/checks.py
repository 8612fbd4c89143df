"""Self-checks for the exercises: they say what is wrong, never what the answer is.

A check prints one line (✅, ❌ or ✏️) and returns nothing; it never raises, so a notebook whose
exercises are still blank runs top to bottom (and nbval can compare its outputs). Each notebook's
checks are in its own section below, named ``check_<what>``.
"""

from __future__ import annotations

from typing import Any

TODO = "✏️  Not answered yet: fill in the cell above, then run this check again."


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> None:
    """Print ``✅ success`` or ``❌ hint``."""
    print(f"✅ {success}" if ok else f"❌ {hint}")


def check_mode_line(line: Any) -> None:
    """Notebook 00: the learner prints the active mode with ``get_settings().describe()``."""
    if unanswered(line):
        print(TODO)
        return
    text = str(line)
    report(
        text.startswith("mode: "),
        "That is the line every notebook prints to say which mode it runs in.",
        "Expected the text returned by get_settings().describe(), which starts with 'mode: '.",
    )


# --- 01 loaders -----------------------------------------------------------------------------


def check_glued_pages(pages: Any) -> None:
    """Notebook 01: the FAQ pages whose pypdf text has a glued share above 0.1."""
    if unanswered(pages):
        print(TODO)
        return
    if not isinstance(pages, list) or not all(isinstance(p, int) for p in pages):
        report(False, "", "Expected a list of page numbers (whole numbers from metadata['page']).")
        return
    from pypdf import PdfReader

    from helpers.corpus import data_path, glued_share

    reader = PdfReader(data_path("debian-faq/debian-faq.en.pdf"))
    shares = [glued_share(page.extract_text()) for page in reader.pages]
    expected = [i for i, share in enumerate(shares) if share > 0.1]
    missing, extra = set(expected) - set(pages), set(pages) - set(expected)
    if not pages:
        hint = "An empty list: did you measure the PDFium pages? Use faq_pages, read by pypdf."
    elif extra:
        hint = f"{len(extra)} of your pages have a glued share of 0.1 or less: check the threshold."
    elif missing:
        hint = f"{len(missing)} glued page(s) missing: go through every page of faq_pages."
    else:
        hint = "The right pages, but keep them in page order, each once."
    report(
        pages == expected,
        f"Right: {len(expected)} of {len(shares)} pages; the others are blank or nearly so.",
        hint,
    )


def check_running_header(line: Any) -> None:
    """Notebook 01: the running header line repeated on the handbook's pages."""
    if unanswered(line):
        print(TODO)
        return
    from helpers.corpus import load_pdf, repeated_lines

    pages = [d.page_content for d in load_pdf("tidewell/handbook.pdf", clean=False)]
    report(
        isinstance(line, str) and line.strip() in repeated_lines(pages),
        "That line repeats on the pages: a running header that cleaning should remove.",
        "Not a line repeated on most pages: try repeated_lines() on the raw (clean=False) pages.",
    )


def check_folder_docs(docs: Any) -> None:
    """Notebook 01: every .txt file under data/tidewell, sub-folders included, as Documents."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", "Expected a list of Documents, as corpus.load_text returns.")
        return
    from helpers.corpus import data_path
    from helpers.settings import relative

    expected = sorted(relative(p) for p in data_path("tidewell").rglob("*.txt"))
    sources = [str(d.metadata.get("source", "")) for d in docs]
    if any(not s.endswith(".txt") for s in sources):
        hint = "Some Documents are not from .txt files: keep only the text files."
    elif len(sources) != len(set(sources)):
        hint = "Some files were loaded twice: load each file once."
    elif set(sources) < set(expected):
        hint = "A file in a sub-folder is missing: glob() looks only in the folder itself."
    else:
        hint = "Not the .txt files of data/tidewell: check the folder."
    report(
        sorted(sources) == expected,
        f"Right: {len(expected)} text files, one Document each, from every sub-folder.",
        hint,
    )


MODEL_LIMIT = 256  # word pieces all-MiniLM-L6-v2 reads; the rest of a text is dropped


def _n_tokens(texts: list[str]) -> list[int]:
    """Return the number of word pieces (special tokens included) of each text for MiniLM."""
    from helpers.models import get_tokenizer

    return [len(ids) for ids in get_tokenizer()(texts)["input_ids"]]


def check_news_chunks(chunks: Any) -> None:
    """Notebook 02: the newsletter split with chunk_size=300, chunk_overlap=30, start indexes on."""
    if unanswered(chunks):
        print(TODO)
        return
    from helpers.corpus import load_text, split_documents

    expected = split_documents(load_text("tidewell/news-2026.txt"), 300, 30)
    if not isinstance(chunks, list) or not all(hasattr(c, "metadata") for c in chunks):
        report(False, "", "Expected a list of Documents, as split_documents() returns.")
    elif any(len(c.page_content) > 300 for c in chunks):
        report(False, "", "Some chunks are longer than 300 characters: check chunk_size.")
    elif any("start_index" not in c.metadata for c in chunks):
        report(False, "", "The chunks have no start_index: turn on add_start_index.")
    else:
        report(
            [c.page_content for c in chunks] == [c.page_content for c in expected],
            f"{len(chunks)} chunks, each with its source and start index.",
            "Not the chunks of news-2026.txt at chunk_size=300, chunk_overlap=30: check both.",
        )


def check_safe_size(size: Any) -> None:
    """Notebook 02: the largest character chunk_size (100..500, step 50, overlap size // 10) at
    which no chunk of the Korean FAQ exceeds the model's 256 word pieces."""
    if unanswered(size):
        print(TODO)
        return
    sizes = list(range(100, 501, 50))
    if size not in sizes:
        report(False, "", "Expected one of 100, 150, 200, ..., 500 (a whole number).")
        return
    from helpers.corpus import load_text, split_documents

    ko = load_text("debian-faq/debian-faq.ko.txt")

    def cut(n: int) -> int:
        chunks = split_documents(ko, n, n // 10)
        return sum(t > MODEL_LIMIT for t in _n_tokens([c.page_content for c in chunks]))

    if cut(size):
        report(False, "", f"At {size} some Korean chunks still exceed 256 word pieces: go smaller.")
        return
    report(
        size == 500 or cut(size + 50) > 0,
        f"Right: {size} characters is the most a Korean chunk can hold safely for this model.",
        f"{size} is safe, but so is a larger size: find the largest.",
    )


def check_token_chunks(chunks: Any) -> None:
    """Notebook 02: notice.ko.txt split so that no chunk exceeds 128 word pieces of MiniLM."""
    if unanswered(chunks):
        print(TODO)
        return
    if not chunks or not isinstance(chunks, list) or not hasattr(chunks[0], "metadata"):
        report(False, "", "Expected a non-empty list of Documents, as split_documents() returns.")
        return
    from helpers.corpus import load_text

    text = load_text("tidewell/notice.ko.txt")[0].page_content
    sizes = _n_tokens([c.page_content for c in chunks])
    too_long = sum(n > 128 for n in sizes)
    if any(c.metadata.get("source") != "tidewell/notice.ko.txt" for c in chunks):
        report(False, "", "Split the Documents of tidewell/notice.ko.txt only (load_text).")
    elif too_long:
        report(False, "", f"{too_long} chunk(s) over 128 word pieces: leave room for [CLS], [SEP].")
    elif sum(len(c.page_content) for c in chunks) < 0.95 * len(text.replace("\n", "")):
        report(False, "", "The chunks miss part of the notice: split the whole text.")
    else:
        report(
            sum(sizes) / len(sizes) >= 64,
            f"Right: {len(chunks)} chunks, the longest {max(sizes)} word pieces.",
            "Every chunk fits, but most are far shorter than needed: use most of the 128.",
        )

# --- 03 embeddings --------------------------------------------------------------------------


def check_most_similar(choice: Any, query: str, candidates: list[str]) -> None:
    """Notebook 03: the index of the candidate most similar to the query (cosine, MiniLM)."""
    if unanswered(choice):
        print(TODO)
        return
    import numpy as np

    from helpers.models import get_embeddings

    emb = get_embeddings()
    sims = np.array(emb.embed_documents(candidates)) @ np.array(emb.embed_query(query))
    best = int(np.argmax(sims))
    if not isinstance(choice, int) or not 0 <= choice < len(candidates):
        report(False, "", f"Expected a position from 0 to {len(candidates) - 1}.")
        return
    report(
        choice == best,
        f"Right: similarity {sims[best]:.3f}, the highest of the {len(candidates)}.",
        "Not the highest: compare the dot products of the normalised vectors, all of them.",
    )


def check_nearest_chunk(chunk: Any, query: str) -> None:
    """Notebook 03: the id of the stored chunk whose vector is most similar to the query's."""
    if unanswered(chunk):
        print(TODO)
        return
    import numpy as np

    from helpers.index import corpus_vectors
    from helpers.models import get_embeddings

    ids, vectors, _, _ = corpus_vectors()
    if chunk not in ids:
        report(False, "", "Not a chunk id of the index: take it from the ids of corpus_vectors().")
        return
    sims = vectors @ np.array(get_embeddings().embed_query(query), dtype=np.float32)
    if chunk == ids[int(np.argmin(sims))]:
        report(False, "", "That is the *least* similar chunk: take the highest similarity.")
        return
    report(
        chunk == ids[int(np.argmax(sims))],
        f"Right: similarity {sims.max():.3f}, the highest of all {len(ids)} chunks.",
        "Not the nearest: compare the query vector with every stored vector and take the highest.",
    )

# --- 04 chroma ------------------------------------------------------------------------------


def check_news_count(count: Any, store: Any) -> None:
    """Notebook 04: how many chunks of the newsletter the demo collection holds (via a filter)."""
    if unanswered(count):
        print(TODO)
        return
    expected = len(store.get(where={"source": "tidewell/news-2026.txt"}, include=[])["ids"])
    report(
        count == expected,
        "Right: a metadata filter counted them without any similarity search.",
        "Not the count: use the collection's get() with a where filter on the source.",
    )


def check_page_filter(docs: Any) -> None:
    """Notebook 04: handbook chunks from pages 3 to 4 (0-based) that contain the word 'laser'."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not docs or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", "Expected a non-empty list of Documents from similarity_search.")
        return
    pages_ok = all(3 <= d.metadata.get("page", -1) <= 4 for d in docs)
    word_ok = all("laser" in d.page_content for d in docs)
    if not pages_ok:
        report(False, "", "Some chunks are outside pages 3-4: combine $gte and $lte with $and.")
    else:
        report(word_ok, "Right: metadata and document filters together.",
               "Some chunks lack 'laser': add where_document={'$contains': 'laser'}.")

# --- 05 retrievers --------------------------------------------------------------------------


def check_threshold_retriever(retriever: Any) -> None:
    """Notebook 05: a score-threshold retriever that returns nothing for an off-topic question."""
    if unanswered(retriever):
        print(TODO)
        return
    if not hasattr(retriever, "invoke"):
        report(False, "", "Expected a retriever: the result of vectorstore.as_retriever(...).")
        return
    import logging

    # LangChain logs a warning when a threshold leaves nothing — here that is the expected case.
    log = logging.getLogger("langchain_core.vectorstores.base")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        off_topic = retriever.invoke("What is the recipe for a chocolate cake?")
        on_topic = retriever.invoke("How much does a Maker membership cost per year?")
    finally:
        log.setLevel(level)
    if off_topic:
        report(False, "", "It still returns chunks for an off-topic question: raise the threshold.")
    else:
        report(bool(on_topic), "Right: nothing for cake, something for the membership price.",
               "It returns nothing at all, even on topic: lower the threshold.")


def check_lambda(value: Any) -> None:
    """Notebook 05: the lambda_mult for which MMR returns exactly the similarity top-k."""
    if unanswered(value):
        print(TODO)
        return
    report(value == 1 or value == 1.0, "Right: with λ = 1 the redundancy term has no weight.",
           "Not that one: which λ makes the redundancy term vanish from the MMR score?")

# --- 06 chain -------------------------------------------------------------------------------


def check_sources_chain(chain: Any) -> None:
    """Notebook 06: a chain returning {"answer": str, "sources": [labels]} for a question."""
    if unanswered(chain):
        print(TODO)
        return
    if not hasattr(chain, "invoke"):
        report(False, "", "Expected a runnable (an LCEL chain) with an invoke method.")
        return
    out = chain.invoke("How long must the fume extraction run after a laser job?")
    if not isinstance(out, dict) or not {"answer", "sources"} <= set(out):
        report(False, "", "The output should be a dict with the keys 'answer' and 'sources'.")
    elif not all(isinstance(s, str) for s in out["sources"]):
        report(False, "", "'sources' should be a list of labels (strings), e.g. source_label().")
    else:
        report(any("handbook" in s for s in out["sources"]),
               "Right: the answer travels with the labels of the chunks it came from.",
               "The sources do not include the handbook: is the retriever in the chain?")


def check_citing_prompt(template: Any) -> None:
    """Notebook 06: a prompt template with {context} and {question} that asks for citations."""
    if unanswered(template):
        print(TODO)
        return
    variables = set(getattr(template, "input_variables", []))
    if variables != {"context", "question"}:
        report(False, "", f"The template's variables are {sorted(variables)}; keep exactly "
               "'context' and 'question' so the chain can fill them.")
        return
    text = str(template.format(context="C", question="Q")).lower()
    report("cite" in text or "source" in text, "Right: same variables, and it asks for sources.",
           "It never asks the model to cite its sources.")

def _reader_on_dev(min_score: float) -> dict[str, Any]:
    """Return :func:`helpers.answers.evaluate_reader` of the course pipeline on the dev questions,
    with the offline reader declining below ``min_score``."""
    from helpers.answers import evaluate_reader
    from helpers.corpus import load_questions
    from helpers.pipeline import course_chain
    from helpers.standin import ExtractiveChatModel

    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return evaluate_reader(course_chain(ExtractiveChatModel(min_score=min_score)), dev)


def check_low_threshold(result: Any, min_score: float = 0.9) -> None:
    """Notebook 06: ``evaluate_reader`` on the dev questions of the course pipeline whose reader
    declines below ``min_score``."""
    if unanswered(result):
        print(TODO)
        return
    if not isinstance(result, dict) or not {"rows", "right", "wrong", "declined"} <= set(result):
        report(False, "", "Expected the dict that evaluate_reader returns (with 'right', "
               "'wrong', 'declined' and 'rows').")
        return
    from helpers.corpus import load_questions

    dev_ids = [q["id"] for q in load_questions() if q.get("split") == "dev"]
    if [r.get("id") for r in result["rows"]] != dev_ids:
        report(False, "", "These rows are not the dev questions: pass every question whose "
               "split is 'dev', in the file's order.")
        return
    expected = _reader_on_dev(min_score)
    counts = ("right", "wrong", "declined", "unanswerable_declined")
    report(
        all(result[c] == expected[c] for c in counts),
        f"Right: declining below {min_score}, the reader answers {expected['right']} of "
        f"{expected['answerable']} right and {expected['wrong']} wrong, and declines "
        f"{expected['unanswerable_declined']} of {expected['unanswerable']} unanswerable.",
        f"Not the counts of the course pipeline with ExtractiveChatModel(min_score={min_score}): "
        "check the threshold, and that the reader is the one in course_chain(...).",
    )


# --- 07 paper -------------------------------------------------------------------------------

def check_marginal(value: Any) -> None:
    """Notebook 07: RAG-Token's probability of one token with p(z)=[0.6, 0.4] and
    p(token|z)=[0.5, 0.1]."""
    if unanswered(value):
        print(TODO)
        return
    try:
        close = abs(float(value) - (0.6 * 0.5 + 0.4 * 0.1)) < 1e-9
    except (TypeError, ValueError):
        report(False, "", "Expected a probability (a number between 0 and 1).")
        return
    report(close, "Right: a mixture of the passages' token probabilities, weighted by p(z|x).",
           "Not that: weight each passage's probability by p(z|x) and add them up.")


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
#: answer, and the hint printed when the answer differs. Token ids: 1 end, 2 line break, 3-6
#: " a" to " d", 7 ".". The uniform mixture comes before the weighted one, so that a decoder
#: that ignores p(z|x) gets the weights hint.
_GREEDY_CASES: tuple[dict[str, Any], ...] = (
    {"p_z": [0.5, 0.5], "max_new_tokens": 3,
     "probs": {"A": {"*": {4: 0.9}}, "B": {"*": {4: 0.8}}}, "expected": [4, 4, 4],
     "hint": "An answer that never ends must stop after max_new_tokens tokens."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {1: 0.7}}}, "expected": [6],
     "hint": "With one passage whose next token is the end-of-text token "
             "(tokenizer.eos_token_id), stop there: the answer is the tokens before it."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {2: 0.7}}}, "expected": [6],
     "hint": "A token that decodes to text holding a line break ends the answer too: stop "
             "before it (tokenizer.decode([token]))."},
    {"p_z": [0.5, 0.5], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.9, 4: 0.05, 5: 0.05}, (3,): {4: 0.5, 5: 0.4, 6: 0.1}},
               "B": {(): {3: 0.001, 4: 0.5, 5: 0.499}, (3,): {4: 0.01, 5: 0.4, 6: 0.59}}},
     "expected": [3, 5],
     "hint": "Your decoder picks other tokens than the mixture Σ_z p(z|x)·p(token | x, z, y_<i): "
             "add the passages' weighted probabilities (not their log-probabilities) and take "
             "the largest sum, rather than the token one passage alone is surest of."},
    {"p_z": [0.8, 0.2], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.6, 4: 0.4}, (3,): {7: 0.9}},
               "B": {(): {3: 0.2, 4: 0.8}, (3,): {7: 0.9}}}, "expected": [3, 7],
     "hint": "With p(z|x) = [0.8, 0.2] your decoder picks another first token: weight each "
             "passage's next-token probabilities by its p(z|x)."},
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
    """Notebook 07: the learner's RAG-Token greedy decoder, run on toy generators whose answers
    are known (a correct decoder gives them; common mistakes do not)."""
    if unanswered(fn):
        print(TODO)
        return
    if not callable(fn):
        report(False, "", f"Expected a function: def {_GREEDY_SIGNATURE}.")
        return
    for case in _GREEDY_CASES:
        try:
            result, calls = _run_greedy(fn, case)
        except _EndlessLoop:
            report(False, "", case["hint"] if case["max_new_tokens"] == 3 else
                   "Your loop goes on and on: stop after max_new_tokens tokens at the latest.")
            return
        except Exception as err:  # noqa: BLE001 - the learner's code: report it, never raise
            report(False, "", f"Your function raised {type(err).__name__}: {err} — it is called "
                              f"as {_GREEDY_SIGNATURE}.")
            return
        if result is None:
            print(TODO)
            return
        try:
            generated, shares = result
            tokens = [int(t) for t in generated]
            share_rows = [[float(v) for v in row] for row in shares]
        except (TypeError, ValueError):
            report(False, "", "Return two lists: the answer's token ids, and for each of them "
                              "one share per passage.")
            return
        if not calls:
            report(False, "", "Your function never calls next_logprobs: ask it, at every step, "
                              "for each passage's next-token log-probabilities.")
            return
        if tokens != case["expected"]:
            lost = len(tokens) > 1 and all(not prefix for prefix in calls)
            report(False, "", "Each step must give next_logprobs the tokens decoded so far "
                              "(its second argument)." if lost else case["hint"])
            return
        want = _expected_shares(case)
        same_shape = [len(row) for row in share_rows] == [len(w) for w in want]
        if not same_shape or any(abs(a - b) > 1e-4 for row, w in zip(share_rows, want, strict=True)
                                 for a, b in zip(row, w, strict=True)):
            report(False, "", "The tokens are right, the shares not: for each token, one number "
                              "per passage, log p(z|x) + log p(token | x, z, y_<i).")
            return
    report(True, f"Right: on {len(_GREEDY_CASES)} toy generators it picks the mixture's best token "
                 "and stops where the answer ends.", "")


# --- 08 evaluation --------------------------------------------------------------------------


def check_mrr(value: Any) -> None:
    """Notebook 08: the MRR of the ranking [miss, miss, hit, miss, hit]."""
    if unanswered(value):
        print(TODO)
        return
    try:
        close = abs(float(value) - 1 / 3) < 1e-6
    except (TypeError, ValueError):
        report(False, "", "Expected a number.")
        return
    report(close, "Right: only the first relevant result counts, at rank 3.",
           "Not quite: MRR takes 1/rank of the *first* relevant result only.")


def _dev_mrr_at_fetch_k(fetch_k: int) -> dict[str, float]:
    """Return the dev MRR per question script of the course retriever when each component hands
    ``fetch_k`` candidates to the fusion, at the chosen alpha (``helpers.pipeline.ALPHA``)."""
    from helpers.corpus import load_questions
    from helpers.evaluation import alpha_sweep, split_questions
    from helpers.pipeline import ALPHA, course_retriever

    dev = split_questions(load_questions(), "dev")
    retriever = course_retriever().model_copy(update={"fetch_k": fetch_k})
    rows = alpha_sweep(retriever, dev, sorted(set(ALPHA.values())))
    return {r["script"]: r["MRR"] for r in rows if r["alpha"] == ALPHA[r["script"]]}


def check_fetch5(value: Any) -> None:
    """Notebook 08: the dev MRR per script ({"en": ..., "ko": ...}) of the course retriever with
    ``fetch_k=5`` instead of 50, at the chosen alpha."""
    if unanswered(value):
        print(TODO)
        return
    from helpers.pipeline import FETCH_K

    want = _dev_mrr_at_fetch_k(5)
    if not isinstance(value, dict) or set(value) != set(want):
        report(False, "", 'Expected a dict with the keys "en" and "ko" (one MRR per script).')
        return
    try:
        close = all(abs(float(value[s]) - want[s]) <= 5e-4 for s in want)  # rounded or not
    except (TypeError, ValueError):
        close = False
    usual = _dev_mrr_at_fetch_k(FETCH_K) if close else {}
    change = {s: round(want[s] - usual[s], 3) for s in usual}
    report(
        close,
        f"Right. MRR change against fetch_k={FETCH_K}: {change} — a candidate missing from one "
        "list scores 0 there.",
        "Not the dev MRR of fetch_k=5 at the chosen α: use dev (not test), ALPHA, and the 'MRR' "
        "of alpha_sweep's rows.",
    )


def check_dense_only(value: Any) -> None:
    """Notebook 09: hit@5 of the course retriever with ``alpha`` 1.0 (dense only) on dev."""
    if unanswered(value):
        print(TODO)
        return
    from helpers.corpus import load_questions
    from helpers.evaluation import evaluate, split_questions
    from helpers.pipeline import course_retriever

    dev = split_questions(load_questions(), "dev")
    dense = course_retriever(alpha={"en": 1.0, "ko": 1.0})
    hybrid = course_retriever()
    expected = evaluate(dense.invoke, dev)["hit@5"]
    mixed = evaluate(hybrid.invoke, dev)["hit@5"]
    ok = isinstance(value, float) and abs(value - expected) < 1e-3
    report(
        ok,
        f"Right: dense only finds a gold chunk in the top 5 for {expected:.3f} of the dev "
        f"questions, the hybrid for {mixed:.3f}.",
        "Not the hit@5 of course_retriever(alpha={'en': 1.0, 'ko': 1.0}) on the answerable dev "
        "questions: use helpers.evaluation.evaluate(retriever.invoke, dev)['hit@5'].",
    )
