"""Who works a conversation: automatic assignment per team, and agents' status."""
