"""lab_ports.py: a window with any port taken is skipped, windows claimed in this run are never handed out
twice, and an exported PCHAT_LAB_PORT_OFFSET is taken as given."""
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


def test_an_exported_offset_is_honoured_even_when_taken(monkeypatch):
    monkeypatch.setattr(lab_ports, "_claimed", [])
    taken = lab_ports.claim_offset(5000)
    monkeypatch.setattr(lab_ports, "_claimed", [])
    monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", str(taken))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", lab_ports.BASE_PORT + taken))
        squatter.listen()
        assert lab_ports.session_offset() == taken
        # Unset (or empty): the search starts at PCHAT_LAB_PORT_SEARCH_FROM and passes the taken window.
        monkeypatch.setattr(lab_ports, "_claimed", [])
        monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", "")
        monkeypatch.setenv("PCHAT_LAB_PORT_SEARCH_FROM", str(taken))
        assert lab_ports.session_offset() >= taken + lab_ports.WINDOW
