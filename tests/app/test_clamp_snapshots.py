"""How the voltage-clamp view looks (pytest-textual-snapshot): a family half run, TEA on.

Update with `uv run pytest tests/app/test_clamp_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

SIZE = (120, 40)


def test_clamp_family_with_tea(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        await pilot.press("C")
        for _ in range(10):  # −80 … +10 mV
            await pilot.press("space")
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=run)


def test_clamp_small_terminal(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        await pilot.press("C")
        for _ in range(6):
            await pilot.press("space")
        await pilot.pause()

    assert snap_compare(make_app(questions=False), terminal_size=(80, 24), run_before=run)
