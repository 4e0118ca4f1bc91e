"""Business hours per team or number, and the welcome and away replies."""
