"""The shared inbox: conversation list, thread, composer and team work."""
