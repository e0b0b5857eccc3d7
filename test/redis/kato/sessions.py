"""KATO 3.0.0's Redis usage, driven by redis-py (Debian's python3-redis), for the replication tests.

KATO builds one client with `redis.asyncio.from_url(REDIS_URL)` and keeps sessions under
`kato:session:<id>`: SETEX to create, GET to read, EXPIRE to extend, SCAN (and KEYS) over
`kato:session:*` to list. This script does exactly that against the URL it is given and prints one
JSON object on stdout. Subcommands:

  roundtrip URL PREFIX N   create N sessions, read each back, extend each, list them with SCAN
  list URL PREFIX          ids of the sessions with that prefix, by SCAN
  writer URL PREFIX STOPFILE
                           one new session every ~10 ms until STOPFILE exists; a failed write is
                           retried with a new connection (what a KATO request would do); prints the
                           acknowledged ids, the failures and the longest gap without a successful
                           write, measured from the first failure to the next success, and how many
                           were acknowledged before the first failure.
"""
import asyncio
import json
import os
import sys
import time

import redis.asyncio as aioredis


def client(url):
    # As KATO: one client from the URL; short timeouts so a dead connection fails fast.
    return aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)


async def roundtrip(url, prefix, n):
    r = client(url)
    out = {"created": 0, "read": 0, "extended": 0, "listed": [], "errors": []}
    try:
        for i in range(n):
            key = f"kato:session:{prefix}-{i}"
            try:
                await r.setex(key, 3600, json.dumps({"session_id": f"{prefix}-{i}", "stm": []}))
                out["created"] += 1
                if await r.get(key) is not None:
                    out["read"] += 1
                if await r.expire(key, 7200):
                    out["extended"] += 1
            except Exception as e:  # noqa: BLE001 - the test wants every error's text
                out["errors"].append(f"{type(e).__name__}: {e}")
        try:
            out["listed"] = sorted(await list_ids(r, prefix))
        except Exception as e:  # noqa: BLE001
            out["errors"].append(f"{type(e).__name__}: {e}")
    finally:
        await r.close()
    return out


async def list_ids(r, prefix):
    ids = []
    async for key in r.scan_iter(match=f"kato:session:{prefix}-*", count=1000):
        ids.append(key[len("kato:session:"):])
    return ids


async def list_cmd(url, prefix):
    r = client(url)
    try:
        return {"ids": sorted(await list_ids(r, prefix))}
    finally:
        await r.close()


async def writer(url, prefix, stopfile):
    r = client(url)
    acked, failures = [], 0
    first_failure = None
    acked_before_first_failure = None
    longest_gap = 0.0
    errors = {}
    i = 0
    try:
        while not os.path.exists(stopfile):
            sid = f"{prefix}-{i}"
            try:
                await r.setex(f"kato:session:{sid}", 3600, json.dumps({"session_id": sid}))
                acked.append(sid)
                i += 1
                if first_failure is not None:
                    longest_gap = max(longest_gap, time.monotonic() - first_failure)
                    first_failure = None
            except Exception as e:  # noqa: BLE001
                failures += 1
                name = type(e).__name__
                errors[name] = errors.get(name, 0) + 1
                if first_failure is None:
                    first_failure = time.monotonic()
                if acked_before_first_failure is None:
                    acked_before_first_failure = len(acked)
                await r.close()
                r = client(url)
                await asyncio.sleep(0.05)
                continue
            await asyncio.sleep(0.01)
    finally:
        await r.close()
    return {
        "acked": acked,
        "ackedBeforeFirstFailure": len(acked) if acked_before_first_failure is None else acked_before_first_failure,
        "failures": failures,
        "errors": errors,
        "longestGapSeconds": round(longest_gap, 3),
        "unrecovered": first_failure is not None,
    }


def main():
    cmd, url, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "roundtrip":
        result = asyncio.run(roundtrip(url, prefix, int(sys.argv[4])))
    elif cmd == "list":
        result = asyncio.run(list_cmd(url, prefix))
    elif cmd == "writer":
        result = asyncio.run(writer(url, prefix, sys.argv[4]))
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
