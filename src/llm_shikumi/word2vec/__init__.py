"""word2vec from scratch in PyTorch, and the count-based vectors beside it (chapter 04).

The idea (Mikolov et al. 2013): learn a dense vector for every word by predicting, from a word,
the words around it (skip-gram), or a word from the words around it (CBOW, continuous
bag-of-words), with negative sampling instead of a softmax over the vocabulary.

Modules, by concern:

- :mod:`~llm_shikumi.word2vec.pairs` -- training examples (skip-gram, CBOW), subsampling, the
  noise distribution, the negative-sampling loss and its gradient by hand;
- :mod:`~llm_shikumi.word2vec.model` -- :class:`Word2Vec` (two embedding tables) and
  :func:`train_word2vec`;
- :mod:`~llm_shikumi.word2vec.vectors` -- :class:`WordVectors` (similarity, neighbours, analogies),
  analogy margins, the random baseline, neighbours on held-out word groups;
- :mod:`~llm_shikumi.word2vec.counts` -- co-occurrence → PPMI → truncated SVD;
- :mod:`~llm_shikumi.word2vec.data` -- the novel as sentences of morphemes (cached);
- :mod:`~llm_shikumi.word2vec.plot` -- a 2-D PCA map of word vectors.

Everything is re-exported here: ``from llm_shikumi.word2vec import train_word2vec``.
"""
from llm_shikumi.word2vec.counts import (
    cooccurrence_matrix,
    cooccurrence_vectors,
    ppmi,
    ppmi_svd_vectors,
    truncated_svd,
)
from llm_shikumi.word2vec.data import NOVEL_CBOW, NOVEL_COUNTS, NOVEL_SKIPGRAM, NOVEL_WORD_GROUPS, novel_sentences
from llm_shikumi.word2vec.model import Word2Vec, train_word2vec
from llm_shikumi.word2vec.pairs import (
    cbow_pairs,
    cbow_tensors,
    keep_probabilities,
    negative_sampling_gradients,
    negative_sampling_loss,
    noise_distribution,
    skipgram_pair_tensor,
    skipgram_pairs,
    subsample,
)
from llm_shikumi.word2vec.plot import pca_2d, plot_word_map
from llm_shikumi.word2vec.vectors import (
    AnalogyResult,
    WordVectors,
    chance_neighbour_accuracy,
    cosine_similarity,
    evaluate_analogy,
    neighbour_accuracy,
    random_vectors,
)

__all__ = [
    "NOVEL_CBOW", "NOVEL_COUNTS", "NOVEL_SKIPGRAM", "NOVEL_WORD_GROUPS", "AnalogyResult", "Word2Vec", "WordVectors", "cbow_pairs", "cbow_tensors", "chance_neighbour_accuracy",
    "cooccurrence_matrix", "cooccurrence_vectors", "cosine_similarity", "evaluate_analogy", "keep_probabilities",
    "negative_sampling_gradients", "negative_sampling_loss", "neighbour_accuracy", "noise_distribution",
    "novel_sentences", "pca_2d", "plot_word_map", "ppmi", "ppmi_svd_vectors", "random_vectors",
    "skipgram_pair_tensor", "skipgram_pairs", "subsample", "train_word2vec", "truncated_svd",
]
