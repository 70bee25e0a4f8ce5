#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Data at rest after a removal (issue 14): once a message is deleted for me,
unsent or expired, its body's words are in no byte of any file of the data
dir (database, -wal, -shm, key file, anything else), while the daemons run and
after they stop. What does it: secure_delete, the search index merged without
the removed rows, the WAL truncated (daemon/store/sd-store.c, store_purge), at most
a second after the removal."""

import os

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run


def by_body(daemon, peer, body):
    try:
        found = [m for m in daemon.messages(peer) if m["body"] == body]
    except GLib.Error:  # the conversation does not exist yet
        return None
    return found[0] if found else None


def files_with(data_dir, word):
    """The files under @data_dir whose bytes contain @word."""
    needle = word.encode()
    found = []
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    if needle in f.read():
                        found.append(os.path.relpath(path, data_dir))
            except FileNotFoundError:  # a -wal or -shm that went meanwhile
                pass
    return found


def assert_absent(daemon, word, what):
    found = files_with(daemon.data_dir, word)
    assert not found, "%s: %r still in %s's %s" % (what, word, daemon.name, found)


def wait_absent(daemon, word, what):
    """The purge runs once per second for all removals in it (issue 20): waits for it, then
    asserts."""
    daemon.wait_for(lambda: not files_with(daemon.data_dir, word),
                    "%s: %r leaves %s's files" % (what, word, daemon.name), timeout=20)
    assert_absent(daemon, word, what)


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        alice.account("Send", "ssa{sv}", bob_id, "hello there", {})
        bob.wait_for(lambda: by_body(bob, alice_id, "hello there"), "hello arrives")
        bob.conversation(alice_id, "Approve")

        log("delete for me")
        deleted = "secret zebracorn4711 for bob"
        deleted_id = alice.account("Send", "ssa{sv}", bob_id, deleted, {})[1]
        bob.wait_for(lambda: by_body(bob, alice_id, deleted), "the message arrives")
        assert files_with(bob.data_dir, "zebracorn4711"), "the grep finds a stored body"
        bob.conversation(alice_id, "DeleteMessage", "sb", deleted_id, False)
        assert by_body(bob, alice_id, deleted) is None, "deleted for bob"
        wait_absent(bob, "zebracorn4711", "delete for me")
        # alice deleted nothing: her copy is there, in the same kind of files
        assert files_with(alice.data_dir, "zebracorn4711"), "alice keeps her copy"

        log("unsend")
        unsent = "oops quaggafish0815 wrong chat"
        unsent_id = alice.account("Send", "ssa{sv}", bob_id, unsent, {})[1]
        bob.wait_for(lambda: by_body(bob, alice_id, unsent), "the message arrives")
        alice.wait_for(lambda: by_body(alice, bob_id, unsent)["status"] == "sent", "sent")
        alice.conversation(bob_id, "DeleteMessage", "sb", unsent_id, True)
        bob.wait_for(lambda: by_body(bob, alice_id, unsent) is None, "unsent at bob's")
        wait_absent(alice, "quaggafish0815", "unsend, sender")
        wait_absent(bob, "quaggafish0815", "unsend, recipient")

        log("expiry, 10 s after sending")
        alice.conversation(bob_id, "SetExpiration", "su", "after-send", 10)
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "ExpirationMode") == "after-send",
                     "setting reaches bob")
        vanishing = "vanishing okapiwolf2342 soon"
        alice.account("Send", "ssa{sv}", bob_id, vanishing, {})
        bob.wait_for(lambda: by_body(bob, alice_id, vanishing), "the message arrives")
        bob.wait_for(lambda: by_body(bob, alice_id, vanishing) is None, "expired at bob's",
                     timeout=40)
        alice.wait_for(lambda: by_body(alice, bob_id, vanishing) is None,
                       "expired at alice's", timeout=40)
        wait_absent(alice, "okapiwolf2342", "expiry, sender")
        wait_absent(bob, "okapiwolf2342", "expiry, recipient")

        log("after a clean stop")
        for daemon in (alice, bob):
            assert_eq(daemon.stop(), 0, "%s exits cleanly" % daemon.name)
            for word in ("quaggafish0815", "okapiwolf2342"):
                assert_absent(daemon, word, "stopped")
        assert_absent(bob, "zebracorn4711", "stopped")
        assert_eq(bool(files_with(alice.data_dir, "hello there")), True,
                  "kept messages are still on disk")
    finally:
        for daemon in (alice, bob):
            daemon.close()


if __name__ == "__main__":
    run(test)
