"""The first-response target (SLA) per team: when an answer is due, and missed targets."""
