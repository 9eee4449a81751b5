"""The first cell of every notebook: installs what Google Colab lacks, only in Colab.

Book tooling, not part of the student package: one function defines the cell; ``tools/colab_cell.py`` writes it into the
notebooks and ``tests/test_notebooks.py`` checks that every notebook carries it.
"""

# Packages Colab does not preinstall. torch, numpy and matplotlib are already there.
COLAB_PACKAGES = ("fugashi", "unidic-lite", "matplotlib-fontja")

CELL_TAG = "colab-setup"


def setup_cell_source(repository_url: str) -> str:
    """Source of the set-up cell for a book published from ``repository_url``."""
    url = repository_url.rstrip("/")
    if url.endswith(".git"):
        url = url[: -len(".git")]
    packages = " ".join(COLAB_PACKAGES)
    return (
        "# Google Colab で開いたときだけ、このノートブックに必要なパッケージを入れます。\n"
        "# ローカル (make book で作った .venv) では何もしません。\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet {packages} "llm-shikumi @ git+{url}"'
    )
