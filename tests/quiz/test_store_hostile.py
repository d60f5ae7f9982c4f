"""The store under a hostile environment: full disk, read-only folder, huge seeds, corruption.

Messages name the cause in one line; reading needs no write access; nothing
acknowledged is lost.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.quiz.grading import Attempt
from tutor.quiz.store import Store, StoreError, storable_seed


def attempt(i: int = 0) -> Attempt:
    return Attempt(lesson_id="les", question_id=f"q{i}", answer=0, correct=True, score=1.0,
                   feedback="feedback " * 40)  # fmt: skip


def test_disk_full_names_the_cause_and_keeps_what_was_committed(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk about to fill
        saved = 0
        with pytest.raises(StoreError) as info:
            for i in range(1000):
                store.record(attempt(i))
                saved += 1
    message = str(info.value)
    assert "the disk is full" in message
    assert "rollback" not in message and "\n" not in message
    with Store(tmp_path) as store:
        assert len(store.attempts()) == saved > 0


def test_seeds_beyond_int64_are_hashed_not_overflowing(tmp_path: Path) -> None:
    for seed in (2**63, 2**200, -(2**70)):
        stored = storable_seed(seed)
        assert stored is not None and 0 <= stored < 2**63
        assert storable_seed(seed) == stored  # stable
    assert storable_seed(2**63 - 1) == 2**63 - 1 and storable_seed(-5) == -5
    with Store(tmp_path) as store:
        store.record(attempt(), seed=9223372036854775808)
        assert store.attempts()[0].seed == storable_seed(9223372036854775808)


def test_reading_never_writes(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.record(attempt())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with Store(tmp_path, readonly=True) as store:
        assert len(store.attempts()) == 1
        store._conn.execute("DELETE FROM attempts")  # only the private copy changes
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before


def test_reading_an_absent_store_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "not-yet"
    with Store(target, readonly=True) as store:
        assert store.attempts() == []
    assert not target.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_still_shows_progress(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.record(attempt())
    tmp_path.chmod(0o555)
    try:
        with Store(tmp_path, readonly=True) as store:
            assert len(store.attempts()) == 1
        with pytest.raises(StoreError, match=r"read-only|cannot"):
            Store(tmp_path).record(attempt(1))
    finally:
        tmp_path.chmod(0o755)


def test_a_truncated_file_is_one_line(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for i in range(200):
            store.record(attempt(i))
    path = tmp_path / "progress.sqlite3"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 100])
    for readonly in (False, True):
        with pytest.raises(StoreError) as info:
            Store(tmp_path, readonly=readonly)
        assert "\n" not in str(info.value) and "corrupt" in str(info.value)
    assert path.read_bytes() == data[: len(data) // 100]  # untouched
