"""Run the hostile-case table (tests/hostile/cases.py): no traceback, hang, escape or OOM.

For every row: the exit status is the one in the table, the expected
fragment appears, an error is a single line on stderr, the output holds no
ESC or other control byte (tab and newline excepted), nothing takes longer
than 60 s, and subprocess rows stay under 1 GB of peak memory.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from .cases import CASES, Case

TIME_LIMIT_S = 60.0
MEMORY_LIMIT_BYTES = 1 << 30
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
REPO = Path(__file__).resolve().parents[2]
#: The start of the line that announces the automatic numpy-kernel fallback.
KERNEL_NOTE = "tutor: note: the compiled kernel"


def fill(arg: str, tmp: Path) -> str:
    return arg.replace("{tmp}", str(tmp))


def run_inproc(case: Case, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, bytes, bytes]:
    from tutor.cli import main

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp / "envdata"))
    for key, value in case.env.items():
        monkeypatch.setenv(key, fill(value, tmp))
    for key in case.unset:
        monkeypatch.delenv(key, raising=False)
    stdin_text = (
        case.stdin if isinstance(case.stdin, str) else case.stdin.decode("utf-8", "replace")
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    sink = None
    if case.stdout_to is None:
        out: io.TextIOBase = io.StringIO()
    else:
        sink = open(case.stdout_to, "w", encoding="utf-8")  # noqa: SIM115
        out = sink
    monkeypatch.setattr(sys, "stdout", out)
    try:
        code = main([fill(a, tmp) for a in case.args])
    except SystemExit as exc:  # argparse errors
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        if sink is not None:
            with contextlib.suppress(OSError):
                sink.close()
    stdout = out.getvalue() if isinstance(out, io.StringIO) else ""
    return (
        code,
        stdout.encode("utf-8", "surrogateescape"),
        err.getvalue().encode("utf-8", "surrogateescape"),
    )


def case_env(case: Case, tmp: Path) -> dict[str, str]:
    """The environment of a subprocess row: ours, a fresh data dir, the row's changes."""
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp / "envdata")}
    env.update({key: fill(value, tmp) for key, value in case.env.items()})
    for key in case.unset:
        env.pop(key, None)
    return env


def reap_if_exited(proc: subprocess.Popen, case: Case, deadline: float) -> int | None:
    """The child's peak RSS in bytes once it has exited (reaped here by wait4, which gives
    its own peak; `returncode` set), else None; the row fails as a hang after `deadline`."""
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        proc.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    if time.monotonic() > deadline:
        proc.kill()
        pytest.fail(f"{case.id}: still running after {TIME_LIMIT_S} s (hang)")
    return None


def run_pty(case: Case, tmp: Path) -> tuple[int, bytes, bytes, int]:
    """Run `python -m tutor` on a pseudo-terminal (stdin, stdout and stderr); returns
    (exit, b"", what the terminal showed with CR LF as LF, peak RSS in bytes)."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", *[fill(a, tmp) for a in case.args]],
        stdin=slave, stdout=slave, stderr=slave, env=case_env(case, tmp), cwd=REPO,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    stdin = case.stdin.encode() if isinstance(case.stdin, str) else case.stdin
    if stdin:
        os.write(master, stdin)
    shown = bytearray()
    deadline = time.monotonic() + TIME_LIMIT_S
    while True:
        ready = select.select([master], [], [], 0.05)[0]
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has gone
                chunk = b""
            shown += chunk
            if chunk:
                continue
        if (rss := reap_if_exited(proc, case, deadline)) is not None:
            break
    with contextlib.suppress(OSError):
        while chunk := os.read(master, 65536):
            shown += chunk
    os.close(master)
    if proc.returncode < 0:
        pytest.fail(f"{case.id}: killed by signal {-proc.returncode}")
    return proc.returncode, b"", bytes(shown).replace(b"\r\n", b"\n"), rss


def _interruptible() -> None:
    """In the child before exec: Ctrl-C as at a terminal (default disposition).

    A test run started in the background by a non-interactive shell (`cmd &`)
    inherits SIGINT *ignored*, and Python keeps an ignored SIGINT ignored, so
    the Ctrl-C cases would test the launcher, not `tutor`.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_subprocess(case: Case, tmp: Path) -> tuple[int, bytes, bytes, int]:
    """Run `python -m tutor`; returns (exit, stdout, stderr, peak RSS in bytes)."""
    env = case_env(case, tmp)
    stdin = case.stdin.encode() if isinstance(case.stdin, str) else case.stdin
    out_path = tmp / "stdout.bin"
    if case.stdout_to in (None, "closed-pipe"):
        stdout_target: object = subprocess.PIPE
    else:
        stdout_target = open(case.stdout_to, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", *[fill(a, tmp) for a in case.args]],
        stdin=subprocess.PIPE, stdout=stdout_target, stderr=subprocess.PIPE, env=env, cwd=REPO,
        preexec_fn=_interruptible if case.sigint_after_s is not None else None,
    )  # fmt: skip
    if case.stdout_to == "closed-pipe":
        assert proc.stdout is not None
        proc.stdout.close()  # the reader has gone (`| head`)
    collected: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        try:
            collected[name] = stream.read()  # type: ignore[attr-defined]
        except (ValueError, OSError):
            collected[name] = b""

    readers = [
        threading.Thread(target=drain, args=(name, stream), daemon=True)
        for name, stream in (("out", proc.stdout), ("err", proc.stderr))
        if stream is not None and not stream.closed
    ]
    for reader in readers:
        reader.start()
    assert proc.stdin is not None
    try:
        proc.stdin.write(stdin)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    if case.sigint_after_s is not None:
        time.sleep(case.sigint_after_s)
        proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + TIME_LIMIT_S
    while (rss := reap_if_exited(proc, case, deadline)) is None:
        time.sleep(0.02)
    for reader in readers:
        reader.join(5)
    if stdout_target is not subprocess.PIPE:
        stdout_target.close()  # type: ignore[attr-defined]
    del out_path
    code = proc.returncode
    if code < 0:
        pytest.fail(f"{case.id}: killed by signal {-code}")
    return code, collected.get("out") or b"", collected.get("err") or b"", rss


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.needs_compiled:
        from optional import missing

        from tutor.sim import kernel

        if kernel.compiled_path() is None:
            missing(f"{case.id}: reaching the step budget takes minutes on the numpy kernel "
                    "(its budget is tested with a small limit in tests/sim/test_budgets.py)")  # fmt: skip
    if case.setup is not None:
        case.setup(tmp_path)
    start = time.monotonic()
    if case.mode in ("subprocess", "pty"):
        run = run_pty if case.mode == "pty" else run_subprocess
        code, out, err, rss = run(case, tmp_path)
        assert rss < MEMORY_LIMIT_BYTES, f"peak memory {rss / 2**20:.0f} MiB"
    else:
        code, out, err = run_inproc(case, tmp_path, monkeypatch)
    elapsed = time.monotonic() - start
    text = (out + err).decode("utf-8", "replace")
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"
    assert b"Traceback" not in out + err, text
    assert not CONTROL.search(out + err), f"control byte in output: {text[:400]!r}"
    assert code == case.exit, f"exit {code}, expected {case.exit}: {text[-600:]}"
    if case.message:
        where = {"stdout": out, "stderr": err}.get(case.message_in, out + err)
        assert case.message.encode() in where, f"{case.message!r} not in {where[-600:]!r}"
    if code not in (0, 130) and case.one_line:
        # the error is one line; the numpy kernel's one-time note (an install without a
        # C compiler: "tutor: note: …") may stand before it and is not part of the error
        lines = [line for line in err.decode("utf-8", "replace").splitlines()
                 if line.strip() and not line.startswith(KERNEL_NOTE)]  # fmt: skip
        assert len(lines) == 1, f"expected one line on stderr, got {lines}"


def test_the_table_covers_every_kind_of_hostile_input() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(CASES) >= 150
    by_category = Counter(c.category for c in CASES)
    for category in ("content", "budget", "output", "options", "store", "signals", "environment"):
        assert by_category[category] >= 3, by_category


def test_memory_is_bounded_for_the_largest_trace_allowed(tmp_path: Path) -> None:
    """The sample limit itself (50 000 ms at 0.025 ms): streamed CSV, well under 1 GB."""
    from tutor.sim.limits import MAX_SAMPLES

    case = Case("limit", "budget", ("simulate", "--tstop", "50000", "--csv", "{tmp}/big.csv"), 0,
                mode="subprocess")  # fmt: skip
    code, _, err, rss = run_subprocess(case, tmp_path)
    assert code == 0, err
    with open(tmp_path / "big.csv") as fh:
        rows = sum(1 for _ in fh)
    assert rows == 1 + MAX_SAMPLES
    assert rss < 600 * 2**20, f"peak memory {rss / 2**20:.0f} MiB"
