"""How long a value from Meta may be: as long as the narrowest column it is stored in.

The drain writes parsed webhook values into String(n) columns. SQLite ignores n;
PostgreSQL raises DataError, which failed the whole webhook event, so one
over-long value kept a customer's message out of the inbox. The parser's item
constructors (this package) therefore bound every value that reaches such a
column, and the send path does the same for Meta's answers (outbound/sender.py):

- identifiers (wamids, media, call and template ids, wa_id, BSUIDs, usernames,
  status names, types and fields used as keys) are never shortened: a shortened
  id could name another message or person. An over-long one makes its item
  malformed, a `Rejected` item that keeps what was sent;
- display text (profile name, error title, mime type, emoji, template name and
  category) is cut to fit with `fit`. PostgreSQL counts characters, as Python's
  str does, so the cut falls on a character boundary. File names are cut by
  files.clean_filename, which keeps their extension.

The widths are read from the models, so a migration that widens a column widens
the bound with it; a value written to several columns must fit the narrowest.
"""

from typing import overload

from sqlalchemy.orm import QueryableAttribute

from ...models import (
    Channel,
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageStatus,
    MessageTemplate,
    Reaction,
    SendAttempt,
)


def width(*columns: QueryableAttribute) -> int:
    """The length of the narrowest of these String(n) columns."""
    return min(column.type.length for column in columns)


# Identifiers: too long means malformed.
WAMID = width(  # also call ids, stored as the call's wamid (webhooks/calls.py)
    Message.wamid, Message.reply_to_wamid, MessageStatus.wamid, Reaction.target_wamid
)
MESSAGE_TYPE = width(Message.type, Conversation.last_message_type)
MEDIA_ID = width(Message.media_id)
# A wa_id is stored as it is and, with a "+", as the E.164 number (phones.py).
WA_ID = min(width(Contact.wa_id), width(Contact.phone_e164) - len("+"))
BSUID = width(Contact.bsuid, Contact.parent_bsuid)
USERNAME = width(Contact.username)  # a handle: shortened, it could be someone else's
STATUS = width(MessageStatus.status)
PREFERENCE = width(Contact.marketing_preference)  # "stop" | "resume"
TEMPLATE_ID = width(MessageTemplate.meta_template_id)
TEMPLATE_LANGUAGE = width(MessageTemplate.language)
TEMPLATE_STATUS = width(MessageTemplate.status)  # the event names the status
FIELD = width(ChannelEvent.field)
# The number's details (channels/services.test_connection): a shortened phone
# number would be another number, a shortened rating no rating Meta gives.
DISPLAY_PHONE = width(Channel.display_phone)
QUALITY_RATING = width(Channel.quality_rating)

# Display text: cut to fit.
PROFILE_NAME = width(Contact.profile_name)
MIME_TYPE = width(Message.media_mime_type)
ERROR_TITLE = width(Message.error_title, SendAttempt.error_title)
EMOJI = width(Reaction.emoji)
TEMPLATE_NAME = width(MessageTemplate.name)
TEMPLATE_CATEGORY = width(MessageTemplate.category)
VERIFIED_NAME = width(Channel.verified_name)

# Error codes go into Integer columns: 4 bytes on PostgreSQL.
INTEGER_RANGE = range(-(2**31), 2**31)


@overload
def fit(text: str, length: int) -> str: ...
@overload
def fit(text: str | None, length: int) -> str | None: ...
def fit(text: str | None, length: int) -> str | None:
    """Display text cut to `length` characters (None stays None)."""
    return text[:length] if text else text


def error_code(value: object) -> int | None:
    """Meta's numeric error code, or None if it is none (or none we could store)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value in INTEGER_RANGE else None
    return None
