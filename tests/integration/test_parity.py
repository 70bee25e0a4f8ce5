#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""1:1 parity with the official clients, between two daemons (and a second
device of alice's restored from her phrase): nicknames, quotes, reactions,
delete for me and for everyone, disappearing messages in both modes,
data-extraction notices, Note to Self, and the registered error of each
kind of bad input."""

import os
import time

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run


def by_body(daemon, peer, body):
    try:
        found = [m for m in daemon.messages(peer) if m["body"] == body]
    except GLib.Error:  # the conversation does not exist yet
        return None
    return found[0] if found else None


def events(daemon, peer, kind):
    return [m for m in daemon.messages(peer) if m.get("kind") == kind]


def signals_named(daemon, member):
    return [s for s in daemon.signals if s[2] == member]


def test(testnet):
    # the daemons say which network jobs the swarm accepted (no bodies, no keys)
    os.environ["G_MESSAGES_DEBUG"] = "SdSender"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    alice2 = None
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]

        hello_id = alice.account("Send", "ssa{sv}", bob_id, "hello", {})[1]
        bob.wait_for(lambda: by_body(bob, alice_id, "hello"), "hello arrives")
        assert_eq(by_body(bob, alice_id, "hello")["kind"], "text", "plain messages are text")
        bob.conversation(alice_id, "Approve")

        log("nickname")
        bob.conversation(alice_id, "SetNickname", "s", "Ally")
        assert_eq(bob.conversation_prop(alice_id, "Nickname"), "Ally", "nickname")
        assert_eq(bob.conversation_prop(alice_id, "Name"), "Ally", "nickname wins")
        bob.expect_error("InvalidArgument", bob.conversation, alice_id, "SetNickname", "s",
                         "bad\x07name")
        bob.expect_error("InvalidArgument", bob.conversation, alice_id, "SetNickname", "s",
                         "n" * 101)
        assert_eq(bob.conversation_prop(alice_id, "Nickname"), "Ally", "bad input changed nothing")
        bob.conversation(alice_id, "SetNickname", "s", "")
        assert_eq(bob.conversation_prop(alice_id, "Name"), "Alice", "display name is back")

        log("quote")
        reply_id = bob.conversation(alice_id, "SendMessage", "sa{sv}", "hi back",
                                    {"quote": GLib.Variant("s", hello_id)})[0]
        reply = alice.wait_for(lambda: by_body(alice, bob_id, "hi back"), "the reply arrives")
        assert_eq((reply["quote-id"], reply["quote-author"], reply["quote-body"]),
                  (hello_id, alice_id, "hello"), "the quote resolves to the local message")
        mine = by_body(bob, alice_id, "hi back")
        assert_eq((mine["quote-id"], mine["quote-body"]), (hello_id, "hello"), "sender's view")
        bob.expect_error("NotFound", bob.conversation, alice_id, "SendMessage", "sa{sv}", "x",
                         {"quote": GLib.Variant("s", alice_id + "-1")})
        bob.expect_error("InvalidArgument", bob.conversation, alice_id, "SendMessage", "sa{sv}",
                         "x", {"quote": GLib.Variant("u", 1)})

        log("reactions")
        alice.conversation(bob_id, "AddReaction", "ss", reply_id, "👍")
        alice.conversation(bob_id, "AddReaction", "ss", reply_id, "👍")  # no change
        assert_eq(by_body(alice, bob_id, "hi back")["reactions"], [("👍", 1, True)], "alice's view")
        bob.wait_for(lambda: by_body(bob, alice_id, "hi back").get("reactions") ==
                     [("👍", 1, False)], "bob sees alice's reaction")
        # signals are dispatched when the test's main context runs: wait, do not just look
        bob.wait_for(lambda: any(s[3][0] == reply_id and "reactions" in s[3][1]
                                 for s in signals_named(bob, "MessageChanged")),
                     "MessageChanged(reactions)")
        bob.conversation(alice_id, "AddReaction", "ss", reply_id, "👍")
        bob.conversation(alice_id, "AddReaction", "ss", hello_id, "❤️")
        alice.wait_for(lambda: by_body(alice, bob_id, "hi back").get("reactions") ==
                       [("👍", 2, True)], "two reactions")
        alice.wait_for(lambda: by_body(alice, bob_id, "hello").get("reactions") ==
                       [("❤️", 1, False)], "bob reacts to alice's message")
        alice.conversation(bob_id, "RemoveReaction", "ss", reply_id, "👍")
        bob.wait_for(lambda: by_body(bob, alice_id, "hi back").get("reactions") ==
                     [("👍", 1, True)], "alice's reaction taken back")
        alice.expect_error("NotFound", alice.conversation, bob_id, "RemoveReaction", "ss",
                           reply_id, "👍")
        alice.expect_error("NotFound", alice.conversation, bob_id, "AddReaction", "ss",
                           bob_id + "-12345", "👍")
        alice.expect_error("NotFound", alice.conversation, bob_id, "AddReaction", "ss",
                           "not an id", "👍")
        for bad in ["", "a b", "\x01", "x" * 33]:
            alice.expect_error("InvalidArgument", alice.conversation, bob_id, "AddReaction", "ss",
                               reply_id, bad)

        log("delete for me, unsend")
        oops_id = alice.account("Send", "ssa{sv}", bob_id, "oops", {})[1]
        bob.wait_for(lambda: by_body(bob, alice_id, "oops"), "oops arrives")
        bob.expect_error("NotAuthor", bob.conversation, alice_id, "DeleteMessage", "sb", oops_id,
                         True)
        alice.wait_for(lambda: by_body(alice, bob_id, "oops")["status"] == "sent", "oops sent")
        alice.conversation(bob_id, "DeleteMessage", "sb", oops_id, True)
        assert by_body(alice, bob_id, "oops") is None, "unsent here at once"
        bob.wait_for(lambda: by_body(bob, alice_id, "oops") is None, "unsent at bob's")
        bob.wait_for(lambda: any(s[3] == (oops_id,) for s in signals_named(bob, "MessageRemoved")),
                     "MessageRemoved at bob's")
        alice.expect_error("NotFound", alice.conversation, bob_id, "DeleteMessage", "sb", oops_id,
                           False)
        bob.conversation(alice_id, "DeleteMessage", "sb", hello_id, False)
        assert by_body(bob, alice_id, "hello") is None, "deleted for bob"
        time.sleep(1.0)
        assert by_body(alice, bob_id, "hello") is not None, "delete for me stays local"

        log("disappearing messages, after send")
        for mode, timer in [("after-send", 7), ("after-read", 0), ("sometimes", 60), ("off", 60),
                            ("after-send", 300)]:
            alice.expect_error("InvalidArgument", alice.conversation, bob_id, "SetExpiration",
                               "su", mode, timer)
        alice.conversation(bob_id, "SetExpiration", "su", "after-send", 10)
        assert_eq((alice.conversation_prop(bob_id, "ExpirationMode"),
                   alice.conversation_prop(bob_id, "ExpirationTimer")), ("after-send", 10),
                  "setting applied here")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "ExpirationMode") == "after-send",
                     "setting reaches bob")
        assert_eq(bob.conversation_prop(alice_id, "ExpirationTimer"), 10, "timer reaches bob")
        update = events(bob, alice_id, "expiration-update")[0]
        assert_eq((update["body"], update["expiration-mode"], update["expiration-timer"],
                   update["author"]), ("", "after-send", 10, alice_id), "the event")
        unread = bob.conversation_prop(alice_id, "UnreadCount")
        alice.account("Send", "ssa{sv}", bob_id, "vanishing", {})
        gone = bob.wait_for(lambda: by_body(bob, alice_id, "vanishing"), "vanishing arrives")
        assert_eq((gone["expiration-mode"], gone["expiration-timer"]), ("after-send", 10),
                  "the message's own setting")
        assert_eq(gone["expires-at"], gone["sent-at"] + 10000, "expires 10 s after sending")
        bob.wait_for(lambda: by_body(bob, alice_id, "vanishing") is None, "vanished at bob's",
                     timeout=40)
        alice.wait_for(lambda: by_body(alice, bob_id, "vanishing") is None,
                       "vanished at alice's", timeout=40)
        bob.wait_for(lambda: any(s[3] == (gone["id"],)
                                 for s in signals_named(bob, "MessageRemoved")),
                     "MessageRemoved for the expired message")
        assert_eq(bob.conversation_prop(alice_id, "UnreadCount"), unread,
                  "events are not unread")

        log("disappearing messages, after read")
        bob.conversation(alice_id, "SetExpiration", "su", "after-read", 10)
        alice.wait_for(lambda: alice.conversation_prop(bob_id, "ExpirationMode") == "after-read",
                       "bob's change reaches alice")
        alice.account("Send", "ssa{sv}", bob_id, "read me", {})
        unread_msg = bob.wait_for(lambda: by_body(bob, alice_id, "read me"), "read me arrives")
        assert "expires-at" not in unread_msg, "the clock waits for reading"
        time.sleep(1.0)
        assert by_body(bob, alice_id, "read me") is not None, "still there, unread"
        bob.conversation(alice_id, "MarkRead", "x", unread_msg["sent-at"])
        read = by_body(bob, alice_id, "read me")
        assert read["expires-at"] > unread_msg["sent-at"], "the clock started when read"
        bob.wait_for(lambda: by_body(bob, alice_id, "read me") is None, "gone after reading",
                     timeout=40)
        bob.conversation(alice_id, "SetExpiration", "su", "off", 0)
        alice.wait_for(lambda: alice.conversation_prop(bob_id, "ExpirationMode") == "off",
                       "switched off")

        log("data extraction")
        bob.conversation(alice_id, "ReportDataExtraction", "ss", "screenshot", "")
        bob.conversation(alice_id, "ReportDataExtraction", "ss", "media-saved", reply_id)
        alice.wait_for(lambda: events(alice, bob_id, "screenshot"), "screenshot notice")
        alice.wait_for(lambda: events(alice, bob_id, "media-saved"), "media-saved notice")
        assert_eq(events(alice, bob_id, "screenshot")[0]["author"], bob_id, "from bob")
        assert_eq(alice.conversation_prop(bob_id, "UnreadCount"),
                  len([m for m in alice.messages(bob_id)
                       if not m["outgoing"] and m["kind"] == "text" and m["status"] != "read"]),
                  "notices are never unread")
        bob.expect_error("InvalidArgument", bob.conversation, alice_id, "ReportDataExtraction",
                         "ss", "photo", "")
        bob.expect_error("InvalidArgument", bob.conversation, alice_id, "ReportDataExtraction",
                         "ss", "screenshot", reply_id)
        bob.expect_error("NotFound", bob.conversation, alice_id, "ReportDataExtraction",
                         "ss", "media-saved", "")

        log("note to self")
        alice.account("OpenConversation", "s", alice_id)
        assert_eq(alice.conversation_prop(alice_id, "Kind"), "note-to-self", "kind")
        note_id = alice.conversation(alice_id, "SendMessage", "sa{sv}", "remember milk", {})[0]
        alice.wait_for(lambda: by_body(alice, alice_id, "remember milk")["status"] == "sent",
                       "note stored")
        alice.conversation(alice_id, "AddReaction", "ss", note_id, "✅")
        alice.expect_error("InvalidArgument", alice.conversation, alice_id,
                           "ReportDataExtraction", "ss", "screenshot", "")

        log("a second device of alice's")
        phrase = alice.account("GetRecoveryPhrase")[0]
        alice2 = Daemon("alice2", testnet)
        alice2.account("RestoreAccount", "sa{sv}", phrase, {})
        alice2.wait_for(lambda: by_body(alice2, alice_id, "remember milk"), "the note syncs")
        alice2.wait_for(lambda: by_body(alice2, alice_id, "remember milk").get("reactions") ==
                        [("✅", 1, True)], "the note's reaction syncs")
        alice2.wait_for(lambda: by_body(alice2, bob_id, "hi back"), "bob's reply")
        alice2.wait_for(lambda: by_body(alice2, bob_id, "hi back").get("reactions") ==
                        [("👍", 1, False)], "reactions from both sides, ours taken back")
        assert by_body(alice2, bob_id, "oops") is None, "the unsent message never shows"
        assert_eq(alice2.conversation_prop(bob_id, "ExpirationMode"), "off", "newest setting")
        assert_eq(by_body(alice2, bob_id, "hi back")["quote-body"], "hello", "quote resolves")

        # the swarm accepted the signed requests on our own copies: the unsent message's
        # sync copy deleted, the read after-read message's expiry shortened
        assert "network job done: delete" in alice.read_log(tail=None), \
            "swarm delete accepted:\n" + "\n".join(
                line for line in alice.read_log(tail=None).splitlines() if "job" in line)
        assert "network job done: expire" in bob.read_log(tail=None), "swarm expire accepted"
        for daemon in (alice, bob):
            assert "network job attempt" not in daemon.read_log(tail=None), "no job failed"
    finally:
        for daemon in (alice, bob, alice2):
            if daemon is not None:
                daemon.close()


if __name__ == "__main__":
    run(test)
