"""Plain line mode: driven through stdin, every answer recorded, nothing lost to SIGKILL."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.quiz.grading import option_order
from tutor.quiz.loader import load_lessons
from tutor.quiz.plain import (
    AnswerError,
    PlainSession,
    parse_choice,
    parse_number,
    parse_order,
    parse_time,
    parse_yes_no,
    select_questions,
    shuffled_order,
)
from tutor.quiz.store import Store

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BASICS = FIXTURES / "lessons"
ENGINE = FIXTURES / "engine"


def tutor(*args: str, stdin: str = "", data: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tutor", *args]
    if data is not None:
        cmd += ["--data-dir", str(data)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=REPO, timeout=300)


def basics_quiz(seed: int, answers: str, data: Path, *options: str) -> subprocess.CompletedProcess:
    """`tutor quiz --plain` on the fixture-basics lesson under `seed`, answering `answers`."""
    return tutor(
        "quiz", "--plain", *options, "--lesson", "fixture-basics", "--content", str(BASICS),
        "--seed", str(seed), stdin=answers, data=data,
    )  # fmt: skip


def letters(question_id: str, seed: int, *file_indices: int) -> str:
    """The letters a learner types to pick these options (file indices) as shown under `seed`."""
    (lesson,) = load_lessons([BASICS])
    q = lesson.question(question_id)
    shown = option_order(q, lesson.id, seed)  # type: ignore[arg-type]
    return " ".join("abcd"[shown.index(k)] for k in file_indices)


def shown_letter(question_id: str, seed: int, file_index: int) -> str:
    """The letter an option (file index) is shown under."""
    return letters(question_id, seed, file_index)


def order_answer(seed: int) -> str:
    """The letters that put the fixture's shuffled order question right."""
    (lesson,) = load_lessons([BASICS])
    q = lesson.question("sequence")
    shown = shuffled_order(q, lesson.id, seed)  # type: ignore[arg-type]
    return " ".join("abcd"[shown.index(item)] for item in q.items)  # type: ignore[union-attr]


# -- parsers ----------------------------------------------------------------------------


def test_parsers_accept_reasonable_forms() -> None:
    assert parse_choice(" B ", 3, False) == 1
    assert parse_choice("a, c", 3, True) == [0, 2]
    assert parse_choice("ca", 3, True) == [0, 2]
    assert parse_number("−65 mV", "mV") == -65.0
    assert parse_number("1e1", None) == 10.0
    assert parse_order("c a b", 3) == [2, 0, 1]
    assert parse_time("6.5ms") == 6.5
    assert parse_yes_no("Yes") is True and parse_yes_no("n") is False


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("2.2 uA/cm2", "µA/cm²", 2.2),
        ("2.2µA/cm^2", "µA/cm²", 2.2),
        ("6.5 nC/cm2", "nC/cm²", 6.5),
        ("60 hz", "Hz", 60.0),
        ("-65mV", "mV", -65.0),
        ("1,5 ms", "ms", 1.5),
        ("3.8", "", 3.8),
    ],
)
def test_numbers_may_be_typed_with_their_unit(text: str, unit: str, value: float) -> None:
    assert parse_number(text, unit) == value


def test_a_different_unit_is_refused_not_converted() -> None:
    with pytest.raises(AnswerError, match="asked in mV"):
        parse_number("0.05 V", "mV")
    with pytest.raises(AnswerError, match="asked in ms"):
        parse_number("0.001 s", "ms")


@pytest.mark.parametrize(
    ("fn", "text", "needle"),
    [
        (lambda t: parse_choice(t, 3, False), "d", "one letter from a to c"),
        (lambda t: parse_choice(t, 3, False), "a b", "one letter from a to c"),
        (lambda t: parse_choice(t, 3, True), "", "one or more letters"),
        (lambda t: parse_number(t, "mV"), "fifty", "a number in mV"),
        (lambda t: parse_order(t, 3), "a b", "each once"),
        (lambda t: parse_order(t, 3), "a a b", "each once"),
        (parse_time, "-1", "ms ≥ 0"),
        (parse_yes_no, "maybe", "`yes` or `no`"),
    ],
)
def test_parsers_say_what_is_expected(fn, text: str, needle: str) -> None:
    with pytest.raises(AnswerError, match=needle):
        fn(text)


def test_order_is_shown_shuffled_reproducibly() -> None:
    (lesson,) = load_lessons([BASICS])
    q = lesson.question("sequence")
    for seed in range(20):
        shown = shuffled_order(q, lesson.id, seed)  # type: ignore[arg-type]
        assert shown != list(q.items)  # type: ignore[union-attr]
        assert sorted(shown) == sorted(q.items)  # type: ignore[union-attr]
        assert shown == shuffled_order(q, lesson.id, seed)  # type: ignore[arg-type]


# -- in-process session with fake engine --------------------------------------------------


def test_in_process_session_with_injected_engine(tmp_path: Path) -> None:
    (lesson,) = load_lessons([ENGINE])
    calls: list[tuple[dict, str, str]] = []

    def fake_measure(run: dict, name: str, preset: str):
        calls.append((run, name, preset))
        return {"spiked": False, "spike_count": 2}[name]

    def fake_trace(run: dict, preset: str):
        t = [i * 0.025 for i in range(1201)]
        v = [-65.0 + (40.0 if 6.0 <= x <= 7.0 else 0.0) for x in t]
        return t, v, [{"t_ms": 6.5, "kind": "peak", "v_mV": 40.0}], {}

    out = io.StringIO()
    with Store(tmp_path) as store:
        session = PlainSession(
            store,
            io.StringIO("maybe\nno\n1\n6.9\n"),
            out,
            seed=1,
            measure_fn=fake_measure,
            trace_fn=fake_trace,
        )
        summary = session.run(select_questions([lesson]))
        records = store.attempts()
    text = out.getvalue()
    assert "Not understood: expected `yes` or `no`. Try again." in text
    assert "Measured from the run: no." in text
    assert "Measured from the run: 2." in text
    assert "     6.50    -25.00            0.0" in text  # the table shows the trace
    assert "     6.00    -25.00          800.0" in text  # and its slope
    assert "The peak is at 6.5 ms." in text
    assert [(r.question, r.answer, r.correct, r.measured) for r in records] == [
        ("ttx", False, True, False),
        ("count", 1, False, 2),
        ("peak", 6.9, True, 6.5),
    ]
    assert calls[0][0]["pulses"] == [[5, 1, 20]]  # {amp} drawn with seed 1
    assert calls[0][0]["block"] == ["ttx"] and calls[0][2] == "squid"
    assert summary.correct == 2 and len(summary.attempts) == 3


# -- subprocess sessions ----------------------------------------------------------------


def test_plain_session_through_stdin_records_every_answer(tmp_path: Path) -> None:
    seed = 5
    pump_wrong = letters("pump", seed, 1)
    gates_right = letters("gates", seed, 0, 2)
    answers = f"{pump_wrong}\nwhat\n{gates_right.upper()}\n-76\n{order_answer(seed)}\n"
    out = basics_quiz(seed, answers, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    text = out.stdout
    assert (
        f"  {shown_letter('pump', seed, 0)}) K+ current through voltage-gated K+ channels" in text
    )
    assert "Answer: one letter, a to b" in text
    flat = " ".join(text.split())  # long lines are wrapped between words
    assert (
        "Not understood: expected one or more letters from a to c, e.g. `a c`. Try again." in flat
    )
    assert "That is E_K, not E_Na." in text
    assert "Answer: a number in mV" in text
    assert "Correct order." in text
    tail = text.rstrip().splitlines()
    start = tail.index("Summary: 4 answered of 4 shown; 2 correct; score 2/4 (50%).")
    listed = " ".join(line.strip() for line in tail[start + 2 :])
    assert tail[start + 1] == "Misconceptions to revisit:"
    # the content's words (what was answered and why it is wrong), never the internal tags
    assert "- -77 mV: That is E_K, not E_Na." in listed
    assert '- "The Na+/K+ pump":' in listed
    assert "pump-repolarizes" not in listed and "ena-ek-swap" not in listed
    with Store(tmp_path) as store:
        rows = [
            (r.question, r.answer, r.correct, r.score, r.misconceptions, r.seed)
            for r in store.attempts()
        ]
    assert rows[0] == ("pump", 1, False, 0.0, ("pump-repolarizes",), seed)
    assert rows[1] == ("gates", [0, 2], True, 1.0, (), seed)
    assert rows[2] == ("ena", -76.0, False, 0.0, ("ena-ek-swap",), seed)
    assert rows[3][0] == "sequence" and rows[3][2] is True
    assert rows[3][1] == ["threshold", "depolarization", "repolarization", "hyperpolarization"]


def test_plain_session_with_confidence_and_early_eof(tmp_path: Path) -> None:
    answers = f"{letters('pump', 0, 0)}\n4\n3\n{letters('gates', 0, 1)}\n"
    out = basics_quiz(0, answers, tmp_path, "--confidence")
    assert out.returncode == 0, out.stderr
    assert (
        "Not understood: expected 1 (unsure), 2 (fairly sure) or 3 (sure). Try again." in out.stdout
    )
    assert "Correct. Certainty mark: 3." in out.stdout
    assert "End of input." in out.stdout
    assert "Summary: 2 answered of 2 shown; 1 correct; score 1/2 (50%)." in out.stdout
    with Store(tmp_path) as store:
        rows = [(r.question, r.confidence, r.cbm) for r in store.attempts()]
    # the second answer was given but its confidence never came: it is still kept
    assert rows == [("pump", 3, 3.0), ("gates", None, None)]


def _read_until(proc: subprocess.Popen, needle: str, seen: list[str], timeout: float = 60) -> None:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    buf = "".join(seen)
    while needle not in buf:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {needle!r}; got {buf!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096).decode()
            assert chunk, f"process ended before {needle!r}; got {buf!r}"
            seen.append(chunk)
            buf += chunk


def test_sigkill_mid_session_loses_no_given_answer(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tutor",
            "quiz",
            "--plain",
            "--lesson",
            "fixture-basics",
            "--content",
            str(BASICS),
            "--seed",
            "2",
            "--data-dir",
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdin is not None
    seen: list[str] = []
    try:
        _read_until(proc, "Answer: one letter", seen)
        proc.stdin.write(f"{letters('pump', 2, 0)}\n".encode())
        proc.stdin.flush()
        _read_until(proc, "Question 2 of 4", seen)
        proc.stdin.write(f"{letters('gates', 2, 1)}\n".encode())
        proc.stdin.flush()
        _read_until(proc, "Question 3 of 4", seen)
        proc.stdin.write(b"49.5\n")
        proc.stdin.flush()
        _read_until(proc, "Question 4 of 4", seen)
        os.kill(proc.pid, signal.SIGKILL)  # mid-session, waiting for the 4th answer
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(tmp_path) as store:
        rows = [(r.question, r.answer, r.correct) for r in store.attempts()]
    assert rows == [("pump", 0, True), ("gates", [1], False), ("ena", 49.5, True)]


def test_unknown_lesson_is_a_usage_error(tmp_path: Path) -> None:
    out = tutor("quiz", "--plain", "--lesson", "nope", "--content", str(BASICS), data=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "tutor: error: --lesson: unknown lesson 'nope' (known: fixture-basics)"
    ]


def test_review_with_nothing_due(tmp_path: Path) -> None:
    out = tutor("quiz", "--plain", "--review", "--content", str(BASICS), data=tmp_path)
    assert out.returncode == 0
    assert out.stdout.strip() == "Nothing is due for review."


def test_review_asks_only_due_cards(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tutor.quiz.grading import grade

    (lesson,) = load_lessons([BASICS])
    past = datetime.now(UTC) - timedelta(days=1)
    with Store(tmp_path, now=lambda: past) as store:
        store.record(grade(lesson.question("ena"), lesson.id, 0.0))  # wrong: due after 1 min
    out = tutor(
        "quiz", "--plain", "--review", "--content", str(BASICS), stdin="50\n", data=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "Question 1 of 1 [fixture-basics/ena] (numeric)" in out.stdout
    assert "Summary: 1 answered of 1 shown; 1 correct" in out.stdout


def test_progress_json_and_csv_export_every_attempt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tutor(
        "quiz", "--plain", "--content", str(BASICS), "--seed", "1",
        stdin=f"{letters('pump', 1, 0)}\n{letters('gates', 1, 0, 1)}\n",
        data=data,
    )  # fmt: skip
    out = tutor("progress", "--json", "--content", str(BASICS), data=data)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"lessons", "attempts"}
    (les,) = doc["lessons"]
    assert (les["id"], les["questions"], les["answered"], les["mastery"]) == (
        "fixture-basics",
        4,
        2,
        0.3333,
    )
    assert [(a["question"], a["answer"], a["correct"]) for a in doc["attempts"]] == [
        ("pump", 0, True),
        ("gates", [0, 1], False),
    ]
    assert doc["attempts"][1]["misconceptions"] == ["h-opens"]
    csv_path = tmp_path / "out.csv"
    out = tutor("progress", "--csv", str(csv_path), "--content", str(BASICS), data=data)
    assert out.returncode == 0, out.stderr
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "time,lesson,question,answer,correct,score,confidence,cbm,misconceptions"
    assert lines[1].split(",")[1:] == ["fixture-basics", "pump", "0", "1", "1", "", "", ""]
    assert lines[2].endswith(',fixture-basics,gates,"[0, 1]",0,0.3333,,,h-opens')
    out = tutor("progress", "--content", str(BASICS), data=data)
    assert "fixture-basics      33%    2/4" in out.stdout


def test_progress_csv_unwritable_is_usage_error(tmp_path: Path) -> None:
    out = tutor("progress", "--csv", str(tmp_path / "no" / "dir.csv"), data=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("tutor: error: --csv: cannot write")
    assert "Traceback" not in out.stderr


def test_predict_session_runs_the_engine(tmp_path: Path) -> None:
    """End to end with the real engine: TTX blocks the spike, one spike without it."""
    out = tutor(
        "quiz", "--plain", "--content", str(ENGINE), "--seed", "1", stdin="yes\n1\n6.5\n",
        data=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Measured from the run: no." in out.stdout
    assert "Measured from the run: 1." in out.stdout
    assert "   t (ms)    V (mV)  dV/dt (mV/ms)" in out.stdout
    with Store(tmp_path) as store:
        rows = [(r.question, r.correct, r.measured) for r in store.attempts()]
    assert rows[:2] == [("ttx", False, False), ("count", True, 1)]
    assert rows[2][0] == "peak" and isinstance(rows[2][2], float)


def test_options_are_shown_in_another_order_under_another_seed(tmp_path: Path) -> None:
    """The key's position is not a cue: the plain quiz shuffles options by seed, stably."""

    def shown(seed: int, data: Path) -> list[str]:
        out = basics_quiz(seed, f"{letters('pump', seed, 0)}\n", data)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        start = lines.index("Which gates open during the upstroke?") + 1
        return [line.strip()[3:] for line in lines[start : start + 3]]

    (lesson,) = load_lessons([BASICS])
    file_order = [o.text for o in lesson.question("gates").option]  # type: ignore[union-attr]
    orders = {seed: shown(seed, tmp_path / f"d{seed}") for seed in (0, 1, 2)}
    assert all(sorted(o) == sorted(file_order) for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) == 3  # three seeds, three orders
    assert shown(1, tmp_path / "again") == orders[1]  # same seed, same order


def test_options_keep_the_order_of_the_first_answer_on_review(tmp_path: Path) -> None:
    """A learner who answered under seed 1 sees the same order in a session with seed 2."""
    (lesson,) = load_lessons([BASICS])
    q = lesson.question("gates")
    assert option_order(q, lesson.id, 1) != option_order(q, lesson.id, 2)  # type: ignore[arg-type]
    tutor(
        "quiz", "--plain", "--content", str(BASICS), "--seed", "1",
        stdin=f"{letters('pump', 1, 0)}\n{letters('gates', 1, 0, 2)}\n", data=tmp_path,
    )  # fmt: skip
    out = tutor(
        "quiz", "--plain", "--content", str(BASICS), "--seed", "2",
        stdin=f"{letters('pump', 1, 0)}\n", data=tmp_path,
    )  # fmt: skip
    lines = out.stdout.splitlines()
    start = lines.index("Which gates open during the upstroke?") + 1
    texts = [line.strip()[3:] for line in lines[start : start + 3]]
    assert texts == [q.option[k].text for k in option_order(q, lesson.id, 1)]  # type: ignore[union-attr]


# -- marks and event-bound questions in words ---------------------------------------------


def test_mark_table_is_fine_around_the_target_without_centring_on_it() -> None:
    import random

    from tutor.quiz.plain import FINE_STEP_MS, sample_times

    offsets = set()
    for seed in range(10):
        times = sample_times(4.0, 18.0, 5.775, random.Random(seed))
        near = [t for t in times if abs(t - 5.775) <= 0.5]
        steps = {round(b - a, 6) for a, b in itertools.pairwise(near)}
        assert steps == {FINE_STEP_MS}  # every 0.1 ms within ±0.5 ms of the target
        assert times == sorted(times) and times[0] == 4.0 and times[-1] == 18.0
        fine = [t for t in times if round((t * 10) % 5, 6) != 0]
        offsets.add(round(5.775 - fine[0], 1))
    assert len(offsets) > 2  # the fine zone does not sit at a fixed place around the target


def test_plain_threshold_mark_lists_threshold_and_spike_apart(tmp_path: Path) -> None:
    """Threshold (textbook, 10 µA/cm², 2 ms) is 0.8 ms before the 0 mV crossing and 0.55 ms
    before the stimulus ends: the plain table has rows every 0.1 ms around it, says what the
    run is, and grades ±0.3 ms — a mark at the 0 mV crossing or at the stimulus's end fails."""
    from tutor.quiz.session import engine_trace, mark_target

    lessons = {lesson.id: lesson for lesson in load_lessons([REPO / "content"])}
    lesson = lessons["threshold"]
    q = lesson.question("thr-mark")
    _t, _v, events, fallback = engine_trace(q.run.to_dict(lesson.preset), lesson.preset)
    thr, spike = mark_target("threshold", events, fallback), fallback["spike"]
    assert thr is not None and spike is not None
    for wrong, right in ((spike, thr), (7.0, thr), (thr + 0.1, thr)):
        out = io.StringIO()
        with Store(tmp_path) as store:
            session = PlainSession(store, io.StringIO(f"{wrong:.2f}\n"), out, seed=3)
            summary = session.run([(lesson, q)])
        text = out.getvalue()
        assert "Run: the textbook membrane; stimulus: a 10 µA/cm² pulse from 5 to 7 ms" in text
        times = [
            float(line.split()[0]) for line in text.splitlines() if re.match(r"^ +\d+\.\d\d ", line)
        ]
        between = [t for t in times if thr < t < spike]  # threshold … 0 mV crossing
        assert len(between) >= 5
        (attempt,) = summary.attempts
        assert attempt.correct is (wrong == thr + 0.1)  # only the mark near threshold passes
        assert attempt.measured == pytest.approx(right, abs=0.03)


def test_event_bound_question_gets_its_run_and_moment(tmp_path: Path) -> None:
    from tutor.quiz.plain import first_trigger_event

    events = [
        {"t_ms": 5.0, "kind": "phase", "phase": "subthreshold", "from": "resting", "v_mV": -70.0},
        {"t_ms": 5.8, "kind": "phase", "phase": "threshold", "from": "subthreshold", "v_mV": -55.0},
        {
            "t_ms": 5.8,
            "kind": "phase",
            "phase": "depolarization",
            "from": "threshold",
            "v_mV": -55.0,
        },
        {"t_ms": 6.5, "kind": "peak", "v_mV": 41.0},
        {
            "t_ms": 6.5,
            "kind": "phase",
            "phase": "repolarization",
            "from": "depolarization",
            "v_mV": 41.0,
        },
    ]
    assert first_trigger_event("phase_enter", "repolarization", events) == events[4]
    assert first_trigger_event("phase_exit", "threshold", events) == events[2]
    assert first_trigger_event("peak", None, events) == events[3]
    assert first_trigger_event("threshold_failed", None, events) is None


def test_plain_lines_wrap_between_words_and_non_numbers_get_one_clear_line(
    tmp_path: Path,
) -> None:
    """Every printed line fits 79 columns and ends on a whole word; `abc` for a number
    gets one line saying what is expected (never an echo of an empty string)."""
    from tutor.quiz.plain import PLAIN_WIDTH, wrap_for_terminal

    long = "  c) " + " ".join(["depolarisation"] * 12)
    lines = wrap_for_terminal(long, 40)
    assert all(len(line) <= 40 for line in lines) and len(lines) > 1
    assert all(line.split()[-1] == "depolarisation" for line in lines)
    assert all(line.startswith("     depolarisation") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == long.strip()

    seed = 5
    answers = f"{letters('pump', seed, 0)}\n{letters('gates', seed, 0, 2)}\nabc\n\n-65\n"
    out = basics_quiz(seed, answers, tmp_path)
    assert out.returncode == 0, out.stderr
    printed = out.stdout.splitlines()
    assert all(len(line) <= PLAIN_WIDTH for line in printed)
    refusals = [line for line in printed if line.startswith("Not understood")]
    assert refusals == ["Not understood: expected a number in mV, e.g. `12.5`. Try again."] * 2
    assert "''" not in out.stdout
