"""Contacts: the list, the contact page with its consent proof, edits, merges, imports."""
