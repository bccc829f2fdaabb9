"""Drives the coordinator with pyzmq exactly as cluster/PROTOCOL.md describes: submit a run of
cluster.spin tasks, poll STATUS until it completes, page through RESULTS, and check every result
against numpy's own SplitMix64. Every request carries the build version given as the fourth argument
(PROTOCOL.md, section 2a). Prints one JSON line; exits 1 on any mismatch."""
import json
import struct
import sys
import time

import numpy as np
import zmq

endpoint, count, iterations, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
HEADER = b"SLC\x01"
sock = zmq.Context().socket(zmq.DEALER)
sock.setsockopt(zmq.RCVTIMEO, 10000)
sock.connect(endpoint)


def call(command, body, frames=()):
    sock.send_multipart([HEADER, command, json.dumps({**body, "version": version}).encode(), *frames])
    header, reply_command, reply, *data = sock.recv_multipart()
    assert header == HEADER, header
    return reply_command.decode(), json.loads(reply), data


def splitmix_sum(start, n):
    x = (np.arange(n, dtype=np.uint64) + np.uint64(start)) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return int(x.sum(dtype=np.uint64))


starts = [i * 1_000_003 for i in range(count)]
payloads = [struct.pack("<QQ", s, iterations) for s in starts]
command, body, _ = call(b"SUBMIT", {"request": "py-1", "name": "pyzmq",
                                    "tasks": [{"kind": "cluster.spin", "arrays": 0}] * count}, payloads)
assert command == "SUBMITTED" and body["request"] == "py-1", (command, body)
run = body["run"]
for _ in range(600):
    command, status, _ = call(b"STATUS", {"run": run})
    state = status["runs"][0]["state"]
    if state != "running":
        break
    time.sleep(0.05)
results, after = {}, 0
while True:
    command, page, frames = call(b"RESULTS", {"run": run, "after": after})
    for outcome, frame in zip(page["results"], frames):
        results[outcome["index"]] = struct.unpack("<Q", frame)[0]
    if page.get("next") is None:
        break
    after = page["next"]
mismatches = [i for i in range(count) if results.get(i) != splitmix_sum(starts[i], iterations)]
_, bad, _ = call(b"STATUS", {"run": "no-such-run"})
print(json.dumps({"state": state, "results": len(results), "mismatches": len(mismatches),
                  "done": status["runs"][0]["done"], "unknown_run_error": bad.get("code")}))
sys.exit(0 if state == "completed" and not mismatches else 1)
