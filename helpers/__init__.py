"""Shared code for the RAG Course notebooks, laid out in the order of the pipeline: each lesson
writes an idea, later lessons import it from here.

Importing ``helpers`` loads nothing heavy and touches no network. Stages are folders; inside a
stage, one module per idea (``python scripts/import_graph.py`` prints how they import each other):

- :mod:`helpers.settings` — settings and mode detection: offline or online, models, the API key.
- :mod:`helpers.cache` — the one cache scheme: a key from every input, write-then-rename, a lock.
- :mod:`helpers.runtime` — quiet library logs, and freed memory handed back to the system.
- :mod:`helpers.lang` — the learner's language (``RAG_COURSE_LANG``: English or Korean).
- :mod:`helpers.documents.files` — where ``data/`` is, the corpus files, ``CourseDataError``.
- :mod:`helpers.documents.cleaning` — PDF text cleaning and the glued-word detector (01, 02).
- :mod:`helpers.documents.loaders` — PDF and text loaders, the whole corpus (01).
- :mod:`helpers.documents.splitting` — the 500/50 splitter with stable chunk ids (03).
- :mod:`helpers.documents.hangul` — which script a text is in; Hangul bigrams.
- :mod:`helpers.questions.course` — the course's question set and its dev/test split.
- :mod:`helpers.questions.tydi` — the external benchmark, TyDi QA, stored in ``data/external/``.
- :mod:`helpers.embeddings.minilm` — all-MiniLM-L6-v2 (English) and its tokenizer.
- :mod:`helpers.embeddings.use` — the multilingual Universal Sentence Encoder (reads Korean).
- :mod:`helpers.index.chroma` — the persisted Chroma indexes, ``new_collection()``, stored vectors.
- :mod:`helpers.index.vectors` — vectors kept in the cache: per chunk setting, per question.
- :mod:`helpers.retrieval.bm25` — keyword retrieval: BM25 as a LangChain retriever.
- :mod:`helpers.retrieval.mmr` — maximal marginal relevance in numpy (06) and over fused lists.
- :mod:`helpers.retrieval.hybrid` — fusion of BM25 and dense scores, the hybrid retriever (07).
- :mod:`helpers.retrieval.course` — the course's retrievers and the seed's MMR retriever.
- :mod:`helpers.models.offline` — the base of the two offline chat models.
- :mod:`helpers.models.reader_units` — the extractive reader's candidate sentences and terms.
- :mod:`helpers.models.reader` — the offline extractive reader (not an LLM) and its scoring (09).
- :mod:`helpers.models.smollm2` — SmolLM2-135M-Instruct, a small offline LLM (10).
- :mod:`helpers.models.gemma` — Gemma 3 270M's token log-probabilities (11).
- :mod:`helpers.models.marginals` — the RAG paper's RAG-Sequence and RAG-Token (11).
- :mod:`helpers.models.gemini_errors` — Gemini's errors, each one line that says what to do.
- :mod:`helpers.models.gemini` — Gemini calls: retries, budgets, cached answers.
- :mod:`helpers.models.chat` — the chat model of the active mode.
- :mod:`helpers.prompts` — the seed's and the course's prompts, and formatted context.
- :mod:`helpers.pipeline` — the course pipeline and the seed's in one LCEL chain each.
- :mod:`helpers.evaluation.metrics` — relevance, hit rate@k, MRR, nDCG@k, paired tests.
- :mod:`helpers.evaluation.answers` — answers scored right, declined or wrong; a reader evaluated.
- :mod:`helpers.evaluation.sweeps` — retrieval evaluated, and the chunk-size sweep (12).
- :mod:`helpers.evaluation.fusion` — the fusion weight α chosen on dev, checked on test (07).
- :mod:`helpers.evaluation.benchmark` — the course retriever on TyDi QA; the fusion check's sets.
- :mod:`helpers.views.plots` — fonts (Korean too), PDF pages, chunk boundaries as HTML.
- :mod:`helpers.views.corpus_map` — the corpus map: UMAP fitted once, and drawn.
- :mod:`helpers.views.playground` — notebook 15's playground (ipywidgets).
- :mod:`helpers.checks.common` — what every exercise check shares.
- :mod:`helpers.checks.documents` — exercise checks of notebooks 00-03.
- :mod:`helpers.checks.index` — exercise checks of notebooks 04-05.
- :mod:`helpers.checks.retrieval` — exercise checks of notebooks 06-07.
- :mod:`helpers.checks.advanced` — exercise checks of notebooks 14-15.
- :mod:`helpers.checks.generation` — exercise checks of notebooks 08-10.
- :mod:`helpers.checks.paper` — exercise checks of notebook 11.
- :mod:`helpers.checks.evaluation` — exercise checks of notebooks 12-13.
"""

__version__ = "0.2.0"
