"""Textual shell of neuron-tutor (the only package that imports textual).

Public entry: :func:`tutor.app.app.create_app`.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Lazy re-export so `import tutor.app` stays cheap."""
    from tutor.app.app import create_app as _create

    return _create(*args, **kwargs)
