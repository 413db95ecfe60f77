#!/usr/bin/env python3
"""tests/e2e/spread_proxy.py PORT NODE=HOST:PORT [NODE=HOST:PORT ...]

A loopback TCP proxy that spreads a client's connections over several holdfast SQL nodes, so
that one isolation spec's sessions run on different nodes (issue 12: the test command runs the
conformance specs this way). The n-th connection goes to the (n mod k)-th node in the order
given: isolationtester's control connection to the first, its sessions to the next ones in
turn. A CancelRequest (a new connection whose first packet carries a backend pid) goes to the
node that owns the pid: holdfast gives node N the pids N * 2^22 + 10000 and up (--node-id).
Bytes are passed through unchanged (SSLRequest, startup, everything after).
Prints "listening" once it accepts connections; runs until killed.
"""
import asyncio
import struct
import sys

CANCEL_REQUEST_CODE = 80877102
NODE_SHIFT = 22


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


class Spreader:
    def __init__(self, nodes):
        self.nodes = nodes  # [(node_id, host, port)]
        self.accepted = 0

    def target(self, first):
        if len(first) >= 16:
            length, code, pid = struct.unpack("!iii", first[:12])
            if length == 16 and code == CANCEL_REQUEST_CODE:
                for node_id, host, port in self.nodes:
                    if pid >> NODE_SHIFT == node_id:
                        return host, port
        _, host, port = self.nodes[self.accepted % len(self.nodes)]
        self.accepted += 1
        return host, port

    async def serve(self, reader, writer):
        try:
            # The first packet's length word and code tell a CancelRequest from a startup.
            first = await reader.read(16)
            if not first:
                writer.close()
                return
            host, port = self.target(first)
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        up_writer.write(first)
        await up_writer.drain()
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def main():
    port = int(sys.argv[1])
    nodes = []
    for arg in sys.argv[2:]:
        node_id, addr = arg.split("=", 1)
        host, p = addr.rsplit(":", 1)
        nodes.append((int(node_id), host, int(p)))
    if not nodes:
        sys.exit("usage: spread_proxy.py PORT NODE=HOST:PORT [...]")
    spreader = Spreader(nodes)
    server = await asyncio.start_server(spreader.serve, "127.0.0.1", port)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
