#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two daemons under valgrind memcheck (SESSIOND_WRAPPER, set by
tests/reliability/meson.build; scripts/test runs this in its valgrind
step): accounts, a short exchange both ways through Send and
SendMessage, the message list, search, read marks, a nickname, a
reaction added and removed, a message deleted here and one unsent, a
restart. Each daemon must exit cleanly with no memcheck error and no
definite leak (valgrind's --error-exitcode); its report is printed when
it does not.

GetMessages is called with a query ("limit"): it leaked every query value
until that was fixed (tests/README.md); VALGRIND_GETMESSAGES_QUERY=0 leaves
the query out."""

import os
import re

from gi.repository import GLib

from harness import assert_eq, log

from reliability import RelDaemon as Daemon, keep_testnet_log, start_testnet

WITH_QUERY = os.environ.get("VALGRIND_GETMESSAGES_QUERY", "1") == "1"


def all_messages(daemon, peer):
    """The (at most 50) messages, with an empty query unless WITH_QUERY."""
    query = {"limit": GLib.Variant("u", 100)} if WITH_QUERY else {}
    return daemon.conversation(peer, "GetMessages", "a{sv}", query)[0]


def valgrind_log(daemon):
    path = os.path.join(daemon.bus.dir, "valgrind-%s.log" % daemon.name)
    with open(path) as f:
        return f.read()


def stop_and_check(daemon):
    """SIGTERM; memcheck's verdict is the exit status and its log."""
    rc = daemon.stop()
    text = valgrind_log(daemon)
    summary = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
    if rc != 0 or summary[-1:] != ["0"]:
        raise AssertionError("%s under valgrind: exit %s\n%s" % (daemon.name, rc, text[-20000:]))
    lost = re.findall(r"definitely lost: ([\d,]+) bytes", text)
    log("%s: valgrind clean (errors 0, definitely lost %s bytes)" % (
        daemon.name, lost[-1] if lost else "0"))


def test(testnet):
    assert "valgrind" in os.environ.get("SESSIOND_WRAPPER", ""), "SESSIOND_WRAPPER names valgrind"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    daemons = [alice, bob]
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.account("Send", "ssa{sv}", bob_id, "one from alice", {})
        bob.account("Send", "ssa{sv}", alice_id, "one from bob", {})
        alice.wait_for(lambda: len(all_messages(alice, bob_id)) == 2, "alice has both", 240)
        alice.conversation(bob_id, "SendMessage", "sa{sv}", "two from alice", {})
        bob.wait_for(lambda: len(all_messages(bob, alice_id)) == 3, "bob has all three", 240)
        for d, peer in ((alice, bob_id), (bob, alice_id)):
            d.wait_for(lambda: {m["status"] for m in all_messages(d, peer) if m["outgoing"]}
                       == {"sent"}, "%s's messages sent" % d.name, 240)
            if WITH_QUERY:
                msgs = d.conversation(peer, "GetMessages", "a{sv}",
                                      {"limit": GLib.Variant("u", 2),
                                       "before": GLib.Variant("x", 1 << 60)})[0]
                assert_eq(len(msgs), 2, "a page of two")
            d.conversation(peer, "MarkRead", "x", 1 << 60)
            assert_eq(len(d.account("Search", "sa{sv}", "alice", {})[0]), 2, "search hits")
        # the parity features: a nickname, a reaction that travels, deleting
        # for me and unsending (both travel or change the store)
        msgs = all_messages(alice, bob_id)
        theirs = [m for m in msgs if not m["outgoing"]][0]["id"]
        mine = [m for m in msgs if m["outgoing"]]
        alice.conversation(bob_id, "SetNickname", "s", "Bobby")
        alice.conversation(bob_id, "AddReaction", "ss", theirs, "\U0001F44D")
        bob.wait_for(lambda: any(m.get("reactions") for m in all_messages(bob, alice_id)),
                     "bob sees alice's reaction", 240)
        alice.conversation(bob_id, "RemoveReaction", "ss", theirs, "\U0001F44D")
        alice.conversation(bob_id, "DeleteMessage", "sb", mine[0]["id"], False)
        alice.conversation(bob_id, "DeleteMessage", "sb", mine[1]["id"], True)
        bob.wait_for(lambda: len(all_messages(bob, alice_id)) == 2, "the unsent one goes", 240)
        bob.wait_for(lambda: not any(m.get("reactions") for m in all_messages(bob, alice_id)),
                     "the reaction goes", 240)
        # a restart: the store, keyring and network come up again
        stop_and_check(bob)
        bob.start()
        assert_eq(len(all_messages(bob, alice_id)), 2, "bob's messages after a restart")
        log("ok: exchange under valgrind")
        for d in daemons:
            stop_and_check(d)
    finally:
        for d in daemons:
            d.close()


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
