"""A smaller version of benchmarks/reference_load.py, checked and not timed: concurrent
signed clients lose no task and get no 5xx; many held keep-alive connections are all
answered on their own connection, with a bounded number of threads."""

from __future__ import annotations

import threading

from benchmarks.reference_load import (
    MIX,
    hold_connections,
    mixed_load,
    presigned_dry_run,
    undescribed,
)
from ec2conformance.reference import ServerLimits, start


def test_concurrent_clients_lose_no_task_and_get_no_server_error():
    with start(limits=ServerLimits(workers=4)) as server:
        load = mixed_load(server.url, clients=4, requests_each=3 * len(MIX))
        assert load.sent == 4 * 3 * len(MIX)
        assert load.server_errors == 0 and load.unanswered == 0
        assert dict(load.unexpected) == {}
        assert len(load.task_ids) == 4 * 3 * 2  # the valid POST and the valid GET
        assert load.duplicate_ids == []
        assert undescribed(server.url, load.task_ids, batch=10) == []
        assert len(server.app.store) == len(load.task_ids)
        assert server.defects == []


def test_many_held_keep_alive_connections_are_all_answered():
    limits = ServerLimits(workers=3)
    before = threading.active_count()
    with start(limits=limits) as server:
        request = presigned_dry_run(server.url, f"127.0.0.1:{server.port}")
        open_counts: list[int] = []
        threads: list[int] = []

        def each_round() -> None:
            open_counts.append(server.connection_count)
            threads.append(threading.active_count())

        hold = hold_connections(
            "127.0.0.1", server.port, request, 60, rounds=3, period=0.0, each_round=each_round
        )
        assert server.defects == []
    assert (hold.opened, hold.rounds, hold.answered, hold.dropped) == (60, 3, 180, 0)
    assert dict(hold.statuses) == {412: 180}
    assert open_counts == [60, 60, 60]  # the same connections, none reopened
    # the event loop and at most `workers` workers, whatever the number of connections
    assert max(threads) <= before + 1 + limits.workers
