"""Small database helpers, most of them for what differs per dialect."""

from collections.abc import Sequence

from psycopg.rows import namedtuple_row
from psycopg.types.json import Jsonb
from sqlalchemy import (
    ColumnElement,
    Table,
    any_,
    bindparam,
    delete,
    func,
    inspect,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.elements import ClauseElement

from .extensions import db


def delete_in_database(row) -> None:
    """DELETE the row by id and forget it: its foreign keys cascade in the database.

    session.delete() would first load, and delete one by one, the children the
    mapper cascades to.
    """
    model = type(row)
    db.session.execute(
        delete(model)
        .where(model.id == row.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expunge(row)


def insert_ignoring_conflicts(model, **values):
    """INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite share the syntax)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).values(**values).on_conflict_do_nothing()


def one_of(column, values) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `= ANY(array)`, one bound array.

    An IN list renders one placeholder per value, so its SQL text changes with
    the count and psycopg must parse it anew each time; ANY keeps it constant.
    """
    values = list(values)
    if db.engine.dialect.name != "postgresql":
        return column.in_(values)
    array = postgresql.ARRAY(unbounded(column.type))
    return column == any_(bindparam(None, values, type_=array))


def unbounded(type_):
    """A String type without its length; others as they are.

    psycopg binds with an explicit cast, and an explicit cast to VARCHAR(n)
    cuts a longer value silently: `= ANY(…::VARCHAR(n)[])` would find the row
    whose id is the over-long value's first n characters, and an INSERT would
    store it shortened (and so maybe as another row's id).
    """
    if isinstance(type_, sqltypes.String) and not isinstance(type_, sqltypes.Enum):
        return sqltypes.String() if type_.length is not None else type_
    return type_


def bulk_insert_ignoring_conflicts(
    table: Table, rows: list[dict], returning: tuple[str, ...] = ()
) -> Sequence | None:
    """Insert many rows with one statement, skipping rows that hit a unique key.

    On PostgreSQL the rows travel as one array per column through unnest(): the
    statement text stays the same whatever the number of rows, so psycopg parses
    and prepares it once instead of once per batch (a multi-row VALUES list of a
    few hundred rows costs more to build and parse than to execute). Rows must
    share their keys. Returns the RETURNING rows of the inserted ones.
    """
    if not rows:
        return None
    refuse_over_long(table, rows)
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        statement = insert_ignoring_conflicts(table)
        if returning:
            statement = statement.returning(*(table.c[name] for name in returning))
        result = db.session.execute(statement, rows)
        return result.all() if returning else None
    rows = with_python_defaults(table, rows)
    names = list(rows[0])
    dialect = connection.dialect
    arrays = [f"%b::{array_type(table.c[name], dialect)}" for name in names]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"SELECT * FROM unnest({', '.join(arrays)}) ON CONFLICT DO NOTHING"
    )
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    columns = [[row[name] for row in rows] for name in names]
    for index, name in enumerate(names):
        if isinstance(table.c[name].type, sqltypes.JSON):
            columns[index] = [
                None if value is None else Jsonb(value) for value in columns[index]
            ]
    # Binary parameters (%b): text arrays would escape every element in Python.
    cursor = connection.connection.driver_connection.cursor(row_factory=namedtuple_row)
    cursor.execute(sql, tuple(columns))
    return cursor.fetchall() if returning else None


def array_type(column, dialect) -> str:
    """The unnest() array's type for a column, unbounded (see `unbounded`).

    The value meets the column's length at the INSERT's assignment instead,
    which raises; refuse_over_long reports it first, on both dialects.
    """
    type_ = unbounded(column.type.dialect_impl(dialect))
    return f"{type_.compile(dialect=dialect)}[]"


def refuse_over_long(table: Table, rows: list[dict]) -> None:
    """Raise ValueError if a value is longer than its String(n) column.

    PostgreSQL would shorten one that ends in spaces (SQL's rule for an
    assignment) and SQLite ignores n; callers bound their values, so this
    only ever catches a bug, and names the column, never the value.
    """
    for name in rows[0]:
        length = getattr(table.c[name].type, "length", None)
        if length is None:
            continue
        if any(isinstance(row[name], str) and len(row[name]) > length for row in rows):
            raise ValueError(f"{table.name}.{name}: longer than {length} characters")


def with_python_defaults(table: Table, rows: list[dict]) -> list[dict]:
    """Fill in the Python-side column defaults a Core INSERT would have applied."""
    missing = [
        column
        for column in table.columns
        if column.name not in rows[0]
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]
    if not missing:
        return rows
    defaults = {}
    for column in missing:
        arg = column.default.arg
        defaults[column.name] = arg(None) if column.default.is_callable else arg
    return [{**defaults, **row} for row in rows]


def bulk_update(table: Table, rows: list[dict], **same) -> None:
    """UPDATE many rows by id with one statement (PostgreSQL), executemany elsewhere.

    `rows` are dicts with "id" and the same other keys (column names), `same`
    values or SQL expressions for every row. On PostgreSQL the rows travel as
    one array per column through unnest(), like bulk_insert_ignoring_conflicts:
    one statement and one round trip instead of one statement per row.
    """
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    if db.session.connection().dialect.name != "postgresql":
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(**{name: bindparam(f"b_{name}") for name in names}, **same)
        )
        db.session.execute(
            statement, [{f"b_{key}": value for key, value in r.items()} for r in rows]
        )
        return
    refuse_over_long(table, rows)
    arrays = [
        bindparam(
            f"b_{name}",
            [row[name] for row in rows],
            type_=postgresql.ARRAY(unbounded(table.c[name].type)),
        )
        for name in ("id", *names)
    ]
    batch = func.unnest(*arrays).table_valued("id", *names).render_derived(name="batch")
    db.session.execute(
        update(table)
        .where(table.c.id == batch.c.id)
        .values(**{name: batch.c[name] for name in names}, **same)
    )


def update_changed_at_once(model) -> None:
    """Write the session's changed `model` objects with one UPDATE per column set.

    The unit of work sends one UPDATE per changed object (pipelined, but each a
    statement of its own for PostgreSQL to plan and run): a drain batch changes
    hundreds of conversations and contacts. Objects changed alike go out with
    one bulk_update instead and count as clean; objects with SQL expressions
    or changed relationships are left to the unit of work.
    """
    columns = {column.key for column in inspect(model).column_attrs}
    groups: dict[tuple[str, ...], list] = {}
    for instance in db.session.dirty:
        if type(instance) is not model:
            continue
        state = inspect(instance)
        # committed_state holds the attributes set since the last flush: only
        # those can have changed (far cheaper than every attribute's history).
        # get_history, not state.attrs[key]: attrs builds a view of every
        # attribute on each access, a fifth of the drain's CPU.
        changed = tuple(
            sorted(
                key
                for key in state.committed_state
                if get_history(instance, key, PASSIVE_NO_INITIALIZE).has_changes()
            )
        )
        values = [getattr(instance, key) for key in changed]
        if (
            not changed
            or not set(changed) <= columns
            or any(isinstance(value, ClauseElement) for value in values)
        ):
            continue
        groups.setdefault(changed, []).append(instance)
    table = model.__table__
    for changed, instances in groups.items():
        rows = [
            {"id": i.id, **{key: getattr(i, key) for key in changed}}
            for i in sorted(instances, key=lambda i: i.id)
        ]
        bulk_update(table, rows)
        for instance in instances:
            for key in changed:
                set_committed_value(instance, key, getattr(instance, key))
