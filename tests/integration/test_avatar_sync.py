#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where config sync (issue 15) and avatars (issue 16) meet: our avatar set on one device
reaches the other through UserProfile (same AvatarUrl, the picture opens there and goes out
in its profiles), both ways; a contact's avatar learned from a message goes into the Contacts
config, and a third restored device, whose swarm no longer holds that message, fetches it
from the config alone; a message request's attachments download once it is approved."""

import os

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, GLib  # noqa: E402

from harness import Daemon, assert_eq, log, run  # noqa: E402
import test_attachments  # noqa: E402
from test_attachments import (attachment_states, message, open_attachment,  # noqa: E402
                              opt, send, set_avatar, temp_file)


def open_avatar(daemon, peer):
    """the avatar's bytes, or None while it (or the conversation) is not there"""
    try:
        return test_attachments.open_avatar(daemon, peer)
    except GLib.Error as e:
        if "Object does not exist" in e.message:
            return None
        raise


def make_jpeg(rgba):
    """a small JPEG of one colour (no metadata: the daemon's copy is the same bytes)"""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, 64, 48)
    pixbuf.fill(rgba)
    ok, data = pixbuf.save_to_bufferv("jpeg", [], [])
    assert ok
    return bytes(data)


def synced(daemon):
    return daemon.account_prop("ConfigSynced")


def restore(name, testnet, phrase):
    daemon = Daemon(name, testnet)
    daemon.account("RestoreAccount", "sa{sv}", phrase, {})
    daemon.wait_for(lambda: synced(daemon), "%s's configs retrieved" % name)
    return daemon


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdConfigSync SdAttachments"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    alice2 = alice3 = None
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        alice.wait_for(lambda: synced(alice), "alice's configs retrieved")
        # Note to Self exists on every device (its OpenAvatar is our picture)
        alice.account("Send", "ssa{sv}", alice_id, "a note", {})

        log("our avatar, set on the first device, reaches a restored second one")
        first = make_jpeg(0x3366ccff)
        fd = temp_file(first)
        set_avatar(alice, fd)
        os.close(fd)
        url = alice.account_prop("AvatarUrl")
        assert url, "alice has an AvatarUrl"
        assert_eq(open_avatar(alice, alice_id), first, "alice opens her own picture")
        alice2 = restore("alice2", testnet, alice.account("GetRecoveryPhrase")[0])
        alice2.wait_for(lambda: alice2.account_prop("AvatarUrl") == url,
                        "alice2 has the same AvatarUrl")
        got = alice2.wait_for(lambda: open_avatar(alice2, alice_id), "alice2 fetches it")
        assert_eq(got, first, "alice2 opens the same picture")

        log("set on the second device: the first takes it and sends it to peers")
        second = make_jpeg(0xcc6633ff)
        fd = temp_file(second)
        set_avatar(alice2, fd)
        os.close(fd)
        url2 = alice2.account_prop("AvatarUrl")
        assert url2 and url2 != url, "a new URL"
        alice.wait_for(lambda: alice.account_prop("AvatarUrl") == url2, "alice takes alice2's")
        alice.wait_for(lambda: open_avatar(alice, alice_id) == second,
                       "alice opens alice2's picture")
        # alice's outgoing profile carries it: bob fetches the picture alice2 set
        photo = make_jpeg(0x22aa44ff)
        fd = temp_file(photo)
        alice.account("OpenConversation", "s", bob_id)
        photo_id = send(alice, bob_id, "hello bob", [(fd, opt(file_name="p.jpg"))])
        os.close(fd)
        got = bob.wait_for(lambda: open_avatar(bob, alice_id), "bob fetches alice's avatar")
        assert_eq(got, second, "alice's profile names the picture set on alice2")

        log("a message request approved later downloads what it brought")
        bob.wait_for(lambda: message(bob, alice_id, photo_id), "bob has the photo message")
        assert_eq(attachment_states(bob, alice_id, photo_id), ["pending"],
                  "nothing is downloaded from a request")
        bob.conversation(alice_id, "Approve")
        bob.wait_for(lambda: attachment_states(bob, alice_id, photo_id) == ["available"],
                     "approving starts the download")
        assert_eq(open_attachment(bob, alice_id, photo_id, 0), photo, "the photo")

        log("a contact's avatar from a message goes into the Contacts config")
        # bob's next messages disappear from the swarm after 10 s
        bob.conversation(alice_id, "SetExpiration", "su", "after-send", 10)
        bobs = make_jpeg(0x884422ff)
        fd = temp_file(bobs)
        set_avatar(bob, fd)
        os.close(fd)
        bob.account("Send", "ssa{sv}", alice_id, "my new picture", {})
        alice.wait_for(lambda: open_avatar(alice, bob_id) == bobs, "alice fetches bob's")
        alice2.wait_for(lambda: open_avatar(alice2, bob_id) == bobs, "alice2 fetches bob's")
        # the message expires; the swarm forgets it
        alice.wait_for(lambda: not any(m.get("body") == "my new picture"
                                       for m in alice.messages(bob_id)),
                       "bob's message disappears", timeout=60)
        testnet.control({"action": "cleanup"})
        items = testnet.control({"action": "messages", "pubkey": alice_id})["messages"]
        assert_eq(len(items) > 0, True, "alice's swarm holds her items")

        log("a third device learns bob's avatar from the Contacts config alone")
        alice3 = restore("alice3", testnet, alice.account("GetRecoveryPhrase")[0])
        got = alice3.wait_for(lambda: open_avatar(alice3, bob_id), "alice3 fetches bob's")
        assert_eq(got, bobs, "bob's picture, from the config")
        assert_eq([m for m in alice3.messages(bob_id) if not m.get("outgoing")], [],
                  "no message of bob's reached alice3")
        alice3.wait_for(lambda: alice3.account_prop("AvatarUrl") == url2, "alice3's own")
        alice3.wait_for(lambda: open_avatar(alice3, alice_id) == second,
                        "alice3 opens our picture")

        log("removed on one device: gone on the others")
        alice.account("RemoveAvatar")
        alice2.wait_for(lambda: alice2.account_prop("AvatarUrl") == "", "removed on alice2")
        alice2.wait_for(lambda: open_avatar(alice2, alice_id) is None, "no picture on alice2")
    finally:
        for daemon in (alice, bob, alice2, alice3):
            if daemon is not None:
                daemon.close()


if __name__ == "__main__":
    run(test)
