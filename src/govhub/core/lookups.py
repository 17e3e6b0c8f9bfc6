"""`__any_of`: membership in a list of ids, sent to PostgreSQL as one array parameter.

`field__in=[…]` writes one placeholder per value. A staff scope lists every region inside
the position's region (a city has about ninety), and a page's queue and tab counts repeat
that list in several statements: hundreds of parameters that Django prepares and psycopg
interpolates one by one on every request. `field__any_of=[…]` is the same condition as
`field__in` (PostgreSQL plans `IN (…)` as `= ANY(…)` anyway) with one parameter; other
databases get the ordinary `IN (…)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup[Any]):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = _ids(self.rhs)
        if not values:
            raise EmptyResultSet
        if len(values) == 1:  # an equality: the planner can then read an index in order
            return f"{lhs} = %s", (*lhs_params, values[0])
        if connection.vendor == "postgresql":
            # Typed like the column: psycopg would send small numbers as smallint[], and
            # a cross-type comparison keeps the planner off the column's indexes.
            column_type = self.lhs.output_field.cast_db_type(connection) or "bigint"
            return f"{lhs} = ANY(%s::{column_type}[])", (*lhs_params, values)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", (*lhs_params, *values)


def _ids(values: Iterable[Any]) -> list[int]:
    return sorted({int(value) for value in values})


for _field in (models.ForeignKey, models.AutoField, models.BigAutoField, models.IntegerField):
    _field.register_lookup(AnyOf)
