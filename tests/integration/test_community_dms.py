#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Community DMs with blinded ids we do not recognise (issue 17), three daemons in the
testnet's lobby, none of them contacts: a DM to a stranger's blinded id is kept in a
conversation keyed by that id and arrives as a message request under our real id; their
answer through the inbox merges the blinded conversation into the 1:1 one; an answer through
the swarm does too, once the blinding of the new 1:1 conversation's id matches; with the
UserProfile "allow community message requests" flag off, a stranger's DM is dropped while an
approved peer's arrives, and with it on again, a stranger's DM is a request again."""

from gi.repository import GLib  # noqa: E402

from harness import Daemon, assert_eq, log, run  # noqa: E402


def by_body(daemon, cid, body):
    try:
        messages = daemon.messages(cid)
    except GLib.Error:
        return None  # the conversation is not there (yet)
    for m in messages:
        if m["body"] == body:
            return m
    return None


def has_conversation(daemon, cid):
    return any(p.endswith("/" + cid) for p in daemon.managed_conversations())


def dm(daemon, cid, to, body):
    return daemon.conversation(cid, "SendMessage", "sa{sv}", body, {"to": GLib.Variant("s", to)})[0]


def test(testnet):
    url = testnet.info["sogs"]["join_url"]
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = Daemon("carol", testnet)
    try:
        alice_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        carol_id = carol.account("CreateAccount", "a{sv}", {})[0]
        for d, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
            d.account("SetDisplayName", "s", name)
        cid = alice.account("JoinCommunity", "s", url)[0].rsplit("/", 1)[1]
        bob.account("JoinCommunity", "s", url)
        carol.account("JoinCommunity", "s", url)

        # ---- everyone posts once: the others learn only the blinded ids
        for d, body in ((alice, "alice here"), (bob, "bob here"), (carol, "carol here")):
            d.conversation(cid, "SendMessage", "sa{sv}", body, {})
        seen = {}
        for body in ("bob here", "carol here"):
            seen[body] = alice.wait_for(lambda: by_body(alice, cid, body), "alice sees " + body)
            assert "author-session-id" not in seen[body], seen[body]
        bob_blinded = seen["bob here"]["author"]
        carol_blinded = seen["carol here"]["author"]
        alice_blinded = carol.wait_for(lambda: by_body(carol, cid, "alice here"),
                                       "carol sees alice's post")["author"]
        assert alice_blinded.startswith("15") and "author-session-id" not in \
            by_body(carol, cid, "alice here")
        log("blinded ids learnt")

        # ---- a DM to a stranger's blinded id: a conversation keyed by that id
        first = dm(alice, cid, carol_blinded, "hello carol")
        mine = by_body(alice, carol_blinded, "hello carol")
        assert mine is not None and mine["outgoing"] and mine["id"] == first, mine
        assert_eq(mine["author"], alice_id, "our DM is ours")
        assert_eq(alice.conversation_prop(carol_blinded, "Kind"), "direct", "its kind")
        assert_eq(alice.conversation_prop(carol_blinded, "Approved"), True, "we wrote first")
        # a further DM from that conversation itself, after a restart (the conversation
        # remembers its server)
        alice.stop()
        alice.start()
        alice.wait_for(lambda: alice.conversation_prop(cid, "Community").get("state") == "online",
                       "alice's room is back online")
        assert by_body(alice, carol_blinded, "hello carol") is not None, "kept over a restart"
        alice.conversation(carol_blinded, "SendMessage", "sa{sv}", "are you there?", {})
        alice.expect_error("InvalidArgument", alice.conversation, carol_blinded, "SendMessage",
                           "sa{sv}", "with a quote", {"quote": GLib.Variant("s", first)})
        # carol: a message request from alice's real id
        carol.wait_for(lambda: by_body(carol, alice_id, "are you there?"),
                       "carol gets the DMs under alice's real id")
        got = by_body(carol, alice_id, "hello carol")
        assert got is not None and not got["outgoing"] and got["author"] == alice_id, got
        assert_eq(carol.conversation_prop(alice_id, "Approved"), False, "a message request")
        log("DM to a stranger delivered as a request")

        # ---- carol answers through the inbox: alice's blinded conversation merges
        dm(carol, cid, alice_blinded, "hi alice")
        assert by_body(carol, alice_id, "hi alice")["outgoing"], "carol's answer is hers"
        alice.wait_for(lambda: by_body(alice, carol_id, "hi alice"),
                       "alice gets carol's answer under carol's real id")
        alice.wait_for(lambda: not has_conversation(alice, carol_blinded),
                       "the blinded conversation is gone")
        assert_eq(sorted(m["body"] for m in alice.messages(carol_id)),
                  ["are you there?", "hello carol", "hi alice"], "one merged conversation")
        assert_eq(alice.conversation_prop(carol_id, "Approved"), True,
                  "we wrote first: not a request")
        assert any(s[2] == "InterfacesRemoved" and s[3][0].endswith("/" + carol_blinded)
                   for s in alice.signals), "the blinded conversation's removal is announced"
        log("merged after an inbox answer")

        # ---- bob answers through the swarm: recognised behind the blinding, merged too
        dm(alice, cid, bob_blinded, "hello bob")
        assert by_body(alice, bob_blinded, "hello bob") is not None
        bob.wait_for(lambda: by_body(bob, alice_id, "hello bob"), "bob gets alice's DM")
        bob.conversation(alice_id, "Approve")
        bob.account("Send", "ssa{sv}", alice_id, "hi via the swarm", {})
        alice.wait_for(lambda: by_body(alice, bob_id, "hi via the swarm"),
                       "alice gets bob's 1:1 answer")
        alice.wait_for(lambda: by_body(alice, bob_id, "hello bob"),
                       "the blinded conversation merges once bob is recognised")
        assert not has_conversation(alice, bob_blinded), "no blinded conversation left"
        log("merged after a swarm answer")

        # ---- community message requests off: a stranger's DM is dropped, a peer's arrives
        bob.account("SetCommunityMessageRequests", "b", False)
        dm(carol, cid, bob_blinded, "spam from carol")
        assert by_body(carol, bob_blinded, "spam from carol") is not None, "kept on carol's side"
        dm(alice, cid, bob_blinded, "alice again")
        assert by_body(alice, bob_id, "alice again") is not None, "recognised: the 1:1 one"
        bob.wait_for(lambda: by_body(bob, alice_id, "alice again"),
                     "bob gets the approved peer's DM")
        # the inbox is read in order: carol's earlier DM was met, and dropped
        assert not has_conversation(bob, carol_id), "the request was dropped"
        bob.account("SetCommunityMessageRequests", "b", True)
        carol.conversation(bob_blinded, "SendMessage", "sa{sv}", "may I?", {})
        bob.wait_for(lambda: by_body(bob, carol_id, "may I?"), "requests are back on")
        assert_eq(bob.conversation_prop(carol_id, "Approved"), False, "a request again")
        assert by_body(bob, carol_id, "spam from carol") is None, "the dropped one stays gone"
        log("community message requests flag honoured")
    finally:
        alice.close()
        bob.close()
        carol.close()


if __name__ == "__main__":
    run(test)
