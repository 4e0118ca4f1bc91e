"""Benchmark: importing a 10,000-row CSV of contacts (target: under 10 s).

Writes a realistic German Excel export (";"-separated, UTF-8 with BOM): mobile
numbers typed every way, names with umlauts, emails, labels, a custom field,
half the rows with consent, source and date, a few invalid rows; a tenth of
the numbers are known contacts already, some of them opted out. Then it runs
the import through the code the routes call (contacts/importing/plan.py and
writes.py), inside the app, and prints each step's seconds, rows/s and
what was written:

  upload            read, hash and store the file, guess the mapping
  parse + validate  what the preview computes: every row checked and matched
  import            the run: parse + validate again, bulk writes, commit
  total             upload + parse/validate + import, held against the 10 s

    .venv/bin/python benchmarks/contact_import.py [--rows 10000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/contact_import.py

Without DATABASE_URL it uses a temporary SQLite file. With a PostgreSQL URL it
uses that server but, like benchmarks/webhook_ingest.py, a database of its own
(leadgate_bench_import, dropped and created anew): the database named in the
URL is left alone. Either way the schema comes from running the migrations.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 10.0
BENCH_DB = "leadgate_bench_import"
FIRST = [
    "Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas",
    "Jürgen", "Özlem", "Sören", "Zoë",
]  # fmt: skip
LAST = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Groß", "Kaya",
]  # fmt: skip
PREFIXES = ("0151", "0152", "0157", "0160", "0162", "0170", "0171", "0172", "0176")
SOURCES = ("Messe Stuttgart 2026, Formular", "Website-Kontaktformular", "Gewinnspiel")
LABELS = ("Messe", "VIP", "Newsletter", "Bestandskunde", "Interessent")
HEADER = "Telefon;Vorname Nachname;E-Mail;Branche;Labels;Einwilligung;Quelle;Datum"


def database_url() -> str:
    """The URL to benchmark against, after preparing an empty database there."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='leadgate-bench-')}/import.sqlite3"
    import psycopg

    server = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{BENCH_DB}"


def number(n: int, rng: random.Random) -> str:
    """A valid German mobile number, written as people do."""
    prefix = PREFIXES[n % len(PREFIXES)]
    subscriber = f"{n:08d}"
    national = prefix[1:] + subscriber
    return rng.choice(
        (
            f"{prefix} {subscriber}",
            f"{prefix}/{subscriber}",
            f"+49 {national[:3]} {national[3:]}",
            f"0049 ({national[:3]}) {national[3:6]} {national[6:]}",
            f"+49{national}",
        )
    )


def row(n: int, rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}{n}@example.com".lower()
    labels = ", ".join(rng.sample(LABELS, rng.randint(0, 2)))
    consent = "nein;;"
    if n % 2:
        day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025"
        consent = f"ja;{rng.choice(SOURCES)};{day} {rng.randint(8, 18)}:{rng.randint(0, 59):02d}"
    return f"{number(n, rng)};{first} {last};{email};Handel;{labels};{consent}"


def invalid_row(n: int, rng: random.Random) -> str:
    return rng.choice(
        (
            ";Ohne Nummer;;;;nein;;",
            "12345;Zu kurz;;;;nein;;",
            f"{number(n, rng)};Ohne Quelle;;;;ja;;",
            f"{number(n, rng)};Falsches Datum;;;;ja;Messe;31.02.2025",
            f"{number(0, rng)};Doppelt;;;;nein;;",
        )
    )


def csv_file(rows: int) -> tuple[bytes, int]:
    """The file and how many of its rows are invalid (one in 200)."""
    rng = random.Random(42)
    lines, invalid = [HEADER], 0
    for n in range(rows):
        if n and n % 200 == 0:
            lines.append(invalid_row(rows + n, rng))
            invalid += 1
        else:
            lines.append(row(n, rng))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"), invalid


def seed(workspace_id: int, rows: int) -> int:
    """A tenth of the file's numbers as known contacts, every tenth of those opted out."""
    from leadgate.consent import ledger
    from leadgate.extensions import db
    from leadgate.models import ConsentRecord, Contact, ContactField, utcnow

    db.session.add(
        ContactField(workspace_id=workspace_id, key="branche", label="Branche")
    )
    known = []
    for n in range(1, rows, 10):  # odd rows consent: the opt-outs must hold
        wa_id = "49" + PREFIXES[n % len(PREFIXES)][1:] + f"{n:08d}"
        known.append({"workspace_id": workspace_id, "wa_id": wa_id, "attributes": {}})
    db.session.execute(Contact.__table__.insert(), known)
    ids = db.session.scalars(db.select(Contact.id).order_by(Contact.id)).all()
    db.session.execute(
        ConsentRecord.__table__.insert(),
        [
            {
                "workspace_id": workspace_id,
                "contact_id": contact_id,
                "purpose": ledger.MARKETING,
                "action": "opt_out",
                "source": "keyword",
                "recorded_at": utcnow(),
                "evidence": {},
            }
            for contact_id in ids[::10]
        ],
    )
    db.session.commit()
    return len(known)


def run(rows: int) -> bool:
    os.environ.setdefault("LEADGATE_INSTANCE_DIR", tempfile.mkdtemp(prefix="lg-bench-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from leadgate import create_app
    from leadgate.auth import services
    from leadgate.contacts.importing import plan as import_plan
    from leadgate.contacts.importing import writes
    from leadgate.extensions import db
    from leadgate.models import ConsentRecord, Contact

    url = database_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "QUEUE_IS_ASYNC": False})
    with app.test_request_context():
        upgrade()
        user = services.create_user("Bench", "bench@example.com", "bench password 123")
        workspace = services.create_workspace(user, "Bench")
        db.session.commit()
        known = seed(workspace.id, rows)
        data, invalid = csv_file(rows)

        started = time.perf_counter()
        contact_import = import_plan.start_import(
            workspace.id, user, "kontakte.csv", data
        )
        contact_import.consent_text = "Ich möchte Angebote per WhatsApp erhalten."
        db.session.commit()
        uploaded = time.perf_counter()
        table = import_plan.load_table(contact_import)
        plan = import_plan.plan_import(contact_import, workspace, table)
        checked = time.perf_counter()
        writes.run_import(contact_import, workspace, user)
        db.session.commit()
        finished = time.perf_counter()

        records = db.session.scalar(
            select(func.count(ConsentRecord.id)).where(ConsentRecord.source == "import")
        )
        contacts = db.session.scalar(select(func.count(Contact.id)))
        expected_records = 2 * len(plan.consenting())
        created, updated = contact_import.created_count, contact_import.updated_count
    total = finished - started
    print(f"database:                 {url.split('://', 1)[0]}")
    print(
        f"rows:                     {plan.checked.total:,} ({invalid} invalid, {known:,} known contacts)"
    )
    print(f"file:                     {len(data) / 1e6:.2f} MB")
    print(f"upload (read, store):     {uploaded - started:.2f} s")
    print(f"parse + validate:         {checked - uploaded:.2f} s")
    print(f"import (run + commit):    {finished - checked:.2f} s")
    print(f"total:                    {total:.2f} s")
    print(f"rows/s (total):           {plan.checked.total / total:,.0f}")
    print(f"contacts created/updated: {created:,}/{updated:,}")
    print(f"rows not imported:        {len(plan.checked.invalid)}")
    print(f"consent records written:  {records:,}")
    correct = (
        records == expected_records
        and contacts == known + created
        and len(plan.checked.invalid) == invalid
    )
    passed = correct and total < TARGET_SECONDS
    print(f"target {TARGET_SECONDS:.0f} s:              {'PASS' if passed else 'FAIL'}")
    if not correct:
        print("FAIL: the counts do not add up")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    sys.exit(0 if run(args.rows) else 1)


if __name__ == "__main__":
    main()
