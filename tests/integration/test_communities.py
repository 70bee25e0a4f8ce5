#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Communities (issue 17) between two daemons in the testnet's community server, reached only
through onion requests v4: a bad join URL is refused with the registered error and changes
nothing; both join the `lobby` by URL; a post arrives with its poster's name and blinded id;
a reply quotes it; a reaction shows with its count; an admin's pin shows for everyone;
deleting our own post removes it on the other side; a moderator's delete (control action)
shows as a removal; a contact is recognised behind the blinded id; a community DM is
answered in the one 1:1 conversation (and read from the outbox by a second device); a ban
and a moderator's delete-all; a server answering garbage or down does no harm and the room
recovers, and the post that failed during the outage is kept failed and posted once by
ResendMessage, also across a kill -9 in the middle of the resend; a restart keeps the room
and its cursor (nothing twice, nothing missed); ONS
names; sessionctl join, communities, messages, reply, resolve and leave."""

import base64
import os
import json
import signal
import subprocess

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


def varint(buf, i):
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """the top-level fields of a protobuf message: {number: [value, ...]} (varints as ints,
    length-delimited as bytes)"""
    out, i = {}, 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, i = varint(buf, i)
        elif kind == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif kind == 1:
            value, i = buf[i:i + 8], i + 8
        elif kind == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise AssertionError("unexpected wire type %d" % kind)
        out.setdefault(number, []).append(value)
    return out


def posted_flag(testnet, author, body):
    """blocksCommunityMessageRequests (DataMessage 106) of @author's post @body as stored
    on the server (None when left out)"""
    for p in testnet.control({"action": "sogs_posts", "room": "lobby"})["posts"]:
        if p["session_id"] != author:
            continue
        data = base64.b64decode(p["data"]).rstrip(b"\0")
        assert data.endswith(b"\x80"), "padded as §3 says"
        dm = fields(fields(data[:-1])[1][0])
        if dm.get(1) == [body.encode()]:
            return dm.get(106, [None])[0]
    raise AssertionError("no post %r by %s on the server" % (body, author))


def server_count(testnet, body):
    """how many posts of the lobby, as the server stores them, carry @body"""
    n = 0
    for p in testnet.control({"action": "sogs_posts", "room": "lobby"})["posts"]:
        data = base64.b64decode(p["data"]).rstrip(b"\0")
        dm = fields(fields(data[:-1])[1][0])
        n += dm.get(1) == [body.encode()]
    return n


def sessionctl(daemon, *args):
    r = subprocess.run([os.environ["SESSIONCTL"], "--json"] + list(args), env=daemon.bus.env,
                       capture_output=True, text=True, timeout=180)
    return r.returncode, [json.loads(line) for line in r.stdout.splitlines() if line], r.stderr


def test(testnet):
    sogs = testnet.info["sogs"]
    url = sogs["join_url"]
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    alice2 = None
    try:
        alice_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        # bob is alice's contact, alice is a stranger to bob
        alice.account("OpenConversation", "s", bob_id)
        alice.account("SetDisplayName", "s", "Alice")
        bob.account("SetDisplayName", "s", "Bob")

        # ---- a bad URL: the registered error, and nothing changes
        before = alice.managed_conversations()
        for bad in (url.replace("public_key=", "public_key=zz"),
                    url + "&extra=1",
                    url.replace("/lobby?", "/lobby/?"),
                    "ftp://example.org/lobby?public_key=" + "00" * 32):
            alice.expect_error("InvalidCommunityUrl", alice.account, "JoinCommunity", "s", bad)
        assert_eq(alice.managed_conversations(), before, "a refused URL adds nothing")

        # ---- both join the lobby by URL: the same conversation id
        path = alice.account("JoinCommunity", "s", url)[0]
        cid = path.rsplit("/", 1)[1]
        rc, out, err = sessionctl(bob, "join", url.replace("public_key=", "public_key=0"))
        assert rc != 0 and "InvalidCommunityUrl" in err, (rc, err)
        rc, out, err = sessionctl(bob, "join", url)
        assert_eq((rc, out), (0, [{"id": cid}]), "sessionctl --json join")
        assert_eq(bob.account("JoinCommunity", "s", url)[0], path, "bob's lobby")
        assert_eq(alice.account("JoinCommunity", "s", url)[0], path, "joining again")
        assert_eq(alice.conversation_prop(cid, "Kind"), "community", "Kind")
        info = alice.wait_for(
            lambda: (lambda c: c if c.get("name") == "Lobby" else None)(
                alice.conversation_prop(cid, "Community")),
            "the room's details arrive")
        assert "read" in info["permissions"] and "write" in info["permissions"], info
        assert_eq(info["state"], "online", "the room's state")
        assert_eq(alice.conversation_prop(cid, "Name"), "Lobby", "the conversation's name")
        rc, out, err = sessionctl(alice, "communities")
        assert rc == 0 and len(out) == 1, (out, err)
        assert_eq((out[0]["id"], out[0]["name"], out[0]["state"], out[0]["url"]),
                  (cid, "Lobby", "online", info["url"]), "sessionctl communities")
        assert "write" in out[0]["permissions"], out

        # ---- a post arrives with its poster's name and blinded id
        hello_id = alice.conversation(cid, "SendMessage", "sa{sv}", "hello lobby", {})[0]
        ours = by_body(alice, cid, "hello lobby")
        assert ours is not None and ours["outgoing"], ours
        assert ours["author"].startswith("15") and ours["id"] == hello_id, ours
        assert_eq(ours["author-session-id"], alice_id, "our own post knows our id")
        seen = bob.wait_for(lambda: by_body(bob, cid, "hello lobby"), "bob sees the post")
        assert_eq(seen["author"], ours["author"], "the blinded poster id")
        assert_eq(seen["author-name"], "Alice", "the poster's name")
        assert not seen["outgoing"], seen
        assert "author-session-id" not in seen, "a stranger's real id stays unknown"
        assert_eq(seen["id"], hello_id, "the same message id on both sides")
        log("post delivered")

        # ---- posts say whether we take community DMs (DataMessage 106), as desktop's do
        assert_eq(posted_flag(testnet, ours["author"], "hello lobby"), 0,
                  "community DMs allowed (unset): 106 is sent, false")
        alice.account("SetCommunityMessageRequests", "b", False)
        alice.conversation(cid, "SendMessage", "sa{sv}", "no DMs please", {})
        assert_eq(posted_flag(testnet, ours["author"], "no DMs please"), 1,
                  "community DMs refused: 106 is true")
        alice.account("SetCommunityMessageRequests", "b", True)
        bob.wait_for(lambda: by_body(bob, cid, "no DMs please"), "bob sees the second post")
        log("the community DM flag goes with our posts")

        # ---- sessionctl: the same post, with the poster's name
        rc, out, err = sessionctl(bob, "messages", cid)
        assert rc == 0, err
        assert any(m["body"] == "hello lobby" and m["author_name"] == "Alice" and
                   m["author"] == ours["author"] and "author_session_id" not in m
                   for m in out), out

        # ---- a reply quotes it (sent with sessionctl); a reaction shows with its count
        rc, out, err = sessionctl(bob, "reply", cid, hello_id, "hi alice")
        assert rc == 0 and out[0]["conversation"] == cid, (out, err)
        reply = alice.wait_for(lambda: by_body(alice, cid, "hi alice"), "alice sees the reply")
        assert_eq(reply["quote-id"], hello_id, "the reply's quote")
        assert_eq(reply["author-name"], "Bob", "the replier's name")
        assert reply["author"].startswith("15"), reply
        assert_eq(reply.get("author-session-id"), bob_id,
                  "a contact is recognised behind the blinded id")
        bob.conversation(cid, "AddReaction", "ss", hello_id, "👍")
        reacted = alice.wait_for(
            lambda: (lambda m: m if m and m.get("reactions") else None)(
                by_body(alice, cid, "hello lobby")),
            "alice sees the reaction")
        assert_eq(reacted["reactions"], [("👍", 1, False)], "one thumbs-up, not ours")
        bob.wait_for(lambda: (by_body(bob, cid, "hello lobby") or {}).get("reactions") ==
                     [("👍", 1, True)], "bob sees his own reaction")
        bob.conversation(cid, "RemoveReaction", "ss", hello_id, "👍")
        alice.wait_for(lambda: not (by_body(alice, cid, "hello lobby") or {}).get("reactions"),
                       "the reaction goes")
        log("reply and reaction delivered")

        # ---- pins: an admin pins a post for everyone; others may not
        bob.expect_error("NotAuthor", bob.conversation, cid, "PinMessage", "sb", hello_id, True)
        testnet.control({"action": "sogs_moderator", "room": "lobby", "id": alice_id,
                         "admin": True})
        alice.wait_for(lambda: "admin" in alice.conversation_prop(cid, "Community")["permissions"],
                       "alice is an admin")
        alice.conversation(cid, "PinMessage", "sb", hello_id, True)
        bob.wait_for(lambda: bob.conversation_prop(cid, "Community")["pinned"] == [hello_id],
                     "bob sees the pin")
        alice.conversation(cid, "PinMessage", "sb", hello_id, False)
        bob.wait_for(lambda: bob.conversation_prop(cid, "Community")["pinned"] == [],
                     "bob sees the pin go")
        alice.expect_error("InvalidArgument", alice.conversation, bob_id, "PinMessage", "sb",
                           hello_id, True)
        log("pins delivered")

        # ---- deleting our own post removes it on the other side
        gone_id = alice.conversation(cid, "SendMessage", "sa{sv}", "to be deleted", {})[0]
        bob.wait_for(lambda: by_body(bob, cid, "to be deleted"), "bob sees the doomed post")
        bob.expect_error("NotAuthor", bob.conversation, cid, "DeleteMessage", "sb", gone_id,
                         True)
        alice.conversation(cid, "DeleteMessage", "sb", gone_id, True)
        assert by_body(alice, cid, "to be deleted") is None, "gone here at once"
        bob.wait_for(lambda: by_body(bob, cid, "to be deleted") is None,
                     "bob no longer has the deleted post")
        bob.wait_for(lambda: any(s[2] == "MessageRemoved" and s[3][0] == gone_id
                                 for s in bob.signals), "bob is told of the removal")
        log("own delete delivered")

        # ---- a moderator's delete shows as a removal
        bob.conversation(cid, "SendMessage", "sa{sv}", "moderate me", {})
        alice.wait_for(lambda: by_body(alice, cid, "moderate me"), "alice sees bob's post")
        post_id = testnet.control({"action": "sogs_status"})["sogs"]["posts"]
        testnet.control({"action": "sogs_delete", "room": "lobby", "message": post_id})
        alice.wait_for(lambda: by_body(alice, cid, "moderate me") is None,
                       "the moderated post is removed")
        bob.wait_for(lambda: by_body(bob, cid, "moderate me") is None,
                     "also on the poster's side")
        assert by_body(alice, cid, "hello lobby") is not None, "the rest stays"
        log("moderator delete delivered")

        # ---- a server answering garbage, then down: no harm, and recovery without loss
        def requests():
            return testnet.control({"action": "sogs_status"})["sogs"]["requests"]

        testnet.control({"action": "sogs_garbage", "kind": "json"})
        seen_requests = requests()
        alice.wait_for(lambda: requests() >= seen_requests + 3, "polls meet the garbage")
        testnet.control({"action": "sogs_clear"})
        testnet.control({"action": "sogs_down"})
        bob.expect_error("Network", bob.conversation, cid, "SendMessage", "sa{sv}", "lost", {})
        alice.wait_for(lambda: alice.conversation_prop(cid, "Community")["state"] == "offline",
                       "the room shows offline")
        testnet.control({"action": "sogs_up"})
        bob.conversation(cid, "SendMessage", "sa{sv}", "after the outage", {})
        alice.wait_for(lambda: by_body(alice, cid, "after the outage"),
                       "alice recovers after the outage", timeout=120)
        # the post that did not go is bob's failed message, and only his: ResendMessage
        # (sessionctl resend) posts it, under its first sent-at, once
        assert by_body(alice, cid, "lost") is None, "the lost post did not reach alice"
        lost = by_body(bob, cid, "lost")
        assert_eq((lost["status"], lost["outgoing"]), ("failed", True), "bob keeps it failed")
        assert_eq(server_count(testnet, "lost"), 0, "not on the server")
        bob.expect_error("NotFailed", bob.conversation, cid, "ResendMessage", "s",
                         by_body(bob, cid, "after the outage")["id"])
        bob.expect_error("NotFound", bob.conversation, cid, "ResendMessage", "s",
                         lost["id"] + "0")
        alice.expect_error("NotFound", alice.conversation, cid, "ResendMessage", "s", lost["id"])
        rc, out, err = sessionctl(bob, "resend", cid, lost["id"])
        assert_eq((rc, out), (0, [{"conversation": cid, "action": "resend",
                                   "message_id": lost["id"]}]), err)
        bob.wait_for(lambda: by_body(bob, cid, "lost")["status"] == "sent",
                     "the resent post is sent")
        assert_eq(by_body(bob, cid, "lost")["id"], lost["id"], "the same message")
        bob.wait_for(lambda: any(member == "MessageChanged" and args[0] == lost["id"] and
                                 args[1]["status"] == "sent"
                                 for (_, _, member, args) in bob.signals),
                     "MessageChanged tells it went")
        got = alice.wait_for(lambda: by_body(alice, cid, "lost"), "alice gets the resent post",
                             timeout=120)
        assert_eq(got["id"], lost["id"], "under its first sent-at")
        assert_eq(server_count(testnet, "lost"), 1, "posted once")
        assert_eq([m["body"] for m in alice.messages(cid)].count("lost"), 1, "once at alice")
        bob.expect_error("NotFailed", bob.conversation, cid, "ResendMessage", "s", lost["id"])
        alice.wait_for(lambda: alice.conversation_prop(cid, "Community")["state"] == "online",
                       "the room is online again")
        log("garbage and outage survived")

        # ---- a ban: bob may no longer post, and a moderator's "delete all" removes his posts
        testnet.control({"action": "sogs_ban", "room": "lobby", "id": bob_id})
        bob.wait_for(lambda: "write" not in bob.conversation_prop(cid, "Community")["permissions"],
                     "bob's permissions show the ban")
        bob.expect_error("Network", bob.conversation, cid, "SendMessage", "sa{sv}", "banned", {})
        testnet.control({"action": "sogs_delete_all", "room": "lobby", "id": bob_id})
        alice.wait_for(lambda: all(m["author"] != reply["author"] for m in alice.messages(cid)),
                       "bob's posts are removed for alice")
        assert by_body(alice, cid, "hello lobby") is not None, "alice's posts stay"
        testnet.control({"action": "sogs_unban", "room": "lobby", "id": bob_id})
        bob.wait_for(lambda: "write" in bob.conversation_prop(cid, "Community")["permissions"],
                     "bob may write again")
        log("ban and delete-all shown as removals")

        # ---- a community DM to a contact met in the room, answered in the one 1:1 conversation
        # (DMs to blinded ids we do not recognise: test_community_dms.py)
        bob_blinded = reply["author"]
        alice.expect_error("InvalidArgument", alice.conversation, cid, "SendMessage", "sa{sv}",
                           "who?", {"to": GLib.Variant("s", "15" + "zz" * 32)})
        alice.conversation(cid, "SendMessage", "sa{sv}", "psst bob",
                           {"to": GLib.Variant("s", bob_blinded)})
        mine = by_body(alice, bob_id, "psst bob")
        assert mine is not None and mine["outgoing"], mine
        got = bob.wait_for(lambda: by_body(bob, alice_id, "psst bob"),
                           "bob gets the DM in a conversation with alice's real id")
        assert_eq((got["author"], got["outgoing"]), (alice_id, False), "the DM's sender")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), False, "a message request")
        bob.account("Send", "ssa{sv}", alice_id, "hi from the lobby", {})
        alice.wait_for(lambda: by_body(alice, bob_id, "hi from the lobby"),
                       "alice gets bob's answer in the same conversation")
        assert_eq(sorted(m["body"] for m in alice.messages(bob_id)),
                  ["hi from the lobby", "psst bob"], "one merged conversation")
        log("community DM answered in the 1:1 conversation")

        # ---- a restart keeps the room and its cursor: nothing twice, nothing missed
        alice.stop()
        bob.conversation(cid, "SendMessage", "sa{sv}", "while alice was away", {})
        alice.start()
        alice.wait_for(lambda: by_body(alice, cid, "while alice was away"),
                       "alice gets what was posted while she was down")
        bodies = [m["body"] for m in alice.messages(cid)]
        assert_eq(sorted(bodies), sorted(set(bodies)), "no post stored twice")
        assert_eq(alice.conversation_prop(cid, "Kind"), "community", "still a community")
        log("restart kept the room")

        # ---- a resend cut off by kill -9 (its poll still waiting on a slow server): after the
        # restart it is failed (or found sent by the first poll), and it is posted once
        testnet.control({"action": "sogs_down"})
        alice.expect_error("Network", alice.conversation, cid, "SendMessage", "sa{sv}",
                           "cut off", {})
        testnet.control({"action": "sogs_up"})
        cut = by_body(alice, cid, "cut off")
        assert_eq(cut["status"], "failed", "kept failed")
        testnet.control({"action": "sogs_latency", "ms": 8000})
        alice.conversation(cid, "ResendMessage", "s", cut["id"])
        assert_eq(by_body(alice, cid, "cut off")["status"], "sending", "sending at once")
        alice.stop(signal.SIGKILL)
        testnet.control({"action": "sogs_clear"})
        alice.start()
        alice.wait_for(lambda: alice.conversation_prop(cid, "Community")["state"] == "online" and
                       by_body(alice, cid, "cut off")["status"] in ("failed", "sent"),
                       "after the restart, the room read and the resend no longer sending")
        if by_body(alice, cid, "cut off")["status"] == "failed":
            alice.conversation(cid, "ResendMessage", "s", cut["id"])
        alice.wait_for(lambda: by_body(alice, cid, "cut off")["status"] == "sent",
                       "the cut-off post is sent")
        bob.wait_for(lambda: by_body(bob, cid, "cut off"), "bob gets it")
        assert_eq(server_count(testnet, "cut off"), 1, "posted once")
        assert_eq([m["body"] for m in bob.messages(cid)].count("cut off"), 1, "once at bob")
        log("a resend cut off by a restart posted once")

        # ---- a second device of alice reads her sent DM from the server's outbox
        phrase = alice.account("GetRecoveryPhrase")[0]
        alice2 = Daemon("alice2", testnet)
        assert_eq(alice2.account("RestoreAccount", "sa{sv}", phrase, {})[0], alice_id, "restored")
        alice2.wait_for(lambda: by_body(alice2, bob_id, "hi from the lobby"),
                        "the second device gets bob's 1:1 answer from the swarm")
        alice2.account("JoinCommunity", "s", url)
        sent = alice2.wait_for(lambda: by_body(alice2, bob_id, "psst bob"),
                               "the second device gets the DM from the outbox")
        assert_eq((sent["author"], sent["outgoing"]), (alice_id, True), "our own DM")
        log("outbox read on a second device")

        # ---- ONS: a registered name resolves through three nodes; errors are registered
        testnet.control({"action": "ons_register", "name": "alice-1", "session_id": alice_id})
        assert_eq(bob.account("ResolveName", "s", "Alice-1")[0], alice_id, "ResolveName")
        bob.expect_error("OnsNotFound", bob.account, "ResolveName", "s", "nobody-here")
        bob.expect_error("InvalidArgument", bob.account, "ResolveName", "s", "-bad-")
        rc, out, err = sessionctl(bob, "resolve", "alice-1")
        assert_eq((rc, out), (0, [{"session_id": alice_id}]), "sessionctl resolve")
        rc, out, err = sessionctl(bob, "send", "alice-1", "found you by name")
        assert rc == 0 and out[0]["conversation"] == alice_id, (out, err)
        rc, out, err = sessionctl(bob, "resolve", "nobody-here")
        assert rc != 0 and "OnsNotFound" in err, err
        log("ONS names resolved")

        # ---- a room's name and description are the server's words: cleaned before shown
        testnet.control({"action": "sogs_room", "room": "tricky",
                         "name": "Evil\u202eRoom\u0007", "description": "one\u2066\nline\u001b"})
        tricky_url = url.replace("/lobby?", "/tricky?")
        assert tricky_url != url, url
        tricky = bob.account("JoinCommunity", "s", tricky_url)[0].rsplit("/", 1)[1]
        shown = bob.wait_for(
            lambda: (lambda c: c if c.get("name") else None)(
                bob.conversation_prop(tricky, "Community")),
            "the tricky room's details arrive")
        assert_eq((shown["name"], shown["description"]), ("EvilRoom", "one\nline"),
                  "the room's name and description cleaned")
        log("room name cleaned")

        # ---- leaving: the conversation goes
        rc, out, err = sessionctl(bob, "leave", cid)
        assert_eq((rc, out), (0, [{"conversation": cid, "action": "leave"}]), "sessionctl leave")
        bob.wait_for(lambda: all(not p.endswith(cid) for p in bob.managed_conversations()),
                     "bob left the lobby")
    finally:
        alice.close()
        bob.close()
        if alice2 is not None:
            alice2.close()


if __name__ == "__main__":
    run(test)
