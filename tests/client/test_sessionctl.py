#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sessionctl against real daemons on the local testnet: every command in
plain and --json form, and every error path (daemon not running, invalid
Session ID, no account, existing account, bad phrase, unknown conversation,
usage errors)."""

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
    r = ctl(bus, "--help")
    assert_eq(r.status, 0, "--help")
    assert "mark-read" in r.stdout, r.stdout
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
        for bad in ("05", "hello", "05" + "zz" * 32, "03" + "ab" * 32):
            msg = fails(b, "InvalidSessionId", "send", bad, "x")
            assert bad in msg, msg
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
    finally:
        if carol is not None:
            carol.close()
        bob.close()
        alice.close()


if __name__ == "__main__":
    run(test)
