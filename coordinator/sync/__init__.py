"""A laptop's work and the office's brought together: over the network or as a file."""
