"""`tutor serve`: the TUI in a real headless browser (Debian's Chromium, driven by Playwright).

The test starts `tutor serve` on a free port, checks that `GET /` answers 200,
opens the page in Chromium (never a browser Playwright downloads: the one at
CHROMIUM, installed by `.ci/run` from the Debian packages), waits for the lab,
presses space and waits until the trace carries its spike labels. The screen is
read from xterm.js's own buffer — what the browser shows — by exposing the page's
terminal object: textual-serve's script is served through a route that adds one
assignment. The server and every session it started are stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from optional import missing, require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: textual-serve's script creates one terminal per `.textual-terminal`; keep a handle on it.
EXPOSE_FROM = "const t=new w(e,{ping:r});"
EXPOSE_TO = EXPOSE_FROM + "window.__tutorTerminal=t.terminal;"
SCREEN_JS = """() => {
  const term = window.__tutorTerminal;
  if (!term) return "";
  const buf = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`tutor serve` on a free port (its own process group, stopped afterwards); yields the URL."""
    port = _free_port()
    env = dict(os.environ, TUTOR_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"tutor serve exited with {proc.returncode}: {out}")
            try:
                if _get(url) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("tutor serve did not answer within 60 s")
            time.sleep(0.25)
        yield url
    finally:
        # the server and the `tutor lab` sessions it spawned share this process group
        with_group = os.getpgid(proc.pid) if proc.poll() is None else None
        if with_group is not None:
            os.killpg(with_group, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    with pytest.raises(OSError):
        _get(url)  # really stopped


def test_curl_answers_200(server: str) -> None:
    """The index page, as `curl http://127.0.0.1:PORT/` fetches it."""
    curl = shutil.which("curl")
    if curl is None:
        assert _get(server) == 200
        return
    out = subprocess.run(
        [curl, "-s", "-o", os.devnull, "-w", "%{http_code}", server],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.stdout == "200"


def _wait_for_screen(page, predicate, timeout_s: float) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    screen = ""
    while time.monotonic() < deadline:
        screen = page.evaluate(SCREEN_JS)
        if predicate(screen):
            return screen
        time.sleep(0.25)
    raise AssertionError(f"the browser screen never matched; last screen:\n{screen}")


@pytest.fixture
def browser_tools() -> str:
    """Chromium's path, once Playwright and Chromium are known to be here (checked before
    the server starts): a clear skip where they are not, a failure in CI."""
    require("playwright", "browser", "driving Chromium")
    if not Path(CHROMIUM).exists():
        missing("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    return CHROMIUM


def test_lab_in_a_headless_browser_draws_a_labelled_spike(browser_tools: str, server: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    def expose_terminal(route: Route) -> None:
        response = route.fetch()
        script = response.text()
        assert EXPOSE_FROM in script, "textual-serve's script changed: update EXPOSE_FROM"
        route.fulfill(response=response, body=script.replace(EXPOSE_FROM, EXPOSE_TO))

    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_tools, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/static/js/textual.js", expose_terminal)
            page.goto(server)
            # the lab appears: its trace panel, then (engine ready) the lab keys in the footer
            _wait_for_screen(page, lambda s: "membrane potential" in s, timeout_s=90)
            page.locator(".textual-terminal").click()
            _wait_for_screen(page, lambda s: "space Stim" in s and "Pause" in s, timeout_s=60)
            page.keyboard.press("Space")
            # a spike drawn and labelled on the trace: the stimulus mark, threshold and peak
            screen = _wait_for_screen(
                page, lambda s: "ϟstim" in s and "▼peak +" in s and "thr -" in s, timeout_s=60
            )
            assert "▲" in screen  # the phase strip marks the depolarization under it
        finally:
            browser.close()


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--port", "0"], "--port"),
        (["--port", "http"], "--port"),
        (["--host", "a b"], "--host"),
        (["--preset", "frog"], "--preset"),  # checked as `tutor lab` checks it, before serving
        (["--lesson", "nope"], "--lesson"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(args: list[str], word: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "serve", *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in out.stderr


def test_port_in_use_is_one_line_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "Traceback" not in out.stderr
    assert out.stdout == ""  # nothing claimed to be served
