"""Data-subject access (Art. 15/20 GDPR): a contact's or an account's data as JSON in a ZIP."""
