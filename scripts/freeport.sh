#!/usr/bin/env bash
# freeport.sh — prints a TCP port on 127.0.0.1 that is free right now (the kernel picks it).
# HF_PORT_RANGE=LOW-HIGH: a free port in that range instead (runs confined to a port range),
# handed out in turn from a counter file per range, so consecutive calls do not repeat a port
# that is free but not bound yet.
if [ -z "${HF_PORT_RANGE:-}" ]; then
  exec python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
fi
exec python3 - "$HF_PORT_RANGE" <<'PY'
import fcntl, os, socket, sys
low, high = (int(x) for x in sys.argv[1].split("-"))
path = "/tmp/hf-freeport-%d-%d-%d" % (os.getuid(), low, high)
with open(path, "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    text = f.read().strip()
    nxt = int(text) if text else low
    for _ in range(high - low + 1):
        port, nxt = nxt, (low if nxt >= high else nxt + 1)
        if not low <= port <= high:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        f.seek(0); f.truncate(); f.write(str(nxt))
        print(port)
        sys.exit(0)
sys.exit("freeport.sh: no free port in " + sys.argv[1])
PY
