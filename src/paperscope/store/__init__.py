"""The only package that talks SQL."""

from paperscope.store.database import Store, StoreError

__all__ = ["Store", "StoreError"]
