"""All database models. Every table that holds workspace data carries workspace_id.

One module per kind of record, named after what it holds; import models from
here (`from leadgate.models import Message`), which is the package's public face.
"""

from .accounts import Invite, Membership, Role, User, Workspace, members_of
from .campaigns import Campaign, CampaignRecipient
from .canned_responses import CannedResponse
from .channels import Channel, ChannelEvent, channels_of
from .columns import BigId, as_utc, utcnow
from .consent import ConsentRecord
from .contacts import Contact, ContactField, ContactImport
from .conversations import STATES, Conversation, ConversationRead
from .costs import ReportPricing, WhatsAppBudget, WhatsAppBudgetNotice, WhatsAppRate
from .hours import AutoReplySent, AutoReplySettings, BusinessClosure, BusinessHours
from .labels import ContactLabel, ConversationLabel, Label
from .leadforms import LeadForm, LeadSubmission
from .logins import LoginSession, RecoveryCode, RememberedDevice
from .messages import Message, MessageStatus, Reaction, SendAttempt
from .platform import AccessLog, CookieConsent, Inquiry, PageView
from .privacy import AuditEvent, Suppression
from .reports import ReportConversation, ReportKey, ReportMessageHour
from .rules import Rule, RuleFiring
from .segments import Segment
from .sla import SlaBreach
from .teams import Team, TeamMember
from .templates import MessageTemplate
from .webhooks import WebhookEvent

__all__ = [
    "AccessLog",
    "AuditEvent",
    "AutoReplySent",
    "AutoReplySettings",
    "BigId",
    "BusinessClosure",
    "BusinessHours",
    "Campaign",
    "CampaignRecipient",
    "CannedResponse",
    "Channel",
    "ChannelEvent",
    "Contact",
    "ContactField",
    "ContactImport",
    "ContactLabel",
    "Conversation",
    "ConsentRecord",
    "ConversationLabel",
    "ConversationRead",
    "CookieConsent",
    "Inquiry",
    "Invite",
    "Label",
    "LeadForm",
    "LeadSubmission",
    "LoginSession",
    "Membership",
    "Message",
    "MessageStatus",
    "MessageTemplate",
    "PageView",
    "Reaction",
    "RecoveryCode",
    "RememberedDevice",
    "ReportConversation",
    "ReportKey",
    "ReportMessageHour",
    "ReportPricing",
    "Rule",
    "RuleFiring",
    "Role",
    "STATES",
    "Segment",
    "SlaBreach",
    "SendAttempt",
    "Team",
    "TeamMember",
    "Suppression",
    "User",
    "WebhookEvent",
    "WhatsAppBudget",
    "WhatsAppBudgetNotice",
    "WhatsAppRate",
    "channels_of",
    "members_of",
    "Workspace",
    "as_utc",
    "utcnow",
]
