"""The headless commands: ``liaison-hub COMMAND`` and ``python -m coordinator.cli``."""
