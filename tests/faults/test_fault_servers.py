"""The matrix's own failing endpoints fail the way their names say."""

from __future__ import annotations

import socket

import pytest
from fault_servers import BEHAVIOURS, LOOPBACK, Blackhole, RawOz, closed_port

REQUEST = b"POST /api/instant/folders/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"


def test_a_closed_port_refuses():
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LOOPBACK, closed_port()), timeout=1).close()


def test_a_blackhole_times_out_and_receives_nothing(blackhole: Blackhole):
    with pytest.raises(TimeoutError):
        socket.create_connection((LOOPBACK, blackhole.port), timeout=0.3).close()


def read_to_the_end(connection: socket.socket, received: list[bytes]) -> None:
    while chunk := connection.recv(65536):
        received.append(chunk)


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_raw_oz_records_the_request_then_resets(behaviour: str):
    with RawOz(behaviour) as raw, socket.create_connection((LOOPBACK, raw.port), timeout=5) as c:
        c.sendall(REQUEST)
        chunks: list[bytes] = []
        with pytest.raises(ConnectionResetError):  # a RST, not an orderly close (b"")
            read_to_the_end(c, chunks)
        received = b"".join(chunks)
        assert received == (BEHAVIOURS[behaviour] or b"")
        [request] = raw.received()
        assert (request.method, request.path, request.body) == (
            "POST",
            "/api/instant/folders/",
            b"abc",
        )
