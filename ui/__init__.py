"""Liaison Hub's Qt shell: presentation and interaction only (all data goes through services)."""
