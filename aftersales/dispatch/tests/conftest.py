from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def quick_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests let the solver search one second (the product's minimum is five)."""
    monkeypatch.setattr("aftersales.dispatch.services.TIME_LIMIT_MIN", 1)
