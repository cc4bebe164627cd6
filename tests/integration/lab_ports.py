"""Ports for the labs the integration tests start, so the suite runs beside any lab already running (a
`./scripts/migrate-lab.sh` left for inspection, another checkout's tests) and never touches it.

A ready-made topology opens every port in the window [15980, 15980 + WINDOW) shifted by
PCHAT_LAB_PORT_OFFSET (lab/tests/test_cli_ports.py holds the lab to that). The session's lab takes the
offset the user exported, as given; without one, the first offset from PCHAT_LAB_PORT_SEARCH_FROM (default
100: offset 0 stays the user's) whose whole window is free. Labs the tests start beside it (other datasets,
molecule scenarios) each claim a further free window. Claims are remembered in this process, so labs
started at once never get the same window before any of them has bound its ports.

Under pytest-xdist each worker (gw0, gw1...) has a session lab of its own and cannot see the others'
claims, so each searches its own stretch of windows, 10 windows apart. An exported offset goes to gw0
only; gwN searches from it plus N stretches. The process that starts the workers has already exported
its own offset for its ansible runs by then (conftest.py), so the user's value is kept first in
GIVEN_OFFSET, which the workers inherit and read."""
from __future__ import annotations

import os
import socket

BASE_PORT = 15980
WINDOW = 20
DEFAULT_SEARCH_FROM = 100
HIGHEST_PORT = 32767          # Linux hands out ephemeral client ports above this
BIND_ADDRESS = "127.0.0.1"    # where the lab listens

USER_OFFSET = "PCHAT_LAB_PORT_OFFSET"
GIVEN_OFFSET = "PCHAT_TESTS_GIVEN_PORT_OFFSET"
STRETCH = 10                  # windows each xdist worker searches before the next worker's stretch

_claimed: list = []


def _window_free(offset: int) -> bool:
    for port in range(BASE_PORT + offset, BASE_PORT + offset + WINDOW):
        with socket.socket() as probe:
            # As the lab's listeners bind: a port in TIME_WAIT is usable, one with a listener is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((BIND_ADDRESS, port))
            except OSError:
                return False
    return True


def _overlaps_a_claim(offset: int) -> bool:
    return any(abs(offset - claimed) < WINDOW for claimed in _claimed)


def remember_given_offset() -> None:
    """Keep the user's PCHAT_LAB_PORT_OFFSET (maybe none) before this process exports the session's: the
    first pytest process of a run does it, its xdist workers inherit it."""
    os.environ.setdefault(GIVEN_OFFSET, os.environ.get(USER_OFFSET, ""))


def explicit_offset():
    """PCHAT_LAB_PORT_OFFSET as the user exported it, None when unset or empty."""
    value = os.environ.get(GIVEN_OFFSET, os.environ.get(USER_OFFSET, ""))
    return int(value) if value.strip() else None


def worker_number() -> int:
    """This pytest-xdist worker's number (gw3: 3); 0 without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:] or 0)


def search_from() -> int:
    """Where the search starts; each pytest-xdist worker starts a stretch further, since workers cannot see
    each other's claims."""
    value = os.environ.get("PCHAT_LAB_PORT_SEARCH_FROM", "")
    start = int(value) if value.strip() else DEFAULT_SEARCH_FROM
    return start + STRETCH * WINDOW * worker_number()


def claim_offset(start: int | None = None) -> int:
    """The first offset from ``start`` (default: just above the session's) whose window is free and not
    claimed by another lab of this test run."""
    offset = start if start is not None else (_claimed[0] + WINDOW if _claimed else search_from())
    while BASE_PORT + offset + WINDOW <= HIGHEST_PORT:
        if not _overlaps_a_claim(offset) and _window_free(offset):
            _claimed.append(offset)
            return offset
        offset += WINDOW
    raise RuntimeError("no free window of %d ports for a lab between %d and %d" % (
        WINDOW, BASE_PORT + (start or 0), HIGHEST_PORT))


def session_offset() -> int:
    """The offset of the session's lab: the user's (worker gw0's under xdist; the others search from it, a
    stretch each, so two workers never both take it), or the first free one."""
    explicit = explicit_offset()
    if explicit is not None and worker_number() == 0:
        _claimed.append(explicit)
        return explicit
    if explicit is not None:
        return claim_offset(explicit + STRETCH * WINDOW * worker_number())
    return claim_offset(search_from())
