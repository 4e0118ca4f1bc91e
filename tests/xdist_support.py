"""One database and one Redis db per pytest-xdist worker.

Workers run tests at the same time, and every test empties all tables and
flushes Redis when it ends: sharing either would let one worker's test wipe
another's rows. The conftest calls isolate_worker() before the app is imported,
so everything that reads DATABASE_URL/REDIS_URL later (the app, job workers
started as subprocesses) sees this worker's own ones. Ports need nothing: every
live server, emulator and mail sink binds a free port the OS hands out.
"""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REDIS_DATABASES = 16  # Redis' default `databases`


def worker_index() -> int | None:
    """0, 1, … under pytest-xdist (PYTEST_XDIST_WORKER is "gw0", "gw1", …)."""
    name = os.environ.get("PYTEST_XDIST_WORKER")
    return int(name.removeprefix("gw")) if name else None


def worker_database_url(url: str, index: int) -> str:
    """`…/test` becomes `…/test_gw1`."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_gw{index}").render_as_string(
        hide_password=False
    )


def worker_redis_db(base: int, index: int) -> int:
    """Counts up from the given db, or down where that would pass db 15.

    CI's db 15 gives 15, 14, …; a developer's db 4 gives 4, 5, … Upward and
    downward numbers never meet, so two workers never share a db.
    """
    upward = base + index
    db = upward if upward < REDIS_DATABASES else base - index
    if db < 0:
        raise RuntimeError(f"no free Redis db for worker {index} from db {base}")
    return db


def worker_redis_url(url: str, index: int) -> str:
    head, _, tail = url.partition("://")
    host, _, path = tail.partition("/")
    db_part, sep, query = path.partition("?")
    base = int(db_part) if db_part else 0
    return f"{head}://{host}/{worker_redis_db(base, index)}{sep}{query}"


def create_database(url: str) -> None:
    """Create the database if it is missing, through the `postgres` maintenance db
    (a fresh clone's CI has only `test` and `postgres`)."""
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"),
            {"name": parsed.database},
        )
        if not exists:
            quoted = engine.dialect.identifier_preparer.quote(parsed.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()


def isolate_worker() -> None:
    """Point DATABASE_URL, REDIS_URL and the instance folder (dev secret key) at
    this worker's own; a no-op when the tests run serially."""
    index = worker_index()
    if index is None:
        return
    # Workers inherit the controller's environment, and with it one instance folder.
    instance_dir = os.path.join(os.environ["LEADGATE_INSTANCE_DIR"], f"gw{index}")
    os.makedirs(instance_dir, exist_ok=True)
    os.environ["LEADGATE_INSTANCE_DIR"] = instance_dir
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        os.environ["DATABASE_URL"] = worker_database_url(database_url, index)
        create_database(os.environ["DATABASE_URL"])
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        os.environ["REDIS_URL"] = worker_redis_url(redis_url, index)
