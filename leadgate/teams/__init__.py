"""Teams: who works which numbers' conversations (Einstellungen → Teams)."""
