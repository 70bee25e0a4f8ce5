#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Crash safety: two daemons (alice, bob) send bursts to each other while
one of them is killed with SIGKILL at a random moment of the burst, then
restarted; seeded rounds (CRASH_SEED, CRASH_ROUNDS). At the end every
message whose Send returned an id is "sent" at its sender and arrives
exactly once (by id and by body); a message whose Send was cut off by the
kill may or may not exist, but if its sender has it, it arrives exactly
once too. Nothing else is in either conversation, a restart with no
traffic brings nothing new, and every database (also a copy taken right
after each kill) passes PRAGMA integrity_check."""

import os
import random
import signal
import threading
import time

from gi.repository import GLib

from harness import assert_eq, log as harness_log

from reliability import (RelDaemon as Daemon, all_messages, integrity_check, keep_testnet_log,
                         start_testnet)


T0 = time.monotonic()


def log(*args):
    harness_log("%5.1f s:" % (time.monotonic() - T0), *args)


class Sent:
    def __init__(self, sender, receiver, body, message_id):
        self.sender, self.receiver, self.body, self.id = sender, receiver, body, message_id


def send(entries, sender, receiver, body, via_conversation):
    """Sends; the id is None when the call was cut off (the sender died).
    Called from two threads at once (list.append is atomic)."""
    try:
        if via_conversation:
            message_id = sender.conversation(receiver.session_id, "SendMessage", "sa{sv}",
                                             body, {})[0]
        else:
            message_id = sender.account("Send", "ssa{sv}", receiver.session_id, body, {})[1]
    except (GLib.Error, RuntimeError):
        message_id = None
    entries.append(Sent(sender, receiver, body, message_id))


def burst(entries, sender, receiver, r, plan):
    for i, via_conversation, pause in plan:
        send(entries, sender, receiver, "r%d m%d %s" % (r, i, sender.name[0]), via_conversation)
        time.sleep(pause)


def unsettled(entries, daemons):
    """What is not (yet) as it must end up, as (what, message id or '?')."""
    views = {(d, o): all_messages(d, o.session_id) for d in daemons for o in daemons
             if d is not o}
    problems = []
    for e in entries:
        out = [m for m in views[(e.sender, e.receiver)] if m["outgoing"] and m["body"] == e.body]
        got = [m for m in views[(e.receiver, e.sender)]
               if not m["outgoing"] and m["body"] == e.body]
        if e.id is None and not out:
            # cut off before it was queued: it must not appear anywhere
            if got:
                problems.append(("received, sender has no such message", "?"))
            continue
        if len(out) != 1:
            problems.append(("sender has it %d times" % len(out), e.id or "?"))
            continue
        if e.id is not None and out[0]["id"] != e.id:
            problems.append(("sender's copy has another id", e.id))
        if out[0]["status"] not in ("sent", "read"):
            problems.append(("sender status %s" % out[0]["status"], out[0]["id"]))
        if [m["id"] for m in got] != [out[0]["id"]]:
            problems.append(("received %d times" % len(got), out[0]["id"]))
    # nothing that was not sent
    bodies = {(e.sender.name, e.body) for e in entries}
    for (d, o), msgs in views.items():
        for m in msgs:
            author = d if m["outgoing"] else o
            if (author.name, m["body"]) not in bodies:
                problems.append(("unexpected message in %s's conversation" % d.name, m["id"]))
    return problems


def wait_settled(entries, daemons, what, timeout=120):
    last = []

    def settled():
        nonlocal last
        last = unsettled(entries, daemons)
        return not last

    try:
        daemons[0].wait_for(settled, what, timeout=timeout)
    except AssertionError:
        raise AssertionError("%s: not settled after %d s (%d problems): %r" % (
            what, timeout, len(last), last[:10]))


def snapshot(daemons):
    return {(d.name, o.name): sorted((m["id"], m["body"], m["status"])
                                     for m in all_messages(d, o.session_id))
            for d in daemons for o in daemons if d is not o}


def test(testnet):
    seed = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    # meson sets CRASH_DEFAULT_ROUNDS lower under ASan, where a round is slow
    rounds = int(os.environ.get("CRASH_ROUNDS") or os.environ.get("CRASH_DEFAULT_ROUNDS", "16"))
    log("CRASH_SEED=%d CRASH_ROUNDS=%d (set them to replay this run)" % (seed, rounds))
    rng = random.Random(seed)

    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    daemons = [alice, bob]
    entries = []
    try:
        alice.session_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob.session_id = bob.account("CreateAccount", "a{sv}", {})[0]
        # a first message each way, so both conversations exist
        send(entries, alice, bob, "hello b", False)
        send(entries, bob, alice, "hello a", False)
        wait_settled(entries, daemons, "first messages")
        log("first messages settled")

        kills = {"alice": 0, "bob": 0}
        mid_burst = 0  # kills before the last Send call of the round returned
        started = time.monotonic()
        for r in range(rounds):
            victim = daemons[r % 2] if rng.random() < 0.5 else rng.choice(daemons)
            n = rng.randint(4, 10)
            # most kills while Send calls run, the rest during the traffic after
            delay = rng.uniform(0.0, 0.25) if rng.random() < 0.6 else rng.uniform(0.25, 1.0)
            # each daemon's share of the burst: (index, through SendMessage, pause)
            plans = {d.name: [] for d in daemons}
            for i in range(n):
                plans[rng.choice(daemons).name].append((i, rng.random() < 0.3,
                                                        rng.uniform(0.0, 0.08)))
            # both send at once, each from its own thread, and the kill comes
            # from a third, at a random moment of the burst or of the network
            # traffic it causes
            pid = victim.proc.pid
            killed_at = []
            killer = threading.Timer(delay, lambda: (os.kill(pid, signal.SIGKILL),
                                                     killed_at.append(time.monotonic())))
            senders = [threading.Thread(target=burst, args=(entries, sender, receiver, r,
                                                            plans[sender.name]))
                       for sender, receiver in ((alice, bob), (bob, alice))]
            killer.start()
            for t in senders:
                t.start()
            for t in senders:
                t.join()
            burst_end = time.monotonic()
            killer.join()
            mid_burst += killed_at[0] < burst_end
            victim.proc.wait()
            assert victim.proc.returncode == -signal.SIGKILL, "%s died of the kill" % victim.name
            kills[victim.name] += 1
            # the files as the kill left them: sqlite must recover them
            assert_eq(integrity_check(victim.data_dir, copy=True), "ok",
                      "integrity after killing %s (round %d)" % (victim.name, r))
            victim.proc = None
            victim.start()
        cut = sum(1 for e in entries if e.id is None)
        log("%d rounds in %.0f s, kills %r (%d during the Send calls), %d messages, "
            "%d Send calls cut off by a kill" % (rounds, time.monotonic() - started, kills,
                                                 mid_burst, len(entries), cut))

        started = time.monotonic()
        wait_settled(entries, daemons, "after %d rounds" % rounds)
        log("settled %.0f s after the last round" % (time.monotonic() - started))
        time.sleep(2)  # a late duplicate would show up now
        assert_eq(unsettled(entries, daemons), [], "still settled")

        # a restart with no traffic re-ingests nothing
        before = snapshot(daemons)
        log("restarting both")
        for d in daemons:
            d.stop()
            d.start()
        time.sleep(4)  # more than ten polls of 300 ms each
        assert_eq(snapshot(daemons), before, "messages after a restart without traffic")
        delivered = sum(1 for e in entries if e.id is not None)
        stored = {(d, body) for (d, o), msgs in before.items() for mid, body, st in msgs}
        queued = sum(1 for e in entries if e.id is None and (e.sender.name, e.body) in stored)
        log("settled: %d messages with an id, and of %d cut off ones %d were queued before "
            "the kill (each delivered once), %d never existed" % (
                delivered, len(entries) - delivered, queued, len(entries) - delivered - queued))

        # the files themselves: intact, one row per id and per body
        for d in daemons:
            assert_eq(d.stop(), 0, "%s exits cleanly" % d.name)
            assert_eq(integrity_check(d.data_dir), "ok", "integrity of %s's database" % d.name)
            dup_ids, dup_bodies = duplicate_rows(d.data_dir)
            assert_eq(dup_ids, [], "rows sharing (author, sent_at) in %s's database" % d.name)
            assert_eq(dup_bodies, [], "rows sharing a body in %s's database" % d.name)
            d.start()
        log("ok: crash")
    finally:
        for d in daemons:
            d.close()


def duplicate_rows(data_dir):
    from reliability import open_database
    with open_database(data_dir) as db:
        ids = db.execute("SELECT author, sent_at, count(*) FROM messages "
                         "GROUP BY author, sent_at HAVING count(*) > 1").fetchall()
        bodies = db.execute("SELECT count(*) FROM messages GROUP BY author, body "
                            "HAVING count(*) > 1").fetchall()
    return ids, bodies


def main():
    testnet = start_testnet()
    try:
        test(testnet)
    finally:
        keep_testnet_log(testnet)
        testnet.stop()
    print("ok")


if __name__ == "__main__":
    main()
