"""What the two Django sites (hub and dms) tell about their database in messages and checks —
the same for both; each site wraps them in its own errors and commands."""

from __future__ import annotations

from pathlib import Path


def describe_database() -> str:
    """Which database this process uses, for messages (never the password)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {settings['NAME']}"
    host = settings.get("HOST") or "local socket"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"{connection.display_name} database {settings['NAME']!r} on {host}{port}"


def failure(exc: Exception) -> str:
    """A database error in one line, naming the database."""
    text = str(exc).strip()
    return f"{describe_database()}: {text.splitlines()[0] if text else type(exc).__name__}"


def pending_migrations() -> list[str]:
    """The migrations not applied yet, in the order ``migrate`` would apply them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def missing_sqlite_file() -> str | None:
    """The SQLite database's path when the file does not exist (checked before connecting,
    which would leave an empty database file behind); None otherwise."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and not Path(name).exists():
        return name
    return None
