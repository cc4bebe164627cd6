"""The free ports these tests give their labs: below the kernel's ephemeral range, so no outgoing connection of
another process takes one between the probe and the lab's bind (CI saw "Address already in use" when the tests
took ports the kernel picked), in a band of each pytest-xdist worker's own, never the same port twice."""
from __future__ import annotations

import socket

import conftest


def _ephemeral_range() -> range:
    low, high = open("/proc/sys/net/ipv4/ip_local_port_range").read().split()
    return range(int(low), int(high) + 1)


def test_free_ports_are_outside_the_ephemeral_range_and_never_repeat():
    ports = [conftest._free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not [port for port in ports if port in _ephemeral_range()]


def test_each_xdist_worker_has_a_band_of_its_own(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    bands = []
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        bands.append(set(conftest._worker_band()))
    assert bands[0] and bands[1] and not bands[0] & bands[1]


def test_a_port_with_a_listener_is_passed_over(monkeypatch):
    monkeypatch.setattr(conftest, "_next_port", [0])
    band = conftest._worker_band()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", band[0]))
        squatter.listen()
        assert conftest._free_port() == band[1]
