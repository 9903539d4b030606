from peewee import SqliteDatabase
from playhouse.schema_diff import diff_models

from followup.db import migrate, pending_migrations
from followup.models import MODELS


def test_migrations_alone_build_the_schema_the_models_describe(db):
    assert not diff_models(db, MODELS)
    for model in MODELS:
        columns = {c.name: c for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), model.__name__
        for name, field in fields.items():
            assert columns[name].null == field.null, f"{model.__name__}.{name} nullability"
        indexes = {tuple(i.columns): i.unique for i in db.get_indexes(model._meta.table_name)}
        for columns_, unique in model._meta.indexes:
            names = tuple(model._meta.fields[c].column_name for c in columns_)
            assert indexes.get(names) == unique, f"{model.__name__} index {names}"


def test_migrating_again_changes_nothing(db):
    assert pending_migrations(db) == []
    assert migrate(db) == []


def test_a_new_database_lists_its_pending_migrations(tmp_path):
    fresh = SqliteDatabase(str(tmp_path / "fresh.sqlite3"))
    assert pending_migrations(fresh)[:2] == ["0001_initial", "0002_delivery"]
