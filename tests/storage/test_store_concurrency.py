"""Two people edit the same record from the same version at the same instant: one wins, the other is told.

Each writer runs in its own thread with its own store object (its own lock descriptor or database
connection), both released by one barrier so their saves really overlap. The loser must get a
`RegistryConflict` that names the winner; after re-reading and re-applying, both edits are present.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from atlas.registry.files import FileStore
from atlas.registry.postgis import PostgisStore
from atlas.registry.store import RegistryConflict, RegistryStore
from tests.storage.conftest import edited

EDITS = {"alice": {"capacity": "650"}, "bob": {"notes_en": "expansion approved"}}
ROUNDS = 3


def twin(store: RegistryStore) -> RegistryStore:
    """A second, independent handle on the same registry (another user's session)."""
    if isinstance(store, PostgisStore):
        return PostgisStore(store.url, data_dir=store.data_dir)
    assert isinstance(store, FileStore)
    return FileStore(store.data_dir)


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_two_writers_on_one_record_one_wins_the_other_gets_a_clear_conflict_and_nothing_is_lost(
    store: RegistryStore, round_no: int
):
    handles = {"alice": store, "bob": twin(store)}
    base_frame, base = store.read()
    barrier = threading.Barrier(len(handles))

    def save(who: str) -> str | RegistryConflict:
        frame = edited(base_frame, "smelter", **EDITS[who])
        barrier.wait(timeout=60)
        try:
            return handles[who].save(frame, base_version=base, author=who, message=f"{who}'s edit")
        except RegistryConflict as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(handles, pool.map(save, handles), strict=True))
    winners = [who for who, r in results.items() if isinstance(r, str)]
    losers = [who for who, r in results.items() if isinstance(r, RegistryConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    [winner], [loser] = winners, losers
    conflict = results[loser]
    assert isinstance(conflict, RegistryConflict)
    assert conflict.current.author == winner and conflict.current.version == results[winner]
    assert f"saved by {winner}" in str(conflict) and base in str(conflict) and "re-apply" in str(conflict)

    fresh, version = handles[loser].read()
    assert version == results[winner]
    handles[loser].save(edited(fresh, "smelter", **EDITS[loser]), base_version=version, author=loser, message="retry")
    smelter = store.read()[0].set_index("id").loc["smelter"]
    assert (smelter["capacity"], smelter["notes_en"]) == ("650", "expansion approved")
    assert [h.author for h in store.history()[:2]] == [loser, winner]
