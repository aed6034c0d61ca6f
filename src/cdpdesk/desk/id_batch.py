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

from sqlalchemy import Boolean, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

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


@compiles(InBatch, "postgresql")
def _array(element: InBatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(bindparam(IDS, type_=ARRAY(Integer))), **kw)
