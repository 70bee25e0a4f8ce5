#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two sessiond daemons on the local testnet: accounts, messages both ways,
message requests, statuses, unread counts, sync copies to a second device,
a restart in the middle, and the registered errors of bad arguments."""

import time

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run


def body_list(daemon, peer):
    return [m["body"] for m in reversed(daemon.messages(peer))]


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = None
    try:
        assert_eq(alice.account_prop("State"), "uninitialised", "state before an account")
        assert_eq(alice.account_prop("SessionId"), "", "no id before an account")
        alice.expect_error("NoAccount", alice.account, "Send", "ssa{sv}",
                           "05" + "ab" * 32, "hi", {})

        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        log("alice", alice_id[:10], "bob", bob_id[:10])
        assert_eq(len(alice_id), 66, "session id length")
        assert_eq(alice.account_prop("SessionId"), alice_id, "SessionId property")
        assert_eq(alice.account_prop("DisplayName"), "Alice", "display name")
        alice.expect_error("AccountExists", alice.account, "CreateAccount", "a{sv}", {})

        # bad arguments get their registered errors
        for bad in ("", "05", "05" + "zz" * 32, "03" + "ab" * 32, "05" + "AB" * 32 + "00"):
            alice.expect_error("InvalidSessionId", alice.account, "Send", "ssa{sv}", bad,
                               "x", {})
        alice.expect_error("MessageTooLong", alice.account, "Send", "ssa{sv}", bob_id,
                           "x" * 2001, {})
        alice.expect_error("InvalidArgument", alice.account, "Send", "ssa{sv}", bob_id, "", {})
        alice.expect_error("InvalidArgument", alice.account, "SetDisplayName", "s", "a\x01b")
        alice.expect_error("NotFound", alice.account, "UninhibitNotifications", "u", 999)

        # opening a conversation with someone new creates it, approved
        stranger = "05" + "7" * 64
        path = alice.account("OpenConversation", "s", stranger)[0]
        assert_eq(path, "/org/sessiond/Daemon1/conversations/" + stranger, "opened path")
        assert_eq(alice.conversation_prop(stranger, "Approved"), True, "opened approved")
        assert_eq(alice.conversation_prop(stranger, "Kind"), "direct", "direct")
        alice.conversation(stranger, "Delete")
        assert_eq(stranger in [p.rsplit("/", 1)[1] for p in alice.managed_conversations()],
                  False, "deleted conversation disappears")

        # Note to Self: sent to our own swarm only, and never doubled when
        # our own poll brings it back
        alice.account("OpenConversation", "s", alice_id)
        assert_eq(alice.conversation_prop(alice_id, "Kind"), "note-to-self", "note to self")
        alice.conversation(alice_id, "SendMessage", "sa{sv}", "remember the milk", {})
        alice.wait_for(lambda: alice.messages(alice_id)[0]["status"] == "sent", "note sent")
        time.sleep(1)  # several of alice's polls bring the copy back
        assert_eq([m["body"] for m in alice.messages(alice_id)], ["remember the milk"],
                  "one note")

        # bob writes first: for alice it is a message request
        conv_path, msg_id = bob.account("Send", "ssa{sv}", alice_id, "hello alice ✓", {})
        assert_eq(conv_path, "/org/sessiond/Daemon1/conversations/" + alice_id, "path")
        bob.wait_for(lambda: bob.messages(alice_id)[0]["status"] == "sent", "bob's message sent")
        alice.wait_for(lambda: alice_id and bob_id in [p.rsplit("/", 1)[1] for p in
                                                       alice.managed_conversations()],
                       "the conversation appears at alice")
        alice.wait_for(lambda: body_list(alice, bob_id) == ["hello alice ✓"], "alice has it")
        assert_eq(alice.conversation_prop(bob_id, "Approved"), False, "a request")
        assert_eq(alice.conversation_prop(bob_id, "UnreadCount"), 1, "unread")
        assert_eq(alice.account_prop("UnreadCount"), 1, "account unread")
        received = [s for s in alice.signals if s[2] == "MessageReceived"]
        assert_eq(len(received), 1, "one MessageReceived")
        assert_eq(received[0][3][1]["author"], bob_id, "author")
        assert_eq(received[0][3][1]["outgoing"], False, "incoming")

        # alice answers: that approves bob, and bob sees her profile name
        alice.conversation(bob_id, "SendMessage", "sa{sv}", "hi bob", {})
        assert_eq(alice.conversation_prop(bob_id, "Approved"), True, "replying approves")
        bob.wait_for(lambda: body_list(bob, alice_id) == ["hello alice ✓", "hi bob"],
                     "bob has both")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "Name") == "Alice",
                     "bob knows alice's name")
        alice.wait_for(lambda: alice.messages(bob_id)[0]["status"] == "sent", "alice's sent")

        alice.conversation(bob_id, "MarkRead", "x", GLib.MAXINT64)
        assert_eq(alice.conversation_prop(bob_id, "UnreadCount"), 0, "read")
        assert_eq(alice.account_prop("UnreadCount"), 0, "account read")

        # restart bob in the middle: nothing lost, nothing duplicated
        bob.stop()
        alice.conversation(bob_id, "SendMessage", "sa{sv}", "while you were away", {})
        bob.start()
        bob.wait_for(lambda: body_list(bob, alice_id)[-1:] == ["while you were away"],
                     "bob gets what was sent while down")
        assert_eq(body_list(bob, alice_id), ["hello alice ✓", "hi bob", "while you were away"],
                  "no duplicates after restart")

        # a second device restored from alice's phrase gets the sync copies
        phrase = alice.account("GetRecoveryPhrase")[0]
        assert_eq(len(phrase.split()), 13, "13 words")
        carol = Daemon("alice2", testnet)
        carol.expect_error("InvalidMnemonic", carol.account, "RestoreAccount", "sa{sv}",
                           "abbey " * 12, {})
        carol.expect_error("InvalidMnemonic", carol.account, "RestoreAccount", "sa{sv}",
                           " ".join(phrase.split()[:12]), {})
        restored = carol.account("RestoreAccount", "sa{sv}", "  " + phrase.upper() + " ", {})[0]
        assert_eq(restored, alice_id, "same phrase, same id")
        carol.wait_for(lambda: len(carol.managed_conversations()) > 0, "carol syncs")
        carol.wait_for(lambda: "hi bob" in body_list(carol, bob_id), "sync copy arrives")
        mine = [m for m in carol.messages(bob_id) if m["body"] == "hi bob"]
        assert_eq(len(mine), 1, "one copy")
        assert_eq(mine[0]["outgoing"], True, "a sync copy is outgoing")
        assert_eq(mine[0]["author"], alice_id, "authored by the account")
        log("ok: messaging")
    finally:
        for d in (alice, bob, carol):
            if d is not None:
                d.close()


if __name__ == "__main__":
    run(test)
