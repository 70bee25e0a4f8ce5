#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""libsessiond-client through GObject-Introspection against real daemons on
the local testnet: construction (and the daemon-not-running error),
properties with notify, the conversation model, signals, async calls,
D-Bus errors mapped to SESSIOND_CLIENT_ERROR; then the Python example
client-lib/examples/list-and-watch.py run against a daemon; then the 1:1
features of issue 9: replies, reactions through message-changed, deleting
and unsending, disappearing messages, nicknames, screenshot events."""

import os
import sys

import gi

gi.require_version("Sessiond", "1")
from gi.repository import GLib, Gio, Sessiond  # noqa: E402

from ctl_util import LineReader  # noqa: E402
from harness import Daemon, PrivateBus, assert_eq, log, run  # noqa: E402

HANG_GUARD_MS = 120000


def call(start, finish):
    """Runs one _async/_finish pair to completion on the default context."""
    loop = GLib.MainLoop()
    box = {}

    def done(source, result):
        try:
            box["value"] = finish(result)
        except GLib.Error as e:
            box["error"] = e
        loop.quit()

    def hang():
        box["hung"] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    guard = GLib.timeout_add(HANG_GUARD_MS, hang)
    start(done)
    loop.run()
    if "hung" in box:
        raise AssertionError("call did not finish")
    GLib.source_remove(guard)
    if "error" in box:
        raise box["error"]
    return box["value"]


def expect_error(code, start, finish):
    try:
        call(start, finish)
    except GLib.Error as e:
        if e.domain != "sessiond-client-error-quark" or e.code != int(code):
            raise AssertionError("expected %s, got %s/%d: %s" % (code, e.domain, e.code,
                                                               e.message))
        assert not e.message.startswith("GDBus.Error"), e.message
        return e.message
    raise AssertionError("expected error %s, call succeeded" % code)


def new_client(address):
    return call(lambda cb: Sessiond.Client.new_for_address_async(address, None, cb),
                Sessiond.Client.new_finish)


def check_not_running():
    bus = PrivateBus("nobody")
    try:
        expect_error(Sessiond.ClientError.NOT_RUNNING,
                     lambda cb: Sessiond.Client.new_for_address_async(bus.address, None, cb),
                     Sessiond.Client.new_finish)
        try:
            Sessiond.Client.new_sync(bus.connection, None)
            raise AssertionError("new_sync succeeded without a daemon")
        except GLib.Error as e:
            assert e.code == int(Sessiond.ClientError.NOT_RUNNING), e
    finally:
        bus.stop()


def reactions(message):
    return [(r.get_emoji(), r.get_count(), r.get_reacted_by_me())
            for r in message.get_reactions()]


def check_message_from_variant():
    """the message dictionary's keys, without a daemon"""
    v = GLib.Variant
    bare = Sessiond.Message.new_from_variant(v("a{sv}", {"id": v("s", "m1")}))
    assert_eq(bare.get_kind(), "text", "kind defaults to text")
    assert_eq((bare.get_quote_id(), bare.get_quote_author(), bare.get_quote_body()),
              (None, None, None), "no quote")
    assert_eq((bare.get_expiration_mode(), bare.get_expiration_timer()), (None, 0), "no expiry")
    assert_eq(reactions(bare), [], "no reactions")

    full = Sessiond.Message.new_from_variant(v("a{sv}", {
        "id": v("s", "m2"), "kind": v("s", "expiration-update"),
        "quote-id": v("s", "q"), "quote-author": v("s", "05" + "ab" * 32),
        "quote-body": v("s", "quoted"), "expiration-mode": v("s", "after-read"),
        "expiration-timer": v("u", 300), "expires-at": v("x", 1234),
        "reactions": v("a(sub)", [("👍", 2, True), ("❤️", 1, False)]),
        "status": v("s", "sending")}))
    assert_eq(full.get_kind(), "expiration-update", "kind")
    assert_eq(full.props.kind, "expiration-update", "kind property")
    assert_eq((full.get_quote_id(), full.props.quote_author, full.get_quote_body()),
              ("q", "05" + "ab" * 32, "quoted"), "quote")
    assert_eq((full.get_expiration_mode(), full.props.expiration_timer), ("after-read", 300),
              "expiration")
    assert_eq(reactions(full), [("👍", 2, True), ("❤️", 1, False)], "reactions")

    # message-changed: the changed keys replace the old ones, the rest stays
    changed = full.copy_with_changes(v("a{sv}", {
        "status": v("s", "sent"), "reactions": v("a(sub)", [("👍", 1, False)])}))
    assert_eq((changed.get_status(), reactions(changed), changed.get_quote_id()),
              ("sent", [("👍", 1, False)], "q"), "changed")
    assert_eq((full.get_status(), len(reactions(full))), ("sending", 2), "the original stays")
    cleared = changed.copy_with_changes(v("a{sv}", {"reactions": v("a(sub)", [])}))
    assert_eq(reactions(cleared), [], "the last reaction went")
    failed = full.copy_with_changes(v("a{sv}", {"status": v("s", "failed"),
                                                 "error": v("s", "no network")}))
    assert_eq(failed.get_error_message(), "no network", "failed")
    retried = failed.copy_with_changes(v("a{sv}", {"status": v("s", "sending")}))
    assert_eq((retried.get_status(), retried.get_error_message()), ("sending", None),
              "a retry clears the error")


def check_parity(client, conv, alice, bob, bob_client, alice_id, bob_id):
    added, changed, removed, notes = [], [], [], []
    conv.connect("message-added", lambda c, m: added.append(m))
    conv.connect("message-changed", lambda c, mid, ch: changed.append((mid, ch)))
    conv.connect("message-removed", lambda c, mid: removed.append(mid))
    conv.connect("notify", lambda o, p: notes.append(p.name))
    unknown = bob_id + "-1"

    def added_message(message_id, what):
        alice.wait_for(lambda: any(m.get_id() == message_id for m in added), what)
        return [m for m in added if m.get_id() == message_id][-1]

    def current(message):
        """@message with every message-changed applied, as a front end would"""
        for mid, ch in changed:
            if mid == message.get_id():
                message = message.copy_with_changes(ch)
        return message

    # a message from bob to reply and react to
    bob_msg_id, _ = call(lambda cb: bob_client.send_async(alice_id, "quote me", None, cb),
                         lambda r: bob_client.send_finish(r))
    original = added_message(bob_msg_id, "bob's message at alice")
    assert_eq((original.get_kind(), original.get_quote_id(), reactions(original)),
              ("text", None, []), "a plain message")

    # replies, from the conversation and from the account
    reply_id = call(lambda cb: conv.send_reply_async("quoted", bob_msg_id, None, cb),
                    conv.send_reply_finish)
    reply = added_message(reply_id, "the reply")
    assert_eq((reply.get_body(), reply.get_quote_id(), reply.get_quote_author(),
               reply.get_quote_body()), ("quoted", bob_msg_id, bob_id, "quote me"), "reply")
    expect_error(Sessiond.ClientError.NOT_FOUND,
                 lambda cb: conv.send_reply_async("x", unknown, None, cb), conv.send_reply_finish)
    other_id, cid = call(
        lambda cb: client.send_reply_async(bob_id, "quoted again", bob_msg_id, None, cb),
        lambda r: client.send_reply_finish(r))
    assert_eq(cid, bob_id, "account-level reply's conversation")
    assert_eq(added_message(other_id, "account-level reply").get_quote_id(), bob_msg_id,
              "account-level reply quotes")
    expect_error(Sessiond.ClientError.NOT_FOUND,
                 lambda cb: client.send_reply_async(bob_id, "x", unknown, None, cb),
                 lambda r: client.send_reply_finish(r))
    bob.wait_for(lambda: any(m["id"] == reply_id and m.get("quote-body") == "quote me"
                             for m in bob.messages(alice_id)), "the quote resolves at bob")

    # reactions reach the conversation's message-changed
    call(lambda cb: conv.add_reaction_async(bob_msg_id, "👍", None, cb),
         conv.add_reaction_finish)
    alice.wait_for(lambda: reactions(current(original)) == [("👍", 1, True)],
                   "our reaction through message-changed")
    bob.conversation(alice_id, "AddReaction", "ss", bob_msg_id, "👍")
    alice.wait_for(lambda: reactions(current(original)) == [("👍", 2, True)],
                   "bob's reaction through message-changed")
    call(lambda cb: conv.remove_reaction_async(bob_msg_id, "👍", None, cb),
         conv.remove_reaction_finish)
    alice.wait_for(lambda: reactions(current(original)) == [("👍", 1, False)],
                   "our reaction taken back")
    fetched = call(lambda cb: conv.get_messages_async(0, 0, 50, None, cb),
                   conv.get_messages_finish)
    assert_eq([reactions(m) for m in fetched if m.get_id() == bob_msg_id], [[("👍", 1, False)]],
              "fetched reactions")
    expect_error(Sessiond.ClientError.NOT_FOUND,
                 lambda cb: conv.remove_reaction_async(bob_msg_id, "👍", None, cb),
                 conv.remove_reaction_finish)
    expect_error(Sessiond.ClientError.NOT_FOUND,
                 lambda cb: conv.add_reaction_async(unknown, "👍", None, cb),
                 conv.add_reaction_finish)
    bob.conversation(alice_id, "RemoveReaction", "ss", bob_msg_id, "👍")
    alice.wait_for(lambda: reactions(current(original)) == [], "the last reaction went")

    # deleting here, unsending for everyone
    expect_error(Sessiond.ClientError.NOT_AUTHOR,
                 lambda cb: conv.delete_message_async(bob_msg_id, True, None, cb),
                 conv.delete_message_finish)
    call(lambda cb: conv.delete_message_async(bob_msg_id, False, None, cb),
         conv.delete_message_finish)
    alice.wait_for(lambda: bob_msg_id in removed, "message-removed after delete")
    call(lambda cb: conv.delete_message_async(reply_id, True, None, cb),
         conv.delete_message_finish)
    alice.wait_for(lambda: reply_id in removed, "message-removed after unsend")
    bob.wait_for(lambda: reply_id not in [m["id"] for m in bob.messages(alice_id)],
                 "unsent at bob")
    expect_error(Sessiond.ClientError.NOT_FOUND,
                 lambda cb: conv.delete_message_async(reply_id, False, None, cb),
                 conv.delete_message_finish)

    # disappearing messages: properties with notify, and an event
    expect_error(Sessiond.ClientError.INVALID_ARGUMENT,
                 lambda cb: conv.set_expiration_async("after-send", 300, None, cb),
                 conv.set_expiration_finish)
    expect_error(Sessiond.ClientError.INVALID_ARGUMENT,
                 lambda cb: conv.set_expiration_async("sometimes", 60, None, cb),
                 conv.set_expiration_finish)
    count = len(added)
    call(lambda cb: conv.set_expiration_async("after-send", 43200, None, cb),
         conv.set_expiration_finish)
    alice.wait_for(lambda: conv.dup_expiration_mode() == "after-send"
                   and conv.get_expiration_timer() == 43200, "expiration properties")
    alice.wait_for(lambda: "expiration-mode" in notes and "expiration-timer" in notes,
                   "notify::expiration-mode and -timer")
    assert_eq((conv.props.expiration_mode, conv.props.expiration_timer), ("after-send", 43200),
              "expiration props")
    alice.wait_for(lambda: any(m.get_kind() == "expiration-update" for m in added[count:]),
                   "the expiration event")
    event = [m for m in added[count:] if m.get_kind() == "expiration-update"][0]
    assert_eq((event.get_body(), event.get_expiration_mode(), event.get_expiration_timer()),
              ("", "after-send", 43200), "event")
    bob.wait_for(lambda: bob.conversation_prop(alice_id, "ExpirationTimer") == 43200,
                 "the setting at bob")
    call(lambda cb: conv.set_expiration_async("off", 0, None, cb), conv.set_expiration_finish)
    alice.wait_for(lambda: conv.dup_expiration_mode() == "off"
                   and conv.get_expiration_timer() == 0, "off again")

    # nickname: notify, and the name follows
    notes.clear()
    call(lambda cb: conv.set_nickname_async("Bobby", None, cb), conv.set_nickname_finish)
    alice.wait_for(lambda: conv.dup_nickname() == "Bobby" and conv.dup_name() == "Bobby",
                   "nickname")
    alice.wait_for(lambda: "nickname" in notes and "name" in notes, "notify::nickname")
    assert_eq(conv.props.nickname, "Bobby", "nickname property")
    expect_error(Sessiond.ClientError.INVALID_ARGUMENT,
                 lambda cb: conv.set_nickname_async("x" * 101, None, cb),
                 conv.set_nickname_finish)
    call(lambda cb: conv.set_nickname_async("", None, cb), conv.set_nickname_finish)
    alice.wait_for(lambda: conv.dup_nickname() == "" and conv.dup_name() != "Bobby",
                   "nickname cleared")

    # screenshot: an event here and at bob
    count = len(added)
    call(lambda cb: conv.report_data_extraction_async("screenshot", None, None, cb),
         conv.report_data_extraction_finish)
    alice.wait_for(lambda: any(m.get_kind() == "screenshot" and m.get_outgoing()
                               for m in added[count:]), "our screenshot event")
    bob.wait_for(lambda: any(m.get("kind") == "screenshot" for m in bob.messages(alice_id)),
                 "the screenshot event at bob")
    expect_error(Sessiond.ClientError.INVALID_ARGUMENT,
                 lambda cb: conv.report_data_extraction_async("nonsense", None, None, cb),
                 conv.report_data_extraction_finish)


def test(testnet):
    check_message_from_variant()
    check_not_running()
    assert Sessiond.session_id_is_valid("05" + "ab" * 32)
    assert not Sessiond.session_id_is_valid("05" + "ab" * 31)
    assert not Sessiond.session_id_is_valid(None)

    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        client = new_client(alice.bus.address)
        sync_client = Sessiond.Client.new_sync(alice.bus.connection, None)
        assert_eq(client.dup_state(), "uninitialised", "state")
        assert_eq(client.props.session_id, "", "no id")
        assert_eq(client.get_conversations().get_n_items(), 0, "no conversations")
        expect_error(Sessiond.ClientError.NO_ACCOUNT,
                     lambda cb: client.send_async("05" + "ab" * 32, "x", None, cb),
                     lambda r: client.send_finish(r))

        notified = []
        client.connect("notify::session-id", lambda o, p: notified.append(o.props.session_id))
        sync_client.connect("notify::display-name",
                            lambda o, p: notified.append(o.props.display_name))
        alice_id = call(lambda cb: client.create_account_async("Alice", None, cb),
                        client.create_account_finish)
        assert_eq(len(alice_id), 66, "id")
        alice.wait_for(lambda: alice_id in notified and "Alice" in notified,
                       "notify::session-id and notify::display-name")
        assert_eq(client.dup_session_id(), alice_id, "session id")
        assert_eq(sync_client.dup_display_name(), "Alice", "display name")
        expect_error(Sessiond.ClientError.ACCOUNT_EXISTS,
                     lambda cb: client.create_account_async(None, None, cb),
                     client.create_account_finish)
        expect_error(Sessiond.ClientError.INVALID_SESSION_ID,
                     lambda cb: client.send_async("05", "x", None, cb),
                     lambda r: client.send_finish(r))
        expect_error(Sessiond.ClientError.INVALID_ARGUMENT,
                     lambda cb: client.set_display_name_async("a\x01b", None, cb),
                     client.set_display_name_finish)
        expect_error(Sessiond.ClientError.NOT_FOUND,
                     lambda cb: client.uninhibit_notifications_async(999, None, cb),
                     client.uninhibit_notifications_finish)
        cookie = call(lambda cb: client.inhibit_notifications_async("test", None, cb),
                      client.inhibit_notifications_finish)
        call(lambda cb: client.uninhibit_notifications_async(cookie, None, cb),
             client.uninhibit_notifications_finish)
        phrase = call(lambda cb: client.get_recovery_phrase_async(None, cb),
                      client.get_recovery_phrase_finish)
        assert_eq(len(phrase.split()), 13, "phrase")

        bob_client = new_client(bob.bus.address)
        bob_id = call(lambda cb: bob_client.create_account_async(None, None, cb),
                      bob_client.create_account_finish)
        log("alice", alice_id[:10], "bob", bob_id[:10])

        # the model follows the object manager; message-received fires
        model = client.get_conversations()
        changes = []
        model.connect("items-changed", lambda m, p, r, a: changes.append((p, r, a)))
        received = []
        client.connect("message-received", lambda c, cid, m: received.append((cid, m)))
        unread = []
        client.connect("notify::unread-count", lambda o, p: unread.append(o.props.unread_count))
        message_id, conv_id = call(
            lambda cb: bob_client.send_async(alice_id, "hello alice ✓", None, cb),
            lambda r: bob_client.send_finish(r))
        assert_eq(conv_id, alice_id, "send's conversation")
        assert message_id
        alice.wait_for(lambda: received, "message-received at alice")
        cid, message = received[0]
        assert_eq(cid, bob_id, "received conversation")
        assert_eq(message.get_body(), "hello alice ✓", "body")
        assert_eq(message.props.author, bob_id, "author")
        assert_eq(message.get_outgoing(), False, "incoming")
        assert message.get_sent_at() > 0
        assert_eq(message.lookup("body").unpack(), "hello alice ✓", "lookup")
        assert_eq(message.lookup("no-such-key"), None, "unknown key")
        alice.wait_for(lambda: model.get_n_items() == 1, "conversation in the model")
        assert changes, "items-changed"
        conv = model.get_item(0)
        assert_eq(conv.get_id(), bob_id, "conversation id")
        assert_eq(conv.props.kind, "direct", "kind")
        assert_eq(conv.get_approved(), False, "a request")
        alice.wait_for(lambda: conv.get_unread_count() == 1 and client.props.unread_count == 1,
                       "unread counts")
        assert 1 in unread, unread
        assert client.lookup_conversation(bob_id) is conv
        assert_eq(client.lookup_conversation("05" + "cd" * 32), None, "unknown")

        messages = call(lambda cb: conv.get_messages_async(0, 0, 10, None, cb),
                        conv.get_messages_finish)
        assert_eq([m.get_body() for m in messages], ["hello alice ✓"], "get_messages")

        # conversation methods and their notifies
        conv_notes = []
        conv.connect("notify", lambda o, p: conv_notes.append(p.name))
        call(lambda cb: conv.approve_async(None, cb), conv.approve_finish)
        alice.wait_for(lambda: conv.get_approved(), "approved")
        call(lambda cb: conv.mark_read_async(GLib.MAXINT64, None, cb), conv.mark_read_finish)
        alice.wait_for(lambda: conv.get_unread_count() == 0 and client.get_unread_count() == 0,
                       "read")
        call(lambda cb: conv.set_blocked_async(True, None, cb), conv.set_blocked_finish)
        alice.wait_for(lambda: conv.props.blocked, "blocked")
        call(lambda cb: conv.set_blocked_async(False, None, cb), conv.set_blocked_finish)
        call(lambda cb: conv.set_muted_until_async(4102444800000, None, cb),
             conv.set_muted_until_finish)
        alice.wait_for(lambda: conv.get_muted_until() == 4102444800000, "muted")
        call(lambda cb: conv.set_typing_async(True, None, cb), conv.set_typing_finish)
        call(lambda cb: conv.set_typing_async(False, None, cb), conv.set_typing_finish)
        for name in ("approved", "unread-count", "blocked", "muted-until"):
            assert name in conv_notes, (name, conv_notes)

        # sending from a conversation: message-added, then message-changed
        added, changed = [], []
        conv.connect("message-added", lambda c, m: added.append(m))
        conv.connect("message-changed", lambda c, mid, ch: changed.append((mid, ch)))
        reply_id = call(lambda cb: conv.send_async("hi bob", None, cb), conv.send_finish)
        alice.wait_for(lambda: any(m.get_id() == reply_id for m in added), "message-added")
        alice.wait_for(lambda: any(mid == reply_id for mid, ch in changed), "message-changed")
        expect_error(Sessiond.ClientError.MESSAGE_TOO_LONG,
                     lambda cb: conv.send_async("x" * 2001, None, cb), conv.send_finish)
        found = call(lambda cb: client.search_async("hello", 0, None, cb), client.search_finish)
        assert_eq([m.get_body() for m in found], ["hello alice ✓"], "search")

        # open_conversation gives the model's object for a known conversation
        # (the daemon cannot open a new one yet, see the report of issue 6)
        again = call(lambda cb: client.open_conversation_async(bob_id, None, cb),
                     client.open_conversation_finish)
        assert again is conv, "the same object"
        expect_error(Sessiond.ClientError.INVALID_SESSION_ID,
                     lambda cb: client.open_conversation_async("05", None, cb),
                     client.open_conversation_finish)

        # the example, against bob's daemon, once bob has everything so far:
        # the only message it sees is the next one
        bob.wait_for(lambda: "hi bob" in [m["body"] for m in bob.messages(alice_id)],
                     "bob has alice's reply")
        example = os.path.join(os.environ["SESSIOND_EXAMPLES"], "list-and-watch.py")
        reader = LineReader(bob.bus, [sys.executable, example, "--count", "1"])
        assert_eq(reader.readline(), "1 conversations", "example lists")
        line = reader.readline()
        assert line.startswith(alice_id), line
        reader.read_until(lambda l: l == "watching")
        call(lambda cb: conv.send_async("for the example", None, cb), conv.send_finish)
        line = reader.readline()
        assert_eq(line, "message from %s: for the example" % alice_id, "example prints")
        assert_eq(reader.finish(), 0, "example exits 0")

        check_parity(client, conv, alice, bob, bob_client, alice_id, bob_id)

        # delete: the conversation leaves the model
        call(lambda cb: conv.delete_async(None, cb), conv.delete_finish)
        alice.wait_for(lambda: model.get_n_items() == 0, "deleted from the model")

        del conv, again, model, messages, found, added, received, message
        client = sync_client = bob_client = None
    finally:
        bob.close()
        alice.close()


if __name__ == "__main__":
    run(test)
