"""The table of hostile inputs and environments: (command, setup, expected exit, one-line message).

Every row is run by tests/hostile/test_hostile.py, which also asserts for
every row: no traceback, no ESC (or other C0/C1 control) byte in the output,
an error is one line on stderr, nothing runs longer than 60 s, and for the
rows marked `subprocess` the process's peak memory stays under 1 GB.

`{tmp}` in an argument is the case's own temporary folder; `setup` builds
files there first. Rows run in-process through `tutor.cli.main` (fast);
`mode="subprocess"` rows run `python -m tutor` (signals, real stdout/stdin
bytes, memory measurement).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: what runs, in what world, and what must come out."""

    id: str
    category: str
    args: tuple[str, ...]
    exit: int
    message: str = ""
    """Fragment expected in stderr (or in stdout when `message_in="stdout"`)."""
    setup: Setup | None = None
    stdin: str | bytes = ""
    env: dict[str, str] = field(default_factory=dict)
    stdout_to: str | None = None
    """A path for stdout ("/dev/full"); None: captured."""
    mode: str = "inproc"
    """"inproc", "subprocess", or "pty": a subprocess whose stdin, stdout and stderr are
    one pseudo-terminal (a real terminal as the TUI sees it; the output is read from it)."""
    unset: tuple[str, ...] = ()
    """Environment variables removed for the run (subprocess and pty rows)."""
    needs_compiled: bool = False
    """Runs MAX_STEPS_PER_CELL steps: seconds compiled, over the time limit on the numpy
    kernel (whose budget tests/sim/test_budgets.py checks with a small limit)."""
    message_in: str = "any"
    sigint_after_s: float | None = None
    one_line: bool = True
    """A failing command prints exactly one line on stderr."""


# -- files the content cases use -------------------------------------------------------

LESSON = """+++
id = "hostile"
title = "{title}"
preset = "squid"

[[try_it]]
label = "{label}"
pulses = [[2, 1, 20]]
+++
{prose}

```question
id = "q1"
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


def lesson_text(**parts: str) -> str:
    values = {
        "title": "Title",
        "label": "Try",
        "prose": "Prose.",
        "prompt": "Prompt?",
        "option": "a",
        "feedback": "fb",
    }
    values.update(parts)
    return LESSON.format(**values)


def write(name: str, text: str | bytes) -> Setup:
    def setup(tmp: Path) -> None:
        path = tmp / "c" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")

    return setup


def fifo(tmp: Path) -> None:
    (tmp / "c").mkdir()
    os.mkfifo(tmp / "c" / "x.md")


def dev_zero(tmp: Path) -> None:
    (tmp / "c").mkdir()
    (tmp / "c" / "x.md").symlink_to("/dev/zero")


def huge(tmp: Path) -> None:
    (tmp / "c").mkdir()
    with (tmp / "c" / "x.md").open("wb") as fh:
        fh.truncate(50_000_000)  # sparse


def folder_named_md(tmp: Path) -> None:
    (tmp / "c" / "x.md").mkdir(parents=True)


def symlink_loop(tmp: Path) -> None:
    (tmp / "c").mkdir()
    (tmp / "c" / "loop").symlink_to(tmp / "c")
    (tmp / "c" / "ok.md").write_text(lesson_text())


def deep(depth: int, where: str) -> Setup:
    nest = "[" * depth + "]" * depth
    if where == "front":
        text = f'+++\nid = "deep"\ntitle = "t"\npreset = "squid"\nx = {nest}\n+++\nprose\n'
    elif where == "inline":
        text = (
            '+++\nid = "deep"\ntitle = "t"\npreset = "squid"\n+++\n```question\n'
            f"x = {'{a = ' * depth}1{'}' * depth}\n```\n"
        )
    else:
        text = (
            f'+++\nid = "deep"\ntitle = "t"\npreset = "squid"\n+++\n```question\nx = {nest}\n```\n'
        )
    return write("deep.md", text)


# -- files the store cases use -----------------------------------------------------------


def progress_db(tmp: Path, attempts: int = 300) -> Path:
    from tutor.quiz.grading import Attempt
    from tutor.quiz.store import Store

    with Store(tmp / "data") as store:
        for i in range(attempts):
            store.record(
                Attempt(lesson_id="threshold", question_id=f"q{i}", answer=0, correct=True,
                        score=1.0, feedback="fb " * 50),
                seed=i,
            )  # fmt: skip
    return tmp / "data" / "progress.sqlite3"


def truncated(fraction: float) -> Setup:
    def setup(tmp: Path) -> None:
        path = progress_db(tmp)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    return setup


def data_file(content: bytes) -> Setup:
    def setup(tmp: Path) -> None:
        (tmp / "data").mkdir()
        (tmp / "data" / "progress.sqlite3").write_bytes(content)

    return setup


def newer_schema(tmp: Path) -> None:
    path = progress_db(tmp, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")


def foreign_sqlite(tmp: Path) -> None:
    (tmp / "data").mkdir()
    with sqlite3.connect(tmp / "data" / "progress.sqlite3") as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")


def data_dir_is_file(tmp: Path) -> None:
    (tmp / "data").write_text("not a folder")


def db_is_folder(tmp: Path) -> None:
    (tmp / "data" / "progress.sqlite3").mkdir(parents=True)


def read_only_target(tmp: Path) -> None:
    """A file the process cannot write (chmod for users; a sysfs file refuses even root)."""
    target = tmp / "ro.csv"
    if os.geteuid() != 0:
        target.write_text("keep me\n")
        target.chmod(0o444)
    else:
        target.symlink_to("/sys/kernel/notes")


def existing_lessons(tmp: Path) -> None:
    (tmp / "c").mkdir()
    (tmp / "c" / "ok.md").write_text(lesson_text())


# -- the table ---------------------------------------------------------------------------

CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# Content reaching the terminal: control characters, as TOML escapes and raw, in every field.
CONTROLS = {
    "csi-clear": "\\u001b[2J",
    "osc52-clipboard": "\\u001b]52;c;aGVsbG8=\\u0007",
    "osc0-title": "\\u001b]0;owned\\u0007",
    "bel": "\\u0007",
    "nul": "\\u0000",
    "c1-csi": "\\u009b31m",
    "del": "\\u007f",
}
for field_name in ("prompt", "option", "feedback", "title", "label"):
    for ctl_name, ctl in CONTROLS.items():
        add(
            Case(
                f"content-{field_name}-{ctl_name}",
                "content",
                ("content", "validate", "{tmp}/c"),
                1,
                "error[E050]",
                setup=write("x.md", lesson_text(**{field_name: f"x {ctl} y"})),
                one_line=False,
            )
        )
for ctl_name, raw in (("esc", "\x1b]0;owned\x07"), ("csi", "\x1b[2J"), ("c1", "\x9b2J")):
    add(
        Case(
            f"content-prose-raw-{ctl_name}", "content", ("content", "validate", "{tmp}/c"), 1,
            "error[E050]", setup=write("x.md", lesson_text(prose=f"Prose {raw} here")),
            one_line=False,
        ),
        Case(
            f"content-front-raw-{ctl_name}", "content", ("content", "validate", "{tmp}/c"), 1,
            "error[E050]",
            setup=write("x.md", lesson_text().replace('title = "Title"', f"# {raw}\ntitle = 'T'")),
            one_line=False,
        ),
    )  # fmt: skip
# The same files through the commands that show content: the lesson is refused, a warning
# names the problem, and no control byte reaches the terminal.
for ctl_name in ("osc52-clipboard", "osc0-title", "csi-clear"):
    setup = write("x.md", lesson_text(prompt=f"p {CONTROLS[ctl_name]}"))
    add(
        Case(
            f"quiz-plain-{ctl_name}", "content",
            ("quiz", "--plain", "--seed", "1", "--content", "{tmp}/c", "--data-dir", "{tmp}/d"),
            0, "error[E050]", setup=setup, stdin="a\n",
        ),
        Case(
            f"progress-{ctl_name}", "content",
            ("progress", "--content", "{tmp}/c", "--data-dir", "{tmp}/d"), 0, "error[E050]",
            setup=setup,
        ),
    )  # fmt: skip
# Markup in content is text: it validates and is shown literally.
for markup_name, markup in (
    ("link", "[link='file:///etc/passwd']x[/link]"),
    ("click", "[@click=app.quit]q[/]"),
    ("unbalanced", "[/bold]"),
    ("open", "[red"),
):
    add(
        Case(
            f"markup-validate-{markup_name}", "content", ("content", "validate", "{tmp}/c"), 0,
            "ok:", setup=write("x.md", lesson_text(prompt=markup, title=markup, label=markup)),
            message_in="stdout",
        ),
        Case(
            f"markup-quiz-{markup_name}", "content",
            ("quiz", "--plain", "--seed", "1", "--content", "{tmp}/c", "--data-dir", "{tmp}/d"),
            0, markup, setup=write("x.md", lesson_text(prompt=markup, feedback=markup)),
            stdin="a\n", message_in="stdout",
        ),
    )  # fmt: skip
# Structures and files that exhaust the process.
for command, exit_code in (
    (("content", "validate", "{tmp}/c"), 1),
    (("quiz", "--plain", "--content", "{tmp}/c", "--data-dir", "{tmp}/d"), 0),
    (("progress", "--content", "{tmp}/c", "--data-dir", "{tmp}/d"), 0),
):
    verb = command[0]
    for depth in (20, 500, 5000):
        for where in ("front", "question", "inline"):
            add(
                Case(
                    f"deep-{where}-{depth}-{verb}",
                    "content",
                    command,
                    exit_code,
                    "E053",
                    setup=deep(depth, where),
                    one_line=False,
                )
            )
    for name, setup, code in (
        ("fifo", fifo, "E052"),
        ("dev-zero", dev_zero, "E052"),
        ("huge", huge, "E051"),
    ):
        add(Case(f"{name}-{verb}", "content", command, exit_code, code, setup=setup,
                 one_line=False))  # fmt: skip
add(
    Case("binary-garbage", "content", ("content", "validate", "{tmp}/c"), 1, "E032",
         setup=write("x.md", bytes(range(256)) * 4), one_line=False),
    Case("invalid-utf8", "content", ("content", "validate", "{tmp}/c"), 1, "E032",
         setup=write("x.md", b"+++\nid = \"\xff\xfe\"\n+++\n"), one_line=False),
    Case("empty-file", "content", ("content", "validate", "{tmp}/c"), 1, "E002",
         setup=write("x.md", ""), one_line=False),
    Case("escape-in-file-name", "content", ("content", "validate", "{tmp}/c"), 1, "\\x1b[2J",
         setup=write("\x1b[2J.md", "no front matter"), one_line=False, message_in="stdout"),
    Case("folder-named-md", "content", ("content", "validate", "{tmp}/c"), 1, "E052",
         setup=folder_named_md, one_line=False),
    Case("symlink-loop", "content", ("content", "validate", "{tmp}/c"), 0, "ok:",
         setup=symlink_loop, message_in="stdout"),
    Case("validate-missing-path", "content", ("content", "validate", "{tmp}/nope"), 2,
         "no such file or folder"),
    Case("quiz-missing-content", "content", ("quiz", "--plain", "--content", "{tmp}/nope"), 2,
         "--content"),
)  # fmt: skip

# The engine without limits: every argument that could hang, overflow or fill memory.
SIM = ("simulate",)
for arg, value, fragment in (
    ("--tstop", "1e308", "--tstop"),
    ("--tstop", "1e7", "--tstop"),
    ("--tstop", "1e6", "samples"),
    ("--tstop", "inf", "--tstop"),
    ("--tstop", "nan", "--tstop"),
    ("--tstop", "-1", "--tstop"),
    ("--tstop", "0", "--tstop"),
    ("--tstop", "abc", "--tstop"),
    ("--dt", "1e-320", "samples"),
    ("--dt", "1e-9", "samples"),
    ("--dt", "0", "--dt"),
    ("--dt", "-0.1", "--dt"),
    ("--dt", "0.6", "--dt"),
    ("--dt", "nan", "--dt"),
    ("--dt", "inf", "--dt"),
    ("--hold", "1e308", "--hold"),
    ("--hold", "nan", "--hold"),
    ("--hold", "-inf", "--hold"),
    ("--pulse", "1e308,1,20", "--pulse"),
    ("--pulse", "5,1e308,20", "--pulse"),
    ("--pulse", "5,1,1e308", "--pulse"),
    ("--pulse", "5,1,nan", "--pulse"),
    ("--pulse", "nan,1,20", "--pulse"),
    ("--pulse", "5,-1,20", "--pulse"),
    ("--pulse", "-5,1,20", "--pulse"),
    ("--pulse", "5,1", "--pulse"),
    ("--pulse", "5,1,20,4", "--pulse"),
    ("--pulse", ",,", "--pulse"),
    ("--set", "cm=1e-9", "cm"),
    ("--set", "cm=0", "cm"),
    ("--set", "cm=-1", "cm"),
    ("--set", "cm=1e308", "cm"),
    ("--set", "el=-500", "el"),
    ("--set", "ena=1e308", "ena"),
    ("--set", "ek=-1e9", "ek"),
    ("--set", "gna=-1", "gna"),
    ("--set", "gk=1e300", "gk"),
    ("--set", "gl=nan", "--set"),
    ("--set", "celsius=1000", "celsius"),
    ("--set", "celsius=-273", "celsius"),
    ("--set", "bogus=1", "bogus"),
    ("--set", "cm", "--set"),
    ("--celsius", "inf", "--celsius"),
    ("--celsius", "1e9", "celsius"),
    ("--preset", "../../etc/passwd", "--preset"),
    ("--preset", "\x1b[2J", "--preset"),
    ("--block", "cyanide", "--block"),
    ("--integrator", "rk99", "integrator"),
    ("--integrator", "\x1b]0;x\x07", "integrator"),
):
    add(Case(f"simulate{arg}={value!r}", "budget", (*SIM, arg, value), 2, fragment))
SWEEP = ("sweep",)
for args, fragment in (
    (("threshold", "--width", "1e308"), "--width"),
    (("threshold", "--width", "1e7"), "--width"),
    (("threshold", "--width", "nan"), "--width"),
    (("threshold", "--width", "0"), "--width"),
    (("threshold", "--width", "-1"), "--width"),
    (("threshold", "--width", "1", "--delay", "1e308"), "--delay"),
    (("threshold", "--width", "1", "--delay", "-1"), "--delay"),
    (("threshold", "--width", "1", "--delay", "inf"), "--delay"),
    (("threshold", "--width", "1", "--set", "cm=1e-9"), "cm"),
    (("threshold", "--width", "1", "--set", "el=-500"), "el"),
    (("strength-duration", "--widths", "1:2:99999999999999999999"), "--widths"),
    (("strength-duration", "--widths", "1:2:0"), "--widths"),
    (("strength-duration", "--widths", "1:2:-5"), "--widths"),
    (("strength-duration", "--widths", "1:2:1.5"), "--widths"),
    (("strength-duration", "--widths", "nan:2:3"), "--widths"),
    (("strength-duration", "--widths", "1:inf:3"), "--widths"),
    (("strength-duration", "--widths", "0:2:3"), "--widths"),
    (("strength-duration", "--widths", "1,nan"), "--widths"),
    (("strength-duration", "--widths", "1,-2"), "--widths"),
    (("strength-duration", "--widths", "1,1e308"), "--widths"),
    (("strength-duration", "--widths", ","), "--widths"),
    (("strength-duration", "--widths", ",".join(["1"] * 10_001)), "--widths"),
    (("fi", "--amps", "10", "--duration", "1e308"), "--duration"),
    (("fi", "--amps", "10", "--duration", "0"), "--duration"),
    (("fi", "--amps", "1e308"), "--amps"),
    (("fi", "--amps", "1,nan"), "--amps"),
    (("fi", "--amps", "inf:1:3"), "--amps"),
    (("fi", "--amps", "0:50:10000", "--duration", "100000"), "--amps/--duration"),
    (("fi", "--amps", "0:50:20000"), "--amps"),
    (("refractory", "--isis", "1e7"), "--isis"),
    (("refractory", "--isis", "1e308"), "--isis"),
    (("refractory", "--isis", "-1"), "--isis"),
    (("refractory", "--isis", "nan"), "--isis"),
    (("refractory", "--isis", "2", "--max-amp", "1e308"), "--max-amp"),
    (("refractory", "--isis", "2", "--max-amp", "0"), "--max-amp"),
    (("refractory", "--isis", "2", "--max-amp", "nan"), "--max-amp"),
    (("bogus",), "bogus"),
):
    add(Case(f"sweep-{'-'.join(args)[:60]}", "budget", (*SWEEP, *args), 2, fragment))
for args, fragment in (
    (("propagate", "--diam", "1e308"), "--diam"),
    (("propagate", "--diam", "nan"), "--diam"),
    (("propagate", "--length", "1e308"), "--length"),
    (("propagate", "--nseg", "999999999999"), "--nseg"),
    (("propagate", "--dt", "1e-320"), "--dt"),
    (("propagate", "--set", "cm=1e-9"), "cm"),
    (("sweep", "velocity", "--diams", "1,1e308"), "--diams"),
    (("sweep", "velocity", "--diams", "1:2:99999999999"), "--diams"),
):
    add(Case(f"cable-{'-'.join(args)[:50]}", "budget", args, 2, fragment))
# Budgets that only the run itself can find: the step budget, with the limit in the message.
add(
    Case("step-budget-simulate", "budget",
         ("simulate", "--tstop", "400000", "--dt", "0.5", "--hold", "50"), 2,
         "integration steps", mode="subprocess", needs_compiled=True),
    Case("step-budget-fi", "budget", ("sweep", "fi", "--amps", "50", "--duration", "1000000"),
         2, "integration steps", mode="subprocess", needs_compiled=True),
    Case("largest-trace-allowed", "budget",
         ("simulate", "--tstop", "25000", "--csv", "{tmp}/big.csv"), 0, mode="subprocess"),
)  # fmt: skip

# Output errors: every write handles OSError with one line and a non-zero exit.
# A path that cannot be opened is bad input (exit 2); a write that fails midway, exit 1.
for name, target, setup, code in (
    ("folder", "{tmp}", None, 2),
    ("missing-folder", "{tmp}/missing/x.csv", None, 2),
    ("read-only", "{tmp}/ro.csv", read_only_target, 2),
    ("dev-full", "/dev/full", None, 1),
):
    add(
        Case(f"simulate-csv-{name}", "output", ("simulate", "--csv", target), code, "--csv",
             setup=setup),
        Case(f"progress-csv-{name}", "output",
             ("progress", "--csv", target, "--data-dir", "{tmp}/d"), code, "--csv", setup=setup),
    )  # fmt: skip
for args in (
    ("simulate", "--json"),
    ("simulate", "--timeline"),
    ("simulate",),
    ("simulate", "--csv", "-"),
    ("sweep", "threshold", "--width", "1", "--json"),
    ("sweep", "refractory", "--isis", "2,4"),
    ("progress", "--json", "--data-dir", "{tmp}/d"),
    ("progress", "--csv", "-", "--data-dir", "{tmp}/d"),
    ("progress", "--data-dir", "{tmp}/d"),
    ("content", "validate"),
):
    add(Case(f"stdout-full-{'-'.join(args[:3])}", "output", args, 1, "No space left",
             stdout_to="/dev/full"))  # fmt: skip
add(
    Case("simulate-csv-empty", "output", ("simulate", "--csv", ""), 2, "--csv"),
    Case("simulate-csv-blank", "output", ("simulate", "--csv", "  "), 2, "--csv"),
    Case("progress-csv-empty", "output", ("progress", "--csv", ""), 2, "--csv"),
    Case("clamp-csv-empty", "output", ("clamp", "--steps", "0", "--csv", ""), 2, "--csv"),
    Case("clamp-dt-tiny-csv", "budget", ("clamp", "--steps", "0", "--dt", "1e-320", "--csv",
         "{tmp}/x.csv"), 2, "--dt"),
    Case("clamp-dur-huge", "budget", ("clamp", "--steps", "0", "--dur", "1e308"), 2, "--dur"),
    Case("clamp-steps-count-huge", "budget", ("clamp", "--steps", "0:1:99999999999"), 2,
         "--steps"),
    Case("clamp-csv-dev-full", "output", ("clamp", "--steps", "0", "--csv", "/dev/full"), 1,
         "--csv"),
    Case("clamp-csv-folder", "output", ("clamp", "--steps", "0", "--csv", "{tmp}"), 2, "--csv"),
    Case("clamp-json-stdout-full", "output", ("clamp", "--steps", "0", "--json"), 1,
         "No space left", stdout_to="/dev/full"),
    Case("stdout-full-subprocess", "output", ("simulate", "--json"), 1, "No space left",
         stdout_to="/dev/full", mode="subprocess"),
    Case("stdout-closed-pipe", "output", ("sweep", "refractory", "--isis", "2,4,6"), 0,
         stdout_to="closed-pipe", mode="subprocess"),
)  # fmt: skip


# Lab setup files (`tutor lab --setup FILE`): a mistake is one path:line:col line, exit 2.
def setup_fifo(tmp: Path) -> None:
    (tmp / "c").mkdir()
    os.mkfifo(tmp / "c" / "x.toml")


def setup_huge(tmp: Path) -> None:
    (tmp / "c").mkdir()
    with (tmp / "c" / "x.toml").open("wb") as fh:
        fh.truncate(50_000_000)  # sparse


SETUP = ("lab", "--setup", "{tmp}/c/x.toml")
add(
    Case("setup-toml-syntax", "setup", SETUP, 2, "x.toml:1:16: error[E001]",
         setup=write("x.toml", 'preset = "squid\n')),
    Case("setup-unknown-key", "setup", SETUP, 2, "x.toml:2:1: error[E003]",
         setup=write("x.toml", 'preset = "squid"\ncolour = 1\n')),
    Case("setup-unknown-preset", "setup", SETUP, 2, "error[E016]",
         setup=write("x.toml", 'preset = "octopus"\n')),
    Case("setup-unknown-block", "setup", SETUP, 2, "x.toml:2:11: error[E017]",
         setup=write("x.toml", 'preset = "squid"\nblocks = ["cocaine"]\n')),
    Case("setup-celsius-nan", "setup", SETUP, 2, "error[E031]",
         setup=write("x.toml", 'preset = "squid"\ncelsius = nan\n')),
    Case("setup-width-huge", "setup", SETUP, 2, "x.toml:3:12: error[E031]",
         setup=write("x.toml", 'preset = "squid"\n[stimulus]\nwidth_ms = 1e308\n')),
    Case("setup-set-unknown", "setup", SETUP, 2, "error[E018]",
         setup=write("x.toml", 'preset = "squid"\n[set]\nwarp = 9\n')),
    Case("setup-set-negative-g", "setup", SETUP, 2, "x.toml:3:7: error[E031]",
         setup=write("x.toml", 'preset = "squid"\n[set]\ngna = -1\n')),
    Case("setup-escape-in-value", "setup", SETUP, 2, "error[E050]",
         setup=write("x.toml", 'preset = "\\u001b]0;owned\\u0007"\n')),
    Case("setup-raw-escape", "setup", SETUP, 2, "error[E050]",
         setup=write("x.toml", 'preset = "squid" # \x1b[2J\n')),
    Case("setup-not-utf8", "setup", SETUP, 2, "error[E032]",
         setup=write("x.toml", b'preset = "\xff\xfe"\n')),
    Case("setup-deep", "setup", SETUP, 2, "error[E05",
         setup=write("x.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n")),
    Case("setup-empty", "setup", SETUP, 2, "error[E004]", setup=write("x.toml", "")),
    Case("setup-missing", "setup", SETUP, 2, "--setup: cannot read"),
    Case("setup-folder", "setup", ("lab", "--setup", "{tmp}"), 2, "error[E052]"),
    Case("setup-fifo", "setup", SETUP, 2, "error[E052]", setup=setup_fifo, mode="subprocess"),
    Case("setup-huge", "setup", SETUP, 2, "error[E051]", setup=setup_huge),
)  # fmt: skip

# Options of the quiz, the lab and the store.
QUIZ = ("quiz", "--plain", "--data-dir", "{tmp}/d", "--lesson", "threshold")
for seed, code, fragment in (
    ("9223372036854775808", 2, "--seed"),
    ("99999999999999999999999999", 2, "--seed"),
    ("-1", 2, "--seed"),
    ("1.5", 2, "--seed"),
    ("nan", 2, "--seed"),
    ("9223372036854775807", 0, ""),
    ("0", 0, ""),
):
    add(Case(f"quiz-seed-{seed}", "options", (*QUIZ, "--seed", seed), code, fragment,
             stdin="a\n"))  # fmt: skip
for speed in ("nan", "inf", "-inf", "0", "-1", "1e9", "0.01", "abc", ""):
    add(Case(f"lab-speed-{speed or 'empty'}", "options", ("lab", "--speed", speed), 2, "--speed"))
add(
    Case("lab-lesson-bogus", "options", ("lab", "--lesson", "bogus"), 2, "threshold"),
    Case("lab-lesson-escape", "options", ("lab", "--lesson", "\x1b]0;x\x07"), 2, "--lesson"),
    Case("lab-preset-bogus", "options", ("lab", "--preset", "bogus"), 2, "--preset"),
    Case("lab-seed-huge", "options", ("lab", "--seed", "9223372036854775808"), 2, "--seed"),
    Case("quiz-lesson-bogus", "options", ("quiz", "--plain", "--lesson", "bogus"), 2, "--lesson"),
    Case("tutor-unknown-command", "options", ("frobnicate",), 2, "frobnicate"),
    Case("tutor-escape-argument", "options", ("simulate", "--\x1b[2J"), 2, "\\x1b[2J"),
    Case("kernel-env-bogus", "options", ("simulate",), 2, "TUTOR_KERNEL",
         env={"TUTOR_KERNEL": "\x1b[2Jbogus"}),
    Case("quiz-stdin-escapes", "options", (*QUIZ, "--seed", "1"), 0, "Not understood",
         stdin="\x1b[31mred\n\x00\n", message_in="stdout"),
    Case("quiz-stdin-binary", "options", (*QUIZ, "--seed", "1"), 0, "",
         stdin=b"\xff\xfe\x1b[2J\n\x00\n", mode="subprocess"),
)  # fmt: skip
STORE = "--data-dir", "{tmp}/data"
for name, setup, fragment in (
    ("truncated-99pc", truncated(0.01), "corrupt"),
    ("truncated-50pc", truncated(0.5), "corrupt"),
    ("truncated-header", truncated(0.001), "progress.sqlite3"),
    ("foreign-text", data_file(b"hello, this is not a database\n" * 100), "not a SQLite"),
    ("foreign-sqlite", foreign_sqlite, "not a neuron-tutor"),
    ("newer-schema", newer_schema, "newer"),
    ("zeros", data_file(b"\0" * 8192), "not a SQLite"),
    ("db-is-folder", db_is_folder, "progress.sqlite3"),
    ("data-dir-is-file", data_dir_is_file, "data"),
):
    add(
        Case(f"store-{name}-progress", "store", ("progress", *STORE), 1, fragment, setup=setup),
        Case(f"store-{name}-quiz", "store", (*QUIZ[:2], *STORE, "--seed", "1"), 1, fragment,
             setup=setup, stdin="a\n"),
    )  # fmt: skip
add(
    Case("store-empty-folder-progress", "store", ("progress", *STORE), 0, "0 attempt(s)",
         message_in="stdout"),
    Case("store-readable-progress-json", "store", ("progress", "--json", *STORE), 0, '"attempts"',
         setup=lambda tmp: progress_db(tmp, 5) and None, message_in="stdout"),
)  # fmt: skip

# Signals: Ctrl-C interrupts the kernel cleanly.
add(
    Case("sigint-sweep-fi", "signals", ("sweep", "fi", "--amps", "0:50:10000", "--duration",
         "1990"), 130, mode="subprocess", sigint_after_s=2.0, one_line=False),
    Case("sigint-simulate", "signals", ("simulate", "--tstop", "400000", "--dt", "0.5", "--hold",
         "50", "--json"), 130, mode="subprocess", sigint_after_s=1.0, one_line=False),
    Case("sigint-threshold", "signals", ("sweep", "strength-duration", "--widths",
         "0.01:1000:5000"), 130, mode="subprocess", sigint_after_s=1.5, one_line=False),
)  # fmt: skip

# A bad environment: unusable data or cache folders, a home that cannot be written, a
# terminal that cannot show the TUI, an output encoding without µ. Each is either one
# line and a non-zero exit, or the command's plain fallback; never a traceback.
SIM_SMALL = ("simulate", "--preset", "squid", "--pulse", "5,1,20", "--tstop", "20", "--json")
QUIZ_ENV = ("quiz", "--plain", "--lesson", "threshold", "--seed", "1")
NO_HOME = {"HOME": "/proc/nope", "XDG_DATA_HOME": "", "XDG_CACHE_HOME": "",
           "XDG_CONFIG_HOME": "", "TUTOR_DATA_DIR": ""}  # fmt: skip


def a_file(tmp: Path) -> None:
    (tmp / "file").write_text("not a folder\n")


add(
    # progress has to be written: the folder cannot be made, or is a file
    Case("env-data-dir-proc-quiz", "environment", QUIZ_ENV, 1, "cannot create data dir /proc/nope",
         env={"TUTOR_DATA_DIR": "/proc/nope"}, stdin="a\n", mode="subprocess"),
    Case("env-data-dir-file-quiz", "environment", QUIZ_ENV, 1, "is not a folder", setup=a_file,
         env={"TUTOR_DATA_DIR": "{tmp}/file"}, stdin="a\n", mode="subprocess"),
    Case("env-data-dir-file-progress", "environment", ("progress",), 1, "is not a folder",
         setup=a_file, env={"TUTOR_DATA_DIR": "{tmp}/file"}, mode="subprocess"),
    Case("env-xdg-data-proc-quiz", "environment", QUIZ_ENV, 1, "/proc/nope/neuron-tutor",
         env={"TUTOR_DATA_DIR": "", "XDG_DATA_HOME": "/proc/nope"}, stdin="a\n",
         mode="subprocess"),
    Case("env-xdg-data-file-quiz", "environment", QUIZ_ENV, 1, "--data-dir or TUTOR_DATA_DIR",
         setup=a_file, env={"TUTOR_DATA_DIR": "", "XDG_DATA_HOME": "{tmp}/file"}, stdin="a\n",
         mode="subprocess"),
    # a home that cannot be written: what needs no folder still works
    Case("env-home-proc-quiz", "environment", QUIZ_ENV, 1, "/proc/nope/.local/share/neuron-tutor",
         env=NO_HOME, stdin="a\n", mode="subprocess"),
    Case("env-home-proc-simulate", "environment", SIM_SMALL, 0, '"spikes_ms"', env=NO_HOME,
         message_in="stdout", mode="subprocess"),
    Case("env-home-proc-progress", "environment", ("progress",), 0, "0 attempt(s)", env=NO_HOME,
         message_in="stdout", mode="subprocess"),
    # nothing is cached any more: unusable cache folders change nothing
    Case("env-cache-dirs-proc-simulate", "environment", SIM_SMALL, 0, '"spikes_ms"',
         env={"TUTOR_CACHE_DIR": "/proc/nope", "XDG_CACHE_HOME": "/proc/nope"},
         message_in="stdout", mode="subprocess"),
    Case("env-cache-dir-file-simulate", "environment", SIM_SMALL, 0, '"spikes_ms"', setup=a_file,
         env={"TUTOR_CACHE_DIR": "{tmp}/file", "XDG_CACHE_HOME": "{tmp}/file"},
         message_in="stdout", mode="subprocess"),
    # the TUI without a terminal that can show it: one line naming what is missing
    Case("env-lab-no-tty", "environment", ("lab",), 1, "stdin is not a terminal",
         mode="subprocess"),
    Case("env-bare-tutor-no-tty", "environment", (), 1, "tutor quiz --plain", mode="subprocess"),
    Case("env-lab-term-dumb", "environment", ("lab",), 1, "TERM=dumb cannot move the cursor",
         env={"TERM": "dumb"}, mode="pty"),
    Case("env-lab-term-unset", "environment", ("lab",), 1, "TERM is not set", unset=("TERM",),
         mode="pty"),
    Case("env-lab-term-empty", "environment", ("lab",), 1, "TERM is not set", env={"TERM": ""},
         mode="pty"),
    # the quiz falls back to its plain mode where the dialogs cannot be drawn
    Case("env-quiz-term-dumb-plain", "environment", ("quiz", "--lesson", "threshold", "--seed",
         "1"), 0, "Answer: one letter", env={"TERM": "dumb"}, stdin="\x04", mode="pty"),
    Case("env-quiz-no-tty-plain", "environment", ("quiz", "--lesson", "threshold", "--seed", "1"),
         0, "Answer: one letter", stdin="", message_in="stdout", mode="subprocess"),
    # an output encoding that cannot hold µ, − or box drawing: escapes, not UnicodeEncodeError
    Case("env-ascii-stdout-timeline", "environment", ("simulate", "--pulse", "5,1,20", "--tstop",
         "20", "--timeline"), 0, "\\xb5A/cm", env={"PYTHONIOENCODING": "ascii"},
         message_in="stdout", mode="subprocess"),
    Case("env-ascii-help", "environment", ("--help",), 0, "tutor", message_in="stdout",
         env={"PYTHONIOENCODING": "ascii"}, mode="subprocess"),
    Case("env-latin1-plain-quiz", "environment", QUIZ_ENV, 0, "Answer: one letter",
         env={"PYTHONIOENCODING": "latin-1"}, stdin="", message_in="stdout", mode="subprocess"),
    Case("env-ascii-error-line", "environment", ("simulate", "--preset", "µ"), 2, "--preset",
         env={"PYTHONIOENCODING": "ascii"}, mode="subprocess"),
)  # fmt: skip
