"""Campaigns (issue 17): reach a segment with an approved template, consent proven per recipient."""
