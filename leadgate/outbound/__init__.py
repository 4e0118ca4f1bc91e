"""Outbound messages: who may be messaged, queueing, delivery to the Cloud API, retries."""
