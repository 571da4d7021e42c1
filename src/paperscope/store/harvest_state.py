"""Harvest checkpoints: one JSON document per named harvest (endpoint, format, set),
saved after every page so an interrupted harvest resumes where it stopped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, update

from paperscope.store.database import Store
from paperscope.store.schema import harvest_state


def get_harvest_state(*, store: Store, name: str) -> dict[str, Any] | None:
    """The saved state of harvest ``name``, or None when it never ran."""
    with store.read() as conn:
        raw = conn.scalar(select(harvest_state.c.state).where(harvest_state.c.name == name))
    if raw is None:
        return None
    loaded = orjson.loads(raw)
    return loaded if isinstance(loaded, dict) else None


def put_harvest_state(*, store: Store, name: str, state: dict[str, Any]) -> None:
    """Save (replace) the state of harvest ``name`` in one transaction."""
    row = {"state": orjson.dumps(state).decode(), "updated_at": datetime.now(UTC)}
    with store.write() as conn:
        changed = conn.execute(
            update(harvest_state).where(harvest_state.c.name == name).values(row)
        )
        if changed.rowcount == 0:
            conn.execute(insert(harvest_state).values(name=name, **row))


def list_harvest_states(*, store: Store) -> list[tuple[str, datetime, dict[str, Any]]]:
    """Every saved harvest: name, when it was last saved, and its state."""
    with store.read() as conn:
        rows = conn.execute(
            select(
                harvest_state.c.name, harvest_state.c.updated_at, harvest_state.c.state
            ).order_by(harvest_state.c.name)
        ).all()
    return [(name, updated, orjson.loads(state)) for name, updated, state in rows]
