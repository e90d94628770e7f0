"""The journal on disk: durable appends, replay from snapshots, and bad rows set aside without losing good ones."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.journal import Journal, JournalError, encode_event
from kiosk.lane.events import LaneStarted, Tick, Touched, WeightSettled
from kiosk.lane.plain import to_plain
from kiosk.lane.reducer import REDUCER_VERSION, initial_state, reduce
from kiosk.lane.settings import Settings
from lanekit import MILK, WATER_CRATE, scanned

MILK_CODE = MILK.gtins[0][1:]
CRATE = WATER_CRATE.gtins[0][1:]


def journey():
    events = [LaneStarted(0.0, "j-1", Settings()), Touched(1.0, "start")]
    t = 2.0
    for i in range(10):
        events.append(scanned(t, MILK_CODE))
        events.append(WeightSettled(t + 0.5, 1035.0 * (i + 1)))
        t += 1.0
    events.append(scanned(t, CRATE))
    return events


def states_of(events):
    state, out = initial_state(), []
    for ev in events:
        state, _ = reduce(state, ev)
        out.append(state)
    return out


def recover(path, repair=True):
    with Journal(path) as j:
        return j.recover(initial_state(), reduce, REDUCER_VERSION, repair=repair)


def test_a_journal_replays_to_exactly_the_state_the_lane_had(tmp_path):
    events = journey()
    with Journal(tmp_path / "j.db") as j:
        for ev in events:
            j.append(ev)
        assert j.count() == len(events)
    rec = recover(tmp_path / "j.db")
    assert rec.state == states_of(events)[-1]
    assert rec.replayed == len(events) and rec.last_seq == len(events) and not rec.quarantined


def test_the_journal_is_in_wal_mode_with_full_sync(tmp_path):
    with Journal(tmp_path / "j.db") as j:
        assert j._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert j._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_recovery_starts_from_the_newest_snapshot(tmp_path):
    events = journey()
    states = states_of(events)
    with Journal(tmp_path / "j.db") as j:
        for i, ev in enumerate(events, start=1):
            j.append(ev)
            if i == 10:
                j.snapshot(i, states[i - 1], REDUCER_VERSION)
    rec = recover(tmp_path / "j.db")
    assert rec.from_snapshot == 10 and rec.replayed == len(events) - 10
    assert rec.state == states[-1]


def test_a_snapshot_of_another_reducer_version_is_ignored(tmp_path):
    events = journey()
    with Journal(tmp_path / "j.db") as j:
        for ev in events:
            j.append(ev)
        j.snapshot(5, initial_state(), REDUCER_VERSION + 1)   # would be wrong if it were used
    rec = recover(tmp_path / "j.db")
    assert rec.from_snapshot == 0 and rec.state == states_of(events)[-1]


def test_a_torn_last_row_is_set_aside_and_never_half_applied(tmp_path):
    events = journey()
    path = tmp_path / "j.db"
    with Journal(path) as j:
        for ev in events:
            j.append(ev)
    # The last write is torn: its body is cut short (the checksum no longer matches).
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET body = substr(body, 1, 20) WHERE seq = ?", (len(events),))
    db.commit()
    db.close()
    rec = recover(path)
    assert rec.state == states_of(events[:-1])[-1]
    assert len(rec.quarantined) == 1 and "checksum" in rec.quarantined[0]
    with Journal(path) as j:
        assert j.count() == len(events) - 1
        (q,) = j.quarantined()
        assert q[1] == len(events), "the bad row is kept for the technician, not deleted"
        # The lane keeps working: the next event takes the freed sequence number and recovers cleanly.
        j.append(Tick(100.0))
    assert not recover(path).quarantined


def test_a_row_that_does_not_decode_is_set_aside_with_all_rows_after_it(tmp_path):
    from kiosk.journal import _crc
    events = journey()
    path = tmp_path / "j.db"
    with Journal(path) as j:
        for ev in events:
            j.append(ev)
    bad_seq = 5
    type_, body = "Scanned", '{"t": 1, "raw": "x", "code": {"$": "Nonsense"}}'
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET type = ?, body = ?, crc = ? WHERE seq = ?",
               (type_, body, _crc(bad_seq, type_, body), bad_seq))
    db.commit()
    db.close()
    look = recover(path, repair=False)
    assert look.state == states_of(events[: bad_seq - 1])[-1] and "not yet set aside" in look.quarantined[0]
    with Journal(path) as j:
        assert j.count() == len(events), "looking does not change the journal"
    rec = recover(path)
    assert rec.state == states_of(events[: bad_seq - 1])[-1]
    assert len(rec.quarantined) == len(events) - bad_seq + 1


def test_a_file_that_is_not_a_journal_gives_a_clear_error(tmp_path):
    path = tmp_path / "j.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match="not a usable journal.*Move it aside"):
        Journal(path)
    assert path.read_bytes().startswith(b"this is not"), "the file is left as it was"


def test_events_are_stored_as_compact_json_without_the_pin():
    from kiosk.lane.events import AttendantSignInFailed
    type_, body = encode_event(AttendantSignInFailed(3.0, "pin", "wrong_pin"))
    assert type_ == "AttendantSignInFailed" and "1234" not in body and " " not in body


def test_recovering_a_200_line_transaction_is_exact(tmp_path):
    from dataclasses import replace
    items = [replace(MILK, sku=f"sku{i}", gtins=(f"{i:014d}",), weight_g=100.0 + i) for i in range(200)]
    from kiosk.domain.codes import GtinCode
    from kiosk.lane.events import Scanned
    events = [LaneStarted(0.0, "j-1", Settings(bag_timeout_s=1e6))]
    weight = 0.0
    for i, it in enumerate(items):
        weight += it.weight_g
        events += [Scanned(1.0 + i, it.gtins[0], GtinCode(it.gtins[0]), it), WeightSettled(1.5 + i, weight)]
    with Journal(tmp_path / "j.db") as j:
        for ev in events:
            j.append(ev)
    rec = recover(tmp_path / "j.db")
    assert len(rec.state.txn.active_lines) == 200
    assert to_plain(rec.state) == to_plain(states_of(events)[-1])
