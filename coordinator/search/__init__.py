"""Finding anything: the index of every record's text, its upkeep and its queries."""
