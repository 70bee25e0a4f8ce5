#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sessionctl against real daemons on the local testnet: every command in
plain and --json form, and every error path (daemon not running, invalid
Session ID, no account, existing account, bad phrase, unknown conversation,
usage errors); then the 1:1 features of issue 9 (reply, react, unreact,
unsend, delete, disappear, nickname, screenshot) in both directions."""

import json
import os
import re
import signal

from ctl_util import LineReader, ctl, fails, ok
from harness import Daemon, PrivateBus, assert_eq, log, run


def check_not_running():
    bus = PrivateBus("nobody")
    try:
        msg = fails(bus, "NotRunning", "status")
        assert "not running" in msg, msg
        fails(bus, "NotRunning", "send", "05" + "ab" * 32, "hi")
    finally:
        bus.stop()


def check_usage(bus):
    fails(bus, "Usage")
    fails(bus, "Usage", "frobnicate")
    fails(bus, "Usage", "send", "05" + "ab" * 32)
    fails(bus, "Usage", "set-name")
    fails(bus, "Usage", "status", "extra")
    fails(bus, "Usage", "--limit", "-3", "messages", "05" + "ab" * 32)
    fails(bus, "Usage", "--no-such-option", "status")
    some_id = "05" + "ab" * 32
    # the new commands: argument counts, MODE and TIMER are checked before
    # the daemon is asked
    for args in (("reply", some_id, "m"), ("react", some_id, "m"), ("unreact", some_id),
                 ("unsend", some_id), ("delete", some_id, "m", "x"), ("nickname", some_id),
                 ("screenshot",), ("disappear", some_id),
                 ("disappear", some_id, "off", "0", "extra")):
        msg = fails(bus, "Usage", *args)
        assert msg.startswith("usage: sessionctl " + args[0]), msg
    msg = fails(bus, "Usage", "disappear", some_id, "sometimes", "5m")
    assert "sometimes" in msg and "after-read" in msg, msg
    fails(bus, "Usage", "disappear", some_id, "after-read")
    for timer in ("5x", "1.5h", "m", "", "5mm", "99999999999w", "-5"):
        fails(bus, "Usage", "disappear", some_id, "after-read", timer)
    r = ctl(bus, "--help")
    assert_eq(r.status, 0, "--help")
    assert "mark-read" in r.stdout, r.stdout
    for command in ("reply", "react", "unreact", "unsend", "delete", "disappear", "nickname",
                    "screenshot"):
        assert command + " ID" in r.stdout, (command, r.stdout)
    r = ctl(bus, "--version")
    assert_eq(r.status, 0, "--version")
    assert r.stdout.startswith("sessionctl "), r.stdout


def check_status_alignment(bus):
    out = ok(bus, "status").stdout.splitlines()
    assert_eq(len(out), 4, "four status lines")
    # values start in one column, and there are no color codes off a TTY
    columns = {len(m.group(1)) for m in (re.match(r"^([^:]+:\s+)\S", line) for line in out)}
    assert_eq(len(columns), 1, "aligned status values %r" % out)
    assert "\033" not in "".join(out), "no color off a terminal"


def messages(bus, peer):
    return ok(bus, "--json", "messages", peer, "--limit", "500").json_lines()


def message(bus, peer, message_id):
    found = [m for m in messages(bus, peer) if m["id"] == message_id]
    assert_eq(len(found), 1, "message %s" % message_id)
    return found[0]


def dbus_has(daemon, peer, predicate):
    """whether a message in @daemon's conversation with @peer matches;
    straight over D-Bus, so waiting does not run sessionctl in a loop"""
    return any(predicate(m) for m in daemon.messages(peer, 500))


def check_parity(alice, bob, alice_id, bob_id):
    a, b = alice.bus, bob.bus
    short = {alice_id: alice_id[:10] + "…", bob_id: bob_id[:10] + "…"}
    unknown = bob_id + "-1"

    # reply: bob quotes alice's "hi bob"
    hi = [m for m in messages(b, alice_id) if m["body"] == "hi bob"][0]
    sent = ok(b, "--json", "reply", alice_id, hi["id"], "quoting you").one()
    assert_eq(sent["conversation"], alice_id, "reply conversation")
    reply = message(b, alice_id, sent["message_id"])
    assert_eq((reply["kind"], reply["body"], reply["quote_id"], reply["quote_author"],
               reply["quote_body"]), ("text", "quoting you", hi["id"], alice_id, "hi bob"),
              "bob's reply")
    lines = ok(b, "messages", alice_id).stdout.splitlines()
    at = lines.index("  > %s: hi bob" % short[alice_id])
    assert "quoting you" in lines[at + 1], lines
    plain_id = ok(b, "reply", alice_id, hi["id"], "-", stdin="from stdin\n").stdout.strip()
    assert_eq(message(b, alice_id, plain_id)["quote_id"], hi["id"], "plain reply quotes")
    fails(b, "NotFound", "reply", alice_id, unknown, "x")
    fails(b, "InvalidSessionId", "reply", "05", hi["id"], "x")
    # the quote resolves to alice's own message at alice
    alice.wait_for(lambda: dbus_has(alice, bob_id, lambda m: m["id"] == sent["message_id"]),
                   "alice has bob's reply")
    theirs = message(a, bob_id, sent["message_id"])
    assert_eq((theirs["quote_id"], theirs["quote_author"], theirs["quote_body"]),
              (hi["id"], alice_id, "hi bob"), "alice's view of the quote")
    assert "  > me: hi bob" in ok(a, "messages", bob_id).stdout.splitlines()

    # react, unreact: bob and alice react to the reply
    assert_eq(ok(b, "--json", "react", alice_id, sent["message_id"], "👍").one(),
              {"conversation": alice_id, "action": "react", "message_id": sent["message_id"],
               "emoji": "👍"}, "json react")
    ok(b, "react", alice_id, sent["message_id"], "👍")  # twice changes nothing
    assert_eq(message(b, alice_id, sent["message_id"])["reactions"],
              [{"emoji": "👍", "count": 1, "reacted_by_me": True}], "bob's reaction")
    assert "    👍 1 (you)" in ok(b, "messages", alice_id).stdout.splitlines()
    alice.wait_for(lambda: dbus_has(alice, bob_id, lambda m: m["id"] == sent["message_id"]
                                    and m.get("reactions") == [("👍", 1, False)]),
                   "bob's reaction at alice")
    assert "    👍 1" in ok(a, "messages", bob_id).stdout.splitlines()
    ok(a, "react", bob_id, sent["message_id"], "👍")
    assert_eq(message(a, bob_id, sent["message_id"])["reactions"],
              [{"emoji": "👍", "count": 2, "reacted_by_me": True}], "two reactions at alice")
    assert "    👍 2 (you)" in ok(a, "messages", bob_id).stdout.splitlines()
    bob.wait_for(lambda: dbus_has(bob, alice_id, lambda m: m["id"] == sent["message_id"]
                                  and m.get("reactions") == [("👍", 2, True)]),
                 "alice's reaction at bob")
    assert_eq(ok(b, "--json", "unreact", alice_id, sent["message_id"], "👍").one()["action"],
              "unreact", "json unreact")
    assert_eq(message(b, alice_id, sent["message_id"])["reactions"],
              [{"emoji": "👍", "count": 1, "reacted_by_me": False}], "bob took his back")
    fails(b, "NotFound", "unreact", alice_id, sent["message_id"], "👍")
    fails(b, "NotFound", "react", alice_id, unknown, "👍")
    alice.wait_for(lambda: dbus_has(alice, bob_id, lambda m: m["id"] == sent["message_id"]
                                    and m.get("reactions") == [("👍", 1, True)]),
                   "bob's unreact at alice")

    # unsend: only our own messages, gone on both sides
    oops = ok(b, "--json", "send", alice_id, "oops").one()["message_id"]
    alice.wait_for(lambda: dbus_has(alice, bob_id, lambda m: m["id"] == oops), "oops at alice")
    msg = fails(a, "NotAuthor", "unsend", bob_id, oops)
    assert msg, msg
    assert_eq(ok(b, "--json", "unsend", alice_id, oops).one(),
              {"conversation": alice_id, "action": "unsend", "message_id": oops}, "json unsend")
    assert oops not in [m["id"] for m in messages(b, alice_id)], "unsent at bob"
    alice.wait_for(lambda: not dbus_has(alice, bob_id, lambda m: m["id"] == oops),
                   "unsent at alice")
    fails(b, "NotFound", "unsend", alice_id, oops)

    # delete: here only
    assert_eq(ok(a, "delete", bob_id, plain_id).stdout, "", "plain delete prints nothing")
    assert plain_id not in [m["id"] for m in messages(a, bob_id)], "deleted at alice"
    assert plain_id in [m["id"] for m in messages(b, alice_id)], "still at bob"
    fails(a, "NotFound", "delete", bob_id, plain_id)
    fails(a, "NotFound", "delete", "05" + "cd" * 32, plain_id)

    # disappear: both sides, with an event
    fails(a, "InvalidArgument", "disappear", bob_id, "after-send", "5m")
    fails(a, "InvalidArgument", "disappear", bob_id, "off", "1h")
    fails(a, "InvalidArgument", "disappear", bob_id, "after-read", "7")
    assert_eq(ok(a, "--json", "disappear", bob_id, "after-read", "5m").one(),
              {"conversation": bob_id, "action": "disappear", "expiration_mode": "after-read",
               "expiration_timer": 300}, "json disappear")
    conv = ok(a, "--json", "conversations").one()
    assert_eq((conv["expiration_mode"], conv["expiration_timer"]), ("after-read", 300),
              "conversation setting")
    assert "(disappearing after-read, 5 minutes)" in ok(a, "conversations").stdout
    event = messages(a, bob_id)[-1]
    assert_eq((event["kind"], event["body"], event["expiration_mode"],
               event["expiration_timer"]), ("expiration-update", "", "after-read", 300),
              "expiration event")
    assert_eq(ok(a, "messages", bob_id).stdout.splitlines()[-1],
              "— disappearing messages set to after-read, 5 minutes —", "plain event")
    bob.wait_for(lambda: bob.conversation_prop(alice_id, "ExpirationMode") == "after-read",
                 "the setting reaches bob")
    assert_eq(bob.conversation_prop(alice_id, "ExpirationTimer"), 300, "bob's timer")
    assert_eq(messages(b, alice_id)[-1]["kind"], "expiration-update", "bob's event")
    gone = ok(a, "--json", "send", bob_id, "gone soon").one()["message_id"]
    later = message(a, bob_id, gone)
    assert_eq((later["expiration_mode"], later["expiration_timer"]), ("after-read", 300),
              "a disappearing message")
    assert ("disappears" in ok(a, "messages", bob_id).stdout.splitlines()[-1]), "plain expiry"
    assert_eq(ok(a, "--json", "disappear", bob_id, "off").one()["expiration_timer"], 0,
              "off without a timer")
    conv = ok(a, "--json", "conversations").one()
    assert_eq((conv["expiration_mode"], conv["expiration_timer"]), ("off", 0), "off again")
    assert_eq(ok(a, "messages", bob_id).stdout.splitlines()[-1],
              "— disappearing messages turned off —", "plain off event")
    assert "disappearing" not in ok(a, "conversations").stdout

    # nickname: a local name that wins over the display name
    assert_eq(ok(a, "--json", "nickname", bob_id, "Bobby").one(),
              {"conversation": bob_id, "action": "nickname", "nickname": "Bobby"}, "json nickname")
    conv = ok(a, "--json", "conversations").one()
    assert_eq((conv["nickname"], conv["name"]), ("Bobby", "Bobby"), "nicknamed")
    assert "Bobby" in ok(a, "conversations").stdout
    fails(a, "InvalidArgument", "nickname", bob_id, "x" * 101)
    fails(a, "InvalidArgument", "nickname", bob_id, "a\x01b")
    assert_eq(ok(a, "nickname", bob_id, "").stdout, "", "plain nickname prints nothing")
    conv = ok(a, "--json", "conversations").one()
    assert_eq(conv["nickname"], "", "nickname cleared")
    assert conv["name"] != "Bobby", conv

    # pin, hide, notify, mark-unread: settings shared with our other devices (issue 15)
    assert_eq(ok(a, "--json", "pin", bob_id).one(), {"conversation": bob_id, "action": "pin"},
              "json pin")
    conv = ok(a, "--json", "conversations").one()
    assert_eq((conv["priority"], conv["notify_mode"], conv["marked_unread"]), (1, "all", False),
              "pinned")
    assert_eq(ok(a, "hide", bob_id).stdout, "", "plain hide prints nothing")
    assert_eq(ok(a, "--json", "conversations").one()["priority"], -1, "hidden")
    ok(a, "unpin", bob_id)
    assert_eq(ok(a, "--json", "notify", bob_id, "none").one(),
              {"conversation": bob_id, "action": "notify", "notify_mode": "none"},
              "json notify")
    fails(a, "Usage", "notify", bob_id, "sometimes")
    ok(a, "mark-unread", bob_id)
    conv = ok(a, "--json", "conversations").one()
    assert_eq((conv["priority"], conv["notify_mode"], conv["marked_unread"]),
              (0, "none", True), "unpinned, silent, marked unread")
    ok(a, "notify", bob_id, "mentions")
    assert_eq(ok(a, "--json", "conversations").one()["notify_mode"], "all",
              "no mentions in a 1:1 conversation: all")
    ok(a, "mark-read", bob_id)
    assert_eq(ok(a, "--json", "conversations").one()["marked_unread"], False, "read again")

    # screenshot: an event on both sides; not for a blocked contact
    assert_eq(ok(a, "--json", "screenshot", bob_id).one(),
              {"conversation": bob_id, "action": "screenshot"}, "json screenshot")
    event = messages(a, bob_id)[-1]
    assert_eq((event["kind"], event["outgoing"]), ("screenshot", True), "our screenshot event")
    assert_eq(ok(a, "messages", bob_id).stdout.splitlines()[-1], "— you took a screenshot —",
              "plain screenshot")
    bob.wait_for(lambda: dbus_has(bob, alice_id, lambda m: m.get("kind") == "screenshot"),
                 "the screenshot event at bob")
    assert_eq(ok(b, "messages", alice_id).stdout.splitlines()[-1],
              "— %s took a screenshot —" % short[alice_id], "bob's plain screenshot")
    ok(a, "block", bob_id)
    fails(a, "InvalidArgument", "screenshot", bob_id)
    ok(a, "unblock", bob_id)


def test(testnet):
    check_not_running()
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = None
    try:
        a, b = alice.bus, bob.bus
        check_usage(a)

        # before an account
        status = ok(a, "--json", "status").one()
        assert_eq(status["state"], "uninitialised", "state")
        assert_eq(status["session_id"], "", "no id")
        assert_eq(status["unread_count"], 0, "unread")
        check_status_alignment(a)
        fails(a, "NoAccount", "id")
        fails(a, "NoAccount", "send", "05" + "ab" * 32, "hi")
        fails(a, "NoAccount", "phrase", "--yes-show-secret")

        # create
        alice_id = ok(a, "--json", "create", "--name", "Alice").one()["session_id"]
        assert re.fullmatch(r"05[0-9a-f]{64}", alice_id), alice_id
        fails(a, "AccountExists", "create")
        assert_eq(ok(a, "id").stdout, alice_id + "\n", "plain id")
        assert_eq(ok(a, "--json", "id").one(), {"session_id": alice_id}, "json id")
        status = ok(a, "--json", "status").one()
        assert_eq(status["session_id"], alice_id, "status id")
        assert_eq(status["display_name"], "Alice", "status name")
        check_status_alignment(a)
        bob_id = ok(b, "create").stdout.strip()
        assert re.fullmatch(r"05[0-9a-f]{64}", bob_id), bob_id
        log("alice", alice_id[:10], "bob", bob_id[:10])

        # set-name
        assert_eq(ok(a, "set-name", "Alice A").stdout, "", "set-name prints nothing")
        assert_eq(ok(a, "--json", "status").one()["display_name"], "Alice A", "renamed")
        assert_eq(ok(a, "--json", "set-name", "Alice").one(), {"display_name": "Alice"},
                  "json set-name")
        fails(a, "InvalidArgument", "set-name", "a\x01b")

        # phrase: only on explicit request
        fails(a, "Usage", "phrase")
        phrase = ok(a, "--json", "phrase", "--yes-show-secret").one()["mnemonic"]
        assert_eq(len(phrase.split()), 13, "13 words")
        assert_eq(ok(a, "phrase", "--yes-show-secret").stdout, phrase + "\n", "plain phrase")

        # restore on a third daemon, phrase on stdin only
        carol = Daemon("carol", testnet)
        c = carol.bus
        fails(c, "Usage", "restore", stdin="")
        # far longer than any phrase: refused before anything reaches the daemon
        fails(c, "Usage", "restore", stdin="abbey " * 400)
        msg = fails(c, "InvalidMnemonic", "restore", stdin="apple banana cherry\n")
        assert "banana" not in msg, "the phrase is not echoed"
        wrong = " ".join(phrase.split()[:12] + [phrase.split()[0]])
        if wrong != phrase:
            fails(c, "InvalidMnemonic", "restore", stdin=wrong + "\n")
        restored = ok(c, "--json", "restore", stdin="  " + phrase.replace(" ", "\n") + "\n")
        assert_eq(restored.one(), {"session_id": alice_id}, "restored id")
        fails(c, "AccountExists", "restore", stdin=phrase)
        carol.close()
        carol = None

        # send: bad ids, too long, and the real thing
        for bad in ("05", "hello", "05" + "zz" * 32):
            msg = fails(b, "InvalidSessionId", "send", bad, "x")
            assert bad in msg, msg
        # a group id passes sessionctl's check (groups are sent to); one we are not in is
        # the daemon's InvalidSessionId
        msg = fails(b, "InvalidSessionId", "send", "03" + "ab" * 32, "x")
        assert "03" in msg, msg
        fails(b, "MessageTooLong", "send", alice_id, "x" * 2001)

        # alice watches while bob writes
        watch = LineReader(a, [os.environ["SESSIONCTL"], "--json", "watch"])
        first = json.loads(watch.readline())
        assert_eq(first["event"], "watching", "watch starts")
        assert_eq(first["session_id"], alice_id, "watch id")
        sent = ok(b, "--json", "send", alice_id, "hello alice ✓").one()
        assert_eq(sent["conversation"], alice_id, "send conversation")
        assert sent["message_id"], sent
        plain_id = ok(b, "send", alice_id, "-", stdin="second line\nfrom stdin\n").stdout.strip()
        assert plain_id and plain_id != sent["message_id"], plain_id
        bodies = []
        while len(bodies) < 2:
            event = json.loads(watch.readline())
            if event["event"] == "message":
                assert_eq(event["message"]["author"], bob_id, "watch author")
                assert_eq(event["message"]["outgoing"], False, "incoming")
                bodies.append(event["message"]["body"])
            else:
                assert event["event"] in ("state", "unread-count"), event
        assert_eq(sorted(bodies), sorted(["hello alice ✓", "second line\nfrom stdin"]),
                  "watched bodies")
        assert_eq(watch.finish(signal.SIGINT), 0, "watch exits 0 when interrupted")

        # plain watch prints a header and stops on SIGTERM
        plain_watch = LineReader(a, [os.environ["SESSIONCTL"], "watch"])
        assert alice_id in plain_watch.readline()
        assert_eq(plain_watch.finish(signal.SIGTERM), 0, "plain watch exits 0")

        # conversations
        alice.wait_for(lambda: alice.account_prop("UnreadCount") == 2, "both unread at alice")
        convs = ok(a, "--json", "conversations").json_lines()
        assert_eq([x["id"] for x in convs], [bob_id], "one conversation")
        conv = convs[0]
        assert_eq(conv["approved"], False, "a request")
        assert_eq(conv["blocked"], False, "not blocked")
        assert_eq(conv["unread_count"], 2, "unread")
        assert_eq(conv["kind"], "direct", "kind")
        assert conv["last_activity"] > 0, conv
        plain = ok(a, "conversations").stdout.splitlines()
        assert_eq(len(plain), 2, "header and one row")
        assert plain[1].startswith(bob_id), plain
        assert "request" in plain[1], plain
        assert_eq(ok(b, "--json", "conversations").json_lines()[0]["approved"], True,
                  "the sender's side is approved")

        # messages: oldest first, --limit, --before
        msgs = ok(a, "--json", "messages", bob_id).json_lines()
        assert_eq([m["body"] for m in msgs], ["hello alice ✓", "second line\nfrom stdin"],
                  "messages")
        assert_eq(msgs[0]["author"], bob_id, "author")
        assert_eq(msgs[0]["conversation"], bob_id, "conversation")
        last = ok(a, "--json", "messages", bob_id, "--limit", "1").json_lines()
        assert_eq([m["body"] for m in last], ["second line\nfrom stdin"], "--limit 1")
        if msgs[0]["sent_at"] != msgs[1]["sent_at"]:
            older = ok(a, "--json", "messages", bob_id, "--before",
                       str(msgs[1]["sent_at"])).json_lines()
            assert_eq([m["body"] for m in older], ["hello alice ✓"], "--before")
        assert "hello alice ✓" in ok(a, "messages", bob_id).stdout
        fails(a, "InvalidSessionId", "messages", "nonsense")
        fails(a, "NotFound", "messages", "05" + "cd" * 32)
        fails(a, "NotFound", "approve", "05" + "cd" * 32)

        # search
        found = ok(a, "--json", "search", "hello").json_lines()
        assert_eq([m["body"] for m in found], ["hello alice ✓"], "search")
        assert "hello alice ✓" in ok(a, "search", "hello").stdout
        assert_eq(ok(a, "--json", "search", "nothingmatchesthis").stdout, "", "no results")

        # approve, mark-read, block, unblock
        assert_eq(ok(a, "--json", "approve", bob_id).one(),
                  {"conversation": bob_id, "action": "approve"}, "approve")
        assert_eq(alice.conversation_prop(bob_id, "Approved"), True, "approved")
        ok(a, "mark-read", bob_id)
        assert_eq(ok(a, "--json", "status").one()["unread_count"], 0, "read")
        assert_eq(ok(a, "--json", "conversations").one()["unread_count"], 0, "conv read")
        ok(a, "--json", "block", bob_id)
        assert_eq(ok(a, "--json", "conversations").one()["blocked"], True, "blocked")
        ok(a, "unblock", bob_id)
        assert_eq(ok(a, "--json", "conversations").one()["blocked"], False, "unblocked")

        # alice answers with sessionctl; bob sees it
        ok(a, "send", bob_id, "hi bob")
        bob.wait_for(lambda: [m["body"] for m in bob.messages(alice_id)][:1] == ["hi bob"],
                     "bob has alice's answer")
        bob_msgs = ok(b, "--json", "messages", alice_id).json_lines()
        assert_eq([m["outgoing"] for m in bob_msgs], [True, True, False], "bob's view")
        assert_eq({m["kind"] for m in bob_msgs}, {"text"}, "text messages")
        assert_eq([m["reactions"] for m in bob_msgs], [[], [], []], "no reactions yet")
        assert not any("quote_id" in m for m in bob_msgs), bob_msgs

        check_parity(alice, bob, alice_id, bob_id)
    finally:
        if carol is not None:
            carol.close()
        bob.close()
        alice.close()


if __name__ == "__main__":
    run(test)
