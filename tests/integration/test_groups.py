#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Groups v2 in the daemon (issue 18, docs/groups.md): alice creates a group with bob; bob's
invite (alice is not his approved contact) waits as a pending group conversation until he
accepts it; then both chat in the group, each reading the other's messages from the group's
swarm. alice's restored second device finds the group through the UserGroups config and
reads and writes it as admin. carol, not a member, has no group and cannot accept or send to it;
her own group (made with sessionctl) is accepted by alice and declined by bob."""

import json
import os
import subprocess

from gi.repository import GLib  # noqa: E402

from harness import Daemon, assert_eq, log, run  # noqa: E402


def conversation_ids(daemon):
    return [path.rsplit("/", 1)[1] for path in daemon.managed_conversations()]


def bodies(daemon, group_id, author):
    return [m["body"] for m in daemon.messages(group_id) if m.get("author") == author]


def sessionctl(daemon, *args):
    r = subprocess.run([os.environ["SESSIONCTL"], "--json"] + list(args), env=daemon.bus.env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, "sessionctl %s failed: %s" % (args, r.stderr)
    return [json.loads(line) for line in r.stdout.splitlines()]


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdGroups SdGroupPoller"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    carol = Daemon("carol", testnet)
    alice2 = None
    try:
        alice.account("CreateAccount", "a{sv}", {"display-name": GLib.Variant("s", "Alice")})
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        carol_id = carol.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Carol")})[0]
        alice_id = alice.account_prop("SessionId")

        log("refused before anything is made")
        alice.expect_error("InvalidArgument", alice.account, "CreateGroup", "sas", "", [bob_id])
        alice.expect_error("InvalidArgument", alice.account, "CreateGroup", "sas", "x" * 101,
                           [bob_id])
        alice.expect_error("InvalidArgument", alice.account, "CreateGroup", "sas", "tab\there",
                           [bob_id])
        alice.expect_error("InvalidSessionId", alice.account, "CreateGroup", "sas", "Crew",
                           ["05" + "0" * 10])
        alice.expect_error("InvalidArgument", alice.account, "CreateGroup", "sas", "Crew",
                           ["05%064x" % i for i in range(1, 102)])
        assert not [i for i in conversation_ids(alice) if i.startswith("03")], "nothing made"

        log("alice creates a group with bob")
        path = alice.account("CreateGroup", "sas", "Crew", [bob_id])[0]
        group_id = path.rsplit("/", 1)[1]
        assert group_id.startswith("03") and len(group_id) == 66, group_id
        assert_eq(alice.conversation_prop(group_id, "Kind"), "group", "alice's kind")
        assert_eq(alice.conversation_prop(group_id, "Name"), "Crew", "alice's name")
        assert_eq(alice.conversation_prop(group_id, "Approved"), True, "alice's is accepted")
        assert_eq(sorted(alice.conversation_prop(group_id, "Members")), sorted([alice_id, bob_id]),
                  "alice's members")
        # a group we are in is no invite: declining it must not delete it
        alice.expect_error("InvalidArgument", alice.account, "DeclineGroupInvite", "s", group_id)
        assert group_id in conversation_ids(alice), "declining a joined group deleted it"

        log("bob gets the invite: a pending group conversation")
        bob.wait_for(lambda: group_id in conversation_ids(bob), "bob has the group")
        assert_eq(bob.conversation_prop(group_id, "Kind"), "group", "bob's kind")
        assert_eq(bob.conversation_prop(group_id, "Name"), "Crew", "the invite's name")
        assert_eq(bob.conversation_prop(group_id, "Approved"), False, "a stranger's invite")
        bob.expect_error("AccessDenied", bob.conversation, group_id, "SendMessage", "sa{sv}",
                         "too early", {})

        log("alice writes before bob accepts; bob reads it once he does")
        alice.conversation(group_id, "SendMessage", "sa{sv}", "hello group", {})
        alice.wait_for(lambda: [m["status"] for m in alice.messages(group_id)] == ["sent"],
                       "alice's message is in the group's swarm")
        assert_eq(bob.messages(group_id), [], "a pending group is not read")
        bob.account("AcceptGroupInvite", "s", group_id)
        bob.wait_for(lambda: bob.conversation_prop(group_id, "Approved"), "bob accepted")
        bob.wait_for(lambda: bodies(bob, group_id, alice_id) == ["hello group"],
                     "bob reads alice's group message")
        bob.wait_for(lambda: sorted(bob.conversation_prop(group_id, "Members"))
                     == sorted([alice_id, bob_id]), "bob read the Members config")

        log("bob answers in the group, alice reads it")
        bob.conversation(group_id, "SendMessage", "sa{sv}", "hi alice", {})
        bob.wait_for(lambda: any(m["body"] == "hi alice" and m["status"] == "sent"
                                 for m in bob.messages(group_id)), "bob's message is stored")
        alice.wait_for(lambda: bodies(alice, group_id, bob_id) == ["hi alice"],
                       "alice reads bob's group message")
        alice.wait_for(lambda: any(member == "MessageAdded" and path.endswith(group_id)
                                   and args[0].get("body") == "hi alice"
                                   for path, iface, member, args in alice.signals),
                       "alice's MessageAdded for bob's group message")
        alice.conversation(group_id, "SendMessage", "sa{sv}", "second", {})
        bob.wait_for(lambda: bodies(bob, group_id, alice_id) == ["second", "hello group"],
                     "bob reads the next one too")
        bob.wait_for(lambda: bob.conversation_prop(group_id, "UnreadCount") == 2,
                     "alice's two messages are unread for bob")
        # each message once, on both sides
        assert_eq(sorted(m["body"] for m in alice.messages(group_id)),
                  ["hello group", "hi alice", "second"], "alice's group")
        assert_eq(sorted(m["body"] for m in bob.messages(group_id)),
                  ["hello group", "hi alice", "second"], "bob's group")

        log("alice's restored second device finds the group in UserGroups and reads it")
        alice2 = Daemon("alice2", testnet)
        alice2.account("RestoreAccount", "sa{sv}", alice.account("GetRecoveryPhrase")[0], {})
        alice2.wait_for(lambda: group_id in conversation_ids(alice2), "alice2 has the group",
                        timeout=120)
        assert_eq(alice2.conversation_prop(group_id, "Kind"), "group", "alice2's kind")
        alice2.wait_for(lambda: sorted(m["body"] for m in alice2.messages(group_id))
                        == ["hello group", "hi alice", "second"], "alice2 reads the group")
        assert_eq(sorted(m["body"] for m in alice2.messages(group_id) if m["outgoing"]),
                  ["hello group", "second"], "alice's own messages are hers on alice2")
        # alice2 holds the seed (admin): it can write to the group too
        alice2.conversation(group_id, "SendMessage", "sa{sv}", "from my laptop", {})
        bob.wait_for(lambda: "from my laptop" in bodies(bob, group_id, alice_id),
                     "bob reads alice2's message")

        log("carol, not a member, has no group and cannot join or write")
        assert group_id not in conversation_ids(carol), "carol has no group"
        carol.expect_error("NotFound", carol.account, "AcceptGroupInvite", "s", group_id)
        for bad in ["", "03", "03" + "zz" * 32, bob_id, "x" * 5000]:
            carol.expect_error("NotFound", carol.account, "AcceptGroupInvite", "s", bad)
            carol.expect_error("NotFound", carol.account, "DeclineGroupInvite", "s", bad)
        carol.expect_error("InvalidSessionId", carol.account, "Send", "ssa{sv}", group_id,
                           "let me in", {})
        assert group_id not in conversation_ids(carol), "still none"
        assert carol_id not in conversation_ids(alice), "nothing from carol"

        log("sessionctl: carol makes her own group with alice and bob; alice accepts, bob declines")
        second = sessionctl(carol, "group-create", "Second", alice_id, bob_id)[0]["group_id"]
        assert second.startswith("03") and second != group_id, second
        alice.wait_for(lambda: second in conversation_ids(alice), "alice has carol's invite")
        assert_eq(alice.conversation_prop(second, "Approved"), False, "pending for alice")
        sessionctl(alice, "group-accept", second)
        assert_eq(alice.conversation_prop(second, "Approved"), True, "accepted")
        carol.conversation(second, "SendMessage", "sa{sv}", "welcome", {})
        alice.wait_for(lambda: bodies(alice, second, carol_id) == ["welcome"],
                       "alice reads carol's group")
        bob.wait_for(lambda: second in conversation_ids(bob), "bob has carol's invite")
        bob.account("DeclineGroupInvite", "s", second)
        bob.wait_for(lambda: second not in conversation_ids(bob), "declined: gone")
        bob.expect_error("NotFound", bob.account, "AcceptGroupInvite", "s", second)
    finally:
        for daemon in (alice, bob, carol, alice2):
            if daemon is not None:
                daemon.close()


if __name__ == "__main__":
    run(test)
