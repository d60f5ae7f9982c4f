"""Fixtures for the TUI tests: a deterministic app (no live timer, fixed seed,
throw-away progress store, the test lesson in tests/app/content)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.app.app import TutorApp, create_app
from tutor.app.settings import AppSettings

CONTENT = Path(__file__).parent / "content"


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(
        live=False,
        preset="squid",
        data_dir=tmp_path / "data",
        content_dir=CONTENT,
        export_dir=tmp_path,
        seed=1,
    )


@pytest.fixture
def make_app(settings: AppSettings) -> Callable[..., TutorApp]:
    def make(**overrides: object) -> TutorApp:
        return create_app(settings, **overrides)

    return make
