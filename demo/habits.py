"""How late a demo agency publishes: one draw from its habit, shared by every world."""
from __future__ import annotations

import random

# (probability, (min, max) days late, or None = never published); the last row takes the rest.
DelayTable = tuple[tuple[float, tuple[int, int] | None], ...]


def draw_delay(rng: random.Random, table: DelayTable) -> int | None:
    """Days of delay drawn from a habit table, or None for never."""
    roll = rng.random()
    for probability, days in table[:-1]:
        if roll < probability:
            break
        roll -= probability
    else:
        days = table[-1][1]
    return None if days is None else rng.randint(*days)
