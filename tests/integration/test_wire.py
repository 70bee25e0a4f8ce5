#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What sessiond really stores on the network, decoded with our own protocol
code (sd-wire-dump) and checked field by field against the documented layout
(protocol-identity-and-messages.md §4–§6): a text, a reply with a quote, a
reaction and its removal, an unsend request, a disappearing-messages change,
disappearing texts and reactions of both modes, data-extraction notices in
conversations of both modes, each as the peer receives it and as the copy to
our own devices, storage TTL included (docs/expiration-rules.md)."""

import json
import os
import subprocess

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run

DAY_MS = 24 * 3600 * 1000
TTL_MS = 14 * DAY_MS


def stored(testnet, daemon, account):
    """Every item in @account's swarm, decoded with @daemon's keys."""
    items = testnet.control({"action": "messages", "pubkey": account})["messages"]
    phrase = daemon.account("GetRecoveryPhrase")[0]
    out = subprocess.run([os.environ["SD_WIRE_DUMP"], phrase], input=json.dumps(items),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def t_of(message_id):
    return int(message_id.rsplit("-", 1)[1])


def one(items, what, predicate):
    found = [i for i in items if "content" in i and predicate(i)]
    assert len(found) == 1, "%s: %d items match" % (what, len(found))
    return found[0]


def check_layers(item, sender, t):
    """The layers every 1:1 item shares (§4.1, §4.5, §4.6, §5)."""
    assert_eq(item["sender"], sender, "authenticated sender")
    assert_eq(item["websocket"]["type"], 1, "WebSocketMessage.type = REQUEST")
    request = item["websocket"]["request"]
    assert request["body"] > 0, "the request carries the envelope"
    envelope = item["envelope"]
    assert_eq(envelope["type"], 6, "Envelope.type = SESSION_MESSAGE")
    assert "source" not in envelope or envelope["source"] == "", "sealed sender: no source"
    assert_eq(envelope["timestamp"], t, "Envelope.timestamp = T")
    assert envelope["content"] > 0, "Envelope.content"
    assert_eq(envelope.get("sourceDevice"), 1, "Envelope.sourceDevice = 1, as libsession")
    assert_eq(envelope.get("proSig"), 64, "Envelope.proSig: a 64-byte decoy, as libsession")
    assert_eq(item["content"]["sigTimestamp"], t, "Content.sigTimestamp = T")


def data_message(item):
    return item["content"]["dataMessage"]


def ttl(item):
    """How long the swarm keeps @item: the store request's ttl."""
    return item["expiration"] - item["timestamp"]


def expiration_fields(item):
    return (item["content"].get("expirationType"), item["content"].get("expirationTimer"))


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]

        def sent(daemon, peer, message_id):
            daemon.wait_for(lambda: [m for m in daemon.messages(peer)
                                     if m["id"] == message_id and m["status"] == "sent"],
                            "%s sent" % message_id)

        plain = alice.account("Send", "ssa{sv}", bob_id, "plain text", {})[1]
        bob.wait_for(lambda: alice_id in [c.rsplit("/", 1)[1]
                                          for c in bob.managed_conversations()],
                     "bob gets the request")
        bob.conversation(alice_id, "Approve")
        reply = alice.conversation(bob_id, "SendMessage", "sa{sv}", "a reply",
                                   {"quote": GLib.Variant("s", plain)})[0]
        alice.conversation(bob_id, "AddReaction", "ss", plain, "👍")
        alice.conversation(bob_id, "RemoveReaction", "ss", plain, "👍")
        oops = alice.account("Send", "ssa{sv}", bob_id, "unsend me", {})[1]
        sent(alice, bob_id, oops)
        alice.conversation(bob_id, "DeleteMessage", "sb", oops, True)
        alice.conversation(bob_id, "SetExpiration", "su", "after-send", 43200)
        after_send = alice.account("Send", "ssa{sv}", bob_id, "gone in 12 hours", {})[1]
        alice.conversation(bob_id, "AddReaction", "ss", plain, "❤")
        alice.conversation(bob_id, "SetExpiration", "su", "after-read", 300)
        after_read = alice.account("Send", "ssa{sv}", bob_id, "gone 5 minutes after read", {})[1]
        alice.conversation(bob_id, "AddReaction", "ss", plain, "🔥")
        for message_id in (plain, reply, after_send, after_read):
            sent(alice, bob_id, message_id)

        log("bob's notices follow his conversation's setting, forced to after-read")
        bob.wait_for(lambda: (bob.conversation_prop(alice_id, "ExpirationMode"),
                              bob.conversation_prop(alice_id, "ExpirationTimer"))
                     == ("after-read", 300), "bob has alice's last setting")
        bob.conversation(alice_id, "ReportDataExtraction", "ss", "screenshot", "")
        bob.conversation(alice_id, "SetExpiration", "su", "after-send", 86400)
        bob.conversation(alice_id, "ReportDataExtraction", "ss", "media-saved", plain)

        log("what bob's swarm holds from alice")
        def everything_at_bob():
            items = stored(testnet, bob, bob_id)
            bodies = [data_message(i).get("body") for i in items
                      if "dataMessage" in i.get("content", {})]
            n_reactions = len([i for i in items if "dataMessage" in i.get("content", {}) and
                               "reaction" in data_message(i)])
            unsent = [i for i in items if "unsendRequest" in i.get("content", {})]
            return "gone 5 minutes after read" in bodies and n_reactions == 4 and unsent

        bob.wait_for(everything_at_bob, "all of alice's items in bob's swarm")
        at_bob = stored(testnet, bob, bob_id)
        assert not [i for i in at_bob if "error" in i], "every item decodes"

        text = one(at_bob, "the text", lambda i: data_message(i).get("body") == "plain text"
                   if "dataMessage" in i["content"] else False)
        check_layers(text, alice_id, t_of(plain))
        dm = data_message(text)
        assert_eq(dm["profile"]["displayName"], "Alice", "profile name with visible messages")
        assert "lastProfileUpdateSeconds" in dm["profile"], "profile update time"
        assert "syncTarget" not in dm, "no syncTarget to the peer"
        assert_eq((text["content"]["expirationType"], text["content"]["expirationTimer"]),
                  (0, 0), "visible messages always carry both expiration fields")
        assert_eq(text["expiration"] - text["timestamp"], TTL_MS, "14-day TTL")

        quoted = one(at_bob, "the reply", lambda i: "dataMessage" in i["content"] and
                     data_message(i).get("body") == "a reply")
        check_layers(quoted, alice_id, t_of(reply))
        assert_eq(data_message(quoted)["quote"], {"id": t_of(plain), "author": alice_id},
                  "Quote{id = quoted T, author}, no legacy text")

        reactions = [i for i in at_bob if "dataMessage" in i["content"] and
                     "reaction" in data_message(i)]
        assert_eq([data_message(i)["reaction"] for i in reactions
                   if data_message(i)["reaction"]["emoji"] == "👍"],
                  [{"id": t_of(plain), "author": alice_id, "emoji": "👍", "action": 0},
                   {"id": t_of(plain), "author": alice_id, "emoji": "👍", "action": 1}],
                  "Reaction{id, author, emoji, REACT then REMOVE}")
        for item in reactions:
            check_layers(item, alice_id, item["envelope"]["timestamp"])
            assert "body" not in data_message(item), "a reaction has no body"
        # a reaction is a visible message: the conversation's setting and its TTL
        assert_eq(sorted((data_message(i)["reaction"]["emoji"], expiration_fields(i), ttl(i))
                         for i in reactions),
                  sorted([("👍", (0, 0), TTL_MS), ("👍", (0, 0), TTL_MS),
                          ("❤", (2, 43200), 43200 * 1000), ("🔥", (1, 300), TTL_MS)]),
                  "reactions: expiration fields and TTL of their conversation")

        unsend = one(at_bob, "the unsend request", lambda i: "unsendRequest" in i["content"])
        check_layers(unsend, alice_id, unsend["envelope"]["timestamp"])
        assert_eq(unsend["content"]["unsendRequest"], {"timestamp": t_of(oops),
                                                       "author": alice_id}, "UnsendRequest")
        assert "expirationType" not in unsend["content"], "control messages: no expiration"

        updates = [i for i in at_bob if "dataMessage" in i["content"] and
                   data_message(i).get("flags") == 2 and i["sender"] == alice_id]
        assert_eq([(expiration_fields(i), ttl(i)) for i in updates],
                  [((2, 43200), 43200 * 1000), ((1, 300), TTL_MS)],
                  "timer updates: flags = 2 with the new setting; after-send lives as long "
                  "as the timer, after-read 14 days (§5)")
        for item in updates:
            assert "syncTarget" not in data_message(item), "to the peer: no syncTarget"

        send_mode = one(at_bob, "after-send text", lambda i: "dataMessage" in i["content"] and
                        data_message(i).get("body") == "gone in 12 hours")
        assert_eq((send_mode["content"]["expirationType"],
                   send_mode["content"]["expirationTimer"]), (2, 43200), "after-send fields")
        assert_eq(send_mode["expiration"] - send_mode["timestamp"], 43200 * 1000,
                  "after-send: the swarm keeps it as long as the timer")
        read_mode = one(at_bob, "after-read text", lambda i: "dataMessage" in i["content"] and
                        data_message(i).get("body") == "gone 5 minutes after read")
        assert_eq((read_mode["content"]["expirationType"],
                   read_mode["content"]["expirationTimer"]), (1, 300), "after-read fields")
        assert_eq(read_mode["expiration"] - read_mode["timestamp"], TTL_MS,
                  "after-read: 14 days until it is read")

        log("reading shortens the after-read copy in bob's swarm")
        bob.wait_for(lambda: [m for m in bob.messages(alice_id) if m["id"] == after_read],
                     "bob has the after-read text")
        bob.conversation(alice_id, "MarkRead", "x", t_of(after_read))
        read_at = bob.wait_for(lambda: [m for m in bob.messages(alice_id)
                                        if m["id"] == after_read and "expires-at" in m],
                               "the clock starts")[0]["expires-at"]
        bob.wait_for(lambda: one(stored(testnet, bob, bob_id), "after-read text",
                                 lambda i: "dataMessage" in i["content"] and
                                 data_message(i).get("body") == "gone 5 minutes after read")
                     ["expiration"] <= read_at + 1000, "the swarm copy expires with it")

        log("what alice's swarm holds from bob, and alice's copies to herself")
        def everything_at_alice():
            items = stored(testnet, alice, alice_id)
            notices = [i for i in items if "dataExtractionNotification" in i.get("content", {})]
            bob_updates = [i for i in items if i.get("sender") == bob_id and
                           "dataMessage" in i.get("content", {})]
            own = [i for i in items if i.get("sender") == alice_id]
            reactions = [i for i in own if "dataMessage" in i["content"] and
                         "reaction" in data_message(i)]
            bodies = [data_message(i).get("body") for i in own if "dataMessage" in i["content"]]
            unsent = [i for i in own if "unsendRequest" in i["content"]]
            return (len(notices) == 2 and len(reactions) == 4 and unsent and bob_updates and
                    "gone 5 minutes after read" in bodies)

        alice.wait_for(everything_at_alice, "bob's notices and alice's own copies")
        at_alice = stored(testnet, alice, alice_id)
        shot = one(at_alice, "the screenshot notice",
                   lambda i: i["content"].get("dataExtractionNotification", {}).get("type") == 1)
        check_layers(shot, bob_id, shot["envelope"]["timestamp"])
        assert "timestamp" not in shot["content"]["dataExtractionNotification"], "no target"
        saved = one(at_alice, "the media-saved notice",
                    lambda i: i["content"].get("dataExtractionNotification", {}).get("type") == 2)
        assert_eq(saved["content"]["dataExtractionNotification"]["timestamp"], t_of(plain),
                  "MEDIA_SAVED names the message")
        # forcedDeleteAfterReadMsgSetting: after-read with the conversation's timer, so the
        # notice stays in the swarm (14 days) but disappears once read
        assert_eq((expiration_fields(shot), ttl(shot)), ((1, 300), TTL_MS),
                  "a notice in an after-read conversation: its mode and timer")
        assert_eq((expiration_fields(saved), ttl(saved)), ((1, 86400), TTL_MS),
                  "a notice in an after-send conversation: forced to after-read, same timer")
        bob_update = one(at_alice, "bob's timer update",
                         lambda i: i["sender"] == bob_id and "dataMessage" in i["content"] and
                         data_message(i).get("flags") == 2)
        assert_eq((expiration_fields(bob_update), ttl(bob_update)),
                  ((2, 86400), 86400 * 1000), "an after-send timer update: TTL = timer")
        at_bob_own = [i for i in stored(testnet, bob, bob_id) if i.get("sender") == bob_id]
        bob_sync = one(at_bob_own, "bob's timer update, his own copy",
                       lambda i: "dataMessage" in i["content"] and
                       data_message(i).get("flags") == 2)
        assert_eq((data_message(bob_sync)["syncTarget"], expiration_fields(bob_sync),
                   ttl(bob_sync)), (alice_id, (2, 86400), 86400 * 1000),
                  "the sync copy of an after-send timer update: TTL = timer")
        assert not [i for i in at_bob_own if "dataExtractionNotification" in i["content"]], \
            "notices are not synced (desktop sends them non-durably, to the peer only)"

        syncs = [i for i in at_alice if i["sender"] == alice_id and "dataMessage" in i["content"]]
        sync_text = one(syncs, "the reply's sync copy",
                        lambda i: data_message(i).get("body") == "a reply")
        check_layers(sync_text, alice_id, t_of(reply))
        assert_eq(data_message(sync_text)["syncTarget"], bob_id, "syncTarget = the conversation")
        assert "profile" not in data_message(sync_text), "sync copies carry no profile"
        assert_eq(data_message(sync_text)["quote"]["id"], t_of(plain), "the quote is synced")
        sync_reactions = [i for i in syncs if "reaction" in data_message(i)]
        assert_eq(sorted((data_message(i)["reaction"]["emoji"],
                          data_message(i)["reaction"]["action"], data_message(i)["syncTarget"],
                          expiration_fields(i), ttl(i)) for i in sync_reactions),
                  sorted([("👍", 0, bob_id, (0, 0), TTL_MS), ("👍", 1, bob_id, (0, 0), TTL_MS),
                          ("❤", 0, bob_id, (2, 43200), 43200 * 1000),
                          ("🔥", 0, bob_id, (1, 300), 300 * 1000)]),
                  "reactions are synced with their conversation, its setting, and the "
                  "own-swarm TTL (after-read: the timer, we read it)")
        sync_updates = [i for i in syncs if data_message(i).get("flags") == 2]
        assert_eq([(data_message(i)["syncTarget"], expiration_fields(i), ttl(i))
                   for i in sync_updates],
                  [(bob_id, (2, 43200), 43200 * 1000), (bob_id, (1, 300), 300 * 1000)],
                  "timer updates are synced with syncTarget; TTL = timer in our own swarm")
        sync_read = one(syncs, "the after-read sync copy",
                        lambda i: data_message(i).get("body") == "gone 5 minutes after read")
        assert_eq(sync_read["expiration"] - sync_read["timestamp"], 300 * 1000,
                  "our own after-read copy: TTL = timer (we read it)")
        own_unsend = one(at_alice, "the unsend request to our own devices",
                         lambda i: "unsendRequest" in i["content"])
        assert_eq(own_unsend["content"]["unsendRequest"]["timestamp"], t_of(oops), "its target")
        # a copy already on its way when we unsent it is deleted once it lands
        alice.wait_for(lambda: not [i for i in stored(testnet, alice, alice_id)
                                    if "dataMessage" in i.get("content", {}) and
                                    data_message(i).get("body") == "unsend me"],
                       "the unsent message's own copy is gone from our swarm")
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
