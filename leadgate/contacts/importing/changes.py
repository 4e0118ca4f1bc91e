"""What an import changes on a known contact: the values it writes and the preview's list.

Two ways, chosen on the mapping page: "fill" (the default) only fills what the
contact lacks, so a name or email the team corrected is never replaced by an
old list; "overwrite" lets every non-empty value of the file win. An empty
cell never clears anything. A contact whose processing is restricted (Art. 18)
is not changed at all. No database here: plan.py and writes.py
pass in the known contacts' columns.
"""

from flask_babel import lazy_gettext as _l

from ...models import ContactField
from .rows import Row

FILL, OVERWRITE = "fill", "overwrite"
MODES = (FILL, OVERWRITE)
BUILT_IN = {"name": _l("Name"), "email": _l("E-Mail-Adresse")}


def values_after(contact, row: Row, mode: str) -> dict:
    """Name, email and custom fields of the known contact after the import."""
    overwrite = mode == OVERWRITE
    values = {}
    for key in BUILT_IN:
        old, new = getattr(contact, key), getattr(row, key)
        values[key] = new if new and (overwrite or not old) else old
    attributes = dict(contact.attributes or {})
    for key, new in row.attributes.items():
        if overwrite or not attributes.get(key):
            attributes[key] = new
    return values | {"attributes": attributes}


def changes(contact, row: Row, fields: dict[str, ContactField], mode: str) -> list:
    """Each value of the file that differs from the contact's: what it would do.

    {"label", "old", "new", "applied"}: applied False is a value kept because
    only empty fields are filled ("überschreiben" would replace it).
    """
    found = []
    pairs = [(BUILT_IN[k], getattr(contact, k), getattr(row, k)) for k in BUILT_IN]
    attributes = contact.attributes or {}
    pairs += [
        (fields[key].label if key in fields else key, attributes.get(key), new)
        for key, new in row.attributes.items()
    ]
    for label, old, new in pairs:
        if new and new != old:
            applied = mode == OVERWRITE or not old
            found.append({"label": label, "old": old, "new": new, "applied": applied})
    return found


def change_summary(plan, fields: dict[str, ContactField], mode: str, limit: int):
    """The preview's view of known contacts: counts over the file, the first changes."""
    listed, changed, kept = [], 0, 0
    for row in plan.checked.rows:
        contact = plan.existing.get(row.phone)
        if contact is None or row.number in plan.untouched:
            continue
        found = changes(contact, row, fields, mode)
        if not found:
            continue
        changed += any(change["applied"] for change in found)
        kept += sum(not change["applied"] for change in found)
        if len(listed) < limit:
            listed.append(
                {
                    "row": row.number,
                    "phone": row.phone,
                    "name": contact.name or row.name,
                    "fields": found,
                }
            )
    return {"changes": listed, "changed_count": changed, "kept_count": kept}
