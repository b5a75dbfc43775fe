"""The yes/no dialog shows its question and both buttons, with or without a detail, at any detail length."""

from __future__ import annotations

import pytest
from textual.app import App

from meshtui.ui.screens.confirm import ConfirmScreen
from tests.ui.helpers import screen_text, wait_for


class Host(App[None]):
    pass


@pytest.mark.parametrize("detail", [None, "one line", "\n".join(f"line {i}" for i in range(200))])
async def test_question_and_buttons_are_on_screen(detail: str | None) -> None:
    app = Host()
    answers: list[bool | None] = []
    async with app.run_test(size=(120, 30)) as pilot:
        app.push_screen(ConfirmScreen("Delete pod shop/catalog-v1-x?", "Delete", detail=detail), answers.append)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
        await pilot.pause()
        text = screen_text(app)
        assert "Delete pod shop/catalog-v1-x?" in text, text
        assert " No " in text and " Delete " in text, text
        if detail is not None:
            assert "line 0" in text or "one line" in text, text
        await pilot.press("y")
        await wait_for(pilot, lambda: answers == [True], what="the answer")
