#!/usr/bin/python3
"""Hostile clients of the metrics endpoint, for tests/security/metrics_clients.sh.

    metrics_clients.py PORT idle N SECONDS   hold N connections for SECONDS,
                                             each trickling one header byte
                                             every 0.5 s (slowloris); prints
                                             "holding N" once all are open
    metrics_clients.py PORT abort N          N clients that send half a
                                             request and reset the connection
"""
import socket
import struct
import sys
import time


def idle(port, n, seconds):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\n")
        socks.append(s)
    print("holding %d" % n, flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        time.sleep(0.5)


def abort(port, n):
    """Half of them reset mid-request, half right after a whole request,
    before the (large) /metrics answer is read."""
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        if i % 2:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        else:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.02)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


def main():
    port, what, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if what == "idle":
        idle(port, n, float(sys.argv[4]))
    else:
        abort(port, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
