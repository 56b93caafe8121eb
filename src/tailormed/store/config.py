"""Where the store lives: the database URL, the home folder and the master key's source.

``TAILORMED_DATABASE_URL`` selects the database (``sqlite:///path`` or ``postgresql+psycopg://...``); unset, a
SQLite file ``tailormed.db`` in ``TAILORMED_HOME`` (default ``~/.tailormed``) is used. The master key comes from
``TAILORMED_MASTER_KEY`` (32 bytes, URL-safe base64) or from a key file (``TAILORMED_KEY_FILE``, default
``TAILORMED_HOME/master.key``) created on first start with mode 0600.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATABASE_URL_ENV = "TAILORMED_DATABASE_URL"
HOME_ENV = "TAILORMED_HOME"
MASTER_KEY_ENV = "TAILORMED_MASTER_KEY"
KEY_FILE_ENV = "TAILORMED_KEY_FILE"


def home() -> Path:
    """The folder for the default database and key file."""
    configured = os.environ.get(HOME_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".tailormed"


@dataclass(frozen=True)
class StoreConfig:
    """Where the database is and where the master key comes from."""

    database_url: str
    key_file: Path
    master_key: str | None = None
    """The key itself when given in the environment (then ``key_file`` is not read)."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> StoreConfig:
        """The configuration the environment describes (defaults under :func:`home`)."""
        url = os.environ.get(DATABASE_URL_ENV) or sqlite_url(home() / "tailormed.db")
        key_file = Path(os.environ.get(KEY_FILE_ENV) or home() / "master.key").expanduser()
        return cls(database_url=url, key_file=key_file, master_key=os.environ.get(MASTER_KEY_ENV) or None)

    @classmethod
    def in_folder(cls, folder: Path) -> StoreConfig:
        """A self-contained store: a SQLite file and a key file in ``folder`` (demo mode, tests)."""
        return cls(database_url=sqlite_url(folder / "tailormed.db"), key_file=folder / "master.key")


def production_configured() -> bool:
    """Whether the environment names a database or a master key (then demo mode must not run)."""
    return bool(os.environ.get(DATABASE_URL_ENV) or os.environ.get(MASTER_KEY_ENV))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"
