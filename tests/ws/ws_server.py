#!/usr/bin/python3
"""WebSocket test servers for tests/ws (websockets 10.x asyncio, Debian).

    ws_server.py MODE ARG PORTFILE [--cert CERT --key KEY]      (ARG "-" when unused)

Listens on 127.0.0.1, port 0, writes the port to PORTFILE and serves until
killed (or at most 120 s). Modes (one connection at a time is enough):

  echo        echoes every message
  many N      sends "m-0" .. "m-(N-1)", then echoes
  large N     sends one message of N bytes (a repeating pattern)
  frag        sends one message as fragments "frag-a" "frag-b" "frag-c"
  fraglarge N one N-byte message as 64 KiB fragments
  ping        pings the client; sends "pong-ok" once the pong arrived
  close CODE  closes with CODE and reason "bye", prints the code the client answered with
  silent      raw TCP: accepts, reads, never answers
  badaccept   raw TCP: answers 101 with a wrong Sec-WebSocket-Accept
  status403   raw TCP: answers 403 Forbidden
  burst N[:S] raw TCP: answers the upgrade and N text frames in one write
              (of S bytes each when given; TLS with --cert)
  frames HEX  raw TCP: answers the upgrade followed by the bytes HEX
"""
import asyncio
import base64
import hashlib
import os
import ssl
import sys

import websockets

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def pattern(n):
    base = b"0123456789abcdefghijklmnopqrstuvwxyz"
    return (base * (n // len(base) + 1))[:n].decode()


async def handler(ws, *args):
    mode = sys.argv[1]
    arg = sys.argv[2]
    try:
        if mode == "many":
            for i in range(int(arg)):
                await ws.send("m-%d" % i)
        elif mode == "large":
            await ws.send(pattern(int(arg)))
        elif mode == "frag":
            await ws.send(["frag-a", "frag-b", "frag-c"])
        elif mode == "fraglarge":
            text = pattern(int(arg))
            await ws.send([text[i:i + 65536] for i in range(0, len(text), 65536)])
        elif mode == "ping":
            waiter = await ws.ping(b"are-you-there")
            await asyncio.wait_for(waiter, 30)
            await ws.send("pong-ok")
        elif mode == "close":
            await ws.close(code=int(arg), reason="bye")
            # The client must answer with a close frame echoing the code (RFC 6455 5.5.1).
            rcvd = ws.close_rcvd
            print("client close reply: %s" % (rcvd.code if rcvd else "none"), flush=True)
            return
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


def frame(text):
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes([0x81, n]) + data
    if n < 65536:
        return bytes([0x81, 126, n >> 8, n & 0xFF]) + data
    return bytes([0x81, 127]) + n.to_bytes(8, "big") + data


async def raw_handler(reader, writer):
    mode = sys.argv[1]
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            chunk = await reader.read(4096)
            if not chunk:
                return
            head += chunk
        if mode == "silent":
            await asyncio.sleep(120)
            return
        key = b""
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        if mode == "badaccept":
            accept = base64.b64encode(hashlib.sha1(key + b"x").digest())
        if mode == "status403":
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        else:
            out = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            if mode == "burst" and ":" in sys.argv[2]:
                n, size = (int(x) for x in sys.argv[2].split(":"))
                one = frame(pattern(size))
                out += one * n
            elif mode == "burst":
                out += b"".join(frame("b-%d" % i) for i in range(int(sys.argv[2])))
            elif mode == "frames":
                out += bytes.fromhex(sys.argv[2])
            writer.write(out)
        await writer.drain()
        await asyncio.sleep(60)
    finally:
        writer.close()


async def main():
    argv = sys.argv
    portfile = argv[3]
    ctx = None
    if "--cert" in argv:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[argv.index("--cert") + 1], argv[argv.index("--key") + 1])
    if argv[1] in ("silent", "badaccept", "status403", "burst", "frames"):
        server = await asyncio.start_server(raw_handler, "127.0.0.1", 0, ssl=ctx)
    else:
        server = await websockets.serve(handler, "127.0.0.1", 0, ssl=ctx, max_size=None,
                                        compression=None, ping_interval=None)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main())
