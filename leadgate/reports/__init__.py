"""Reports (Auswertungen): pseudonymised facts, never message content (issue 19)."""
