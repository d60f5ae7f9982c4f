"""In live mode the engine loads in a worker; the footer must list the lab keys once it has."""

from __future__ import annotations

from textual.widgets import Footer

from .test_flows import SIZE


async def test_footer_lists_lab_keys_once_the_engine_is_ready(make_app) -> None:
    app = make_app(live=True)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):  # the engine is built off the UI thread
            await pilot.pause(0.05)
            if app.screen.session is not None:
                break
        assert app.screen.session is not None
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        shown = " ".join(str(c.render()) for c in footer.children)
        for label in ("Stim", "Pause", "Step", "TTX", "TEA", "Gates", "Reset", "Export", "Quit"):
            assert label in shown, (label, shown)
