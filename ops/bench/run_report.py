#!/usr/bin/env python3
"""Reads the logs `ops/bench/run` wrote, pulls each benchmark's key numbers out of its printed lines, and
prints one table of ratios plus a JSON file with the machine facts. Standard library only.

Usage: run_report.py --logs DIR --json FILE --facts FACTS.json NAME=STATUS ...
STATUS is the script's exit code, or "skipped: why". A benchmark whose log has none of the expected lines
shows as `unparsed`; one that exited non-zero shows as `failed`; both name their log.
"""
import argparse
import json
import os
import re
import sys

NUMBER = r"([-+]?[0-9][0-9,]*\.?[0-9]*(?:e[-+]?[0-9]+)?)"


def num(text):
    return float(text.replace(",", ""))


def row(name, measure, salience, peer, ratio, unit, aim=None, met=None):
    return {"benchmark": name, "measure": measure, "salience": salience, "peer": peer, "ratio": ratio,
            "unit": unit, "aim": aim, "met": met}


def at_least(value, bound):
    return None if value is None else value >= bound


def at_most(value, bound):
    return None if value is None else value <= bound


def parse_shard_read(text):
    rows = []
    layout = None
    seconds = {}
    for line in text.splitlines():
        m = re.match(r"== layout (\S+):", line)
        if m:
            layout, seconds = m.group(1), {}
            continue
        m = re.match(r"(salience|h5py)\s+(\S+)\s+columns=.* in " + NUMBER + " s", line)
        if m:
            seconds[(m.group(1), m.group(2))] = num(m.group(3))
            continue
        m = re.match(r"ratio (\S+)\s+h5py time / salience time = " + NUMBER, line)
        if m:
            kind = m.group(1)
            rows.append(row("shard-read", f"read {kind} columns, layout {layout} (h5py time / Salience time)",
                            seconds.get(("salience", kind)), seconds.get(("h5py", kind)), num(m.group(2)), "s"))
            continue
        m = re.match(r"salience (\S+)\s+subset time / full-read time = " + NUMBER, line)
        if m:
            value = num(m.group(2))
            rows.append(row("shard-read", f"Salience {m.group(1)} subset / full read, layout {layout}",
                            None, None, value, "time ratio", "<= 1", at_most(value, 1.0)))
    return rows


def parse_saliency(text):
    rows = []
    clock = r"\s*" + NUMBER + r" s \(cpu\s*" + NUMBER + r" s\)"
    for label, peer, pattern_peer, aim_op, bound in (("CCS+PCA", "numpy", "numpy", "<=", 0.5),
                                                      ("mis", "sklearn", "sklearn", ">=", 10.0),
                                                      ("mis-hist", "sklearn", "sklearn", ">=", 100.0)):
        m = re.search(r"^" + re.escape(label) + r"\s+" + pattern_peer + clock + r"\s+salience" + clock
                      + r"\s+\S+ = " + NUMBER + r" \(cpu " + NUMBER + r"\)", text, re.M)
        if not m:
            continue
        value = num(m.group(5))
        measure = (f"{label} wall time, Salience / numpy (cpu ratio {m.group(6)})" if aim_op == "<="
                   else f"{label} wall time, scikit-learn / Salience (cpu ratio {m.group(6)})")
        met = at_most(value, bound) if aim_op == "<=" else at_least(value, bound)
        rows.append(row("saliency", measure, num(m.group(3)), num(m.group(1)), value, "s",
                        f"{aim_op} {bound:g}", met))
        # The like-for-like line under it (no aim of its own: the aim is on the whole command above).
        memory = re.compile(r"\s+in memory, both on the pooled rows: sklearn " + NUMBER + r" s, salience scoring "
                            + NUMBER + r" s, sklearn/salience = " + NUMBER)
        following = text[m.end():].split("\n")
        below = memory.match(following[1]) if label != "CCS+PCA" and len(following) > 1 else None
        if below:
            rows.append(row("saliency", f"{label} in memory: scikit-learn call / Salience scoring (no read, no start)",
                            num(below.group(2)), num(below.group(1)), num(below.group(3)), "s"))
    return rows


def parse_train(text):
    s = re.search(r"Salience:\s*" + NUMBER + r" utt/s\s+test CCC " + NUMBER, text)
    t = re.search(r"PyTorch :\s*" + NUMBER + r" utt/s\s+test CCC " + NUMBER, text)
    r = re.search(r"ratio Salience / PyTorch: " + NUMBER + r"x\s+test CCC difference: " + NUMBER, text)
    if not (s and t and r):
        return []
    diff = num(r.group(2))
    return [row("train", "TC-GRU training speed, Salience / PyTorch", num(s.group(1)), num(t.group(1)),
                num(r.group(1)), "utt/s"),
            row("train", "test CCC, Salience vs PyTorch (difference as ratio column)", num(s.group(2)),
                num(t.group(2)), diff, "CCC", "|diff| <= 0.02", abs(diff) <= 0.02)]


def parse_ig(text):
    s = re.search(r"salience:\s*" + NUMBER + r" utterances/s", text)
    c = re.search(r"captum:\s*" + NUMBER + r" utterances/s", text)
    r = re.search(r"ratio salience/captum: " + NUMBER + "x", text)
    a = re.search(r"max \|difference\| " + NUMBER, text)
    if not (s and c and r):
        return []
    measure = "IG speed, Salience / Captum" + (f" (max |d mean |c|| {a.group(1)})" if a else "")
    return [row("ig", measure, num(s.group(1)), num(c.group(1)), num(r.group(1)), "utt/s")]


def parse_cluster(text):
    rows = []
    m = re.search(r"no-op, 2 workers:\s+salience\s+" + NUMBER + r" tasks/s.*python peer\s+" + NUMBER
                  + r" tasks/s.*ratio " + NUMBER, text)
    if m:
        value = num(m.group(1))
        rows.append(row("cluster", "no-op throughput, 2 workers, Salience / pyzmq broker", value,
                        num(m.group(2)), num(m.group(3)), "tasks/s", "salience > 20000", value > 20000))
    m = re.search(r"no-op, 64 simulated: salience\s+" + NUMBER + " tasks/s", text)
    if m:
        value = num(m.group(1))
        rows.append(row("cluster", "no-op throughput, 64 simulated workers", value, None, None, "tasks/s",
                        "salience > 20000", value > 20000))
    m = re.search(r"cpu-bound speed-up 2 vs 1 workers: salience " + NUMBER + r" .*python multiprocessing "
                  + NUMBER, text)
    if m:
        value = num(m.group(1))
        rows.append(row("cluster", "CPU-bound speed-up, 2 vs 1 workers (peer: multiprocessing)", value,
                        num(m.group(2)), value, "x", "> 1.8", value > 1.8))
    return rows


def parse_scan(text):
    rows = []
    m = re.search(r"statistics phase: 1 worker " + NUMBER + r" s, 2 workers " + NUMBER + r" s, speed-up "
                  + NUMBER + "x", text)
    if m:
        value = num(m.group(3))
        rows.append(row("scan", "statistics phase, 1 / 2 workers (speed-up)", num(m.group(2)), num(m.group(1)),
                        value, "s", ">= 1.8", value >= 1.8))
        p = re.search(r"python peer .*: " + NUMBER + r" s; peer / scan-on-2-workers = " + NUMBER, text)
        if p:
            rows.append(row("scan", "statistics, numpy+scikit-learn / scan on 2 workers", num(m.group(2)),
                            num(p.group(1)), num(p.group(2)), "s"))
    m = re.search(r"total \(process wall\): " + NUMBER + " s", text)
    if m:
        rows.append(row("scan", "whole scan on 2 workers, every method (wall)", num(m.group(1)), None, None, "s"))
    return rows


PARSERS = {"shard-read": parse_shard_read, "saliency": parse_saliency, "train": parse_train, "ig": parse_ig,
           "cluster": parse_cluster, "scan": parse_scan}


def show(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--facts", required=True)
    parser.add_argument("results", nargs="*", help="NAME=STATUS")
    args = parser.parse_args()

    with open(args.facts) as f:
        report = json.load(f)
    report["benchmarks"] = []
    table = []
    for item in args.results:
        name, _, status = item.partition("=")
        log = os.path.join(args.logs, name + ".log")
        entry = {"name": name, "log": log, "status": status, "rows": []}
        if status.startswith("skipped"):
            entry["status"] = status
            table.append(row(name, status, None, None, None, "", None, None))
        else:
            try:
                with open(log, errors="replace") as f:
                    text = f.read()
            except OSError as error:
                text = ""
                entry["error"] = str(error)
            rows = PARSERS[name](text) if name in PARSERS else []
            entry["exit_code"] = int(status) if status.lstrip("-").isdigit() else None
            if entry["exit_code"] != 0:
                entry["status"] = "failed"
            elif not rows:
                entry["status"] = "unparsed"
            else:
                entry["status"] = "ok"
            entry["rows"] = rows
            if entry["status"] == "ok":
                table.extend(rows)
            else:
                # A failed run may still have printed some rows before it stopped: keep them, then flag it.
                table.extend(rows)
                table.append(row(name, f"{entry['status']} (exit {status}), see {log}", None, None, None, ""))
        report["benchmarks"].append(entry)

    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    header = ("benchmark", "measure", "Salience", "peer", "ratio", "unit", "aim", "met")
    lines = [header] + [(r["benchmark"], r["measure"], show(r["salience"]), show(r["peer"]), show(r["ratio"]),
                         r["unit"], r["aim"] or "—",
                         "—" if r["met"] is None else ("met" if r["met"] else "not met")) for r in table]
    print(f"machine: {report.get('cpu_model')} ({report.get('cores')} cores, {report.get('memory_gib')} GiB), "
          f"OpenBLAS core {report.get('openblas_coretype')}, load {report.get('load_start')} -> "
          f"{report.get('load_end')}, commit {report.get('commit')}, {report.get('date')}"
          + (", QUICK sizes" if report.get("quick") else ""))
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for line in lines[1:]:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
