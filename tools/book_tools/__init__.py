"""Tooling of the book 「LLMの仕組み」, kept out of the student-facing package ``llm_shikumi``.

- :mod:`book_tools.search` -- the Japanese full-text search splitter (Sphinx ``html_search_options``)
- :mod:`book_tools.colab` -- the Colab set-up cell every notebook starts with (``tools/colab_cell.py``)
- :mod:`book_tools.mathjax` -- Sphinx extension serving MathJax from the site itself (no CDN)
- :mod:`book_tools.execute` -- executes the notebooks on every core into the build's cache (``make book``)

Importable during the book build (``local_extensions`` in ``_config.yml`` puts ``tools/`` on
``sys.path``), in the tests (``pythonpath`` in ``pyproject.toml``) and by the scripts in ``tools/``.
"""
