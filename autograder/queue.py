"""Grading fanned out over several machines that share one PostgreSQL gradebook.

``python -m autograder enqueue PATH... --db postgresql://...`` stores each submission (its bytes, so
graders need no shared file system) in the table ``autograder_queue`` of the gradebook's database.
``python -m autograder work --db postgresql://... --workdir DIR`` (one per machine or CI matrix job)
takes submissions from it until none is left, grades them through the ordinary pipeline (nbgrader's
gradebook in the same database) and stores each result beside its submission.

A submission is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``: two graders never claim the same
row at once. A claim is a lease (``--lease`` seconds) that the grader renews while it works; a grader
that is killed stops renewing, and when its lease runs out the submission is claimed again by another.
Each row ends ``done`` with exactly one stored result.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import create_engine, text

from autograder.exercises import Exercise
from autograder.results import Result
from autograder.settings import GraderSettings
from autograder.submissions import Submission

SCHEMA = """
CREATE TABLE IF NOT EXISTS autograder_queue (
    id BIGSERIAL PRIMARY KEY,
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    filename TEXT NOT NULL,
    notebook BYTEA NOT NULL,
    state TEXT NOT NULL DEFAULT 'todo',          -- todo | claimed | done
    owner TEXT,
    lease_until TIMESTAMPTZ,
    claims INTEGER NOT NULL DEFAULT 0,
    result JSONB
)"""
LOCK_KEY = 0x6C6C6D  # advisory lock serialising schema creation and exercise preparation


def _engine(db_url: str):
    if not db_url.startswith("postgresql"):
        raise ValueError("複数台での採点には PostgreSQL の gradebook が必要です: --db postgresql://... "
                         "(the shared queue needs a PostgreSQL gradebook)")
    return create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)


def _schema(conn) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    conn.execute(text(SCHEMA))


def enqueue(db_url: str, submissions: list[Submission]) -> int:
    engine = _engine(db_url)
    with engine.begin() as conn:
        _schema(conn)
        for sub in submissions:
            conn.execute(text("INSERT INTO autograder_queue (student, exercise, filename, notebook) "
                              "VALUES (:s, :e, :f, :n)"),
                         {"s": sub.student, "e": sub.exercise, "f": sub.path.name, "n": sub.path.read_bytes()})
    engine.dispose()
    return len(submissions)


def claim(conn, owner: str, lease: float):
    """One submission to grade (or None): a free row, or one whose grader's lease ran out."""
    return conn.execute(text("""
        UPDATE autograder_queue SET state = 'claimed', owner = :owner, claims = claims + 1,
               lease_until = now() + make_interval(secs => :lease)
        WHERE id = (SELECT id FROM autograder_queue
                    WHERE state = 'todo' OR (state = 'claimed' AND lease_until < now())
                    ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id, student, exercise, filename, notebook"""), {"owner": owner, "lease": lease}).first()


def results(db_url: str) -> list[tuple[int, str, str, str, int, dict | None]]:
    """(id, student, exercise, state, claims, result) of every row, in order."""
    engine = _engine(db_url)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT id, student, exercise, state, claims, result FROM autograder_queue "
                                 "ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def work(db_url: str, workdir: Path, exercises: dict[str, Exercise], settings: GraderSettings = GraderSettings(),
         lease: float = 120.0, on_result=lambda result: None) -> int:
    """Grade claimed submissions until every row is done (waiting on others' claims, which come back
    when a grader dies); returns how many this grader did."""
    from autograder.grading import Grader

    owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    engine = _engine(db_url)
    with engine.begin() as conn:
        _schema(conn)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY + 1})
        grader = Grader(Path(workdir), exercises, db_url, settings)  # exercises into the gradebook, one grader at a time
    inbox = Path(workdir).resolve() / "inbox"
    done = 0
    while True:
        with engine.begin() as conn:
            row = claim(conn, owner, lease)
            pending = row is None and conn.execute(text(
                "SELECT count(*) FROM autograder_queue WHERE state <> 'done'")).scalar()
        if row is None:
            if not pending:
                break
            time.sleep(1.0)  # others' claims: wait until they are done or their leases run out
            continue
        row_id, student, exercise, filename, notebook = row
        stop = threading.Event()

        def renew():
            while not stop.wait(lease / 3):
                with engine.begin() as c:
                    c.execute(text("UPDATE autograder_queue SET lease_until = now() + make_interval(secs => :l) "
                                   "WHERE id = :i AND owner = :o"), {"l": lease, "i": row_id, "o": owner})

        renewer = threading.Thread(target=renew, daemon=True)
        renewer.start()
        path = inbox / f"{row_id}" / student / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(notebook))
        try:
            result = grader.grade(Submission(path, student, exercise))
        except Exception as exc:  # noqa: BLE001 - one broken submission must not stop the grader
            result = Result.error(student, exercise, filename,
                                  f"採点中に予期しないエラーが起きました (internal grader error): {type(exc).__name__}")
        finally:
            stop.set()
            renewer.join()
        with engine.begin() as conn:
            conn.execute(text("UPDATE autograder_queue SET state = 'done', result = CAST(:r AS JSONB) "
                              "WHERE id = :i AND owner = :o"),
                         {"r": json.dumps(asdict(result), ensure_ascii=False), "i": row_id, "o": owner})
        on_result(result)
        done += 1
    engine.dispose()
    grader.close()
    return done


def result_of(raw: dict) -> Result:
    return Result.from_dict(raw)
