"""Data-subject rights and retention: export, erasure, account deletion, the nightly purge."""
