#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Multi-device config sync (issue 15): two daemons restored from one phrase
keep contacts, nicknames, pins, hidden conversations, blocks, notify modes,
mutes and read positions in step, both ways, also for a change made while
the other was stopped; a third restored device has all of it before any new
1:1 message; changes made on both while offline merge; a deleted conversation goes on every device; a daemon killed (SIGKILL) right after a change pushes it when it
comes back; a pin made on a restored device before its first sync survives the
swarm's far newer Contacts."""

import os
import secrets
import signal
import time

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run


def random_id():
    return "05" + secrets.token_hex(32)


def conversation_ids(daemon):
    prefix = "/org/sessiond/Daemon1/conversations/"
    return {path[len(prefix):] for path in daemon.managed_conversations() if path.startswith(prefix)}


def prop_is(daemon, peer, name, value):
    def check():
        try:
            return daemon.conversation_prop(peer, name) == value
        except GLib.Error:  # not on the bus yet
            return False
    return check


def wait_prop(daemon, peer, name, value, what):
    daemon.wait_for(prop_is(daemon, peer, name, value), what)


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdConfigSync"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    alice2 = alice3 = alice4 = None
    carol, dave = random_id(), random_id()
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        alice.wait_for(lambda: alice.account_prop("ConfigSynced"), "alice's configs retrieved")

        log("changes on the first device")
        alice.account("Send", "ssa{sv}", bob_id, "hello bob", {})
        alice.account("OpenConversation", "s", carol)
        alice.conversation(carol, "SetNickname", "s", "Caz")
        alice.conversation(bob_id, "SetPriority", "x", 2)
        assert_eq((alice.conversation_prop(bob_id, "Pinned"),
                   alice.conversation_prop(bob_id, "Hidden")), (True, False), "pinned here")
        alice.account("OpenConversation", "s", dave)
        alice.conversation(dave, "SetBlocked", "b", True)
        alice.conversation(dave, "SetPriority", "x", -1)
        alice.conversation(bob_id, "SetNotifyMode", "s", "none")
        alice.expect_error("InvalidArgument", alice.conversation, bob_id, "SetNotifyMode", "s",
                           "sometimes")
        alice.expect_error("InvalidArgument", alice.conversation, bob_id, "SetPriority", "x", -5)
        alice.conversation(carol, "SetMutedUntil", "x", 4102444800000)

        log("a second device restored from the phrase")
        phrase = alice.account("GetRecoveryPhrase")[0]
        alice2 = Daemon("alice2", testnet)
        alice2.account("RestoreAccount", "sa{sv}", phrase, {})
        alice2.wait_for(lambda: alice2.account_prop("ConfigSynced"), "alice2 synced")
        wait_prop(alice2, carol, "Nickname", "Caz", "carol's nickname on alice2")
        assert_eq(alice2.messages(carol), [], "carol is a contact without messages")
        wait_prop(alice2, bob_id, "Priority", 2, "bob pinned on alice2")
        wait_prop(alice2, dave, "Blocked", True, "dave blocked on alice2")
        wait_prop(alice2, dave, "Hidden", True, "dave hidden on alice2")
        wait_prop(alice2, bob_id, "NotifyMode", "none", "notify mode on alice2")
        wait_prop(alice2, carol, "MutedUntil", 4102444800000, "mute on alice2")
        assert_eq(alice2.account_prop("DisplayName"), "Alice", "display name")

        log("read positions")
        bob.wait_for(lambda: alice_id in conversation_ids(bob), "bob has alice's message")
        bob.account("Send", "ssa{sv}", alice_id, "one", {})
        bob.account("Send", "ssa{sv}", alice_id, "two", {})
        wait_prop(alice, bob_id, "UnreadCount", 2, "alice has two unread")
        wait_prop(alice2, bob_id, "UnreadCount", 2, "alice2 has two unread")
        alice.conversation(bob_id, "MarkRead", "x", GLib.MAXINT64)
        wait_prop(alice2, bob_id, "UnreadCount", 0, "read on alice: read on alice2")
        alice2.conversation(bob_id, "SetMarkedUnread", "b", True)
        wait_prop(alice, bob_id, "MarkedUnread", True, "marked unread on alice2: on alice")

        log("Note to Self's pin")
        alice.account("Send", "ssa{sv}", alice_id, "a note", {})
        alice.conversation(alice_id, "SetPriority", "x", 1)
        wait_prop(alice2, alice_id, "Pinned", True, "Note to Self pinned on alice2")

        log("changes on the second device reach the first")
        alice2.conversation(bob_id, "SetNickname", "s", "Bobby")
        alice2.conversation(carol, "SetPriority", "x", 1)
        wait_prop(alice, bob_id, "Nickname", "Bobby", "nickname from alice2")
        wait_prop(alice, carol, "Pinned", True, "pin from alice2")
        alice2.account("SetDisplayName", "s", "Alice A.")
        alice.wait_for(lambda: alice.account_prop("DisplayName") == "Alice A.", "display name")

        log("a change made while the other device is stopped")
        alice2.stop()
        alice.conversation(carol, "SetNickname", "s", "Carrie")
        alice.conversation(dave, "SetBlocked", "b", False)
        alice2.start()
        wait_prop(alice2, carol, "Nickname", "Carrie", "offline change merged after restart")
        wait_prop(alice2, dave, "Blocked", False, "unblock after restart")

        log("a daemon killed right after a change pushes it when it comes back")
        alice2.conversation(bob_id, "SetNickname", "s", "Robert")
        alice2.conversation(bob_id, "SetPriority", "x", 5)
        alice2.stop(signal.SIGKILL)
        alice2.start()
        # more rounds, killed before, around and after the debounce and the push
        for i, pause in enumerate([0.5, 1.4, 1.6, 1.8, 2.5]):
            alice2.conversation(carol, "SetPriority", "x", 10 + i)
            time.sleep(pause)
            alice2.stop(signal.SIGKILL)
            alice2.start()
        wait_prop(alice, carol, "Priority", 14, "the last of the killed rounds arrives")
        wait_prop(alice, bob_id, "Nickname", "Robert", "the change outlived SIGKILL")
        wait_prop(alice, bob_id, "Priority", 5, "the pin outlived SIGKILL")
        # and concurrent changes on both converge
        alice.conversation(carol, "SetNickname", "s", "C.")
        alice2.conversation(dave, "SetNickname", "s", "D.")
        wait_prop(alice2, carol, "Nickname", "C.", "concurrent change from alice")
        wait_prop(alice, dave, "Nickname", "D.", "concurrent change from alice2")
        wait_prop(alice, carol, "Nickname", "C.", "alice keeps her own change")
        wait_prop(alice2, dave, "Nickname", "D.", "alice2 keeps hers")

        log("deleting a conversation deletes it on the other device")
        alice2.conversation(dave, "Delete")
        alice.wait_for(lambda: dave not in conversation_ids(alice), "dave deleted on alice")

        log("a hidden conversation shows again on a new message")
        alice2.conversation(bob_id, "SetPriority", "x", -1)
        wait_prop(alice, bob_id, "Hidden", True, "hidden on alice2: on alice")
        bob.account("Send", "ssa{sv}", alice_id, "ping", {})
        wait_prop(alice, bob_id, "Hidden", False, "shown again on alice")
        wait_prop(alice2, bob_id, "Hidden", False, "shown again on alice2")
        alice.conversation(bob_id, "MarkRead", "x", GLib.MAXINT64)
        wait_prop(alice2, bob_id, "UnreadCount", 0, "ping read on alice2")

        log("changes made on both devices while offline merge after reconnecting")
        testnet.control({"action": "down", "node": "all"})
        alice.conversation(carol, "SetNotifyMode", "s", "none")
        alice2.conversation(bob_id, "SetNickname", "s", "Bob (offline)")
        time.sleep(3)  # both try to push and fail
        testnet.control({"action": "up", "node": "all"})
        wait_prop(alice2, carol, "NotifyMode", "none", "alice's offline change on alice2")
        wait_prop(alice, bob_id, "Nickname", "Bob (offline)", "alice2's offline change on alice")
        wait_prop(alice, carol, "NotifyMode", "none", "alice keeps hers")
        wait_prop(alice2, bob_id, "Nickname", "Bob (offline)", "alice2 keeps hers")

        log("a third device has it all before any new message")
        alice3 = Daemon("alice3", testnet)
        alice3.account("RestoreAccount", "sa{sv}", phrase, {})
        alice3.wait_for(lambda: alice3.account_prop("ConfigSynced"), "alice3 synced")
        wait_prop(alice3, carol, "Nickname", "C.", "nickname on alice3")
        assert dave not in conversation_ids(alice3), "a deleted contact stays deleted"
        wait_prop(alice3, bob_id, "Nickname", "Bob (offline)", "bob's nickname on alice3")
        wait_prop(alice3, carol, "NotifyMode", "none", "notify mode on alice3")
        # both devices showed bob again at the same time: any pin made since is a concurrent
        # change of the same key, and the devices agree on one winner
        alice.wait_for(lambda: alice.conversation_prop(bob_id, "Priority") ==
                       alice2.conversation_prop(bob_id, "Priority") ==
                       alice3.conversation_prop(bob_id, "Priority"), "the same priority everywhere")
        wait_prop(alice3, bob_id, "MarkedUnread", False, "MarkRead cleared marked unread")
        wait_prop(alice3, bob_id, "UnreadCount", 0, "bob's messages read on alice3")
        wait_prop(alice3, alice_id, "Pinned", True, "Note to Self pinned on alice3")
        assert_eq(alice3.account_prop("DisplayName"), "Alice A.", "display name on alice3")

        log("the swarm keeps only the current configs, for 30 days")
        def config_items():
            items = testnet.control({"action": "messages", "pubkey": alice_id,
                                     "all_namespaces": True})["messages"]
            return [i for i in items if i["namespace"] in (2, 3, 4, 5)]
        # once nothing is left to push, each push has deleted what it replaced
        try:
            alice.wait_for(lambda: all(len([i for i in config_items() if i["namespace"] == ns]) == 1
                                       for ns in (2, 3, 4)), "one item per config namespace", timeout=15)
        except AssertionError:
            log("items", [(i["namespace"], i["hash"][:8], i["timestamp"]) for i in config_items()])
            log(alice.read_log(0)[-6000:])
            raise
        # (the same bytes stored again later keep the first timestamp and the later expiry)
        month = 30 * 24 * 3600 * 1000
        for item in config_items():
            ttl = item["expiration"] - item["timestamp"]
            assert month <= ttl < month + 600 * 1000, "TTL of 30 days: %d" % ttl

        log("a pin made on a restored device before its first config retrieval completes")
        # the swarm's Contacts is many seqnos ahead of the device's local change (seqno 1 from
        # empty): the merge drops that change, which must still win for the key it touched
        testnet.control({"action": "latency", "node": "all", "ms": 2500})
        alice4 = Daemon("alice4", testnet)
        alice4.account("RestoreAccount", "sa{sv}", phrase, {})
        alice4.account("OpenConversation", "s", carol)
        alice4.conversation(carol, "SetPriority", "x", 7)
        assert not alice4.account_prop("ConfigSynced"), "pinned before the first sync"
        testnet.control({"action": "latency", "node": "all", "ms": 0})
        alice4.wait_for(lambda: alice4.account_prop("ConfigSynced"), "alice4 synced")
        wait_prop(alice4, carol, "Nickname", "C.", "the swarm's nickname on alice4")
        wait_prop(alice4, carol, "Priority", 7, "the pin made before the sync stays")
        wait_prop(alice, carol, "Priority", 7, "and reaches the first device")
    except AssertionError:
        # what the devices' config sync did, for the failure report
        for daemon in (alice, alice2, alice3, alice4):
            if daemon is not None and daemon.proc is not None:
                log(daemon.name, "\n".join(l for l in daemon.read_log(0).splitlines()
                                           if "SdConfigSync" in l)[-4000:])
        raise
    finally:
        for daemon in (alice, bob, alice2, alice3, alice4):
            if daemon is not None:
                daemon.close()


if __name__ == "__main__":
    run(test)
