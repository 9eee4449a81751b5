"""Shared code of the course 「LLMの仕組み」.

Chapters show ideas; the reusable parts live here so that chapters, exercises,
solutions, tests and the autograder import one implementation:

- :mod:`llm_shikumi.morphology` -- 形態素解析 with fugashi + unidic-lite
- :mod:`llm_shikumi.plotting` -- matplotlib with a Japanese font (no tofu)
- :mod:`llm_shikumi.texts` -- short Japanese texts used in examples
"""

__version__ = "0.1.0"
