"""The content validator: every kind of broken file is reported at its exact line:col and code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.quiz.loader import CODES, ContentError, load_lessons, load_paths
from tutor.quiz.models import ChoiceQuestion, PredictQuestion
from tutor.quiz.tomlpos import PositionMap

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"
REPO = Path(__file__).resolve().parents[2]

# file -> every (line, col, code) expected, in order
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "toml_syntax_front.md": [(3, 16, "E001")],
    "toml_syntax_question.md": [(11, 10, "E001")],
    "no_front_matter.md": [(1, 1, "E002")],
    "unclosed_front_matter.md": [(1, 1, "E002")],
    "unknown_key.md": [(8, 1, "E004"), (11, 1, "E003")],
    "missing_key.md": [(8, 1, "E004")],
    "wrong_type.md": [(14, 13, "E005")],
    "dup_question.md": [(16, 6, "E007")],
    "no_correct.md": [(9, 1, "E008")],
    "several_correct.md": [(18, 1, "E009")],
    "option_no_feedback.md": [(16, 1, "E010")],
    "misconception_on_correct.md": [(15, 1, "E011")],
    "unknown_phase.md": [(12, 41, "E012")],
    "unknown_trigger.md": [(12, 18, "E013")],
    "unknown_measure.md": [(13, 11, "E014")],
    "unknown_target.md": [(13, 10, "E015")],
    "unknown_preset.md": [(4, 10, "E016")],
    "unknown_block.md": [(12, 48, "E017")],
    "unknown_parameter.md": [(16, 18, "E018")],
    "tolerance_zero.md": [(14, 16, "E019")],
    "both_tolerances.md": [(15, 1, "E020")],
    "neither_tolerance.md": [(12, 1, "E020")],
    "undeclared_placeholder.md": [(13, 26, "E021")],
    "unterminated_block.md": [(8, 1, "E024")],
    "order_not_phase.md": [(13, 10, "E025")],
    "answer_as_mismatch.md": [(14, 13, "E026")],
    "bad_id.md": [(9, 6, "E027")],
    "unknown_type.md": [(10, 8, "E028")],
    "bad_params.md": [(12, 32, "E029")],
    "trigger_phase_extra.md": [(12, 27, "E030")],
    "negative_width.md": [(12, 23, "E031")],
    "unknown_convention.md": [(15, 14, "E005")],
}


def test_every_broken_fixture_is_listed() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in BROKEN.glob("*.md"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_position_and_code(name: str) -> None:
    result = load_paths([BROKEN / name])
    got = [(p.line, p.col, p.code) for p in result.problems]
    assert got == EXPECTED[name]
    assert result.lessons == ()
    for p in result.problems:
        assert str(p).startswith(f"{BROKEN / name}:{p.line}:{p.col}: error[{p.code}]: ")
        assert p.code in CODES


def test_kinds_of_broken_files_cover_at_least_fifteen_codes() -> None:
    """Counted from what the validator reports over the fixture folder, not from EXPECTED."""
    reported = {p.code for p in load_paths([BROKEN]).problems}
    assert len(reported) >= 15
    assert reported <= set(CODES)


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("unknown_key.md", "did you mean `prompt`?"),
        ("unknown_measure.md", "did you mean `spiked`?"),
        ("unknown_parameter.md", "did you mean `gk`?"),
        ("unknown_phase.md", "did you mean `repolarization`?"),
        ("undeclared_placeholder.md", "did you mean `amp`?"),
        ("answer_as_mismatch.md", "use `count`"),
        ("unknown_convention.md", "must be 'modern' or '1952', not `1953`"),
    ],
)
def test_messages_suggest_the_fix(name: str, needle: str) -> None:
    messages = [p.message for p in load_paths([BROKEN / name]).problems]
    assert any(needle in m for m in messages), messages


def test_duplicate_lesson_ids_across_files() -> None:
    result = load_paths([FIXTURES / "multi" / "dup"])
    assert [(Path(p.path).name, p.line, p.col, p.code) for p in result.problems] == [
        ("b.md", 3, 6, "E006")
    ]
    assert "a.md:2" in result.problems[0].message


def test_unknown_prerequisite() -> None:
    result = load_paths([FIXTURES / "multi" / "prereq"])
    assert [(Path(p.path).name, p.line, p.col, p.code) for p in result.problems] == [
        ("second.md", 5, 27, "E022")
    ]
    assert "did you mean `first`?" in result.problems[0].message


def test_prerequisite_cycles() -> None:
    result = load_paths([FIXTURES / "multi" / "cycle"])
    assert [(Path(p.path).name, p.line, p.col, p.code) for p in result.problems] == [
        ("a.md", 5, 18, "E023"),
        ("b.md", 5, 18, "E023"),
        ("c.md", 6, 3, "E023"),
        ("self.md", 5, 18, "E023"),
    ]


def test_all_problems_in_a_file_are_reported(tmp_path: Path) -> None:
    text = (BROKEN / "no_correct.md").read_text() + (
        '\n```question\nid = "q2"\ntype = "mark"\nprompt = "x"\n'
        'run = { preset = "sqid" }\ntarget = "peek"\ntolerance_ms = -1\n```\n'
    )
    f = tmp_path / "many.md"
    f.write_text(text)
    codes = [p.code for p in load_paths([f]).problems]
    assert codes == ["E008", "E016", "E015", "E019"]


def test_load_lessons_raises_with_every_problem() -> None:
    with pytest.raises(ContentError) as info:
        load_lessons([BROKEN / "unknown_key.md"])
    assert [p.code for p in info.value.problems] == ["E004", "E003"]


def test_clean_fixture_builds_frozen_models() -> None:
    (lesson,) = load_lessons([FIXTURES / "lessons"])
    assert lesson.id == "fixture-basics"
    q = lesson.questions[0]
    assert isinstance(q, ChoiceQuestion)
    assert q.line == 9
    assert q.trigger is not None and q.trigger.phase == "repolarization" and q.trigger.pause
    with pytest.raises(Exception):  # noqa: B017 - pydantic frozen error
        q.prompt = "changed"  # type: ignore[misc]
    assert "tiny lesson" in lesson.body and "```question" not in lesson.body


def test_engine_fixture_keeps_placeholders_until_instantiated() -> None:
    (lesson,) = load_lessons([FIXTURES / "engine"])
    q = lesson.question("ttx")
    assert isinstance(q, PredictQuestion)
    assert q.run.pulses == ((5.0, 1.0, "{amp}"),)
    assert q.run.block == ("ttx",)


def test_position_map_handles_tables_arrays_and_inline_tables() -> None:
    text = (
        'a = 1\nt = { x = { y = [1, "b]", 3] } }\n[[o]]\nk = """q\n"""\n[[o]]\nk = 2\n'
        "[s.u]\nv = 'w'\n"
    )
    pm = PositionMap(text)
    assert pm.keys[("t", "x", "y")] == (1, 12)
    assert pm.values[("t", "x", "y", 2)] == (1, 26)
    assert pm.keys[("o", 1, "k")] == (6, 0)
    assert pm.values[("s", "u", "v")] == (8, 4)
    assert pm.key(("o", 1, "missing")) == (5, 0)


def test_cli_reports_errors_exit_1(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate", str(BROKEN / "wrong_type.md")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        f"{BROKEN / 'wrong_type.md'}:14:13: error[E005]: `tolerance` must be a number, not string"
    ]
    assert "Traceback" not in out.stderr


def test_cli_clean_summary_exit_0() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate", str(FIXTURES / "lessons")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == (
        "ok: 1 lessons, 4 questions (2 choice, 1 numeric, 1 order, 0 predict, 0 mark)\n"
    )


def test_cli_missing_path_is_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate", "no/such/dir"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "tutor: error: content validate: no such file or folder: no/such/dir"
    ]


def test_shipped_content_validates() -> None:
    """The real lessons: `tutor content validate content/` must be clean."""
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate", "content/"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok: ")
    lessons = load_lessons([REPO / "content"])
    assert len(lessons) >= 1
    assert sum(len(lesson.questions) for lesson in lessons) >= 1


def test_error_code_table_in_docs_matches_the_code() -> None:
    doc = (REPO / "docs" / "content-format.md").read_text()
    rows = [line for line in doc.splitlines() if line.startswith("| `E0")]
    assert rows == [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.md"
    latin.write_bytes(b'+++\nid = "caf\xe9"\n+++\n')
    empty = tmp_path / "empty.md"
    empty.write_text("")
    result = load_paths([latin, empty])
    assert [(Path(p.path).name, p.line, p.col, p.code) for p in result.problems] == [
        ("empty.md", 1, 1, "E002"),
        ("latin.md", 1, 1, "E032"),
    ]


def test_readme_in_a_content_folder_is_not_a_lesson(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# How to write lessons\n")
    (tmp_path / "one.md").write_text((FIXTURES / "lessons" / "basics.md").read_text())
    result = load_paths([tmp_path])
    assert result.ok and [lesson.id for lesson in result.lessons] == ["fixture-basics"]


def test_default_content_dir_is_the_checkout_content_folder() -> None:
    from tutor.quiz.paths import content_dir

    assert content_dir() == REPO / "content"
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok: ")
