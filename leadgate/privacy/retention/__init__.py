"""Storage limitation: the nightly purge of what is past its retention period."""
