#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sustained exchange (issue 20): alice and bob send to each other as fast as
the daemons take it, keeping at most WINDOW (default 200) undelivered messages
each way, for BENCH_SECONDS (default 20) after a 3 s warm-up. Prints messages
per second each way and each daemon's CPU time (user + system, /proc) per
message it sent or received, with 0, 5,000 and 20,000 messages of history in
the conversation (BENCH_HISTORIES=0,5000,20000), with the sender one item at
a time (SESSIOND_SENDER_IN_FLIGHT=1, as before), with 16 in flight but no
batches, and with its defaults (BENCH_MODES=1,16:1,default).

Each (history, mode) gets a fresh testnet and fresh accounts, so neither the
testnet's tables nor the daemons' grow from one measurement to the next. The
history is written straight into the stopped daemons' databases (half of it
ours and sent, half the peer's and read; random server hashes, indexed for
search), as bench_startup.py does: what is measured is the exchange, not how
the history came to be. Progress is counted by MessageReceived signals; the
driver's Send calls are synchronous D-Bus calls from one Python thread, which
shares the two cores with the daemons and the testnet.

The modes of one history run in turn, ROUNDS times (default 1): 1, default, 1,
default... A mode's messages/s follows the CPU the exchange gets from the
machine (it is CPU-bound on two shared cores), so two modes measured minutes
apart differ by whatever the neighbours did meanwhile; a ratio is taken
between the two runs of a round, back to back, and the median over rounds is
reported. Each run also prints the CPU the whole exchange used (both daemons,
the testnet and this driver) per wall second, its "share" (2.0 = both cores),
the load average, and the messages exchanged per CPU second, which does not
depend on the share: comparing modes by it says what the build does apart from
what the machine gave it.

A mode written "B:<mode>" (e.g. BENCH_MODES=1,B:default,default) runs the
daemon binary SESSIOND_B instead of SESSIOND (another build, e.g. the tree
before a change), in turn with the others; the summary then also gives
default ÷ B:default. With G_MESSAGES_DEBUG=SdSender each run also prints the
mean number of stores per store request of each daemon (from the sender's
debug lines in its log)."""

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "reliability"))
from harness import Daemon, Testnet  # noqa: E402
from reliability import database_path  # noqa: E402
from gi.repository import GLib  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WARMUP = 3.0
WINDOW = int(os.environ.get("WINDOW", "200"))
HISTORIES = [int(h) for h in os.environ.get("BENCH_HISTORIES", "0,5000,20000").split(",")]
# "1": one item at a time (SESSIOND_SENDER_IN_FLIGHT=1, as before); "N:B": N in flight,
# batches of B (16:1 = in flight, no batches); "default": the sender's defaults
MODES = [m for m in os.environ.get("BENCH_MODES", "1,16:1,default").split(",")]
TICK = os.sysconf("SC_CLK_TCK")
ROUNDS = int(os.environ.get("ROUNDS", "1"))
BINARY = os.environ.get("SESSIOND", "")


def driver_cpu_ms():
    t = os.times()
    return (t.user + t.system) * 1000.0


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TICK


def log_size(daemon):
    return os.path.getsize(os.path.join(daemon.bus.dir, "sessiond-%s.log" % daemon.name))


def stores_per_request(daemon, offset):
    """The mean number of stores per store request since @offset of the daemon's log, from
    the sender's debug lines (G_MESSAGES_DEBUG=SdSender), or None."""
    requests = stores = 0
    with open(os.path.join(daemon.bus.dir, "sessiond-%s.log" % daemon.name), "rb") as f:
        f.seek(offset)
        for line in f:
            i = line.find(b"store request: ")
            if i >= 0:
                requests += 1
                stores += int(line[i + 15:].split()[0])
    return stores / requests if requests else None


def populate(path, me, peer, n):
    """@n messages with @peer, alternating ours (sent, synced) and theirs (read), in the
    past; T one millisecond apart, so none collides with what the exchange sends."""
    if n == 0:
        return
    base = int(time.time() * 1000) - 86400 * 1000 - n
    db = sqlite3.connect(path)
    with db:
        for i in range(n):
            ours = i % 2 == 0
            author = me if ours else peer
            db.execute("INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                       " received_at, status, server_hash, sync_hash)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (peer, author, 1 if ours else 0,
                        "history message %d of %d, about nothing much" % (i, n),
                        base + i, base + i, "sent" if ours else "read",
                        os.urandom(32).hex(), os.urandom(32).hex() if ours else None))
        db.execute("UPDATE conversations SET last_activity = max(last_activity, ?)"
                   " WHERE id = ?", (base + n, peer))
        db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    db.close()


class Counter:
    """MessageReceived signals of one daemon, counted as they come."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.seen = 0
        self.count = 0

    def update(self):
        signals = self.daemon.signals
        while self.seen < len(signals):
            if signals[self.seen][2] == "MessageReceived":
                self.count += 1
            self.seen += 1
        # the list is ours to trim: nothing else reads it here
        del signals[:self.seen]
        self.seen = 0
        return self.count


def measure(history, mode):
    # the binary of the mode from the start: a build may not open another's newer database
    os.environ["SESSIOND"] = os.environ["SESSIOND_B"] if mode.startswith("B:") else BINARY
    testnet = Testnet()
    daemons = []
    try:
        alice = Daemon("alice", testnet)
        bob = Daemon("bob", testnet)
        daemons = [alice, bob]
        alice.session_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob.session_id = bob.account("CreateAccount", "a{sv}", {})[0]
        # each knows the other (conversation approved both ways) before the history goes in
        for a, b in ((alice, bob), (bob, alice)):
            a.account("Send", "ssa{sv}", b.session_id, "hello", {})
        counters = {d.name: Counter(d) for d in daemons}
        alice.wait_for(lambda: all(c.update() >= 1 for c in counters.values()),
                       "hello both ways", timeout=60)
        time.sleep(1.0)
        for d, other in ((alice, bob), (bob, alice)):
            d.stop()
            populate(database_path(d.data_dir), d.session_id, other.session_id, history)
            d.bus.env.pop("SESSIOND_SENDER_IN_FLIGHT", None)
            d.bus.env.pop("SESSIOND_SENDER_BATCH", None)
            limits = mode[2:] if mode.startswith("B:") else mode
            if limits != "default":
                in_flight, _, batch = limits.partition(":")
                d.bus.env["SESSIOND_SENDER_IN_FLIGHT"] = in_flight
                if batch:
                    d.bus.env["SESSIOND_SENDER_BATCH"] = batch
            d.start()
        counters = {d.name: Counter(d) for d in daemons}
        context = GLib.MainContext.default()
        sent = {"alice": 0, "bob": 0}
        start = time.monotonic()
        mark = None
        n = 0
        while True:
            now = time.monotonic()
            if mark is None and now - start >= WARMUP:
                mark = (now, {d.name: counters[d.name].update() for d in daemons},
                        {d.name: cpu_ms(d.proc.pid) for d in daemons},
                        cpu_ms(testnet.proc.pid), driver_cpu_ms(), loadavg(),
                        {d.name: log_size(d) for d in daemons})
            if now - start >= WARMUP + SECONDS:
                break
            while context.iteration(False):
                pass
            room = False
            for s, r in ((alice, bob), (bob, alice)):
                if sent[s.name] - counters[r.name].update() < WINDOW:
                    s.account("Send", "ssa{sv}", r.session_id, "bench %s %d" % (s.name, n), {})
                    sent[s.name] += 1
                    room = True
            n += 1
            if not room:
                time.sleep(0.002)
        end = time.monotonic()
        got = {d.name: counters[d.name].update() for d in daemons}
        cpu = {d.name: cpu_ms(d.proc.pid) for d in daemons}
        testnet_cpu = cpu_ms(testnet.proc.pid) - mark[3]
        driver = driver_cpu_ms() - mark[4]
        load = (mark[5] + loadavg()) / 2
        elapsed = end - mark[0]
        a_to_b = (got["bob"] - mark[1]["bob"]) / elapsed
        b_to_a = (got["alice"] - mark[1]["alice"]) / elapsed
        # each daemon sent what the other received and received what it was sent
        per_message = {}
        for d, other in ((alice, bob), (bob, alice)):
            handled = (got[d.name] - mark[1][d.name]) + (got[other.name] - mark[1][other.name])
            per_message[d.name] = (cpu[d.name] - mark[2][d.name]) / max(handled, 1)
        total = (got["alice"] - mark[1]["alice"]) + (got["bob"] - mark[1]["bob"])
        # drain, so the next run starts on quiet cores
        alice.wait_for(lambda: counters["bob"].update() >= sent["alice"] and
                       counters["alice"].update() >= sent["bob"], "every message delivered",
                       timeout=120)
        all_cpu = testnet_cpu + driver + sum(cpu[d.name] - mark[2][d.name] for d in daemons)
        batches = [stores_per_request(d, mark[6][d.name]) for d in daemons]
        return {"a_to_b": a_to_b, "b_to_a": b_to_a, "cpu": per_message,
                "testnet": testnet_cpu / max(total, 1), "driver": driver / max(total, 1),
                "share": all_cpu / 1000.0 / elapsed, "per_cpu_s": total / (all_cpu / 1000.0),
                "load": load, "batch": batches}
    finally:
        for d in daemons:
            d.close()
        testnet.stop()


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def main():
    results = {}
    print("history  in flight  round  alice→bob/s  bob→alice/s  CPU ms/message alice  bob  "
          "(testnet, driver)  share  msg/CPU s  load")
    for history in HISTORIES:
        for rnd in range(ROUNDS):
            for mode in MODES:
                r = measure(history, mode)
                results[(history, mode, rnd)] = r
                print("%7d  %9s  %5d  %11.1f  %11.1f  %19.2f  %4.2f  (%.2f, %.2f)  %5.2f  %9.1f"
                      "  %4.1f" % (
                          history, mode, rnd + 1, r["a_to_b"], r["b_to_a"], r["cpu"]["alice"],
                          r["cpu"]["bob"], r["testnet"], r["driver"], r["share"],
                          r["per_cpu_s"], r["load"]), flush=True)
                if any(x is not None for x in r["batch"]):
                    print("         stores per request: alice %s, bob %s" % tuple(
                        "%.1f" % x if x is not None else "-" for x in r["batch"]), flush=True)
    for base, what in (("1", "one at a time"), ("B:default", "SESSIOND_B's defaults")):
        if base not in MODES or "default" not in MODES:
            continue
        for history in HISTORIES:
            rates, efficiency = [], []
            for rnd in range(ROUNDS):
                one, many = results[(history, base, rnd)], results[(history, "default", rnd)]
                rates.append((many["a_to_b"] + many["b_to_a"]) /
                             max(one["a_to_b"] + one["b_to_a"], 0.001))
                efficiency.append(many["per_cpu_s"] / max(one["per_cpu_s"], 0.001))
            print("history %d: %.2f× the messages/s of %s (median of %d rounds: %s);"
                  " %.2f× the messages per CPU second (%s)" % (
                      history, median(rates), what, ROUNDS, " ".join("%.2f" % x for x in rates),
                      median(efficiency), " ".join("%.2f" % x for x in efficiency)))


if __name__ == "__main__":
    main()
