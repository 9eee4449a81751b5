"""The course's autograder: nbgrader's pipeline and gradebook, driven headless.

    llm-shikumi-grade list                 exercise ids and their maximum points
    llm-shikumi-grade release              regenerate exercises/ and solutions/ from source/
    llm-shikumi-grade grade PATH... [--json FILE] [--csv FILE] [--feedback DIR]
    llm-shikumi-grade check                solutions full marks, stubs 0, wrong solutions caught
    llm-shikumi-grade export --csv FILE    the gradebook as a student x exercise table
    llm-shikumi-grade publish DIR          the student tree: no hidden tests, no wrong solutions

(``python -m autograder ...`` is the same program.) The single source of truth of every exercise is
``autograder/source/<id>/<id>.ipynb``. Every setting of a run is one :class:`~autograder.settings.GraderSettings`,
built by the command line and passed explicitly; importing this package changes nothing in the process
(no environment variables, no global state).
"""
