#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Our avatar must not vanish when its file on the file server expires (docs/attachments.md,
"Keeping our avatar"): with the testnet's file server giving files a short life (file_ttl),
alice's daemon extends her avatar's file before it expires, or, when the server will not
extend (file_extend off), uploads the same picture again and publishes the new URL; across a
restart too, since the plan comes from stored times. bob, who meets alice only after the
original file's expiry, still gets her picture. And a profile with a picture and no name
(carol's) gives bob the picture."""

import os

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, GLib  # noqa: E402

from harness import Daemon, assert_eq, log, run  # noqa: E402
from test_attachments import open_avatar, set_avatar, temp_file  # noqa: E402

# short enough for a test, long enough that the daemon's plan (renew at 6/7 of the life)
# leaves the renewal a few seconds; nothing below depends on it being met (see phase 1)
TTL = 30


def make_jpeg(rgba):
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, 64, 48)
    pixbuf.fill(rgba)
    ok, data = pixbuf.save_to_bufferv("jpeg", [], [])
    assert ok
    return bytes(data)


def file_id(url):
    return url.split("#", 1)[0].rsplit("/", 1)[1]


def status(testnet):
    return testnet.control({"action": "file_status"})["file_server"]


def received(daemon, peer, body):
    try:
        return any(m.get("body") == body for m in daemon.messages(peer))
    except GLib.Error:
        return False  # the conversation is not there yet


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdAccount SdAttachments"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = None
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        # bob starts the conversation; alice answers only once her first file has expired,
        # so bob cannot have fetched the picture before
        # Note to Self exists (its OpenAvatar is our own picture)
        alice.account("Send", "ssa{sv}", alice_id, "a note", {})
        bob.account("Send", "ssa{sv}", alice_id, "hi alice", {})
        alice.wait_for(lambda: received(alice, bob_id, "hi alice"), "alice gets bob's hello")

        log("phase 1: the file would expire; alice's daemon keeps it (extend)")
        testnet.control({"action": "file_ttl", "seconds": TTL})
        first = make_jpeg(0x3366ccff)
        fd = temp_file(first)
        set_avatar(alice, fd)
        os.close(fd)
        url1 = alice.account_prop("AvatarUrl")
        id1 = file_id(url1)
        exp1 = status(testnet)["expires"][id1]
        # the renewal gets the normal life, so what follows cannot race a second expiry
        testnet.control({"action": "file_ttl", "seconds": 21 * 24 * 3600})

        def kept():
            s = status(testnet)
            if s["expires"].get(id1, 0) > exp1:
                return "extended"
            if alice.account_prop("AvatarUrl") != url1:
                return "uploaded again"
            return None
        how = alice.wait_for(kept, "alice's daemon keeps her avatar's file", timeout=180)
        log("alice's avatar was %s" % how)
        # without the daemon, the file is gone from here on
        alice.wait_for(lambda: status(testnet)["now"] > exp1, "the first file's expiry passes",
                       timeout=120)
        alice.account("Send", "ssa{sv}", bob_id, "after the expiry", {})
        bob.wait_for(lambda: received(bob, alice_id, "after the expiry"),
                     "bob gets alice's message")
        got = bob.wait_for(lambda: open_avatar(bob, alice_id),
                           "bob fetches alice's avatar after its first file expired", timeout=120)
        assert_eq(got, first, "bob has alice's picture")

        log("phase 2: a server without /extend, and a restart: the same picture goes up again")
        testnet.control({"action": "file_extend", "enabled": 0})
        testnet.control({"action": "file_ttl", "seconds": TTL})
        second = make_jpeg(0xcc6633ff)
        fd = temp_file(second)
        set_avatar(alice, fd)
        os.close(fd)
        url2 = alice.account_prop("AvatarUrl")
        id2 = file_id(url2)
        exp2 = status(testnet)["expires"][id2]
        testnet.control({"action": "file_ttl", "seconds": 21 * 24 * 3600})
        # the plan must survive a stop: the daemon has no timer left, only its settings
        assert_eq(alice.stop(), 0, "alice stops cleanly")
        alice.start()
        url3 = alice.wait_for(lambda: (lambda u: u if u != url2 else None)(
            alice.account_prop("AvatarUrl")), "alice's daemon uploads her picture again",
            timeout=180)
        id3 = file_id(url3)
        assert id3 != id2, "a new file"
        assert_eq(url3.split("#", 1)[1:], url2.split("#", 1)[1:], "the same server fragment")
        assert_eq(open_avatar(alice, alice_id), second, "alice still opens her picture")
        alice.wait_for(lambda: status(testnet)["now"] > exp2, "the second file's expiry passes",
                       timeout=120)
        assert id2 not in status(testnet)["ids"] or \
            status(testnet)["expires"][id2] <= status(testnet)["now"], "the old file expired"
        alice.account("Send", "ssa{sv}", bob_id, "after the re-upload", {})
        bob.wait_for(lambda: received(bob, alice_id, "after the re-upload"),
                     "bob gets alice's second message")
        got = bob.wait_for(lambda: (lambda g: g if g == second else None)(
            open_avatar(bob, alice_id)), "bob follows alice's new avatar URL", timeout=120)
        assert_eq(got, second, "bob has alice's second picture, from the re-uploaded file")
        testnet.control({"action": "file_clear"})

        log("an avatar-only profile: carol has a picture and no name; bob takes the picture")
        carol = Daemon("carol", testnet)
        carol_id = carol.account("CreateAccount", "a{sv}", {})[0]
        # the upload needs an onion path: a new account has none until it is online
        carol.wait_for(lambda: carol.account_prop("State") == "online", "carol is online")
        third = make_jpeg(0x44cc88ff)
        fd = temp_file(third)
        set_avatar(carol, fd)
        os.close(fd)
        carol.account("Send", "ssa{sv}", bob_id, "no name, a picture", {})
        bob.wait_for(lambda: received(bob, carol_id, "no name, a picture"),
                     "bob gets carol's message")
        got = bob.wait_for(lambda: open_avatar(bob, carol_id), "bob fetches carol's avatar")
        assert_eq(got, third, "carol's picture, from a profile without a name")
    finally:
        if carol is not None:
            carol.close()
        bob.close()
        alice.close()


if __name__ == "__main__":
    run(test)
