#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Groups v2 in the daemon (issue 18, docs/groups.md): alice creates a group with bob; bob's
invite (alice is not his approved contact) waits as a pending group conversation until he
accepts it; then both chat in the group, each reading the other's messages from the group's
swarm. alice's restored second device finds the group through the UserGroups config and
reads and writes it as admin. carol, not a member, has no group and cannot accept or send to it;
her own group (made with sessionctl) is accepted by alice and declined by bob.

Then what changes a group: an accepted invite shows as accepted at the admin; only admins
rename and describe, and the other members see the new name; in a third group alice promotes
carol (who then acts as admin) and removes bob (who learns it, cannot write and does not read
what comes after); bob leaves the first group (alice drops him from Members); carol destroys her
group (alice sees it destroyed and cannot write); a group message cut off by a restart goes out
after it; bob is invited back to the third group with its history (he reads what he missed)
and to the first without it (he does not); alice's two devices edit the first group at
once and everyone ends with both edits.

And (part 6): others' reactions are MessageChanged; a mention is announced with the name in
place of the id, also in capitals; a group's priority, mute and notify mode go between alice's
devices; alice deletes a message of bob's for everyone (sessionctl), bob unsends one of his
own, and alice removes him with his messages."""

import json
import os
import signal
import subprocess
import time

from gi.repository import GLib  # noqa: E402

from harness import Daemon, NotificationServer, assert_eq, log, run  # noqa: E402


def conversation_ids(daemon):
    return [path.rsplit("/", 1)[1] for path in daemon.managed_conversations()]


def bodies(daemon, group_id, author):
    return [m["body"] for m in daemon.messages(group_id)
            if m.get("author") == author and m.get("kind") == "text"]


def events(daemon, group_id, kind):
    """(author, body) of the group events of @kind, oldest first"""
    return [(m["author"], m["body"]) for m in reversed(daemon.messages(group_id))
            if m.get("kind") == kind]


def group_info(daemon, group_id):
    return daemon.account("GetGroupInfo", "s", group_id)[0]


def member(daemon, group_id, member_id):
    """the member's entry in the daemon's GetGroupInfo, {} when absent"""
    return next((m for m in group_info(daemon, group_id)["members"] if m["id"] == member_id), {})


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

        log("a quote in the group: bob answers alice's first message, both see what it quotes")
        hello_id = next(m["id"] for m in bob.messages(group_id) if m["body"] == "hello group")
        bob.conversation(group_id, "SendMessage", "sa{sv}", "quoting you",
                         {"quote": GLib.Variant("s", hello_id)})
        reply = alice.wait_for(lambda: next((m for m in alice.messages(group_id)
                                             if m["body"] == "quoting you"), None),
                               "alice reads bob's quote")
        assert_eq((reply.get("quote-id"), reply.get("quote-author"), reply.get("quote-body")),
                  (hello_id, alice_id, "hello group"), "the quote resolves at alice")
        mine = next(m for m in bob.messages(group_id) if m["body"] == "quoting you")
        assert_eq((mine.get("quote-id"), mine.get("quote-body")), (hello_id, "hello group"),
                  "bob's own view of the quote")
        # a message of another conversation cannot be quoted in the group
        bob.expect_error("InvalidArgument", bob.conversation, group_id, "SendMessage", "sa{sv}",
                         "x", {"quote": GLib.Variant("s", alice_id + "-1")})

        log("reactions in the group: bob and alice react to the quote, alice takes hers back")
        reply_id = reply["id"]
        bob.conversation(group_id, "AddReaction", "ss", reply_id, "👍")
        assert_eq(next(m for m in bob.messages(group_id) if m["id"] == reply_id)["reactions"],
                  [("👍", 1, True)], "bob's own view of his reaction")
        alice.wait_for(lambda: next(m for m in alice.messages(group_id)
                                    if m["id"] == reply_id).get("reactions")
                       == [("👍", 1, False)], "alice sees bob's reaction")
        # another member's reaction is a MessageChanged, as our own are
        alice.wait_for(lambda: any(member == "MessageChanged" and path.endswith(group_id)
                                   and args[0] == reply_id
                                   for path, iface, member, args in alice.signals),
                       "alice's MessageChanged for bob's reaction")
        alice.conversation(group_id, "AddReaction", "ss", reply_id, "👍")
        bob.wait_for(lambda: next(m for m in bob.messages(group_id)
                                  if m["id"] == reply_id).get("reactions")
                     == [("👍", 2, True)], "bob sees both reactions")
        alice.conversation(group_id, "RemoveReaction", "ss", reply_id, "👍")
        bob.wait_for(lambda: next(m for m in bob.messages(group_id)
                                  if m["id"] == reply_id).get("reactions")
                     == [("👍", 1, True)], "alice's reaction taken back")
        for bad in ["", "a b", "\x01", "x" * 33]:
            bob.expect_error("InvalidArgument", bob.conversation, group_id, "AddReaction", "ss",
                             reply_id, bad)
        bob.expect_error("InvalidArgument", bob.conversation, group_id, "AddReaction", "ss",
                         alice_id + "-1", "👍")

        log("mentions only: alice is notified of bob's message that names her, not the other")
        notes = NotificationServer(alice.bus)
        alice.conversation(group_id, "SetNotifyMode", "s", "mentions")
        assert_eq(alice.conversation_prop(group_id, "NotifyMode"), "mentions",
                  "a group keeps the mentions mode")
        bob.conversation(group_id, "SendMessage", "sa{sv}", "not for you @" + bob_id, {})
        bob.conversation(group_id, "SendMessage", "sa{sv}", "look @" + alice_id, {})
        # an id in capitals names her too
        bob.conversation(group_id, "SendMessage", "sa{sv}", "LOUD @" + alice_id.upper(), {})
        alice.wait_for(lambda: "look @" + alice_id in bodies(alice, group_id, bob_id)
                       and "not for you @" + bob_id in bodies(alice, group_id, bob_id),
                       "alice reads both")
        # the notification shows the name in place of the id, as the official clients do
        alice.wait_for(lambda: any(n[3] == "look @Alice" for n in notes.notifications),
                       "the mention is announced with alice's name")
        alice.wait_for(lambda: any(n[3] == "LOUD @Alice" for n in notes.notifications),
                       "a mention in capitals is announced")
        assert not any("not for you" in n[3] for n in notes.notifications), \
            "a message that does not name alice is not announced"
        alice.conversation(group_id, "SetNotifyMode", "s", "all")

        log("the group's priority, mute and notify mode reach alice's other device (UserGroups)")
        muted = (int(time.time()) + 3600) * 1000  # the entry keeps whole seconds
        alice.conversation(group_id, "SetPriority", "x", 3)
        alice.conversation(group_id, "SetMutedUntil", "x", muted)
        alice.conversation(group_id, "SetNotifyMode", "s", "mentions")

        def settings(d):
            return (d.conversation_prop(group_id, "Priority"),
                    d.conversation_prop(group_id, "MutedUntil"),
                    d.conversation_prop(group_id, "NotifyMode"))
        alice2.wait_for(lambda: settings(alice2) == (3, muted, "mentions"),
                        "alice2 has alice's settings of the group", timeout=120)
        alice2.conversation(group_id, "SetPriority", "x", 0)
        alice2.conversation(group_id, "SetMutedUntil", "x", 0)
        alice2.conversation(group_id, "SetNotifyMode", "s", "all")
        alice.wait_for(lambda: settings(alice) == (0, 0, "all"),
                       "and alice has alice2's", timeout=120)

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

        log("bob accepted Crew: alice (admin) sees his invite accepted, from his response")
        alice.wait_for(lambda: member(alice, group_id, bob_id).get("invite") == "none",
                       "alice sees bob's invite accepted")
        assert_eq(member(alice, group_id, alice_id).get("admin"), True, "alice is admin")
        assert_eq(member(alice, group_id, bob_id).get("admin"), False, "bob is no admin")
        bob.wait_for(lambda: member(bob, group_id, bob_id).get("invite") == "none",
                     "bob reads the Members change")
        info = group_info(bob, group_id)
        assert_eq((info["admin"], info["removed"], info["destroyed"], info["pending"]),
                  (False, False, False, False), "bob's view of Crew")
        carol.expect_error("NotFound", carol.account, "GetGroupInfo", "s", group_id)

        log("only admins rename; alice renames and describes Crew, bob sees it")
        bob.expect_error("AccessDenied", bob.account, "SetGroupInfo", "sa{sv}", group_id,
                         {"name": GLib.Variant("s", "Mine")})
        for bad in [{}, {"name": GLib.Variant("s", "")}, {"name": GLib.Variant("s", "x" * 101)},
                    {"name": GLib.Variant("s", "tab\there")},
                    {"description": GLib.Variant("s", "d" * 2001)}]:
            alice.expect_error("InvalidArgument", alice.account, "SetGroupInfo", "sa{sv}",
                               group_id, bad)
        assert_eq(alice.conversation_prop(group_id, "Name"), "Crew", "refused renames change nothing")
        unread_before = bob.conversation_prop(group_id, "UnreadCount")
        alice.account("SetGroupInfo", "sa{sv}", group_id,
                      {"name": GLib.Variant("s", "Crew 2"),
                       "description": GLib.Variant("s", "our crew")})
        assert_eq(alice.conversation_prop(group_id, "Name"), "Crew 2", "alice's new name")
        bob.wait_for(lambda: bob.conversation_prop(group_id, "Name") == "Crew 2",
                     "bob sees the new name")
        assert_eq(group_info(bob, group_id)["description"], "our crew", "bob's description")
        alice2.wait_for(lambda: alice2.conversation_prop(group_id, "Name") == "Crew 2",
                        "alice2 sees the new name")
        # the INFO_CHANGE control message is shown (once) on both sides, never unread
        bob.wait_for(lambda: events(bob, group_id, "group-renamed") == [(alice_id, "Crew 2")],
                     "bob's conversation shows the rename")
        alice.wait_for(lambda: events(alice, group_id, "group-renamed") == [(alice_id, "Crew 2")],
                       "alice's too, read back")
        assert_eq(bob.conversation_prop(group_id, "UnreadCount"), unread_before,
                  "an event is not unread")

        log("alice makes Team with bob and carol; both accept")
        team = alice.account("CreateGroup", "sas", "Team", [bob_id, carol_id])[0].rsplit("/", 1)[1]
        for d in (bob, carol):
            d.wait_for(lambda: team in conversation_ids(d), "%s has the Team invite" % d.name)
            d.account("AcceptGroupInvite", "s", team)
        alice.conversation(team, "SendMessage", "sa{sv}", "hi team", {})
        for d in (bob, carol):
            d.wait_for(lambda: bodies(d, team, alice_id) == ["hi team"],
                       "%s reads Team" % d.name)
        alice.wait_for(lambda: all(member(alice, team, x).get("invite") == "none"
                                   for x in (bob_id, carol_id)), "both invites accepted")

        log("members may not promote or remove; alice promotes carol")
        bob.expect_error("AccessDenied", bob.account, "PromoteGroupMembers", "sas", team,
                         [carol_id])
        bob.expect_error("AccessDenied", bob.account, "RemoveGroupMembers", "sas", team,
                         [alice_id])
        alice.expect_error("InvalidArgument", alice.account, "RemoveGroupMembers", "sas", team,
                           [alice_id])
        alice.expect_error("InvalidArgument", alice.account, "RemoveGroupMembers", "sas", team,
                           ["05" + "ab" * 32])
        alice.expect_error("InvalidArgument", alice.account, "RemoveGroupMembers", "sas", team, [])
        alice.expect_error("InvalidSessionId", alice.account, "PromoteGroupMembers", "sas", team,
                           ["nope"])
        alice.account("PromoteGroupMembers", "sas", team, [carol_id])
        assert_eq(member(alice, team, carol_id).get("promotion"), "sent", "promotion sent")
        carol.wait_for(lambda: group_info(carol, team)["admin"], "carol holds the admin key")
        alice.wait_for(lambda: member(alice, team, carol_id).get("admin")
                       and member(alice, team, carol_id).get("promotion") == "none",
                       "alice sees carol as admin")
        bob.wait_for(lambda: events(bob, team, "group-members-promoted") == [(alice_id, carol_id)],
                     "bob's conversation shows the promotion")
        # carol acts as an admin: her rename reaches the others
        sessionctl(carol, "group-rename", team, "Team B")
        bob.wait_for(lambda: bob.conversation_prop(team, "Name") == "Team B",
                     "bob sees carol's rename")
        bob.wait_for(lambda: events(bob, team, "group-renamed") == [(carol_id, "Team B")],
                     "shown as carol's")

        log("alice deletes bob's message for everyone; members cannot")
        bob.conversation(team, "SendMessage", "sa{sv}", "oops", {})
        bob.conversation(team, "SendMessage", "sa{sv}", "keep this", {})
        for d in (alice, carol):
            d.wait_for(lambda: sorted(bodies(d, team, bob_id)) == ["keep this", "oops"],
                       "%s reads bob's two" % d.name)
        oops_id = next(m["id"] for m in alice.messages(team) if m["body"] == "oops")
        bob.expect_error("AccessDenied", bob.account, "DeleteGroupMemberContent", "sasas", team,
                         [], [oops_id])
        alice.expect_error("InvalidArgument", alice.account, "DeleteGroupMemberContent", "sasas",
                           team, [], [])
        alice.expect_error("InvalidArgument", alice.account, "DeleteGroupMemberContent", "sasas",
                           team, [], [hello_id])
        alice.expect_error("InvalidSessionId", alice.account, "DeleteGroupMemberContent",
                           "sasas", team, ["nope"], [])
        sessionctl(alice, "group-delete-content", team, oops_id)
        assert_eq(bodies(alice, team, bob_id), ["keep this"], "gone at alice at once")
        for d in (carol, bob):
            d.wait_for(lambda: bodies(d, team, bob_id) == ["keep this"],
                       "%s's copy of bob's message is deleted" % d.name)
        carol.wait_for(lambda: any(member == "MessageRemoved" and path.endswith(team)
                                   and args[0] == oops_id
                                   for path, iface, member, args in carol.signals),
                       "carol's MessageRemoved")

        log("bob unsends his own message: it goes for everyone; not someone else's")
        keep_id = next(m["id"] for m in bob.messages(team) if m["body"] == "keep this")
        hi_team_id = next(m["id"] for m in bob.messages(team) if m["body"] == "hi team")
        bob.expect_error("NotAuthor", bob.conversation, team, "DeleteMessage", "sb", hi_team_id,
                         True)
        bob.conversation(team, "DeleteMessage", "sb", keep_id, True)
        assert_eq(bodies(bob, team, bob_id), [], "gone at bob at once")
        for d in (alice, carol):
            d.wait_for(lambda: bodies(d, team, bob_id) == [],
                       "%s's copy of bob's unsent message is deleted" % d.name)
        assert_eq(bodies(carol, team, alice_id).count("hi team"), 1, "alice's message stays")
        bob.conversation(team, "SendMessage", "sa{sv}", "last words", {})
        for d in (alice, carol):
            d.wait_for(lambda: bodies(d, team, bob_id) == ["last words"],
                       "%s reads bob's next one" % d.name)

        log("alice removes bob with his messages while carol is offline: he learns it, cannot "
            "write and does not read what follows; carol catches up on the rekey, and his "
            "messages go for her")
        carol.stop()
        alice.account("RemoveGroupMembersAndContent", "sas", team, [bob_id])
        assert_eq(bodies(alice, team, bob_id), [], "bob's messages gone at alice")
        assert bob_id not in alice.conversation_prop(team, "Members"), "bob left Members"
        bob.wait_for(lambda: group_info(bob, team)["removed"], "bob learns he was removed")
        assert_eq(events(bob, team, "group-removed"), [(bob_id, "")], "bob's conversation says so")
        bob.expect_error("AccessDenied", bob.conversation, team, "SendMessage", "sa{sv}",
                         "still here?", {})
        alice.conversation(team, "SendMessage", "sa{sv}", "without bob", {})
        alice.wait_for(lambda: any(m["body"] == "without bob" and m["status"] == "sent"
                                   for m in alice.messages(team)), "sent while carol is away")
        carol.start()
        carol.wait_for(lambda: "without bob" in bodies(carol, team, alice_id),
                       "carol, back, reads under the key made while she was away")
        carol.wait_for(lambda: bob_id not in carol.conversation_prop(team, "Members"),
                       "carol's Members without bob")
        assert_eq(bodies(bob, team, alice_id), ["hi team"], "bob keeps only the history")
        carol.wait_for(lambda: events(carol, team, "group-members-removed") == [(alice_id, bob_id)],
                       "carol's conversation shows the removal")
        carol.wait_for(lambda: bodies(carol, team, bob_id) == [],
                       "bob's messages are deleted for carol")

        log("bob leaves Crew: his copy goes, alice drops him from Members")
        alice.expect_error("InvalidArgument", alice.account, "LeaveGroup", "s", group_id)
        bob.account("LeaveGroup", "s", group_id)
        assert group_id not in conversation_ids(bob), "bob forgot Crew"
        bob.expect_error("NotFound", bob.account, "GetGroupInfo", "s", group_id)
        alice.wait_for(lambda: bob_id not in alice.conversation_prop(group_id, "Members"),
                       "alice removed bob after he left")
        alice.wait_for(lambda: events(alice, group_id, "group-member-left") == [(bob_id, "")],
                       "alice's conversation shows bob left")

        log("carol destroys Second: alice sees it destroyed and cannot write")
        alice.expect_error("AccessDenied", alice.account, "DestroyGroup", "s", second)
        sessionctl(carol, "group-destroy", second)
        assert group_info(carol, second)["destroyed"], "carol's copy is destroyed"
        alice.wait_for(lambda: sessionctl(alice, "group-info", second)[0]["destroyed"],
                       "alice sees it destroyed")
        assert_eq(events(alice, second, "group-destroyed"), [(alice_id, "")],
                  "alice's conversation says so")
        alice.expect_error("AccessDenied", alice.conversation, second, "SendMessage", "sa{sv}",
                           "hello?", {})
        carol.expect_error("AccessDenied", carol.account, "SetGroupInfo", "sa{sv}", second,
                           {"name": GLib.Variant("s", "Back")})
        assert_eq(bodies(alice, second, carol_id), ["welcome"], "the history stays")

        log("a group message cut off by a restart goes out after it")
        testnet.control({"action": "force_status", "node": "all", "status": 503})
        alice.conversation(team, "SendMessage", "sa{sv}", "across a restart", {})
        alice.stop(signal.SIGKILL)
        testnet.control({"action": "clear"})
        alice.start()
        alice.wait_for(lambda: [m["status"] for m in alice.messages(team)
                                if m["body"] == "across a restart"] == ["sent"],
                       "sent after the restart", timeout=120)
        carol.wait_for(lambda: bodies(carol, team, alice_id).count("across a restart") == 1,
                       "carol reads it once")

        log("alice invites bob back to Team with the history: he reads what he missed")
        alice.expect_error("InvalidArgument", alice.account, "InviteGroupMembers", "sasb", team,
                           [carol_id], False)
        alice.expect_error("InvalidArgument", alice.account, "InviteGroupMembers", "sasb", team,
                           [alice_id], True)
        bob.expect_error("AccessDenied", bob.account, "InviteGroupMembers", "sasb", team,
                         [alice_id], False)
        sessionctl(alice, "group-invite", team, bob_id, "--history")
        assert_eq(member(alice, team, bob_id).get("invite"), "sent", "bob invited again")
        bob.wait_for(lambda: not group_info(bob, team)["removed"], "bob is back in Team")
        bob.wait_for(lambda: "without bob" in bodies(bob, team, alice_id),
                     "bob reads what came while he was out")
        alice.conversation(team, "SendMessage", "sa{sv}", "welcome back", {})
        bob.wait_for(lambda: "welcome back" in bodies(bob, team, alice_id), "and what follows")
        carol.wait_for(lambda: events(carol, team, "group-members-added") == [(alice_id, bob_id)],
                       "carol sees bob added")
        alice.wait_for(lambda: member(alice, team, bob_id).get("invite") == "none",
                       "bob's second invite response")

        log("alice invites bob back to Crew without the history (sessionctl)")
        alice.conversation(group_id, "SendMessage", "sa{sv}", "while bob was away", {})
        alice.wait_for(lambda: any(m["body"] == "while bob was away" and m["status"] == "sent"
                                   for m in alice.messages(group_id)), "stored")
        sessionctl(alice, "group-invite", group_id, bob_id)
        bob.wait_for(lambda: group_id in conversation_ids(bob), "bob has the new invite")
        bob.account("AcceptGroupInvite", "s", group_id)
        alice.conversation(group_id, "SendMessage", "sa{sv}", "fresh start", {})
        bob.wait_for(lambda: "fresh start" in bodies(bob, group_id, alice_id),
                     "bob reads what follows his invite")
        assert "while bob was away" not in bodies(bob, group_id, alice_id), \
            "without the history, what came while he was out stays closed"

        log("alice and her second device edit Crew at once: everyone ends with both edits")
        other = subprocess.Popen([os.environ["SESSIONCTL"], "group-describe", group_id,
                                  "both devices"], env=alice2.bus.env)
        alice.account("SetGroupInfo", "sa{sv}", group_id, {"name": GLib.Variant("s", "Crew 4")})
        assert_eq(other.wait(timeout=180), 0, "alice2's describe")
        for d in (alice, alice2, bob):
            d.wait_for(lambda: d.conversation_prop(group_id, "Name") == "Crew 4"
                       and group_info(d, group_id)["description"] == "both devices",
                       "%s has both edits" % d.name)
    finally:
        for daemon in (alice, bob, carol, alice2):
            if daemon is not None:
                daemon.close()


if __name__ == "__main__":
    run(test)
