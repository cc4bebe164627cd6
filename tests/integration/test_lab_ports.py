"""lab_ports.py: a window with any port taken is skipped, windows claimed in this run are never handed out
twice, and an exported PCHAT_LAB_PORT_OFFSET is taken as given - by one pytest-xdist worker only."""
from __future__ import annotations

import socket

import lab_ports


def test_a_window_with_one_taken_port_is_skipped_and_claims_never_overlap(monkeypatch):
    monkeypatch.setattr(lab_ports, "_claimed", [])
    first = lab_ports.claim_offset(3000)
    assert first >= 3000 and (first - 3000) % lab_ports.WINDOW == 0
    # Taken: the last port of the next window (whatever listens there, lab or not).
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", lab_ports.BASE_PORT + first + 2 * lab_ports.WINDOW - 1))
        squatter.listen()
        second = lab_ports.claim_offset()
    assert second >= first + 2 * lab_ports.WINDOW
    assert lab_ports._claimed == [first, second]


def exported(monkeypatch, offset: str, worker: str = "gw0") -> None:
    """The user exported ``offset`` before pytest started; this process is xdist worker ``worker``."""
    monkeypatch.setenv(lab_ports.GIVEN_OFFSET, "")     # recorded, so the test's own value is undone after it
    monkeypatch.delenv(lab_ports.GIVEN_OFFSET)
    monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", offset)
    lab_ports.remember_given_offset()
    # What conftest.py does next: the session's offset exported for the ansible runs (the workers' parent too).
    monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", "7")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)


def test_an_exported_offset_is_honoured_even_when_taken(monkeypatch):
    monkeypatch.setattr(lab_ports, "_claimed", [])
    taken = lab_ports.claim_offset(5000)
    monkeypatch.setattr(lab_ports, "_claimed", [])
    exported(monkeypatch, str(taken))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", lab_ports.BASE_PORT + taken))
        squatter.listen()
        assert lab_ports.session_offset() == taken
        # Unset (or empty): the search starts at PCHAT_LAB_PORT_SEARCH_FROM and passes the taken window.
        monkeypatch.setattr(lab_ports, "_claimed", [])
        exported(monkeypatch, "")
        monkeypatch.setenv("PCHAT_LAB_PORT_SEARCH_FROM", str(taken))
        assert lab_ports.session_offset() >= taken + lab_ports.WINDOW


def test_under_xdist_only_the_first_worker_takes_the_exported_offset(monkeypatch):
    monkeypatch.setattr(lab_ports, "_claimed", [])
    given = lab_ports.claim_offset(6000)
    monkeypatch.setattr(lab_ports, "_claimed", [])
    exported(monkeypatch, str(given), worker="gw0")
    assert lab_ports.session_offset() == given
    # Another worker (another process: claims of its own) searches its own stretch above the given offset.
    monkeypatch.setattr(lab_ports, "_claimed", [])
    exported(monkeypatch, str(given), worker="gw1")
    second = lab_ports.session_offset()
    assert second >= given + lab_ports.STRETCH * lab_ports.WINDOW
    monkeypatch.setattr(lab_ports, "_claimed", [])
    exported(monkeypatch, str(given), worker="gw2")
    assert lab_ports.session_offset() >= given + 2 * lab_ports.STRETCH * lab_ports.WINDOW > second
