"""Choice widgets that start where the visitor came from (a permalink, the sidebar's filters), once per session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def seeded(widget: Callable[..., T], label: str, options: Sequence[Any], *, key: str, start: Any, **kwargs: Any) -> T:
    """`widget(label, options, key=key, **kwargs)` whose value is `start` the first time this session draws it.

    After that the user's choice stands (Streamlit keeps it under `key`); passing `index`/`default`
    instead would fight the session state on every rerun.
    """
    if key not in st.session_state:
        st.session_state[key] = start
    return widget(label, options, key=key, **kwargs)


def first_or(preferred: Sequence[str], options: Sequence[str]) -> str:
    """The first of `preferred` that is an option (e.g. the sidebar's first zone), else the first option."""
    return next((p for p in preferred if p in options), options[0])
