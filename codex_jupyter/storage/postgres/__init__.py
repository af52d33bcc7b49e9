"""The PostgreSQL backend, for JupyterHub deployments (``pip install 'codex-jupyter[postgres]'``).

Imported only when a ``postgresql://`` location is opened, so psycopg is needed only then.
"""

from .backend import PostgresBackend
from .database import redacted

__all__ = ["PostgresBackend", "redacted"]
