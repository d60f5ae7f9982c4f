"""Content text is data: control characters, markup, odd files and deep nesting never escape.

The loader must turn every hostile lesson file into reported problems
(`path:line:col: error[CODE]`), never an exception, a hang or an escape
sequence on the terminal; plain mode shows control characters visibly.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.quiz import safety
from tutor.quiz.loader import load_paths

PROBLEM_RE = re.compile(r"^.+:\d+:\d+: error\[E\d{3}\]: [^\x00-\x08\x0b-\x1f\x7f-\x9f]+$")

LESSON = """+++
id = "x"
title = "{title}"
preset = "squid"
+++
{prose}

```question
id = "q"
type = "choice"
prompt = "{prompt}"
[[option]]
text = "{option}"
correct = true
feedback = "{feedback}"
[[option]]
text = "b"
feedback = "no"
```
"""


def lesson(tmp_path: Path, name: str = "x.md", **parts: str) -> Path:
    values = {"title": "T", "prose": "Prose.", "prompt": "P?", "option": "a", "feedback": "ok"}
    values.update(parts)
    path = tmp_path / name
    path.write_text(LESSON.format(**values), encoding="utf-8")
    return path


def codes(path: Path) -> list[tuple[int, int, str]]:
    return [(p.line, p.col, p.code) for p in load_paths([path]).problems]


def test_a_clean_lesson_loads(tmp_path: Path) -> None:
    result = load_paths([lesson(tmp_path)])
    assert result.problems == ()
    assert [ls.id for ls in result.lessons] == ["x"]


@pytest.mark.parametrize(
    ("part", "line", "col"),
    [
        ("title", 3, 9),
        ("prompt", 11, 10),
        ("option", 13, 8),
        ("feedback", 15, 12),
    ],
)
@pytest.mark.parametrize("escape", ["\\u001b", "\\u0007", "\\u009b", "\\u007f", "\\u0000"])
def test_toml_escaped_control_characters_are_rejected_at_their_value(
    tmp_path: Path, part: str, line: int, col: int, escape: str
) -> None:
    path = lesson(tmp_path, **{part: f"x{escape}]0;title"})
    problems = load_paths([path])
    assert problems.lessons == ()
    assert (line, col, "E050") in codes(path)


def test_raw_escape_in_prose_is_rejected_at_its_column(tmp_path: Path) -> None:
    path = lesson(tmp_path, prose="Hello \x1b]0;owned\x07 world")
    assert (6, 7, "E050") in codes(path)
    assert load_paths([path]).lessons == ()


def test_tab_and_crlf_are_not_control_problems(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(LESSON.format(title="T", prose="a\tb", prompt="P", option="a", feedback="f")
                     .replace("\n", "\r\n").encode())  # fmt: skip
    assert load_paths([path]).problems == ()


def test_markup_is_text_not_a_problem(tmp_path: Path) -> None:
    """Markup is harmless data: it loads and is shown literally (see the TUI tests)."""
    path = lesson(tmp_path, prompt="[link='file:///etc/passwd']x[/link] [/bold] [@click=app.quit]")
    result = load_paths([path])
    assert result.problems == ()
    assert "[/bold]" in result.lessons[0].questions[0].prompt


@pytest.mark.parametrize("depth", [17, 40, 600, 5000])
def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.md"
    path.write_text(
        f'+++\nid = "d"\ntitle = "t"\npreset = "squid"\na = {"[" * depth}{"]" * depth}\n+++\n'
    )
    assert codes(path) == [(1, 1, "E053")]


def test_deep_inline_tables_in_a_question(tmp_path: Path) -> None:
    body = "x = " + "{a = " * 800 + "1" + "}" * 800
    path = tmp_path / "q.md"
    path.write_text(
        f'+++\nid = "d"\ntitle = "t"\npreset = "squid"\n+++\n```question\n{body}\n```\n'
    )
    assert ("E053") in {c for _, _, c in codes(path)}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.md")
    assert codes(tmp_path) == [(1, 1, "E052")]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_link_to_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / "z.md").symlink_to("/dev/zero")
    assert codes(tmp_path / "z.md") == [(1, 1, "E052")]


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    with path.open("wb") as fh:
        fh.truncate(safety.MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert codes(path) == [(1, 1, "E051")]


def test_a_file_name_with_control_characters_is_printed_escaped(tmp_path: Path) -> None:
    path = tmp_path / "\x1b[2Jx.md"
    path.write_text("no front matter")
    (problem,) = load_paths([path]).problems
    assert "\x1b" not in str(problem)
    assert "\\x1b[2Jx.md" in str(problem)


def test_printable_shows_controls_and_keeps_text() -> None:
    assert safety.printable("a\x1b[2Jb\x07\x9b\r") == "a\\x1b[2Jb\\x07\\x9b\\x0d"
    assert safety.printable("Na⁺ µA/cm²\tx\ny") == "Na⁺ µA/cm²\tx\ny"


def test_plain_mode_never_writes_a_control_character() -> None:
    """Second line of defence: text that bypassed the validator is still escaped on output."""
    from tutor.quiz.plain import PlainSession

    out = io.StringIO()
    session = PlainSession(None, io.StringIO(""), out, seed=1)  # type: ignore[arg-type]
    session.say("prompt \x1b]52;c;aGk=\x07 and \x1b[2J")
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert "\\x1b]52;c;aGk=\\x07" in out.getvalue()


# -- fuzzing: whatever the bytes, the loader reports problems and never raises ----------

_pieces = st.sampled_from(
    ["+++", "```question", "```", "[[option]]", "[[try_it]]", 'id = "a"', "type = ",
     '"choice"', "[", "]", "{", "}", "=", '"', "'''", "\\u001b", "\x1b", "\x00", "\x9b", "\r",
     "\n", "\t", "prompt = ", "text = ", "correct = true", "a.b.c = 1", "1e999", "nan",
     "[a]", "[[a]]", "x = [[[[", "]]]]", "μ", "\ufeff", "\ud7ff", "#", "prerequisites = ['x']"]
)  # fmt: skip


@st.composite
def lesson_like(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from([LESSON.format(title="T", prose="p", prompt="P", option="a",
                                               feedback="f"), ""]))  # fmt: skip
    chunks = draw(st.lists(st.one_of(_pieces, st.text(max_size=20)), max_size=40))
    cut = draw(st.integers(0, len(base)))
    return base[:cut] + "".join(chunks) + base[cut:]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=lesson_like())
def test_fuzz_loader_only_reports_problems(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.md"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = load_paths([path])  # must not raise
    for problem in result.problems:
        assert PROBLEM_RE.match(str(problem)), str(problem)
    for ls in result.lessons:
        texts = [ls.title, ls.body] + [q.prompt for q in ls.questions]
        assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", t) for t in texts)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_fuzz_loader_with_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "b.md"
    path.write_bytes(data)
    for problem in load_paths([path]).problems:
        assert PROBLEM_RE.match(str(problem)), str(problem)
