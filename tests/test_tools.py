"""Book tooling in tools/: the online drift check fails clearly offline and finds the online cells."""
from __future__ import annotations

import subprocess
import sys

from site_helpers import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import check_online  # noqa: E402  (a script in tools/, not a package)


def test_check_online_stops_clearly_without_network():
    """An unreachable repository (a closed port on this machine) gives one sentence saying so."""
    problem = check_online.preflight("http://127.0.0.1:9/llm-shikumi.git", timeout=20)
    assert problem is not None and "cannot reach http://127.0.0.1:9/llm-shikumi.git" in problem, problem


def test_check_online_finds_the_online_cells():
    nb = {"cells": [
        {"cell_type": "code", "source": "import sys", "metadata": {}},
        {"cell_type": "code", "source": "from llm_shikumi import hub\ngpt = hub.load_causal_lm('x')", "metadata": {}},
        {"cell_type": "markdown", "source": "hub.load_causal_lm() を使います", "metadata": {}},
        {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["online"]}},
        {"cell_type": "code", "source": "# see github.com/x", "metadata": {}},
    ]}
    assert check_online.online_cells(nb) == [1, 3]


def test_check_online_exits_2_when_the_repository_is_unreachable(tmp_path):
    """`make check-online` on a machine whose network cannot reach the repository exits 2 with a message
    (here the repository URL is made unreachable through git's url.<base>.insteadOf)."""
    url = check_online.repository_url()
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "check_online.py")], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GIT_CONFIG_COUNT": "1",
             "GIT_CONFIG_KEY_0": "url.http://127.0.0.1:9/.insteadOf", "GIT_CONFIG_VALUE_0": url.rsplit("/", 2)[0] + "/"})
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "needs the internet" in result.stderr and "not part of `make test`" in result.stderr, result.stderr
