#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Restore and catch-up like a messenger (issue 21): a phrase whose swarm holds 5,000
messages from 10 senders is restored with a stand-in notification server on the bus.
History raises at most one summary notification, the bus answers all along (a D-Bus call
every 50 ms; the slowest answer is printed, not asserted), no history item is served twice by
the testnet (after the restore, a restart and polls that go to other swarm members), progress
reaches the end, and a fresh message afterwards notifies as before."""

import json
import os
import signal
import subprocess
import time

from gi.repository import GLib

from harness import ACCOUNT_IFACE, Daemon, NotificationServer, assert_eq, log, run

SENDERS = 10
MESSAGES = 5000


def served(testnet, session_id):
    reply = testnet.control({"action": "served", "pubkey": session_id})
    assert reply["ok"], reply
    return reply


def unread_total(daemon):
    total = 0
    for path, interfaces in daemon.managed_conversations().items():
        conv = interfaces.get("org.sessiond.Conversation1", {})
        total += conv.get("UnreadCount", 0)
    return total


def test(testnet):
    first = Daemon("first", testnet)
    try:
        me = first.account("CreateAccount", "a{sv}", {})[0]
        phrase = first.account("GetRecoveryPhrase")[0]
    finally:
        first.close()

    log("injecting %d messages from %d senders" % (MESSAGES, SENDERS))
    now = int(time.time() * 1000)
    out = subprocess.run([os.environ["SD_HISTORY_GEN"], me, str(SENDERS), str(MESSAGES),
                          str(now - 3 * 3600 * 1000), "1000"],
                         check=True, capture_output=True, text=True)
    history = json.loads(out.stdout)
    senders = history["senders"]
    reply = testnet.control({"action": "inject", "pubkey": me,
                             "messages": history["messages"]})
    assert_eq(reply.get("stored"), MESSAGES, "injected")

    alice = Daemon("alice", testnet)
    bob = None
    try:
        notes = NotificationServer(alice.bus)
        start = time.monotonic()
        # restored with sessionctl, which follows the sync (not a terminal: one final line)
        ctl = subprocess.Popen([os.environ["SESSIONCTL"], "restore"], env=alice.bus.env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        ctl.stdin.write(phrase + "\n")
        ctl.stdin.close()
        alice.wait_for(lambda: alice.account_prop("SessionId") == me, "restored")
        slowest = 0.0
        calls = 0
        saw_syncing = False
        context = GLib.MainContext.default()
        deadline = time.monotonic() + 240
        total = 0
        while time.monotonic() < deadline:
            while context.iteration(False):
                pass
            t0 = time.monotonic()
            conversations = alice.managed_conversations()
            slowest = max(slowest, time.monotonic() - t0)
            calls += 1
            saw_syncing = saw_syncing or alice.account_prop("Syncing")
            total = sum(i.get("org.sessiond.Conversation1", {}).get("UnreadCount", 0)
                        for i in conversations.values())
            if total == MESSAGES and not alice.account_prop("Syncing"):
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        log("restore of %d messages: %.1f s, %d GetManagedObjects calls, slowest %.0f ms" % (
            MESSAGES, elapsed, calls, slowest * 1000))
        assert_eq(total, MESSAGES, "every message restored")
        assert_eq(len(conversations), SENDERS, "one conversation per sender")
        assert saw_syncing or any(
            s[2] == "PropertiesChanged" and s[3][1].get("Syncing") for s in alice.signals), \
            "Syncing was shown"
        assert alice.account_prop("SyncFetched") >= MESSAGES, "progress reached the end"
        assert_eq(alice.account_prop("SyncConversations"), SENDERS, "conversations updated")
        ctl.wait(timeout=60)
        out, err = ctl.stdout.read(), ctl.stderr.read()
        assert_eq(ctl.returncode, 0, "sessionctl restore")
        assert_eq(out.strip(), me, "sessionctl prints the Session ID")
        assert_eq(err.strip(), "Synced %d items in %d conversations" % (MESSAGES, SENDERS),
                  "sessionctl's final line")

        # the summary comes with the poll that found nothing more
        alice.wait_for(lambda: notes.notifications, "the summary notification", timeout=30)
        time.sleep(1)
        while context.iteration(False):
            pass
        assert_eq(len(notes.notifications), 1, "one notification for the whole history")
        nid, replaces, summary, body, actions, hints = notes.notifications[0]
        assert_eq(body, "%d new messages in %d conversations" % (MESSAGES, SENDERS),
                  "summary text")
        assert "x-sessiond-conversation" not in hints, "a summary names no conversation"
        members = [s for s in alice.signals if s[1] == ACCOUNT_IFACE]
        assert not [s for s in members if s[2] == "MessageReceived"], \
            "history is not announced as received"
        history_signals = [s for s in members if s[2] == "HistoryAdded"]
        assert history_signals, "history came as HistoryAdded"
        assert_eq(sum(n for s in history_signals for _, n in s[3][0]), MESSAGES,
                  "HistoryAdded counts every message")
        log("%d HistoryAdded signals" % len(history_signals))

        count = served(testnet, me)
        log("served after the restore: %s" % count)
        if count["served_twice"]:
            log("\n".join(line for line in alice.read_log(tail=None).splitlines()
                          if "SdPoller" in line or "retrieve" in line)[-6000:])
        assert_eq(count["distinct"], MESSAGES, "every item served")
        assert_eq(count["served_twice"], 0, "no item served twice")

        log("a restart, then polls that go to other members of the swarm")
        alice.stop()
        alice.start()
        alice.wait_for(lambda: alice.account_prop("State") == "online", "online again")
        status = testnet.control({"action": "status"})
        retrieves0 = sum(n["retrieves"] for n in status["nodes"])
        alice.wait_for(lambda: sum(n["retrieves"] for n in
                                   testnet.control({"action": "status"})["nodes"])
                       >= retrieves0 + 12, "a dozen more polls")
        count = served(testnet, me)
        assert_eq(count["served_twice"], 0, "no item served twice after a restart")
        assert_eq(len(notes.notifications), 1, "nothing new, nothing shown")

        log("a fresh message notifies as before")
        bob = Daemon("bob", testnet)
        bob.account("CreateAccount", "a{sv}", {})
        bob_id = bob.account_prop("SessionId")
        bob.account("Send", "ssa{sv}", me, "fresh news", {})
        alice.wait_for(lambda: len(notes.notifications) == 2, "a notification for it")
        nid, replaces, summary, body, actions, hints = notes.notifications[1]
        assert_eq(hints["x-sessiond-conversation"], bob_id, "for bob's conversation")
        assert_eq((summary, body), ("New message request", ""), "a request shows no content")
        count = served(testnet, me)
        # each member is read from its own cursor (sd-retrieve-cursor.h): a member polled
        # before the fresh message may send it again later, but no history item is sent twice
        assert count["served_twice"] <= 1, "only the fresh one may come from several members"
        assert_eq(count["distinct"], MESSAGES + 1, "the fresh one served too")
        assert senders[0] in [p.rsplit("/", 1)[1] for p in alice.managed_conversations()]
    finally:
        alice.close()
        if bob is not None:
            bob.close()

    crash_mid_sync(testnet)


def crash_mid_sync(testnet):
    """kill -9 while a restore's pages are being applied: after a restart every message is
    there once (the cursor moved only with what was committed)"""
    first = Daemon("carol0", testnet)
    try:
        carol_id = first.account("CreateAccount", "a{sv}", {})[0]
        phrase = first.account("GetRecoveryPhrase")[0]
    finally:
        first.close()
    out = subprocess.run([os.environ["SD_HISTORY_GEN"], carol_id, "3", str(MESSAGES),
                          str(int(time.time() * 1000) - 3 * 3600 * 1000), "1000"],
                         check=True, capture_output=True, text=True)
    testnet.control({"action": "inject", "pubkey": carol_id,
                     "messages": json.loads(out.stdout)["messages"]})
    carol = Daemon("carol", testnet)
    try:
        notes = NotificationServer(carol.bus)
        carol.account("RestoreAccount", "sa{sv}", phrase, {})
        carol.wait_for(lambda: carol.account_prop("SyncFetched") > 0, "the sync under way",
                       timeout=120)
        fetched = carol.account_prop("SyncFetched")
        carol.stop(signal.SIGKILL)
        log("killed after %d of %d items" % (fetched, MESSAGES))
        carol.start()
        carol.wait_for(lambda: unread_total(carol) == MESSAGES and
                       not carol.account_prop("Syncing"), "every message after the crash",
                       timeout=120)
        time.sleep(1)
        context = GLib.MainContext.default()
        while context.iteration(False):
            pass
        assert_eq(unread_total(carol), MESSAGES, "each message once")
        # the first sync goes on after the restart: still history, one summary at most
        assert len(notes.notifications) <= 1, notes.notifications[:3]
    finally:
        carol.close()


if __name__ == "__main__":
    run(test)
