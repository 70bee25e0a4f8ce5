#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Groups v2 beyond text (issue 18, docs/groups.md "Media and disappearing messages"): alice
(admin) sets the group's picture and bob (member) fetches it from the Info config and gives it
with OpenAvatar; a file sent to the group arrives byte for byte and a message of attachments
alone arrives too; a message whose upload the file server refuses fails, and ResendMessage
(sessionctl resend) sends it again, uploading only the refused file, and bob gets it once, also when a kill -9 cuts the resend
off in its upload; alice sets an after-send timer of 10 s, bob sees it as the conversation's
ExpirationMode/ExpirationTimer, his next message disappears on both sides (a message sent
before the timer stays), and after alice turns it off the next message stays. Members may not
set the picture or the timer, and a timer the official clients do not offer is refused. Each
change is an event on both sides (group-avatar-changed, group-disappearing-changed with the
seconds), and alice clearing the picture (`sessionctl group-avatar ID --remove`) takes it from bob
too."""

import hashlib
import json
import os
import signal
import subprocess
import sys

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gio, GLib  # noqa: E402

from harness import ACCOUNT_PATH, BUS_NAME, Daemon, assert_eq, log, run  # noqa: E402
from test_attachments import open_attachment, opt, send, sessionctl, temp_file  # noqa: E402
import test_attachments  # noqa: E402


def make_png(rgba):
    """a small PNG of one colour (no metadata: the daemon's copy is the same bytes)"""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, 40, 30)
    pixbuf.fill(rgba)
    ok, data = pixbuf.save_to_bufferv("png", [], [])
    assert ok
    return bytes(data)


def set_group_avatar(daemon, group_id, data):
    fd = temp_file(data)
    try:
        fds = Gio.UnixFDList()
        daemon.bus.connection.call_with_unix_fd_list_sync(
            BUS_NAME, ACCOUNT_PATH, "org.sessiond.Account1", "SetGroupAvatar",
            GLib.Variant("(sh)", (group_id, fds.append(fd))), None, Gio.DBusCallFlags.NONE,
            120000, fds, None)
    finally:
        os.close(fd)


def open_avatar(daemon, group_id):
    """the group's picture as the daemon gives it, None while it is not fetched"""
    return test_attachments.open_avatar(daemon, group_id)


def bodies(daemon, group_id):
    return [m["body"] for m in daemon.messages(group_id) if m.get("kind") == "text"]


def find(daemon, group_id, message_id):
    return next((m for m in daemon.messages(group_id) if m["id"] == message_id), None)


def removed(daemon, message_id):
    """a MessageRemoved for @message_id was seen (added late or early, it is removed after)"""
    return any(member == "MessageRemoved" and args[0] == message_id
               for (_, _, member, args) in daemon.signals)


def events(daemon, group_id, kind):
    """(author, body) of the group events of @kind, oldest first"""
    return [(m["author"], m["body"]) for m in reversed(daemon.messages(group_id))
            if m.get("kind") == kind]


def clear_group_avatar(daemon, group_id, value=None, **more):
    changes = {"avatar": value if value is not None else GLib.Variant("s", "")}
    changes.update(more)
    daemon.account("SetGroupInfo", "sa{sv}", group_id, changes)


def sessionctl_error(daemon, *args):
    """the JSON error of a sessionctl run that must fail"""
    r = subprocess.run([os.environ["SESSIONCTL"], "--json"] + list(args), env=daemon.bus.env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 1, "sessionctl %s: %d %r" % (args, r.returncode, r.stdout)
    return json.loads(r.stderr)


def set_disappearing(daemon, group_id, seconds):
    daemon.account("SetGroupInfo", "sa{sv}", group_id,
                   {"disappearing": GLib.Variant("u", seconds)})


def test(testnet):
    os.environ["G_MESSAGES_DEBUG"] = "SdGroups SdAttachments"
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice.account("CreateAccount", "a{sv}", {"display-name": GLib.Variant("s", "Alice")})
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        alice_id = alice.account_prop("SessionId")

        log("alice creates a group with bob, bob accepts and reads her first message")
        group_id = alice.account("CreateGroup", "sas", "Media", [bob_id])[0].rsplit("/", 1)[1]
        bob.wait_for(lambda: group_id in [p.rsplit("/", 1)[1]
                                          for p in bob.managed_conversations()],
                     "bob has the invite")
        bob.account("AcceptGroupInvite", "s", group_id)
        alice.conversation(group_id, "SendMessage", "sa{sv}", "before the timer", {})
        bob.wait_for(lambda: bodies(bob, group_id) == ["before the timer"],
                     "bob reads alice's first message", timeout=180)

        log("the group's picture: members may not set it; alice's reaches bob")
        picture = make_png(0x3366ccff)
        bob.expect_error("AccessDenied", set_group_avatar, bob, group_id, picture)
        alice.expect_error("NotFound", set_group_avatar, alice, "03" + "ab" * 32, picture)
        assert_eq(open_avatar(bob, group_id), None, "no picture yet")
        set_group_avatar(alice, group_id, picture)
        assert_eq(open_avatar(alice, group_id), picture, "alice's own copy of the picture")
        assert alice.account("GetGroupInfo", "s", group_id)[0]["avatar-url"], "Info names it"
        bob.wait_for(lambda: open_avatar(bob, group_id) == picture,
                     "bob fetched the group's picture from its Info", timeout=180)
        assert_eq(bob.account("GetGroupInfo", "s", group_id)[0]["avatar-url"],
                  alice.account("GetGroupInfo", "s", group_id)[0]["avatar-url"],
                  "bob's Info names alice's upload")
        # the INFO_CHANGE that announced it is an event on both sides, alice's read back
        bob.wait_for(lambda: events(bob, group_id, "group-avatar-changed") == [(alice_id, "")],
                     "bob sees alice changed the group picture", timeout=180)
        alice.wait_for(lambda: events(alice, group_id, "group-avatar-changed")
                       == [(alice_id, "")], "alice sees her picture change", timeout=180)

        log("a file sent to the group arrives byte for byte")
        data = os.urandom(150000)
        fd = temp_file(data)
        try:
            message_id = send(alice, group_id, "the report",
                              [(fd, opt(file_name="report.bin",
                                        content_type="application/octet-stream"))])
        finally:
            os.close(fd)
        alice.wait_for(lambda: (find(alice, group_id, message_id) or {}).get("status") == "sent",
                       "alice's message with a file went out after its upload", timeout=180)
        bob.wait_for(lambda: [a["state"] for a in
                              (find(bob, group_id, message_id) or {}).get("attachments", [])]
                     == ["available"], "bob downloaded the group's file", timeout=180)
        got = open_attachment(bob, group_id, message_id, 0)
        assert_eq(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest(),
                  "the file bob reads")
        assert_eq(find(bob, group_id, message_id)["attachments"][0]["file-name"], "report.bin",
                  "its name")
        assert_eq(find(bob, group_id, message_id)["body"], "the report", "its text")

        log("a refused upload fails a group message; ResendMessage sends it, once")
        # the file server takes blobs up to 25,000 bytes for a while: the first file's (about
        # 20,100) goes, the second's (about 31,100) is refused (413: at once), whatever the
        # timing, since uploads go one at a time in order
        testnet.control({"action": "file_limit", "bytes": 25000})
        first, second = os.urandom(20000), os.urandom(30000)
        fd1, fd2 = temp_file(first), temp_file(second)
        try:
            refused_id = send(alice, group_id, "refused once",
                              [(fd1, opt(file_name="first.bin")),
                               (fd2, opt(file_name="second.bin"))])
        finally:
            os.close(fd1)
            os.close(fd2)
        # (the first file ends available even if a passing error put it after the second)
        alice.wait_for(lambda: (lambda m: m.get("status") == "failed" and
                                [a["state"] for a in m.get("attachments", [])]
                                == ["available", "failed"])(find(alice, group_id, refused_id)
                                                            or {}),
                       "a refused upload fails the group message; the first file went",
                       timeout=180)
        testnet.control({"action": "file_clear"})
        alice.wait_for(lambda: any(member == "MessageChanged" and args[0] == refused_id and
                                   args[1]["status"] == "failed"
                                   for (_, _, member, args) in alice.signals),
                       "MessageChanged tells the failure")
        alice.expect_error("NotFailed", alice.conversation, group_id, "ResendMessage", "s",
                           message_id)
        alice.expect_error("NotFound", alice.conversation, group_id, "ResendMessage", "s",
                           alice_id + "-1")
        bob.expect_error("NotFailed", bob.conversation, group_id, "ResendMessage", "s",
                         message_id)
        # every signal sent before this round trip is dispatched: those after the mark are
        # the resend's
        alice.messages(group_id)
        while GLib.MainContext.default().iteration(False):
            pass
        mark = len(alice.signals)
        assert_eq(sessionctl(alice, "resend", group_id, refused_id),
                  [{"conversation": group_id, "action": "resend", "message_id": refused_id}],
                  "sessionctl resend of a group message")
        alice.wait_for(lambda: (find(alice, group_id, refused_id) or {}).get("status") == "sent",
                       "sent after ResendMessage", timeout=180)
        alice.wait_for(lambda: any(member == "MessageChanged" and args[0] == refused_id and
                                   args[1]["status"] == "sent"
                                   for (_, _, member, args) in alice.signals[mark:]),
                       "MessageChanged tells it went")
        changes = [args[1] for (_, _, member, args) in alice.signals[mark:]
                   if member == "MessageChanged" and args[0] == refused_id]
        assert_eq({c["attachments"][0]["state"] for c in changes}, {"available"},
                  "the first file is not uploaded again")
        assert "uploading" in {c["attachments"][1]["state"] for c in changes}, changes
        assert_eq(changes[0]["status"], "sending", "back to sending first")
        bob.wait_for(lambda: [a["state"] for a in
                              (find(bob, group_id, refused_id) or {}).get("attachments", [])]
                     == ["available"] * 2, "bob gets both files of the resent message",
                     timeout=180)
        assert_eq(open_attachment(bob, group_id, refused_id, 0), first, "the first file")
        assert_eq(open_attachment(bob, group_id, refused_id, 1), second, "the second file")
        assert_eq(bodies(bob, group_id).count("refused once"), 1, "the message once at bob")
        alice.expect_error("NotFailed", alice.conversation, group_id, "ResendMessage", "s",
                           refused_id)

        log("a resent group message cut off by kill -9 in its upload goes after the restart")
        testnet.control({"action": "file_limit", "bytes": 25000})
        fd = temp_file(second)
        try:
            cut_id = send(alice, group_id, "resent across a restart",
                          [(fd, opt(file_name="cut.bin"))])
        finally:
            os.close(fd)
        alice.wait_for(lambda: (find(alice, group_id, cut_id) or {}).get("status") == "failed",
                       "refused, failed", timeout=180)
        testnet.control({"action": "file_clear"})
        testnet.control({"action": "file_latency", "ms": 4000})
        requests = testnet.control({"action": "file_status"})["file_server"]["requests"]
        alice.conversation(group_id, "ResendMessage", "s", cut_id)
        alice.wait_for(lambda: testnet.control({"action": "file_status"})["file_server"]
                       ["requests"] > requests, "the upload reached the file server")
        alice.stop(signal.SIGKILL)
        testnet.control({"action": "file_clear"})
        alice.start()
        alice.wait_for(lambda: (find(alice, group_id, cut_id) or {}).get("status") == "sent",
                       "sent after the restart", timeout=180)
        bob.wait_for(lambda: [a["state"] for a in
                              (find(bob, group_id, cut_id) or {}).get("attachments", [])]
                     == ["available"], "bob gets it", timeout=180)
        assert_eq(open_attachment(bob, group_id, cut_id, 0), second, "its file")
        assert_eq(bodies(bob, group_id).count("resent across a restart"), 1, "once at bob")

        log("bob answers with a picture alone (no text)")
        fd = temp_file(picture)
        try:
            answer_id = send(bob, group_id, "", [(fd, opt(content_type="image/png"))])
        finally:
            os.close(fd)
        alice.wait_for(lambda: [a["state"] for a in
                                (find(alice, group_id, answer_id) or {}).get("attachments", [])]
                       == ["available"], "alice downloaded bob's picture", timeout=180)
        assert_eq(open_attachment(alice, group_id, answer_id, 0), picture, "bob's picture")

        log("disappearing messages: admins only, offered timers only")
        bob.expect_error("AccessDenied", set_disappearing, bob, group_id, 10)
        alice.expect_error("InvalidArgument", set_disappearing, alice, group_id, 11)
        alice.expect_error("InvalidArgument", alice.account, "SetGroupInfo", "sa{sv}", group_id,
                           {"disappearing": GLib.Variant("s", "10")})
        alice.expect_error("InvalidArgument", alice.conversation, group_id, "SetExpiration",
                           "su", "after-send", 43200)
        assert_eq(alice.conversation_prop(group_id, "ExpirationMode"), "off", "nothing changed")
        set_disappearing(alice, group_id, 10)
        assert_eq(alice.conversation_prop(group_id, "ExpirationMode"), "after-send",
                  "alice's setting")
        assert_eq(alice.conversation_prop(group_id, "ExpirationTimer"), 10, "alice's timer")
        bob.wait_for(lambda: bob.conversation_prop(group_id, "ExpirationTimer") == 10,
                     "bob read the timer from the group's Info", timeout=180)
        assert_eq(bob.conversation_prop(group_id, "ExpirationMode"), "after-send", "bob's mode")
        assert_eq(bob.account("GetGroupInfo", "s", group_id)[0]["disappearing"], 10,
                  "bob's GetGroupInfo")
        bob.wait_for(lambda: events(bob, group_id, "group-disappearing-changed")
                     == [(alice_id, "10")], "bob sees alice set the timer", timeout=180)
        alice.wait_for(lambda: events(alice, group_id, "group-disappearing-changed")
                       == [(alice_id, "10")], "alice sees her timer", timeout=180)

        log("bob's next message disappears on both sides")
        vanishing = bob.conversation(group_id, "SendMessage", "sa{sv}", "gone soon", {})[0]
        mine = find(bob, group_id, vanishing)
        assert_eq(mine.get("expiration-timer"), 10, "bob's message carries the timer")
        assert mine.get("expires-at", 0) > 0, "bob's message expires"
        alice.wait_for(lambda: removed(alice, vanishing),
                       "bob's message disappeared at alice's", timeout=180)
        bob.wait_for(lambda: removed(bob, vanishing), "bob's message disappeared at his",
                     timeout=180)
        assert find(alice, group_id, vanishing) is None, "gone at alice's"
        assert find(bob, group_id, vanishing) is None, "gone at bob's"
        assert "before the timer" in bodies(bob, group_id), "an older message stays"

        log("turned off, messages stay")
        set_disappearing(alice, group_id, 0)
        assert_eq(alice.conversation_prop(group_id, "ExpirationMode"), "off", "alice: off")
        bob.wait_for(lambda: bob.conversation_prop(group_id, "ExpirationMode") == "off",
                     "bob read that it is off", timeout=180)
        staying = bob.conversation(group_id, "SendMessage", "sa{sv}", "stays", {})[0]
        assert "expires-at" not in find(bob, group_id, staying), "no expiry once off"
        alice.wait_for(lambda: find(alice, group_id, staying) is not None,
                       "alice reads bob's lasting message", timeout=180)
        assert "expires-at" not in find(alice, group_id, staying), "no expiry at alice's"
        bob.wait_for(lambda: events(bob, group_id, "group-disappearing-changed")
                     == [(alice_id, "10"), (alice_id, "0")], "bob sees it turned off",
                     timeout=180)
        alice.wait_for(lambda: events(alice, group_id, "group-disappearing-changed")
                       == [(alice_id, "10"), (alice_id, "0")], "alice sees it turned off",
                       timeout=180)
        assert all(m["outgoing"] for m in alice.messages(group_id)
                   if m.get("kind") in ("group-avatar-changed", "group-disappearing-changed")), \
            "alice's events are hers"
        assert not any(m["outgoing"] for m in bob.messages(group_id)
                       if m.get("kind") in ("group-avatar-changed",
                                            "group-disappearing-changed")), "not bob's"

        log("clearing the group's picture: admins only, \"\" only, on its own")
        bob.expect_error("AccessDenied", clear_group_avatar, bob, group_id)
        alice.expect_error("InvalidArgument", clear_group_avatar, alice, group_id,
                           GLib.Variant("s", "https://example.org/x"))
        alice.expect_error("InvalidArgument", clear_group_avatar, alice, group_id,
                           GLib.Variant("b", False))
        alice.expect_error("InvalidArgument", lambda: clear_group_avatar(
            alice, group_id, name=GLib.Variant("s", "Media 2")))
        assert_eq(sessionctl_error(bob, "group-avatar", group_id, "--remove")["error"],
                  "AccessDenied", "bob's sessionctl --remove")
        assert_eq(sessionctl_error(alice, "group-avatar", group_id)["error"], "Usage",
                  "neither a FILE nor --remove")
        assert_eq(open_avatar(alice, group_id), picture, "refused clears changed nothing")
        assert_eq(sessionctl(alice, "group-avatar", group_id, "--remove"),
                  [{"group_id": group_id}], "alice clears it with sessionctl")
        assert_eq(open_avatar(alice, group_id), None, "alice's picture is gone")
        assert_eq(alice.account("GetGroupInfo", "s", group_id)[0]["avatar-url"], "",
                  "alice's Info names none")
        bob.wait_for(lambda: open_avatar(bob, group_id) is None,
                     "bob's picture went with the Info without one", timeout=180)
        assert_eq(bob.account("GetGroupInfo", "s", group_id)[0]["avatar-url"], "",
                  "bob's Info names none")
        bob.wait_for(lambda: events(bob, group_id, "group-avatar-changed")
                     == [(alice_id, ""), (alice_id, "")], "bob sees the picture change again",
                     timeout=180)
        alice.wait_for(lambda: events(alice, group_id, "group-avatar-changed")
                       == [(alice_id, ""), (alice_id, "")], "alice sees her clearing",
                       timeout=180)

        log("sessionctl prints the events as lines")
        r = subprocess.run([os.environ["SESSIONCTL"], "messages", group_id],
                           env=dict(bob.bus.env, LANGUAGE="C", LC_ALL="C.UTF-8"),
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stderr
        who = alice_id[:10] + "…"
        for line in ["— %s changed the group picture —" % who,
                     "— %s set disappearing messages to after-send, 10 seconds —" % who,
                     "— %s turned off disappearing messages —" % who]:
            assert line in r.stdout.splitlines(), "%r in %r" % (line, r.stdout)
        assert_eq(alice_id, alice.account_prop("SessionId"), "still the same account")
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
    sys.exit(0)
