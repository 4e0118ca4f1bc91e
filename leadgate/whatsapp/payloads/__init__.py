"""Parse WhatsApp Cloud API webhook bodies into plain frozen dataclasses.

Pure functions: no Flask, no database (limits.py reads column widths from the
models). Callers import from the module that holds what they use; this file
re-exports nothing, so that importing depth.py (the Graph client does) or
limits.py (the send path does) does not load the whole parser.

    batch.py        the walk: parse_body, parse_webhook, WebhookBatch
    messages.py     messages[] items: InboundMessage, Media
    statuses.py     statuses[] items: StatusUpdate
    preferences.py  user_preferences[] items: UserPreference
    account.py      template status and every other field: AccountEvent
    calls.py        the `calls` field: CallEvent
    coexistence.py  `smb_message_echoes` and `history`: CoexistenceMessage
    groups.py       group items, kept as GroupEvents and never as contacts
    items.py        what every item shares: Change, Identity, Rejected, ErrorEvent
    values.py       reading one value: ids, strings, timestamps, errors
    limits.py       how long a value may be (the narrowest column it goes into)
    depth.py        JSON decoding with a bounded nesting depth
"""
