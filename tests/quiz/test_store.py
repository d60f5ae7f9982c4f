"""Progress store: exact FSRS scheduling with an injected clock, migrations, refusal to
touch corrupt or newer files, and two writers at once."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from tutor.quiz.grading import Attempt
from tutor.quiz.store import (
    DB_NAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    data_dir,
    lesson_progress,
)

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: datetime = T0) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


def attempt(q: str = "q1", correct: bool = True, lesson: str = "les", **kw) -> Attempt:
    return Attempt(
        lesson_id=lesson,
        question_id=q,
        answer=0 if correct else 1,
        correct=correct,
        score=1.0 if correct else 0.0,
        feedback="fb",
        **kw,
    )


def test_first_right_answer_schedules_the_second_learning_step(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        store.record(attempt(correct=True))
        card = store.card("les/q1")
    assert card is not None
    assert card.state == fsrs.State.Learning
    assert card.step == 1
    assert card.due == T0 + timedelta(minutes=10)
    assert card.last_review == T0


def test_wrong_answer_is_again_one_minute(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        store.record(attempt(correct=False))
        card = store.card("les/q1")
    assert card is not None
    assert (card.state, card.step, card.due) == (fsrs.State.Learning, 0, T0 + timedelta(minutes=1))


def test_two_right_answers_graduate_to_review_with_exact_interval(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        store.record(attempt())
        clock.advance(minutes=10)
        store.record(attempt())
        card = store.card("les/q1")
    # the same reviews straight through fsrs (fuzzing off) give the same card
    sched = fsrs.Scheduler(enable_fuzzing=False)
    ref = fsrs.Card(card_id=1, due=T0)
    ref, _ = sched.review_card(ref, fsrs.Rating.Good, review_datetime=T0)
    ref, _ = sched.review_card(ref, fsrs.Rating.Good, review_datetime=T0 + timedelta(minutes=10))
    assert card is not None
    assert card.state == fsrs.State.Review
    assert card.due == ref.due
    assert card.due - (T0 + timedelta(minutes=10)) >= timedelta(days=1)
    assert card.stability == ref.stability and card.difficulty == ref.difficulty


def test_due_follows_the_clock(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        store.record(attempt("a", correct=True))
        store.record(attempt("b", correct=False))
        assert store.due() == []
        clock.advance(minutes=1)
        assert [d.card_id for d in store.due()] == ["les/b"]
        clock.advance(minutes=9)
        assert [d.card_id for d in store.due()] == ["les/b", "les/a"]
        assert [d.card_id for d in store.due(T0)] == []


def test_attempts_round_trip_and_survive_reopen(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        rid = store.record(
            attempt(correct=False, misconceptions=("pump",), confidence=3, cbm=-6.0, measured=True),
            seed=42,
        )
        assert rid == 1
    with Store(tmp_path, now=clock) as store:
        (rec,) = store.attempts()
    assert rec.time == T0
    assert (rec.lesson, rec.question, rec.answer, rec.correct, rec.score) == (
        "les",
        "q1",
        1,
        False,
        0.0,
    )
    assert (rec.confidence, rec.cbm, rec.misconceptions, rec.measured, rec.seed) == (
        3,
        -6.0,
        ("pump",),
        True,
        42,
    )


def test_lesson_progress_mastery_and_due(tmp_path: Path) -> None:
    from tutor.quiz.loader import load_lessons

    (lesson,) = load_lessons([Path(__file__).parent / "fixtures" / "lessons"])
    clock = Clock()
    with Store(tmp_path, now=clock) as store:
        store.record(attempt("pump", correct=False, lesson=lesson.id))
        store.record(attempt("pump", correct=True, lesson=lesson.id))
        store.record(attempt("ena", correct=True, lesson=lesson.id))
        store.record(attempt("gone", correct=True, lesson="old-lesson"))
        clock.advance(minutes=11)
        (p, orphan) = lesson_progress([lesson], store)
    assert (p.lesson, p.questions, p.answered) == (lesson.id, 4, 2)
    assert p.mastery == 0.5  # latest scores 1, 1 of 4 questions
    assert p.due == ("ena", "pump")  # same due time, then by id
    assert (orphan.lesson, orphan.mastery) == ("old-lesson", 1.0)


def test_schema_is_versioned(tmp_path: Path) -> None:
    with Store(tmp_path):
        pass
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_migrates_a_version_1_database_forward(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.executescript(MIGRATIONS[1])
    conn.execute(
        "INSERT INTO attempts (time, lesson, question, answer, correct, score, confidence,"
        " misconceptions, feedback) VALUES (?, 'les', 'old', '2', 1, 1.0, NULL, '[]', 'ok')",
        (T0.isoformat(),),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(tmp_path, now=Clock()) as store:
        (old,) = store.attempts()
        assert (old.question, old.answer, old.cbm, old.seed) == ("old", 2, None, None)
        store.record(attempt("new"))
        assert [a.question for a in store.attempts()] == ["old", "new"]
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_migrates_a_version_2_database_forward_dropping_the_unused_due_column(
    tmp_path: Path,
) -> None:
    """Version 3 drops `cards.due` (never queried: `due()` reads the card); cards survive."""
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.executescript(MIGRATIONS[1])
    conn.executescript(MIGRATIONS[2])
    card = fsrs.Card(card_id=1, due=T0 + timedelta(minutes=10))
    conn.execute(
        "INSERT INTO cards (card_id, card, due, updated) VALUES ('les/old', ?, ?, ?)",
        (json.dumps(card.to_dict()), card.due.isoformat(), T0.isoformat()),
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(tmp_path, now=Clock()) as store:
        assert [d.card_id for d in store.due(T0 + timedelta(minutes=11))] == ["les/old"]
        assert store.due(T0) == []
        store.record(attempt("new"))
        assert store.card("les/new") is not None
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    columns = [row[1] for row in conn.execute("PRAGMA table_info(cards)")]
    assert columns == ["card_id", "card", "updated"]
    conn.close()


def _make_newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY, future TEXT)")
    conn.execute("INSERT INTO attempts (future) VALUES ('precious')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.commit()
    conn.close()


def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    _make_newer(db)
    before = db.read_bytes()
    with pytest.raises(StoreError) as info:
        Store(tmp_path)
    msg = str(info.value)
    assert "newer" in msg and f"schema {SCHEMA_VERSION + 7}" in msg and "\n" not in msg
    assert db.read_bytes() == before


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    db.write_bytes(b"this is not a database\x00\xff" * 200)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(tmp_path)
    assert db.read_bytes() == before


def test_damaged_pages_are_refused_and_untouched(tmp_path: Path) -> None:
    with Store(tmp_path, now=Clock()) as store:
        for i in range(50):
            store.record(attempt(f"q{i}"))
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(db.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # keep the header, wreck every page
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StoreError, match="corrupt"):
        Store(tmp_path)
    assert db.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a neuron-tutor"):
        Store(tmp_path)
    assert db.read_bytes() == before


def _writer(directory: str, worker: int, n: int) -> None:
    with Store(directory) as store:
        for i in range(n):
            store.record(attempt(f"w{worker}-q{i % 5}", correct=bool(i % 2)))


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    with Store(tmp_path):
        pass
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 60)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Store(tmp_path) as store:
        records = store.attempts()
        assert len(records) == 180
        assert len({r.id for r in records}) == 180
        assert len(store.due(T0 + timedelta(days=3650))) == 15
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("TUTOR_DATA_DIR")
    assert "neuron-tutor" in str(data_dir(None))


@pytest.mark.parametrize("command", [["progress"], ["progress", "--json"], ["quiz", "--plain"]])
@pytest.mark.parametrize("kind", ["corrupt", "newer"])
def test_cli_refuses_bad_database_in_one_line(
    tmp_path: Path, command: list[str], kind: str
) -> None:
    db = tmp_path / DB_NAME
    if kind == "corrupt":
        db.write_bytes(b"\x00garbage" * 100)
    else:
        _make_newer(db)
    before = db.read_bytes()
    out = subprocess.run(
        [sys.executable, "-m", "tutor", *command, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        input="a\n",
        cwd=REPO,
    )
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert lines[-1].startswith("tutor: error: ")
    assert "untouched" in lines[-1]
    assert "Traceback" not in out.stderr
    assert db.read_bytes() == before
