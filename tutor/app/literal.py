"""Content text on screen: always literal, never markup, never a control sequence.

Lesson files are data written by others. A Textual `str` is parsed as
content markup (``[link=…]`` becomes a hyperlink, ``[@click=app.quit]`` an
action, an unbalanced ``[/bold]`` a MarkupError that ends the app), and a raw
ESC would reach the terminal. Every place that shows lesson or question text,
a file name or an error message wraps it with `literal` instead.
"""

from __future__ import annotations

from textual.content import Content

from tutor.quiz.safety import printable


def literal(text: object) -> Content:
    """`text` as Textual content shown verbatim (control characters made visible)."""
    return Content(printable(str(text)))


def literal_str(text: object) -> str:
    """`text` escaped for Textual markup, for APIs that only take a markup string."""
    from textual.markup import escape

    return escape(printable(str(text)))
