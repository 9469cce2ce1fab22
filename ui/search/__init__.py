"""The search box across the app (Ctrl+K): the panel, its results and their painting."""
