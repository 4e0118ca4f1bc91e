"""A Graph API client for a connected number: its token decrypted, the app's settings.

Beside the client, so the shared layer (media.py) and the features (outbound,
channels) build it the same way without importing each other.
"""

from flask import current_app

from ..crypto import decrypt
from ..models import Channel
from .client import WhatsAppClient


def access_token(channel: Channel) -> str:
    return decrypt(channel.access_token_encrypted)


def client_for(channel: Channel) -> WhatsAppClient:
    return WhatsAppClient(
        current_app.config["WHATSAPP_GRAPH_URL"],
        access_token(channel),
        timeout=current_app.config["WHATSAPP_TIMEOUT_SECONDS"],
    )
