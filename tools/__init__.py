"""Project tooling that is not part of the app: the one-folder build."""
