"""Click models, one per module, each a pure ``fit(sessions, **params) -> ClickModelFit``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from marquee.relevance.clicks.models import coec, pbm, sdbn
from marquee.relevance.clicks.models.base import ClickModelFit, to_grade
from marquee.relevance.clicks.session import Session

CLICK_MODELS: dict[str, Callable[..., ClickModelFit]] = {"coec": coec.fit, "pbm": pbm.fit, "sdbn": sdbn.fit}


def fit_click_model(name: str, sessions: Sequence[Session], **params: Any) -> ClickModelFit:
    try:
        model = CLICK_MODELS[name]
    except KeyError:
        raise ValueError(f"unknown click model {name!r}; valid: {sorted(CLICK_MODELS)}") from None
    return model(sessions, **params)


__all__ = ["CLICK_MODELS", "ClickModelFit", "fit_click_model", "to_grade"]
