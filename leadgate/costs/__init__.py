"""WhatsApp-Kosten: Meta's per-message prices counted from status webhooks (issue 19)."""
