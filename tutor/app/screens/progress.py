"""Progress: mastery per lesson, due reviews (FSRS), and a review session.

Reads the same SQLite store that plain mode writes, so both views agree.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tutor.app.literal import literal
from tutor.app.messages import AskQuestions, BackToLab, OpenLesson
from tutor.app.quizbridge import QuizBridge
from tutor.app.screens.lessons import bar
from tutor.quiz.safety import printable


class ProgressScreen(Screen[None]):
    """Table of lessons with mastery and due cards; `R` reviews what is due, enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to lab"),
        Binding("R", "review", "Review due"),
        Binding("f5", "refresh_table", "Refresh"),
    ]

    def __init__(self, bridge: QuizBridge) -> None:
        super().__init__()
        self.bridge = bridge

    def compose(self) -> ComposeResult:
        yield Static("", id="progress-summary")
        table: DataTable[str] = DataTable(
            id="progress-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("lesson", "mastery", "", "answered", "due")
        self.action_refresh_table()
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh_table()

    def action_refresh_table(self) -> None:
        """Re-read the store (after a review session, say)."""
        table = self.query_one(DataTable)
        table.clear()
        summary = self.query_one("#progress-summary", Static)
        try:
            rows = self.bridge.progress()
            due = self.bridge.due_items()
        except Exception as exc:
            summary.update(literal(f"progress unavailable: {exc}"))
            return
        for p in rows:
            table.add_row(
                Text(printable(p.title)),
                f"{p.mastery:4.0%}",
                bar(p.mastery, 10),
                f"{p.answered}/{p.questions}",
                str(len(p.due)) if p.due else "—",
                key=p.lesson,
            )
        answered = sum(p.answered for p in rows)
        summary.update(
            f"{len(rows)} lessons · {answered} questions answered · "
            f"{len(due)} review(s) due now" + (" — press R to review" if due else "")
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens that lesson (text, try-it steps, its questions)."""
        if event.row_key.value is not None:
            self.post_message(OpenLesson(event.row_key.value))

    def action_back(self) -> None:
        self.post_message(BackToLab())

    def action_review(self) -> None:
        """Ask every due question (FSRS order), recording each answer."""
        items = self.bridge.due_items()
        if not items:
            self.notify("Nothing is due for review.")
            return
        self.post_message(AskQuestions(items, title="Review"))
