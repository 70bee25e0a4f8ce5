#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notifications (replace, inhibit, mute, inline reply, mark-read), read
receipts, typing indicators, blocking, and kill -9 in the middle of a
send: the message arrives exactly once after the restart."""

import signal
import time

from gi.repository import GLib

from harness import Daemon, NotificationServer, assert_eq, log, run


def incoming(daemon, peer):
    return [m["body"] for m in reversed(daemon.messages(peer)) if not m["outgoing"]]


def test(testnet):
    alice = Daemon("alice", testnet, extra_args=["--read-receipts"])
    bob = Daemon("bob", testnet, extra_args=["--read-receipts"])
    try:
        notes = NotificationServer(bob.bus)
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]

        # a notification per conversation, replaced rather than stacked
        alice.account("Send", "ssa{sv}", bob_id, "first", {})
        bob.wait_for(lambda: len(notes.notifications) == 1, "a notification")
        nid, replaces, summary, body, actions, hints = notes.notifications[0]
        # alice is a stranger to bob: neither her name nor her text is shown
        assert_eq((replaces, summary, body), (0, "New message request", ""),
                  "notification content")
        assert_eq(actions[0::2], ["default", "mark-read", "inline-reply"], "actions")
        assert_eq(hints["x-sessiond-conversation"], alice_id, "conversation hint")
        alice.account("Send", "ssa{sv}", bob_id, "second", {})
        bob.wait_for(lambda: len(notes.notifications) == 2, "a second notification")
        assert_eq(notes.notifications[1][1], nid, "replaces the first")

        # inhibited: messages arrive, nothing is shown
        cookie = bob.account("InhibitNotifications", "s", "presenting")[0]
        alice.account("Send", "ssa{sv}", bob_id, "third", {})
        bob.wait_for(lambda: "third" in incoming(bob, alice_id), "third arrives")
        time.sleep(0.3)
        assert_eq(len(notes.notifications), 2, "no notification while inhibited")
        bob.account("UninhibitNotifications", "u", cookie)

        # muted conversation: no notification either
        bob.conversation(alice_id, "SetMutedUntil", "x", GLib.MAXINT64)
        alice.account("Send", "ssa{sv}", bob_id, "fourth", {})
        bob.wait_for(lambda: "fourth" in incoming(bob, alice_id), "fourth arrives")
        time.sleep(0.3)
        assert_eq(len(notes.notifications), 2, "no notification while muted")
        bob.conversation(alice_id, "SetMutedUntil", "x", 0)

        alice.account("Send", "ssa{sv}", bob_id, "fifth", {})
        bob.wait_for(lambda: len(notes.notifications) == 3, "notifications are back")

        # inline reply from the notification sends, and approves the request
        notes.emit("NotificationReplied", "(us)", nid, "replied inline")
        alice.wait_for(lambda: "replied inline" in incoming(alice, bob_id), "inline reply")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), True, "reply approved alice")

        # mark-read from the notification; read receipts reach alice
        notes.emit("ActionInvoked", "(us)", nid, "mark-read")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "UnreadCount") == 0, "read")
        bob.wait_for(lambda: nid in notes.closed, "notification withdrawn")
        alice.wait_for(lambda: all(m["status"] == "read" for m in alice.messages(bob_id)
                                   if m["outgoing"]), "read receipts")

        # typing indicators, both ways of the flag
        alice.conversation(bob_id, "SetTyping", "b", True)
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "PeerTyping"), "peer typing")
        alice.conversation(bob_id, "SetTyping", "b", False)
        bob.wait_for(lambda: not bob.conversation_prop(alice_id, "PeerTyping"), "typing stops")

        # blocking drops messages; unblocking lets new ones in
        bob.conversation(alice_id, "SetBlocked", "b", True)
        alice.account("Send", "ssa{sv}", bob_id, "while blocked", {})
        alice.wait_for(lambda: alice.messages(bob_id)[0]["status"] == "sent", "sent")
        time.sleep(1.5)
        assert_eq("while blocked" in incoming(bob, alice_id), False, "blocked sender dropped")
        bob.conversation(alice_id, "SetBlocked", "b", False)
        alice.account("Send", "ssa{sv}", bob_id, "after unblock", {})
        bob.wait_for(lambda: "after unblock" in incoming(bob, alice_id), "unblocked")

        # kill -9 right after queueing: delivered exactly once after restart
        for round_ in range(3):
            text = "survives kill %d" % round_
            alice.account("Send", "ssa{sv}", bob_id, text, {})
            alice.stop(signal.SIGKILL)
            alice.start()
            bob.wait_for(lambda: text in incoming(bob, alice_id), "delivered after kill -9")
            alice.wait_for(lambda: [m["status"] for m in alice.messages(bob_id)
                                    if m["body"] == text] == ["sent"], "sent once")
        time.sleep(1)
        bodies = incoming(bob, alice_id)
        for round_ in range(3):
            assert_eq(bodies.count("survives kill %d" % round_), 1, "exactly once")
        log("ok: features")
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
