"""SQLAlchemy's dialect compliance suite, as shipped with SQLAlchemy (see conftest.py)."""

from sqlalchemy.testing.suite import *  # noqa: F403
