"""Progress store: every attempt and every review card, in one SQLite file.

Why it is built this way:

- One transaction per answer (`BEGIN IMMEDIATE` … `COMMIT`) with WAL and
  `synchronous=FULL`: an answer is on disk before feedback is shown, so a
  `kill -9` loses nothing that was answered.
- WAL plus a busy timeout lets two tutors (two terminals, two SSH sessions)
  write at once without "database is locked" errors or corruption.
- The schema version lives in `PRAGMA user_version` and migrates forward one
  step at a time. A file from a newer tutor, a corrupt file, or a file that is
  not ours raises `StoreError` *before anything is written*: the learner's data
  is never overwritten by an older or confused program.
- Spaced review uses `fsrs` (wrong → Again, right → Good); the card is kept as
  its JSON (`Card.to_dict`) under the stable id `lesson/question`. The clock is
  injectable (`now`) so scheduling tests are exact.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fsrs

from tutor.quiz.grading import Attempt
from tutor.quiz.paths import ENV_DATA_DIR as ENV_DATA_DIR  # re-exported
from tutor.quiz.paths import data_dir as data_dir  # re-exported: the store's folder

SCHEMA_VERSION = 3
"""Newest schema this code knows; older files are migrated up to it."""

DB_NAME = "progress.sqlite3"
"""File name inside the data dir."""

"""Environment variable overriding the data dir (below `--data-dir`)."""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_OUR_TABLES = {"attempts", "cards"}

#: MIGRATIONS[n] upgrades a database at version n - 1 to version n.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,             -- ISO 8601, UTC
            lesson TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,           -- JSON
            correct INTEGER NOT NULL,       -- 0/1
            score REAL NOT NULL,            -- 0..1
            confidence INTEGER,             -- 1..3 or NULL
            misconceptions TEXT NOT NULL,   -- JSON list of tags
            feedback TEXT NOT NULL
        );
        CREATE INDEX attempts_by_question ON attempts (lesson, question, id);
    """,
    2: """
        ALTER TABLE attempts ADD COLUMN cbm REAL;            -- certainty-based mark
        ALTER TABLE attempts ADD COLUMN measured TEXT;       -- JSON: predict value / mark target
        ALTER TABLE attempts ADD COLUMN seed INTEGER;        -- parameter seed used
        CREATE TABLE cards (
            card_id TEXT PRIMARY KEY,       -- "lesson/question"
            card TEXT NOT NULL,             -- fsrs Card.to_dict() as JSON
            due TEXT NOT NULL,              -- ISO 8601, UTC (copy of card.due, for queries)
            updated TEXT NOT NULL
        );
    """,
    # `cards.due` copied `card.due` for queries that never came: `due()` reads the card
    # itself. The table is rebuilt without it (portable to any SQLite; same rows).
    3: """
        CREATE TABLE cards_v3 (
            card_id TEXT PRIMARY KEY,       -- "lesson/question"
            card TEXT NOT NULL,             -- fsrs Card.to_dict() as JSON (due date inside)
            updated TEXT NOT NULL
        );
        INSERT INTO cards_v3 (card_id, card, updated) SELECT card_id, card, updated FROM cards;
        DROP TABLE cards;
        ALTER TABLE cards_v3 RENAME TO cards;
    """,
}


#: Appended to a data-folder error: where the folder came from and how to choose another.
_CHOOSE_ANOTHER = " (choose a usable folder with --data-dir or TUTOR_DATA_DIR)"


class StoreError(Exception):
    """The progress file cannot be used (corrupt, newer, foreign, unwritable); one-line message."""


#: SQLite result codes and the cause a learner can act on (sqlite3 names the code).
_CAUSES = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "the data folder or file is read-only",
    "SQLITE_READONLY_DIRECTORY": "the data folder is read-only",
    "SQLITE_CANTOPEN": "the file cannot be opened (missing or read-only folder?)",
    "SQLITE_PERM": "permission denied",
    "SQLITE_BUSY": "another tutor holds the database locked",
    "SQLITE_LOCKED": "another tutor holds the database locked",
    "SQLITE_IOERR": "an I/O error on the disk",
    "SQLITE_CORRUPT": "the database is corrupt",
    "SQLITE_NOTADB": "not a SQLite database",
}


def describe_sqlite_error(exc: BaseException) -> str:
    """One line naming the cause of an SQLite error ("the disk is full (…)")."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    cause = _CAUSES.get(name) or _CAUSES.get("_".join(name.split("_")[:2]), "")
    detail = " ".join(str(exc).split())  # never several lines
    return f"{cause} ({detail})" if cause else detail


#: Seeds are kept in an SQLite INTEGER: signed 64-bit.
_INT64 = (-(2**63), 2**63 - 1)


def storable_seed(seed: int | None) -> int | None:
    """`seed` if SQLite can store it, else a stable 63-bit hash of it (never an OverflowError)."""
    if seed is None or _INT64[0] <= seed <= _INT64[1]:
        return seed
    digest = hashlib.sha256(str(seed).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open; SQLite may already have (disk full)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the original error is the one to report
            conn.execute("ROLLBACK")


def utc_now() -> datetime:
    """Default clock: aware UTC now."""
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _numeric_card_id(card_id: str) -> int:
    """fsrs wants an int id; derive a stable one from `lesson/question`."""
    return int.from_bytes(hashlib.sha256(card_id.encode()).digest()[:6], "big")


@dataclass(frozen=True)
class AttemptRecord:
    """One stored attempt (a row of the `attempts` table)."""

    id: int
    time: datetime
    lesson: str
    question: str
    answer: Any
    correct: bool
    score: float
    confidence: int | None
    cbm: float | None
    misconceptions: tuple[str, ...]
    feedback: str
    measured: Any
    seed: int | None

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dict (time as ISO 8601 UTC)."""
        return {
            "time": _iso(self.time),
            "lesson": self.lesson,
            "question": self.question,
            "answer": self.answer,
            "correct": self.correct,
            "score": self.score,
            "confidence": self.confidence,
            "cbm": self.cbm,
            "misconceptions": list(self.misconceptions),
            "measured": self.measured,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class DueCard:
    """A review card that is due."""

    card_id: str
    lesson: str
    question: str
    due: datetime
    card: fsrs.Card


def make_scheduler() -> fsrs.Scheduler:
    """FSRS scheduler with fuzzing off, so intervals are reproducible."""
    return fsrs.Scheduler(enable_fuzzing=False)


def review(
    card: fsrs.Card | None,
    card_id: str,
    correct: bool,
    when: datetime,
    scheduler: fsrs.Scheduler | None = None,
) -> fsrs.Card:
    """Pure FSRS step: the card after one answer (new card if None). Wrong → Again, right → Good."""
    scheduler = scheduler or make_scheduler()
    when = when.astimezone(UTC)
    if card is None:
        card = fsrs.Card(card_id=_numeric_card_id(card_id), due=when)
    rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
    new_card, _log = scheduler.review_card(card, rating, review_datetime=when)
    return new_card


class Store:
    """The learner's progress database. Use as a context manager or call `close()`."""

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        now: Callable[[], datetime] = utc_now,
        scheduler: fsrs.Scheduler | None = None,
        readonly: bool = False,
    ) -> None:
        self.dir = data_dir(directory)
        self.path = self.dir / DB_NAME
        self.now = now
        self.scheduler = scheduler or make_scheduler()
        self.readonly = readonly
        """Reading only (`tutor progress`): works in a read-only folder, never writes."""
        self._db: sqlite3.Connection | None = self._open_readonly() if readonly else self._open()

    # -- opening ---------------------------------------------------------------

    def _fail(self, why: str) -> StoreError:
        return StoreError(f"{self.path}: {why}; the file was left untouched")

    def _check_magic(self) -> None:
        if self.path.exists() and self.path.stat().st_size > 0:
            try:
                with self.path.open("rb") as fh:
                    head = fh.read(len(_SQLITE_MAGIC))
            except OSError as exc:
                raise StoreError(f"cannot read {self.path}: {exc.strerror or exc}") from None
            if head != _SQLITE_MAGIC:
                raise self._fail("not a SQLite database (corrupt or foreign file)")

    def _verify(self, conn: sqlite3.Connection) -> None:
        """Read-only checks: newer schema, corruption, foreign file (StoreError)."""
        conn.execute("PRAGMA busy_timeout = 30000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise self._fail(
                f"written by a newer neuron-tutor (schema {version}, this version knows "
                f"up to {SCHEMA_VERSION}); upgrade neuron-tutor"
            )
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(20)")]
        if rows != ["ok"]:  # one line: the first finding and how many there are
            first = " ".join(rows[0].split()) if rows else "no answer"
            more = f"; {len(rows) - 1} more finding(s)" if len(rows) > 1 else ""
            raise self._fail(f"database is corrupt (quick_check: {first}{more})")
        tables = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        }
        if version == 0 and tables:
            raise self._fail("not a neuron-tutor progress database")
        if version > 0 and not tables & _OUR_TABLES:
            raise self._fail("not a neuron-tutor progress database")

    def _open_readonly(self) -> sqlite3.Connection:
        """A private in-memory copy of the file (empty if there is none yet).

        Nothing is created or written: a read-only data folder (a shared or
        archived account) still shows its progress. A file without a pending
        WAL is read as immutable (SQLite creates no side files); with a WAL it
        is opened `mode=ro`, and as immutable if even that is refused (a
        read-only folder where the shared-memory file cannot be created).
        An older schema is migrated in the copy only.
        """
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreError(f"data dir {self.dir} is not a folder{_CHOOSE_ANOTHER}")
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if self.path.exists():
            self._check_magic()
            last: sqlite3.Error | None = None
            wal = self.path.with_name(self.path.name + "-wal")
            has_wal = wal.exists() and wal.stat().st_size > 0
            # Without a WAL every committed answer is in the file itself: read it as
            # immutable (creates no -shm/-wal). With one, SQLite must see the WAL too.
            modes = ("mode=ro", "immutable=1") if has_wal else ("immutable=1",)
            for mode in modes:
                try:
                    source = sqlite3.connect(
                        f"{self.path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None
                    )
                    try:
                        self._verify(source)
                        source.backup(memory)
                    finally:
                        source.close()
                    break
                except StoreError:
                    memory.close()
                    raise
                except sqlite3.Error as exc:
                    last = exc
            else:
                memory.close()
                why = describe_sqlite_error(last) if last is not None else "unknown error"
                raise self._fail(f"cannot read the database: {why}")
        self._migrate(memory)
        return memory

    def _open(self) -> sqlite3.Connection:
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreError(f"data dir {self.dir} is not a folder{_CHOOSE_ANOTHER}")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create data dir {self.dir}: {exc.strerror or exc}{_CHOOSE_ANOTHER}"
            ) from None
        self._check_magic()
        try:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        try:
            # Read-only checks first: nothing below writes until the file is known to be ours.
            self._verify(conn)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            self._migrate(conn)
        except StoreError:
            conn.close()
            raise
        except sqlite3.OperationalError as exc:  # locked, read-only dir, disk full...
            conn.close()
            raise self._fail(f"cannot use the database: {describe_sqlite_error(exc)}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._fail(
                f"database is corrupt or unreadable: {describe_sqlite_error(exc)}"
            ) from None
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Apply MIGRATIONS step by step; each step in its own transaction (race-safe)."""
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    conn.execute("COMMIT")
                    return
                step = version + 1
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step}")
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    # -- lifecycle -------------------------------------------------------------

    @property
    def _conn(self) -> sqlite3.Connection:
        """The open connection (StoreError once the store is closed)."""
        if self._db is None:
            raise StoreError(f"{self.path}: the progress store is closed")
        return self._db

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------

    def record(self, attempt: Attempt, *, seed: int | None = None) -> int:
        """Store one attempt and update its review card, atomically; returns the attempt id.

        Committed before returning, so the answer survives a crash right after.
        """
        when = self.now().astimezone(UTC)
        card_id = attempt.card_id
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO attempts (time, lesson, question, answer, correct, score,"
                    " confidence, misconceptions, feedback, cbm, measured, seed)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _iso(when),
                        attempt.lesson_id,
                        attempt.question_id,
                        json.dumps(attempt.answer),
                        int(attempt.correct),
                        float(attempt.score),
                        attempt.confidence,
                        json.dumps(list(attempt.misconceptions)),
                        attempt.feedback,
                        attempt.cbm,
                        json.dumps(attempt.measured),
                        storable_seed(seed),
                    ),
                )
                row = conn.execute(
                    "SELECT card FROM cards WHERE card_id = ?", (card_id,)
                ).fetchone()
                old = fsrs.Card.from_dict(json.loads(row[0])) if row else None
                card = review(old, card_id, attempt.correct, when, self.scheduler)
                conn.execute(
                    "INSERT OR REPLACE INTO cards (card_id, card, updated) VALUES (?, ?, ?)",
                    (card_id, json.dumps(card.to_dict()), _iso(when)),
                )
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot save the answer: {describe_sqlite_error(exc)}"
            ) from None
        return int(cur.lastrowid or 0)

    # -- reading ---------------------------------------------------------------

    def attempts(self, lesson: str | None = None) -> list[AttemptRecord]:
        """Every attempt in the order given (optionally one lesson's)."""
        sql = (
            "SELECT id, time, lesson, question, answer, correct, score, confidence, cbm,"
            " misconceptions, feedback, measured, seed FROM attempts"
        )
        args: tuple[Any, ...] = ()
        if lesson is not None:
            sql += " WHERE lesson = ?"
            args = (lesson,)
        rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [
            AttemptRecord(
                id=r[0],
                time=datetime.fromisoformat(r[1]),
                lesson=r[2],
                question=r[3],
                answer=json.loads(r[4]),
                correct=bool(r[5]),
                score=float(r[6]),
                confidence=r[7],
                cbm=r[8],
                misconceptions=tuple(json.loads(r[9])),
                feedback=r[10],
                measured=json.loads(r[11]) if r[11] is not None else None,
                seed=r[12],
            )
            for r in rows
        ]

    def latest_scores(self) -> dict[tuple[str, str], float]:
        """Score of the latest attempt of each (lesson, question)."""
        rows = self._conn.execute(
            "SELECT lesson, question, score FROM attempts WHERE id IN"
            " (SELECT MAX(id) FROM attempts GROUP BY lesson, question)"
        ).fetchall()
        return {(r[0], r[1]): float(r[2]) for r in rows}

    def card(self, card_id: str) -> fsrs.Card | None:
        """The review card `lesson/question`, or None if never answered."""
        row = self._conn.execute("SELECT card FROM cards WHERE card_id = ?", (card_id,)).fetchone()
        return fsrs.Card.from_dict(json.loads(row[0])) if row else None

    def due(self, now: datetime | None = None) -> list[DueCard]:
        """Cards due at `now` (default: the store's clock), earliest first."""
        at = (now or self.now()).astimezone(UTC)
        out: list[DueCard] = []
        for card_id, raw in self._conn.execute("SELECT card_id, card FROM cards"):
            card = fsrs.Card.from_dict(json.loads(raw))
            if card.due <= at:
                lesson, _, question = card_id.partition("/")
                out.append(DueCard(card_id, lesson, question, card.due, card))
        out.sort(key=lambda d: (d.due, d.card_id))
        return out


# --------------------------------------------------------------------------------------
# Progress summaries


@dataclass(frozen=True)
class LessonProgress:
    """Mastery of one lesson: mean latest score over all its questions (unanswered = 0)."""

    lesson: str
    title: str
    questions: int
    answered: int
    mastery: float
    due: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dict."""
        return {
            "id": self.lesson,
            "title": self.title,
            "questions": self.questions,
            "answered": self.answered,
            "mastery": round(self.mastery, 4),
            "due": list(self.due),
        }


def lesson_progress(
    lessons: Sequence[Any], store: Store, now: datetime | None = None
) -> list[LessonProgress]:
    """Per-lesson mastery and due cards; lessons only seen in the store are listed too."""
    latest = store.latest_scores()
    due = store.due(now)
    due_by_lesson: dict[str, list[str]] = {}
    for d in due:
        due_by_lesson.setdefault(d.lesson, []).append(d.question)
    out: list[LessonProgress] = []
    known: set[str] = set()
    for lesson in lessons:
        known.add(lesson.id)
        qids = [q.id for q in lesson.questions]
        scores = [latest.get((lesson.id, q), 0.0) for q in qids]
        answered = sum(1 for q in qids if (lesson.id, q) in latest)
        out.append(
            LessonProgress(
                lesson.id,
                lesson.title,
                len(qids),
                answered,
                sum(scores) / len(scores) if scores else 0.0,
                tuple(q for q in due_by_lesson.get(lesson.id, []) if q in qids),
            )
        )
    orphans: dict[str, list[float]] = {}
    for (lid, _q), score in latest.items():
        if lid not in known:
            orphans.setdefault(lid, []).append(score)
    for lid, scores in sorted(orphans.items()):
        out.append(
            LessonProgress(
                lid,
                lid,
                len(scores),
                len(scores),
                sum(scores) / len(scores),
                tuple(due_by_lesson.get(lid, [])),
            )
        )
    return out


CSV_COLUMNS: tuple[str, ...] = (
    "time",
    "lesson",
    "question",
    "answer",
    "correct",
    "score",
    "confidence",
    "cbm",
    "misconceptions",
)
"""Columns of `tutor progress --csv`."""


def csv_rows(records: Iterable[AttemptRecord]) -> Iterable[list[str]]:
    """Attempts as CSV rows (answer as JSON, misconceptions `;`-separated)."""
    for r in records:
        yield [
            _iso(r.time),
            r.lesson,
            r.question,
            json.dumps(r.answer),
            "1" if r.correct else "0",
            f"{r.score:.4g}",
            "" if r.confidence is None else str(r.confidence),
            "" if r.cbm is None else f"{r.cbm:g}",
            ";".join(r.misconceptions),
        ]
