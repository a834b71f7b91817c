"""A view's anchors are added by worker threads (a build, each window) while others look them up:
a look-up never sees an anchor's position without its key."""

import sys
import threading

from core.services.grid.windows import ViewIndex


def test_lookups_during_adds_never_see_half_an_anchor():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the gap between two steps shows
    errors: list[str] = []
    try:
        for _ in range(3):
            view = ViewIndex()
            done = threading.Event()

            def writer(view=view, done=done):
                for position in range(1, 50_000):
                    view.add(position, (position,))  # each new anchor is the one nearest(end) finds
                done.set()

            def reader(view=view, done=done):
                try:
                    while not done.is_set():
                        view.nearest(50_000)
                except Exception as exc:  # a KeyError is the defect; anything else too
                    errors.append(repr(exc))

            threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    assert view.nearest(50_000) == (49_999, (49_999,))
