"""The consent evidence of a campaign (Art. 7(1) GDPR) as a CSV, one row per recipient.

For everyone the campaign was meant for: the message Meta accepted (its wamid)
and when it was queued, and what it rested on — the consent record it relied
on at that moment (source, the exact wording, date, evidence) or the lawful
basis the team chose for a utility message; for everyone left out or held
back, the reason. Streamed in chunks like the contact export, in its format
(UTF-8 with BOM, semicolons, defused cells).
"""

import csv
import io
import json
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import select

from ..contacts.export import Cells, safe, take
from ..extensions import db
from ..models import Campaign, CampaignRecipient, ConsentRecord, Contact, Message
from . import audience, results

CHUNK = 1000
BASES = {
    "consent": "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung)",
    "contract": "Art. 6 Abs. 1 lit. b DSGVO (Vertrag)",
    "legitimate_interest": "Art. 6 Abs. 1 lit. f DSGVO (berechtigtes Interesse)",
}


def header() -> list[str]:
    return [
        _("Kontakt-ID"),
        _("Telefonnummer"),
        _("Ergebnis"),
        _("Grund"),
        _("Nachrichten-ID (WhatsApp)"),
        _("In die Warteschlange gestellt"),
        _("Rechtsgrundlage"),
        _("Einwilligung: Nachweis-Nr."),
        _("Einwilligung: Quelle"),
        _("Einwilligung: Wortlaut"),
        _("Einwilligung: Datum"),
        _("Einwilligung: Belege"),
    ]


def csv_lines(campaign: Campaign, cells: Cells) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header())
    yield "\ufeff" + take(buffer)
    after = 0
    while True:
        rows = db.session.execute(
            select(
                CampaignRecipient,
                Contact.phone_e164,
                Contact.wa_id,
                Message,
                ConsentRecord,
            )
            .join(Contact, Contact.id == CampaignRecipient.contact_id)
            .outerjoin(Message, Message.id == CampaignRecipient.message_id)
            .outerjoin(
                ConsentRecord, ConsentRecord.id == CampaignRecipient.consent_record_id
            )
            .where(
                CampaignRecipient.campaign_id == campaign.id,
                CampaignRecipient.id > after,
            )
            .order_by(CampaignRecipient.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for recipient, phone, wa_id, message, record in rows:
            writer.writerow(
                row(
                    recipient,
                    phone or (f"+{wa_id}" if wa_id else ""),
                    message,
                    record,
                    cells,
                )
            )
        after = rows[-1][0].id
        yield take(buffer)


def row(recipient, phone: str, message, record, cells: Cells) -> list[str]:
    if recipient.state == "queued" and message is not None:
        outcome = str(results.LABELS[results.bucket_of(message.status)])
    else:
        outcome = str(results.LABELS.get(recipient.state, recipient.state))
    reason = str(audience.REASONS.get(recipient.reason, recipient.reason or ""))
    return [
        str(recipient.contact_id),
        phone,
        outcome,
        reason,
        (message.wamid or "") if message is not None else "",
        cells.time(recipient.queued_at),
        BASES.get(recipient.lawful_basis or "", ""),
        str(record.id) if record is not None else "",
        record.source if record is not None else "",
        safe(record.wording) if record is not None else "",
        cells.time(record.recorded_at) if record is not None else "",
        safe(json.dumps(record.evidence, ensure_ascii=False, sort_keys=True))
        if record is not None
        else "",
    ]
