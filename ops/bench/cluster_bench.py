"""Helpers for ops/bench/cluster, speaking cluster/PROTOCOL.md with pyzmq.

  submit ENDPOINT KIND COUNT [START ITERATIONS [COORDINATOR_PID]]
                                                 submit COUNT tasks, wait, print JSON timings (and the
                                                 coordinator's CPU seconds for submit and run)
  simulate ENDPOINT WORKERS WINDOW               run WORKERS simulated no-op workers until killed
  peer COUNT WORKERS                             the Python peer: a pyzmq broker + worker processes
                                                 doing the same credit-based no-op dispatch, no ledger
  spin-peer COUNT ITERATIONS PROCESSES           the Python peer for the CPU-bound task (multiprocessing)
"""
import json
import multiprocessing
import os
import socket
import struct
import sys
import time

import numpy as np
import zmq

HEADER = b"SLC\x01"


def call(sock, command, body, frames=()):
    sock.send_multipart([HEADER, command, json.dumps(body).encode(), *frames])
    _, reply_command, reply, *data = sock.recv_multipart()
    if reply_command == b"ERROR":
        raise SystemExit(f"coordinator error: {reply.decode()}")
    return json.loads(reply), data


def cpu_seconds(pid):
    if not pid:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def submit(endpoint, kind, count, start=0, iterations=0, coordinator_pid=0):
    sock = zmq.Context().socket(zmq.DEALER)
    sock.setsockopt(zmq.RCVTIMEO, 600_000)
    sock.connect(endpoint)
    if kind == "cluster.spin":
        frames = [struct.pack("<QQ", start + i * 1_000_003, iterations) for i in range(count)]
    else:
        frames = [b""] * count
    c0 = cpu_seconds(coordinator_pid)
    t0 = time.perf_counter()
    body, _ = call(sock, b"SUBMIT", {"name": "bench", "tasks": [{"kind": kind, "arrays": 0}] * count}, frames)
    t1 = time.perf_counter()
    c1 = cpu_seconds(coordinator_pid)
    run = body["run"]
    while True:
        status, _ = call(sock, b"STATUS", {"run": run})
        r = status["runs"][0]
        if r["state"] != "running":
            break
        time.sleep(0.05)
    t2 = time.perf_counter()
    c2 = cpu_seconds(coordinator_pid)
    print(json.dumps({"run": run, "state": r["state"], "done": r["done"], "submit_seconds": t1 - t0,
                      "run_seconds": t2 - t1, "tasks_per_second": count / (t2 - t1),
                      "coordinator_cpu_submit": c1 - c0, "coordinator_cpu_run": c2 - c1}))


def simulate(endpoint, workers, window):
    """WORKERS DEALER sockets in one process: each says HELLO and answers every TASKS batch at once."""
    ctx = zmq.Context()
    socks = []
    for i in range(workers):
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.ROUTING_ID, f"sim-{os.getpid()}-{i}".encode())
        s.connect(endpoint)
        socks.append(s)
    def hello(s, i):
        s.send_multipart([HEADER, b"HELLO", json.dumps({
            "worker": f"sim-{i}", "host": socket.gethostname(), "pid": os.getpid(), "threads": 1,
            "window": window, "credit": window, "kinds": ["cluster.noop"], "running": []}).encode()])
    for i, s in enumerate(socks):
        hello(s, i)
    poller = zmq.Poller()
    for s in socks:
        poller.register(s, zmq.POLLIN)
    last_beat = time.time()
    while True:
        for s, _ in poller.poll(200):
            i = socks.index(s)
            while True:
                try:
                    frames = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                command = frames[1]
                if command == b"TASKS":
                    tasks = json.loads(frames[2])["tasks"]
                    results = [{"id": t["id"], "ok": True, "arrays": 0, "seconds": 0} for t in tasks]
                    s.send_multipart([HEADER, b"RESULT", json.dumps({"results": results, "credit": len(tasks)}).encode(),
                                      *([b""] * len(tasks))])
                elif command == b"ERROR" and b"unknown-worker" in frames[2]:
                    hello(s, i)
        if time.time() - last_beat > 1:
            last_beat = time.time()
            for s in socks:
                s.send_multipart([HEADER, b"HEARTBEAT", b"{}"])


def peer_worker(endpoint, window):
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.connect(endpoint)
    s.send_multipart([b"READY", str(window).encode()])
    while True:
        frames = s.recv_multipart()
        if frames[0] == b"STOP":
            return
        ids = json.loads(frames[0])
        s.send_multipart([b"DONE", json.dumps(ids).encode(), *([b""] * len(ids))])


def peer(count, workers, window=1024):
    """The same credit-based dispatch of no-op tasks in Python (pyzmq), without a ledger."""
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    endpoint = f"ipc:///tmp/cluster-bench-peer-{os.getpid()}.ipc"
    router.bind(endpoint)
    procs = [multiprocessing.Process(target=peer_worker, args=(endpoint, window)) for _ in range(workers)]
    for p in procs:
        p.start()
    credit, queued, done = {}, list(range(count)), 0
    t0 = None
    while done < count:
        while True:
            try:
                frames = router.recv_multipart(zmq.NOBLOCK if t0 else 0)
            except zmq.Again:
                break
            peer_id, command = frames[0], frames[1]
            if command == b"READY":
                credit[peer_id] = int(frames[2])
                if len(credit) == workers and t0 is None:
                    t0 = time.perf_counter()
            else:
                ids = json.loads(frames[2])
                done += len(ids)
                credit[peer_id] += len(ids)
        if t0 is None:
            continue
        for peer_id in credit:
            n = min(credit[peer_id], len(queued), 512)
            if n:
                batch, queued = queued[:n], queued[n:]
                credit[peer_id] -= n
                router.send_multipart([peer_id, json.dumps(batch).encode(), *([b""] * n)])
        if done < count and not queued:
            router.poll(10)
    elapsed = time.perf_counter() - t0
    for peer_id in credit:
        router.send_multipart([peer_id, b"STOP"])
    for p in procs:
        p.join()
    os.unlink(endpoint[len("ipc://"):])
    print(json.dumps({"tasks_per_second": count / elapsed, "seconds": elapsed}))


def spin_one(args):
    start, n = args
    total = 0
    for offset in range(0, n, 1 << 20):  # chunks keep memory small
        x = np.arange(offset, min(n, offset + (1 << 20)), dtype=np.uint64) + np.uint64(start)
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
        total = (total + int(x.sum(dtype=np.uint64))) % (1 << 64)
    return total


def spin_peer(count, iterations, processes):
    tasks = [(i * 1_000_003, iterations) for i in range(count)]
    t0 = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        pool.map(spin_one, tasks, chunksize=1)
    print(json.dumps({"seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "submit":
        submit(sys.argv[2], sys.argv[3], int(sys.argv[4]), *(int(a) for a in sys.argv[5:8]))
    elif mode == "simulate":
        simulate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "peer":
        peer(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "spin-peer":
        spin_peer(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
