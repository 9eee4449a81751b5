"""Shared code of the course 「LLMの仕組み」.

Chapters show ideas; the reusable parts live here so that chapters, exercises, solutions, tests
and the autograder import one implementation. Built up chapter by chapter:

- :mod:`llm_shikumi.morphology` -- 形態素解析 with fugashi + unidic-lite (chapter 01)
- :mod:`llm_shikumi.texts` -- short original Japanese texts for examples (chapter 01)
- :mod:`llm_shikumi.novel` -- 夏目漱石『吾輩は猫である』, cleaned, split by chapter (train 一〜九, dev 十, test 十一)
- :mod:`llm_shikumi.textstats` -- word counts of real text: Zipf's and Heaps' laws, unknown-word rates (chapters 01, 03)
- :mod:`llm_shikumi.lm_eval` -- bits per character and perplexity, the yardstick of every language model
- :mod:`llm_shikumi.corpus` -- a generated, templated corpus: the controlled "laboratory" of chapter 04
- :mod:`llm_shikumi.ngram` -- N-gram language models from counts: add-k, interpolation, Kneser–Ney; their bpc on the novel (chapter 02)
- :mod:`llm_shikumi.vocab` -- vocabulary (token <-> id), one-hot and bag-of-words (chapter 03)
- :mod:`llm_shikumi.word2vec` -- skip-gram / CBOW with negative sampling, and PPMI + SVD count vectors (chapter 04)
- :mod:`llm_shikumi.pretrained` -- chiVe word vectors from the ja-ginza package, offline (chapter 04)
- :mod:`llm_shikumi.training` -- seeds, batching of token streams, the generic train loop, total NLL (every neural chapter)
- :mod:`llm_shikumi.rnn` -- the RNN recurrence from scratch, gradient norms vs distance, a character-level RNN/LSTM/GRU language model (chapter 05)
- :mod:`llm_shikumi.attention` -- scaled dot-product and additive attention with masks (chapter 07; reused in 08)
- :mod:`llm_shikumi.transformer`, :mod:`llm_shikumi.positional` -- multi-head attention, Transformer blocks (post-/pre-LN), positional encodings (chapter 08; blocks reused by GPT)
- :mod:`llm_shikumi.bert`, :mod:`llm_shikumi.book_text` -- MeCab + WordPiece, 80/10/10 masking, a tiny BERT pre-trained and fine-tuned; the book's own prose as a class (chapter 09)
- :mod:`llm_shikumi.finetune`, :mod:`llm_shikumi.icl` -- classification head vs instruction tuning with a response-only loss mask; in-context learning on a synthetic key-value task, few-shot prompts (chapter 11)
- :mod:`llm_shikumi.rag`, :mod:`llm_shikumi.history` -- retrieval-augmented generation over the book's own chapters (TF-IDF, BM25, dense, recall@k, prompts), the LLM timeline (chapter 12)
- :mod:`llm_shikumi.plotting` -- every figure: bars, heatmaps, log–log plots, Japanese labels (no tofu)
"""

__version__ = "0.1.0"
