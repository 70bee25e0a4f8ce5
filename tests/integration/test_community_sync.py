#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Joined communities across our devices (issue 17) through the UserGroups config: a room
joined on one device is joined on the other (and polled: its details and posts arrive), its
priority follows, a room joined after the second device is up arrives too, a blinded
conversation (a DM to a stranger met in the room) follows through the Contacts config with its
priority, and leaving on one device leaves on the other."""

from harness import Daemon, assert_eq, log, run  # noqa: E402


def has_conversation(daemon, cid):
    return any(p.endswith("/" + cid) for p in daemon.managed_conversations())


def test(testnet):
    url = testnet.info["sogs"]["join_url"]
    alice = Daemon("alice", testnet)
    alice2 = None
    try:
        alice.account("CreateAccount", "a{sv}", {})
        cid = alice.account("JoinCommunity", "s", url)[0].rsplit("/", 1)[1]
        alice.conversation(cid, "SetPriority", "x", 5)
        alice.wait_for(lambda: alice.conversation_prop(cid, "Community").get("name") == "Lobby",
                       "the room is polled")
        alice.conversation(cid, "SendMessage", "sa{sv}", "from the first device", {})

        # ---- a second device joins what the first joined
        phrase = alice.account("GetRecoveryPhrase")[0]
        alice2 = Daemon("alice2", testnet)
        alice2.account("RestoreAccount", "sa{sv}", phrase, {})
        alice2.wait_for(lambda: has_conversation(alice2, cid), "the second device has the room")
        assert_eq(alice2.conversation_prop(cid, "Kind"), "community", "a community")
        alice2.wait_for(lambda: alice2.conversation_prop(cid, "Community").get("name") == "Lobby",
                        "the second device polls the room")
        alice2.wait_for(lambda: any(m["body"] == "from the first device"
                                    for m in alice2.messages(cid)),
                        "the room's posts arrive on the second device")
        alice2.wait_for(lambda: alice2.conversation_prop(cid, "Priority") == 5,
                        "the room's priority follows")
        log("joined on the second device")

        # ---- a room's read position follows (ConvoInfoVolatile)
        testnet.control({"action": "sogs_post", "room": "lobby", "text": "unread news"})
        for d in (alice, alice2):
            d.wait_for(lambda: d.conversation_prop(cid, "UnreadCount") == 1,
                       "a stranger's post is unread on " + d.name)
        news = next(m for m in alice.messages(cid) if m["body"] == "unread news")
        alice.conversation(cid, "MarkRead", "x", news["sent-at"])
        assert_eq(alice.conversation_prop(cid, "UnreadCount"), 0, "read here")
        alice2.wait_for(lambda: alice2.conversation_prop(cid, "UnreadCount") == 0,
                        "read on the other device too")
        log("read position followed")

        # ---- a DM to a stranger's blinded id: the blinded conversation, with its priority,
        # is a blinded contact (Contacts "b") on the other device
        from gi.repository import GLib
        stranger = news["author"]
        alice.conversation(cid, "SendMessage", "sa{sv}", "hello stranger",
                           {"to": GLib.Variant("s", stranger)})
        alice.wait_for(lambda: has_conversation(alice, stranger), "a blinded conversation")
        alice.conversation(stranger, "SetPriority", "x", 4)
        alice2.wait_for(lambda: has_conversation(alice2, stranger)
                        and alice2.conversation_prop(stranger, "Priority") == 4,
                        "the blinded conversation and its priority follow")
        log("blinded contact followed")

        # ---- a room joined later arrives as well
        testnet.control({"action": "sogs_room", "room": "later", "name": "Later"})
        later = alice.account("JoinCommunity", "s", url.replace("/lobby?", "/later?"))[0]
        later = later.rsplit("/", 1)[1]
        alice2.wait_for(lambda: has_conversation(alice2, later), "the later room follows")
        log("a later join followed")

        # ---- leaving on the second device leaves on the first
        alice2.conversation(cid, "Delete")
        alice.wait_for(lambda: not has_conversation(alice, cid), "the first device left too")
        assert has_conversation(alice, later), "the other room stays"
        assert has_conversation(alice2, later), "and stays on the second device"
        log("leaving followed")
    finally:
        alice.close()
        if alice2 is not None:
            alice2.close()


if __name__ == "__main__":
    run(test)
