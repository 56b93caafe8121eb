"""Alembic environment: migrations run on the connection :mod:`tailormed.store.migrate` hands in."""

from __future__ import annotations

from alembic import context

from tailormed.store.models import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("tailormed migrations run through tailormed.store.migrate, which supplies the connection")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


try:
    context.config  # noqa: B018 (set only while Alembic runs this file)
except AttributeError:  # imported by something else (a doctest collector): nothing to run
    pass
else:
    run()
