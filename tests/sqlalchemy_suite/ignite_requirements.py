"""What Ignite SQL supports, for SQLAlchemy's compliance suite.

A requirement closed here turns off the suite's tests of a feature Ignite 2.x does not have; each
one says why. Tests that fail for other reasons are listed in ``EXCLUDED.txt``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

closed = exclusions.closed
open_ = exclusions.open


class Requirements(SuiteRequirements):
    # -- DDL and constraints: Ignite tables have a primary key and nothing else -------------------
    @property
    def foreign_keys(self) -> Any:
        return closed()  # no foreign keys

    @property
    def foreign_key_ddl(self) -> Any:
        return closed()

    @property
    def self_referential_foreign_keys(self) -> Any:
        return closed()

    @property
    def named_constraints(self) -> Any:
        return closed()  # no named constraints (the primary key has no name)

    @property
    def implicitly_named_constraints(self) -> Any:
        return closed()

    @property
    def unique_constraint_reflection(self) -> Any:
        return closed()  # no unique constraints

    @property
    def check_constraint_reflection(self) -> Any:
        return closed()

    @property
    def inline_check_constraint_reflection(self) -> Any:
        return closed()

    @property
    def foreign_key_constraint_reflection(self) -> Any:
        return closed()

    @property
    def reflects_pk_names(self) -> Any:
        return closed()

    @property
    def temp_table_reflection(self) -> Any:
        return closed()  # no temporary tables

    @property
    def temporary_tables(self) -> Any:
        return closed()

    @property
    def temp_table_names(self) -> Any:
        return closed()

    @property
    def has_temp_table(self) -> Any:
        return closed()

    @property
    def temporary_views(self) -> Any:
        return closed()

    @property
    def views(self) -> Any:
        return closed()  # no user views in Ignite 2

    @property
    def view_reflection(self) -> Any:
        return closed()

    @property
    def view_column_reflection(self) -> Any:
        return closed()

    @property
    def schemas(self) -> Any:
        return closed()  # schemas come from the node configuration; CREATE SCHEMA does not exist

    @property
    def schema_create_delete(self) -> Any:
        return closed()

    @property
    def cross_schema_fk_reflection(self) -> Any:
        return closed()

    @property
    def comment_reflection(self) -> Any:
        return closed()  # no comments

    @property
    def sequences(self) -> Any:
        return closed()  # no sequences

    @property
    def computed_columns(self) -> Any:
        return closed()

    @property
    def identity_columns(self) -> Any:
        return closed()

    @property
    def index_ddl_if_exists(self) -> Any:
        return open_()

    @property
    def table_ddl_if_exists(self) -> Any:
        return open_()

    @property
    def create_table_as(self) -> Any:
        return closed()

    @property
    def unique_index_reflect_as_unique_constraints(self) -> Any:
        return closed()

    @property
    def indexes_with_expressions(self) -> Any:
        return closed()  # an index is on columns only

    @property
    def reflect_indexes_with_ascdesc(self) -> Any:
        return open_()

    @property
    def reflect_table_options(self) -> Any:
        return closed()

    # -- rows and keys: no autoincrement, no RETURNING -----------------------------------------------
    @property
    def autoincrement_insert(self) -> Any:
        return closed()  # no autoincrement: every row needs its key

    @property
    def autoincrement_without_sequence(self) -> Any:
        return closed()

    @property
    def empty_inserts(self) -> Any:
        return closed()

    @property
    def empty_inserts_executemany(self) -> Any:
        return closed()

    @property
    def insert_returning(self) -> Any:
        return closed()

    @property
    def update_returning(self) -> Any:
        return closed()

    @property
    def delete_returning(self) -> Any:
        return closed()

    @property
    def insert_executemany_returning(self) -> Any:
        return closed()

    @property
    def emulated_lastrowid(self) -> Any:
        return closed()

    @property
    def dbapi_lastrowid(self) -> Any:
        return closed()

    @property
    def supports_lastrowid(self) -> Any:
        return closed()

    @property
    def multivalues_inserts(self) -> Any:
        return open_()

    @property
    def ctes_on_dml(self) -> Any:
        return closed()

    @property
    def ctes_with_update_delete(self) -> Any:
        return closed()

    @property
    def update_from(self) -> Any:
        return closed()

    @property
    def delete_from(self) -> Any:
        return closed()

    # -- transactions ----------------------------------------------------------------------------
    @property
    def savepoints(self) -> Any:
        return closed()

    @property
    def two_phase_transactions(self) -> Any:
        return closed()

    @property
    def autocommit(self) -> Any:
        return closed()  # always in autocommit: it cannot be switched off

    @property
    def isolation_level(self) -> Any:
        return closed()  # always AUTOCOMMIT

    @property
    def server_side_cursors(self) -> Any:
        return closed()

    # -- SQL and types ---------------------------------------------------------------------------
    @property
    def window_functions(self) -> Any:
        return closed()  # H2 1.4.197 under Ignite has none

    @property
    def intersect(self) -> Any:
        return open_()

    @property
    def except_(self) -> Any:
        return open_()

    @property
    def json_type(self) -> Any:
        return closed()

    @property
    def array_type(self) -> Any:
        return closed()

    @property
    def datetime_timezone(self) -> Any:
        return closed()

    @property
    def time_timezone(self) -> Any:
        return closed()

    @property
    def datetime_interval(self) -> Any:
        return closed()

    @property
    def datetime_historic(self) -> Any:
        return open_()

    @property
    def date_historic(self) -> Any:
        return open_()

    @property
    def regexp_match(self) -> Any:
        return closed()

    @property
    def regexp_replace(self) -> Any:
        return closed()

    @property
    def fetch_first(self) -> Any:
        return closed()  # LIMIT/OFFSET only

    @property
    def fetch_ties(self) -> Any:
        return closed()

    @property
    def fetch_percent(self) -> Any:
        return closed()

    @property
    def fetch_expression(self) -> Any:
        return closed()

    @property
    def fetch_offset_with_options(self) -> Any:
        return closed()

    @property
    def like_escapes(self) -> Any:
        return closed()  # Ignite refuses LIKE ... ESCAPE ("Unsupported query")

    @property
    def unicode_ddl(self) -> Any:
        return open_()

    @property
    def nvarchar_types(self) -> Any:
        return open_()

    @property
    def precision_numerics_enotation_large(self) -> Any:
        return open_()

    @property
    def infinity_floats(self) -> Any:
        return open_()

    @property
    def duplicate_key_raises_integrity_error(self) -> Any:
        return open_()

    @property
    def time_microseconds(self) -> Any:
        return closed()  # TIME has whole seconds

    @property
    def datetime_microseconds(self) -> Any:
        return open_()

    @property
    def timestamp_microseconds(self) -> Any:
        return open_()

    @property
    def uuid_data_type(self) -> Any:
        return open_()

    @property
    def supports_is_distinct_from(self) -> Any:
        return open_()

    @property
    def async_dialect(self) -> Any:
        return open_()

    @property
    def independent_connections(self) -> Any:
        return open_()

    @property
    def ad_hoc_engines(self) -> Any:
        return open_()
