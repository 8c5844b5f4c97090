"""Streamlit-only helpers: cached loaders and shared widgets (the only non-page module importing streamlit)."""
