#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Restore of a large history end to end on the testnet (issue 21): a phrase whose swarm
holds N messages (default 20,000) from 10 senders is restored with a stand-in notification
server on the bus. Reports the time until every message is visible (unread counts over
GetManagedObjects) as a ratio to the raw libsodium open+verify of the same messages measured
in this run, the slowest of the GetManagedObjects calls made every 50 ms all along, the
notifications shown, how often the testnet served an item; then restarts with that history:
exec → State "online" and private dirty memory a second later.

    BENCH_MESSAGES=20000  how many messages
    ROUNDS=5              restarts"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from gi.repository import GLib  # noqa: E402
from harness import (ACCOUNT_PATH, Daemon, NotificationServer, Testnet,  # noqa: E402
                     _die_with_parent, daemon_network_args)

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20000"))
SENDERS = 10
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def private_dirty_kb(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


def unread_total(daemon):
    """GetManagedObjects and the sum of the conversations' UnreadCount, read without
    unpacking the whole answer into Python"""
    reply = daemon.bus.connection.call_sync(
        "org.sessiond.Daemon1", ACCOUNT_PATH, "org.freedesktop.DBus.ObjectManager",
        "GetManagedObjects", None, None, 0, 30000, None)
    objects = reply.get_child_value(0)
    total = 0
    for i in range(objects.n_children()):
        conv = objects.get_child_value(i).get_child_value(1).lookup_value(
            "org.sessiond.Conversation1", None)
        if conv is not None:
            total += conv.lookup_value("UnreadCount", None).get_uint32()
    return total


def state(daemon):
    reply = daemon.bus.connection.call_sync(
        "org.sessiond.Daemon1", ACCOUNT_PATH, "org.freedesktop.DBus.Properties", "Get",
        GLib.Variant("(ss)", ("org.sessiond.Account1", "State")), None, 0, 5000, None)
    return reply.unpack()[0]


def restart(daemon):
    """ms from exec to State "online", private dirty KB a second later"""
    args = [os.environ["SESSIOND"], "--data-dir", daemon.data_dir, "--seed",
            daemon.testnet.seed_url, "--poll-interval", "60000"] + daemon_network_args(
                daemon.testnet)
    log = open(os.path.join(daemon.bus.dir, "sessiond-restart.log"), "a")
    start = time.monotonic()
    proc = subprocess.Popen(args, env=daemon.bus.env, stdout=log, stderr=log,
                            preexec_fn=_die_with_parent)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("sessiond exited with %s" % proc.returncode)
            try:
                if state(daemon) == "online":
                    break
            except GLib.Error:
                pass
            time.sleep(0.002)
        elapsed = time.monotonic() - start
        time.sleep(1)
        dirty = private_dirty_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    return elapsed * 1000, dirty


def main():
    testnet = Testnet()
    alice = None
    try:
        first = Daemon("first", testnet)
        me = first.account("CreateAccount", "a{sv}", {})[0]
        phrase = first.account("GetRecoveryPhrase")[0]
        first.close()

        out = subprocess.run([os.environ["SD_HISTORY_GEN"], me, str(SENDERS), str(MESSAGES),
                              str(int(time.time() * 1000) - 7 * 86400 * 1000), "1000", "--raw"],
                             input=phrase + "\n", check=True, capture_output=True, text=True)
        history = json.loads(out.stdout)
        for i in range(0, MESSAGES, 5000):
            testnet.control({"action": "inject", "pubkey": me,
                             "messages": history["messages"][i:i + 5000]})
        raw_s = history["raw_us"] / 1e6

        alice = Daemon("alice", testnet)
        notes = NotificationServer(alice.bus)
        context = GLib.MainContext.default()
        start = time.monotonic()
        alice.account("RestoreAccount", "sa{sv}", phrase, {})
        slowest = 0.0
        calls = 0
        total = 0
        while time.monotonic() - start < 600:
            while context.iteration(False):
                pass
            t0 = time.monotonic()
            total = unread_total(alice)
            slowest = max(slowest, time.monotonic() - t0)
            calls += 1
            if total >= MESSAGES:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        time.sleep(2)
        while context.iteration(False):
            pass
        served = testnet.control({"action": "served", "pubkey": me})
        print("restore of %d messages from %d senders, 3-hop onion requests" % (
            MESSAGES, SENDERS))
        print("  all visible after              %7.2f s  (%d of %d)" % (elapsed, total, MESSAGES))
        print("  raw open+verify, same messages %7.2f s  (CPU %.2f s)" % (
            raw_s, history["raw_cpu_us"] / 1e6))
        print("  ratio                          %7.2f x" % (elapsed / raw_s))
        print("  slowest GetManagedObjects      %7.0f ms (%d calls, one every 50 ms)" % (
            slowest * 1000, calls))
        print("  notifications shown            %7d    %s" % (
            len(notes.notifications), [n[3] for n in notes.notifications][:2]))
        print("  items served by the testnet    %7d    (%d distinct, %d more than once)" % (
            served["items"], served["distinct"], served["served_twice"]))
        alice.stop()

        times, dirty = [], []
        for _ in range(ROUNDS):
            ms, kb = restart(alice)
            times.append(ms)
            dirty.append(kb)
        print("restart with that history, %d rounds (nothing new waiting)" % ROUNDS)
        print("  exec → online                  %s ms (max %.0f)" % (
            ", ".join("%.0f" % t for t in times), max(times)))
        print("  private dirty                  %s MB (max %.1f)" % (
            ", ".join("%.1f" % (k / 1024) for k in dirty), max(dirty) / 1024))
        served2 = testnet.control({"action": "served", "pubkey": me})
        print("  items served again by restarts %7d" % (served2["items"] - served["items"]))
    finally:
        if alice is not None:
            alice.close()
        testnet.stop()


if __name__ == "__main__":
    main()
