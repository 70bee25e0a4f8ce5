#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A group's picture must not vanish when its file on the file server expires (docs/groups.md,
"Keeping the group's picture"): with the testnet's file server giving files a short life
(file_ttl), alice's daemon (an admin of the group) extends the picture's file before it
expires; carol, invited only after the original expiry, still gets the picture. Then, with a
server that will not extend (file_extend off) and a restart in between (the plan comes from
stored times), alice's daemon uploads the same picture again, with the group's scheme, and the
file lives on past the second expiry; bob (a member) has the picture at the URL Info names."""

import os

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run
from test_group_media import make_png, open_avatar, set_group_avatar

# short enough for a test, long enough that the daemon's plan (renew at 6/7 of the life)
# leaves the renewal a few seconds and bob (under ASan too) fetches well before it; nothing
# below depends on the renewal being on time: one after the expiry uploads the same blob
# again, which brings the same file back
TTL = 40
LONG_TTL = 21 * 24 * 3600


def file_id(url):
    return url.split("#", 1)[0].rsplit("/", 1)[1]


def status(testnet):
    return testnet.control({"action": "file_status"})["file_server"]


def avatar_url(daemon, group_id):
    return daemon.account("GetGroupInfo", "s", group_id)[0]["avatar-url"]


def has_group(daemon, group_id):
    return group_id in [p.rsplit("/", 1)[1] for p in daemon.managed_conversations()]


def bodies(daemon, group_id):
    return [m["body"] for m in daemon.messages(group_id) if m.get("kind") == "text"]


def set_short_lived(testnet, daemon, group_id, picture):
    """@picture set as the group's while files live TTL seconds; its file id and expiry"""
    testnet.control({"action": "file_ttl", "seconds": TTL})
    set_group_avatar(daemon, group_id, picture)
    url = avatar_url(daemon, group_id)
    fid = file_id(url)
    expires = status(testnet)["expires"][fid]
    # the renewal gets the normal life, so what follows cannot race a second expiry
    testnet.control({"action": "file_ttl", "seconds": LONG_TTL})
    return url, fid, expires


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdAccount SdGroups SdAttachments"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = Daemon("carol", testnet)
    try:
        alice.account("CreateAccount", "a{sv}", {"display-name": GLib.Variant("s", "Alice")})
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        carol_id = carol.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Carol")})[0]

        log("alice creates a group with bob, bob accepts")
        group_id = alice.account("CreateGroup", "sas", "Pictures", [bob_id])[0].rsplit("/", 1)[1]
        bob.wait_for(lambda: has_group(bob, group_id), "bob has the invite")
        bob.account("AcceptGroupInvite", "s", group_id)
        alice.conversation(group_id, "SendMessage", "sa{sv}", "hello", {})
        bob.wait_for(lambda: bodies(bob, group_id) == ["hello"], "bob reads alice's message",
                     timeout=180)

        log("phase 1: the picture's file would expire; alice's daemon keeps it")
        first = make_png(0x3366ccff)
        url1, id1, exp1 = set_short_lived(testnet, alice, group_id, first)
        bob.wait_for(lambda: open_avatar(bob, group_id) == first, "bob fetches the picture",
                     timeout=120)

        def kept():
            s = status(testnet)
            if s["expires"].get(id1, 0) > exp1:
                return "extended" if s["extends"] > 0 else "uploaded again"
            if avatar_url(alice, group_id) != url1:
                return "uploaded again at a new URL"
            return None
        how = alice.wait_for(kept, "alice's daemon keeps the group picture's file", timeout=180)
        log("the group's picture was %s" % how)
        alice.wait_for(lambda: status(testnet)["now"] > exp1, "the first file's expiry passes",
                       timeout=120)
        url = avatar_url(alice, group_id)
        assert status(testnet)["expires"][file_id(url)] > status(testnet)["now"], \
            "the file Info names lives past its first expiry"

        log("carol joins after the expiry and gets the picture")
        alice.account("InviteGroupMembers", "sasb", group_id, [carol_id], False)
        carol.wait_for(lambda: has_group(carol, group_id), "carol has the invite", timeout=120)
        carol.account("AcceptGroupInvite", "s", group_id)
        got = carol.wait_for(lambda: open_avatar(carol, group_id),
                             "carol fetches the group's picture after its first expiry",
                             timeout=180)
        assert_eq(got, first, "carol has the group's picture, byte for byte")
        assert_eq(avatar_url(carol, group_id), url, "carol's Info names alice's URL")

        log("phase 2: a server without /extend, and a restart: the same picture goes up again")
        testnet.control({"action": "file_extend", "enabled": 0})
        second = make_png(0xcc6633ff)
        url2, id2, exp2 = set_short_lived(testnet, alice, group_id, second)
        bob.wait_for(lambda: open_avatar(bob, group_id) == second,
                     "bob fetches the second picture", timeout=120)
        # the plan must survive a stop: the daemon has no timer left, only its settings
        assert_eq(alice.stop(), 0, "alice stops cleanly")
        alice.start()

        def uploaded_again():
            url_now = avatar_url(alice, group_id)
            fid = file_id(url_now)
            exp = status(testnet)["expires"].get(fid, 0)
            return url_now if (url_now != url2 or exp > exp2) else None
        url3 = alice.wait_for(uploaded_again, "alice's daemon uploads the picture again",
                              timeout=180)
        assert_eq(url3.split("#", 1)[1:], url2.split("#", 1)[1:], "the same server fragment")
        assert_eq(open_avatar(alice, group_id), second, "alice still opens the picture")
        alice.wait_for(lambda: status(testnet)["now"] > exp2, "the second file's expiry passes",
                       timeout=120)
        s = status(testnet)
        assert s["expires"][file_id(url3)] > s["now"], "the re-uploaded file lives on"
        bob.wait_for(lambda: avatar_url(bob, group_id) == url3, "bob's Info names that file",
                     timeout=120)
        assert_eq(open_avatar(bob, group_id), second, "bob has the second picture")
        testnet.control({"action": "file_extend", "enabled": 1})
    finally:
        carol.close()
        bob.close()
        alice.close()


if __name__ == "__main__":
    run(test)
