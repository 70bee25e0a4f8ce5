#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up and memory with many conversations (issue 20): the time from
starting sessiond to the first GetManagedObjects answer that lists every
conversation, and the daemon's private dirty memory then, with 0 and with
CONVERSATIONS (default 1,000) conversations of 10 messages each. The rows are
written straight into the stopped daemon's database: what is measured is
start-up, not the receive path (bench-scale measures that)."""

import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import (ACCOUNT_PATH, CONVERSATION_IFACE, Daemon, Testnet,  # noqa: E402
                     _die_with_parent)
from gi.repository import GLib  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))


def private_dirty_kb(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


def has_owner(daemon):
    reply = daemon.bus.connection.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "NameHasOwner", GLib.Variant("(s)", ("org.sessiond.Daemon1",)), None, 0, 5000, None)
    return reply.unpack()[0]


def managed_conversations(daemon):
    """GetManagedObjects, and how many conversations it lists (counted without unpacking the
    whole answer into Python, which would measure Python)."""
    reply = daemon.bus.connection.call_sync(
        "org.sessiond.Daemon1", ACCOUNT_PATH, "org.freedesktop.DBus.ObjectManager",
        "GetManagedObjects", None, None, 0, 5000, None)
    objects = reply.get_child_value(0)
    return sum(1 for i in range(objects.n_children())
               if objects.get_child_value(i).get_child_value(1).lookup_value(
                   CONVERSATION_IFACE, None) is not None)


def start_and_wait(daemon, n, binary=None):
    """Milliseconds from exec to the first GetManagedObjects answer that lists @n
    conversations (the name is polled every millisecond, then GetManagedObjects is called
    until it lists them all), and the private dirty memory a second later."""
    args = [binary or os.environ["SESSIOND"], "--data-dir", daemon.data_dir, "--seed",
            daemon.testnet.seed_url, "--poll-interval", "60000"]
    if daemon.testnet.cert:
        args += ["--seed-ca", daemon.testnet.cert]
    log = open(os.path.join(daemon.bus.dir, "sessiond-startup.log"), "a")
    start = time.monotonic()
    proc = subprocess.Popen(args, env=daemon.bus.env, stdout=log, stderr=log,
                            preexec_fn=_die_with_parent)
    try:
        while not has_owner(daemon):
            if proc.poll() is not None:
                raise RuntimeError("sessiond exited with %s" % proc.returncode)
            time.sleep(0.001)
        while True:
            try:
                if managed_conversations(daemon) == n:
                    break
            except GLib.Error:
                pass
            time.sleep(0.001)
        elapsed = time.monotonic() - start
        time.sleep(1)
        dirty = private_dirty_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    return elapsed, dirty


def populate(path, n):
    db = sqlite3.connect(path)
    with db:
        for i in range(n):
            peer = "05%064x" % (i + 1)
            db.execute("INSERT INTO conversations (id, name, approved, they_approved,"
                       " last_activity) VALUES (?, ?, 1, 1, ?)",
                       (peer, "Contact %d" % i, 1700000000000 + i))
            for j in range(10):
                db.execute("INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                           " received_at, status) VALUES (?, ?, 0, ?, ?, ?, ?)",
                           (peer, peer, "message %d of conversation %d" % (j, i),
                            1700000000000 + i * 100 + j, 1700000000000 + i * 100 + j,
                            "read" if j < 9 else "sent"))
        # what the store's insert paths do beside each row (schema 5 has no insert triggers)
        db.execute("INSERT INTO unread_messages (conversation, sent_at, message)"
                   " SELECT conversation, sent_at, local_id FROM messages"
                   " WHERE outgoing = 0 AND status <> 'read'")
        db.execute("UPDATE conversations SET unread = (SELECT count(*) FROM unread_messages u"
                   " WHERE u.conversation = conversations.id)")
        db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    db.close()


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    n = int(os.environ.get("CONVERSATIONS", "1000"))
    testnet = Testnet()
    daemon = None
    try:
        daemon = Daemon("startup", testnet)
        daemon.account("CreateAccount", "a{sv}", {})
        daemon.stop()
        # SESSIOND_B: a second build (say, the tree before a change), started in turn with
        # SESSIOND, so both see the same load
        binaries = [os.environ["SESSIOND"]] + ([os.environ["SESSIOND_B"]]
                                               if os.environ.get("SESSIOND_B") else [])
        empty = {b: [] for b in binaries}
        full = {b: [] for b in binaries}
        for _ in range(ROUNDS):
            for b in binaries:
                empty[b].append(start_and_wait(daemon, 0, b))
        paths = [p for p in os.listdir(daemon.data_dir) if p.endswith(".sqlite")]
        populate(os.path.join(daemon.data_dir, paths[0]), n)
        for _ in range(ROUNDS):
            for b in binaries:
                full[b].append(start_and_wait(daemon, n, b))
        for b in binaries:
            t0, d0 = median([e[0] for e in empty[b]]), median([e[1] for e in empty[b]])
            t1, d1 = median([f[0] for f in full[b]]), median([f[1] for f in full[b]])
            print("== %s" % b)
            print("start → GetManagedObjects, 0 conversations      %7.1f ms  private dirty %6.0f KB"
                  % (t0 * 1000, d0))
            print("start → GetManagedObjects, %d conversations  %7.1f ms  private dirty %6.0f KB"
                  % (n, t1 * 1000, d1))
            print("per conversation: %.2f ms, %.1f KB private dirty (median of %d starts; targets "
                  "≤ 150 ms at 1,000, ≤ 8 KB)" % ((t1 - t0) * 1000 / n, (d1 - d0) / n, ROUNDS))
    finally:
        if daemon is not None:
            daemon.close()
        testnet.stop()


if __name__ == "__main__":
    main()
