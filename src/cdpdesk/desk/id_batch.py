"""A batch of row ids as one bound parameter, ``ids``, in a statement built once.

On PostgreSQL the batch is one array (``id = ANY(:ids)``): the statement's text is short
and the same for every batch, so psycopg converts it once, and on a connection that only
commits (the refresh's write-back; a rollback empties psycopg's statement cache) it is
prepared from its sixth run and planned once. An expanding ``IN`` renders one placeholder
per id instead: a text too long for psycopg's cache, converted and then parsed and planned
by the server on every batch (docs/decisions.md, issue 11, session 9).
Elsewhere (SQLite, which has no arrays) it stays an expanding ``IN``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Text, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

#: the parameter's name: ``conn.execute(stmt, {IDS: [1, 2, 3]})``
IDS = "ids"


class InBatch(ColumnElement[bool]):
    """``column`` is one of the batch's ids (see the module's docstring)."""

    inherit_cache = True
    type = Boolean()
    # a comparison already: SQLite's compiler adds no "= 1" (which would hide the index)
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column


def in_batch(column: Any) -> InBatch:
    """The clause for a statement whose ``ids`` parameter is a list of ids."""
    return InBatch(column)


@compiles(InBatch)
def _expanding(element: InBatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam(IDS, expanding=True)), **kw)


class _IdsText(TypeDecorator[list[int]]):
    """The ids as PostgreSQL's array text, ``{1,2,3}``, cast to ``INTEGER[]`` by the
    statement: psycopg's list dumper cost about 0.7 µs an id (it checks every element's
    type), a third of a worker's read of an unchanged case (docs/decisions.md, issue 11,
    session 11). ``int`` of each id keeps the text to digits and commas."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> str | None:
        return None if value is None else "{" + ",".join(str(int(i)) for i in value) + "}"


@compiles(InBatch, "postgresql")
def _array(element: InBatch, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(CAST({compiler.process(bindparam(IDS, type_=_IdsText()), **kw)} AS INTEGER[]))"
