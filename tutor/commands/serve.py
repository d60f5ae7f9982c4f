"""`tutor serve`: the same TUI in a web browser, for students who can install nothing.

textual-serve runs a small web server; every browser that opens the page gets
its own `tutor lab` process, driven over a websocket (keys in, screen out).
The server binds to 127.0.0.1 by default: only this machine can connect.
`--host 0.0.0.0` (or a LAN address) lets anyone who can reach the port open a
tutor session — there is no login and no encryption, each visitor costs a
Python process, and every visitor's answers land in the same progress store on
this machine. Do that only on a network you trust, or behind a reverse proxy
that adds TLS and authentication (README, "The tutor in a browser").
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import subprocess
import sys
from pathlib import Path

from tutor.commands._common import seed_value
from tutor.commands.lab import check_preset_and_lesson, speed_value

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def port_value(text: str) -> int:
    """A TCP port, 1–65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got '{text}'") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {text}")
    return value


def host_value(text: str) -> str:
    """A host name or IP address to bind to (not empty, no spaces)."""
    if not text or any(c.isspace() for c in text) or "/" in text:
        raise argparse.ArgumentTypeError(f"expected a host name or IP address, got '{text}'")
    return text


def is_loopback(host: str) -> bool:
    """True when only this machine can reach `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand; textual-serve is imported only when it runs."""
    p = subparsers.add_parser(
        "serve", help="the tutor in a web browser (textual-serve; 127.0.0.1 unless --host)"
    )
    p.add_argument(
        "--host", type=host_value, default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )  # fmt: skip
    p.add_argument("--port", type=port_value, default=DEFAULT_PORT, help="TCP port (default 8000)")
    p.add_argument("--preset", help="preset each session starts with (default: textbook)")
    p.add_argument("--lesson", help="lesson whose questions pop up in the lab")
    p.add_argument("--data-dir", type=Path, help="progress store folder shared by the sessions")
    p.add_argument("--content", type=Path, dest="content_dir", help="lessons folder")
    p.add_argument("--speed", type=speed_value, dest="speed_ms_per_s", help="model ms per second")
    p.add_argument("--seed", type=seed_value, help="seed for drawn question parameters")
    p.set_defaults(handler=run)


def lab_command(args: argparse.Namespace) -> str:
    """The shell command each browser session runs: `python -m tutor lab …` with our options."""
    argv = [sys.executable, "-m", "tutor", "lab"]
    for flag, value in (
        ("--preset", args.preset),
        ("--lesson", args.lesson),
        ("--data-dir", args.data_dir),
        ("--content", args.content_dir),
        ("--speed", args.speed_ms_per_s),
        ("--seed", args.seed),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if sys.platform == "win32":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    """Check the lab options as `tutor lab` would, then serve until Ctrl+C."""
    check_preset_and_lesson(args)
    if not is_loopback(args.host):
        sys.stderr.write(
            f"tutor: warning: serving on {args.host}: anyone who can reach port {args.port} "
            "gets a tutor session (no login, no encryption)\n"
        )
    server = _server_class()(
        lab_command(args), host=args.host, port=args.port, title="neuron-tutor"
    )
    try:
        server.serve()
    except OSError as exc:  # port in use, address not on this machine, …
        reason = exc.strerror or str(exc)
        sys.stderr.write(
            f"tutor: error: serve: cannot listen on {args.host}:{args.port}: {reason}\n"
        )
        return 1
    return 0


def _server_class() -> type:
    """textual-serve's Server, announcing itself only once it listens (one line, no logo)."""
    import asyncio
    import contextlib
    import signal

    from aiohttp import web
    from textual_serve.server import Server

    class TutorServer(Server):
        async def on_startup(self, app: web.Application) -> None:
            """Say nothing before the socket is bound: a failed bind must print one line only."""

        def serve(self, debug: bool = False) -> None:
            """As Server.serve, with the address printed after the bind succeeded."""
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
                    loop.add_signal_handler(sig, self.request_exit)

            def listening(*_: object) -> None:
                print(f"tutor: serving on {self.public_url} (Ctrl+C to stop)", flush=True)

            web.run_app(
                self._make_app(), host=self.host, port=self.port, handle_signals=False,
                loop=loop, print=listening,
            )  # fmt: skip

    return TutorServer
