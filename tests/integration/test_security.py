#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What another program of the same user can no longer do through the session bus
or the data directory (issue 14; the threat model is in tests/README.md):

- forge the notification server's signals (NotificationReplied, ActionInvoked,
  NotificationClosed) to send, approve or mark read: only the owner of
  org.freedesktop.Notifications is believed;
- have a sender's markup rendered, or read a stranger's name and text in a
  message-request notification;
- take org.sessiond.Daemon1 with REPLACE from a sessiond started without
  --replace (with --replace, one sessiond hands over to the next);
- run a second sessiond on the same data directory from another bus;
- read the database, its -wal and -shm: 0700/0600 on every start, whatever the
  umask and the modes found;
- PR_SET_DUMPABLE 0: only observable when not running as root (root owns a
  non-dumpable process's /proc files, and root is who the test runs as in CI)."""

import os
import signal
import stat
import subprocess
import time

from gi.repository import Gio, GLib

from harness import (BUS_NAME, Daemon, NotificationServer, PrivateBus, _die_with_parent,
                     assert_eq, daemon_network_args, log, run)

NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS_IFACE = "org.freedesktop.Notifications"


def incoming(daemon, peer):
    return [m["body"] for m in reversed(daemon.messages(peer)) if not m["outgoing"]]


def outgoing(daemon, peer):
    return [m["body"] for m in reversed(daemon.messages(peer)) if m["outgoing"]]


def other_connection(bus):
    """a second client on the bus: an unrelated program of the same user"""
    return Gio.DBusConnection.new_for_address_sync(
        bus.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def forge(connection, signal_name, signature, *args):
    connection.emit_signal(None, NOTIFICATIONS_PATH, NOTIFICATIONS_IFACE, signal_name,
                           GLib.Variant(signature, tuple(args)))
    connection.flush_sync(None)


def name_owner(bus):
    try:
        return bus.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetNameOwner", GLib.Variant("(s)", (BUS_NAME,)), None, 0, 10000,
            None).unpack()[0]
    except GLib.Error:
        return None


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def markup_escaped(text):
    """what g_markup_escape_text () makes of @text"""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def sessiond_args(daemon, data_dir, extra=()):
    return ([os.environ["SESSIOND"], "--data-dir", data_dir, "--seed",
             daemon.testnet.seed_url, "--poll-interval", "300"]
            + daemon_network_args(daemon.testnet) + list(extra))


def check_notifications(alice, bob, alice_id, bob_id):
    notes = NotificationServer(bob.bus, capabilities=("actions", "body", "body-markup",
                                                      "inline-reply"))
    forger = other_connection(bob.bus)
    try:
        # a stranger's request: no name, no text
        alice.account("Send", "ssa{sv}", bob_id, "buy cheap <b>watches</b>", {})
        bob.wait_for(lambda: len(notes.notifications) == 1, "a notification")
        nid, replaces, summary, body, actions, hints = notes.notifications[0]
        assert_eq((summary, body), ("New message request", ""), "a request's notification")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), False, "a request")
        assert_eq(bob.conversation_prop(alice_id, "UnreadCount"), 1, "unread")

        # the same signals the notification server would send, from another
        # program: nothing is sent, approved, marked read or forgotten
        forge(forger, "NotificationReplied", "(us)", nid, "forged reply")
        forge(forger, "ActionInvoked", "(us)", nid, "mark-read")
        forge(forger, "NotificationClosed", "(uu)", nid, 2)
        for other in range(1, 5):
            forge(forger, "NotificationReplied", "(us)", other, "forged reply %d" % other)
        time.sleep(1.5)  # several polls: a reply would have been sent by now
        assert_eq(outgoing(bob, alice_id), [], "no forged reply is sent")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), False,
                  "a forged reply approves nothing")
        assert_eq(bob.conversation_prop(alice_id, "UnreadCount"), 1,
                  "a forged mark-read marks nothing read")
        assert_eq(notes.closed, [], "nothing was withdrawn")
        assert_eq([b for b in incoming(alice, bob_id) if "forged" in b], [],
                  "alice received no forged reply")
        log("forged notification signals ignored")

        # the server's own signals still work, on the notification the forged
        # close did not make the daemon forget
        notes.emit("ActionInvoked", "(us)", nid, "mark-read")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "UnreadCount") == 0,
                     "the server's mark-read")
        bob.wait_for(lambda: nid in notes.closed, "read, the notification is withdrawn")
        alice.account("Send", "ssa{sv}", bob_id, "still there?", {})
        bob.wait_for(lambda: len(notes.notifications) == 2, "a second notification")
        nid = notes.notifications[1][0]
        notes.emit("NotificationReplied", "(us)", nid, "genuine reply")
        alice.wait_for(lambda: "genuine reply" in incoming(alice, bob_id),
                       "the server's inline reply is sent")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), True, "replying approves")

        # accepted, the text is shown, but as text: the server renders markup
        text = "<a href='http://evil.example/'>click</a> & \"<b>win</b>\""
        shown = len(notes.notifications)
        alice.account("Send", "ssa{sv}", bob_id, text, {})
        bob.wait_for(lambda: len(notes.notifications) > shown, "a notification with markup")
        summary, body = notes.notifications[-1][2:4]
        assert_eq(summary, "Alice", "the summary names the accepted sender")
        assert_eq(body, markup_escaped(text), "markup is escaped for a body-markup server")
        log("notification content ok")
    finally:
        forger.close_sync(None)


def check_no_takeover(bob):
    owner = name_owner(bob.bus)
    impostor = other_connection(bob.bus)
    try:
        # DBUS_NAME_FLAG_REPLACE_EXISTING | DBUS_NAME_FLAG_DO_NOT_QUEUE
        reply = impostor.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", GLib.Variant("(su)", (BUS_NAME, 2 | 4)), None, 0, 10000,
            None).unpack()[0]
        assert_eq(reply, 3, "RequestName with REPLACE: EXISTS, not PRIMARY_OWNER")
        time.sleep(0.3)
        assert_eq(name_owner(bob.bus), owner, "the name stays with sessiond")
        assert_eq(bob.proc.poll(), None, "sessiond still runs")
        assert_eq(len(bob.account_prop("SessionId")), 66, "sessiond still answers")
    finally:
        impostor.close_sync(None)
    log("no takeover without --replace")


def check_second_daemon(alice):
    """another bus (an SSH session, say), the same data directory"""
    bus = PrivateBus("second")
    try:
        r = subprocess.run(sessiond_args(alice, alice.data_dir), env=bus.env,
                           capture_output=True, text=True, timeout=30,
                           preexec_fn=_die_with_parent)
        log("second daemon:", r.returncode, r.stderr.strip())
        assert r.returncode != 0, "a second sessiond on the data dir exits non-zero"
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert_eq(len(lines), 1, "one line of explanation")
        assert "another sessiond already uses the data directory" in lines[0], lines[0]
        assert alice.data_dir in lines[0], lines[0]
    finally:
        bus.stop()
    assert_eq(alice.proc.poll(), None, "the first still runs")
    assert_eq(len(alice.account_prop("SessionId")), 66, "the first still answers")
    log("second daemon refused")


def check_replace(testnet):
    """--replace hands over from a sessiond started with --replace, data dir and all"""
    first = Daemon("replaceable", testnet, extra_args=["--replace"])
    second = None
    try:
        first_id = first.account("CreateAccount", "a{sv}", {})[0]
        owner = name_owner(first.bus)
        log_path = os.path.join(first.bus.dir, "second.log")
        second = subprocess.Popen(sessiond_args(first, first.data_dir, ["--replace"]),
                                  env=first.bus.env, stdout=open(log_path, "w"),
                                  stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        first.proc.wait(30)
        assert_eq(first.proc.returncode, 1, "the replaced sessiond exits with 1")
        assert "replaced by another sessiond" in first.read_log(), first.read_log()
        first.wait_for(lambda: name_owner(first.bus) not in (None, owner),
                       "the new sessiond owns the name")
        # it owns the name before it has the data dir, and exports its objects once it has

        def reopened():
            try:
                return first.account_prop("SessionId") == first_id
            except GLib.Error:
                return False

        first.wait_for(reopened, "the new sessiond opened the account")
        assert_eq(second.poll(), None, "the new sessiond runs")
    finally:
        if second is not None and second.poll() is None:
            second.send_signal(signal.SIGTERM)
            assert_eq(second.wait(30), 0, "the new sessiond stops cleanly")
        first.proc = None
        first.close()
    log("--replace hands over")


def check_modes(alice, alice_id):
    """files a sessiond (or a backup restore) left readable are private again
    after a restart; new files are private whatever the umask"""
    alice.stop()
    os.chmod(alice.data_dir, 0o755)
    files = sorted(os.listdir(alice.data_dir))
    log("data dir:", files)
    assert alice_id + ".sqlite" in files, files
    for name in files:
        os.chmod(os.path.join(alice.data_dir, name), 0o644)
    stray = os.path.join(alice.data_dir, "stray.sqlite")
    with open(stray, "w") as f:
        f.write("x")
    os.chmod(stray, 0o644)
    alice.start()
    assert_eq(mode(alice.data_dir), 0o700, "data dir mode after a restart")
    for name in os.listdir(alice.data_dir):
        path = os.path.join(alice.data_dir, name)
        if os.path.isfile(path):
            assert_eq(mode(path), 0o600, "mode of %s after a restart" % name)
    os.unlink(stray)


def check_fresh_modes(daemon, daemon_id):
    assert_eq(mode(daemon.data_dir), 0o700, "a new data dir")
    names = os.listdir(daemon.data_dir)
    for suffix in (".sqlite", ".sqlite-wal", ".sqlite-shm"):
        assert daemon_id + suffix in names, names
    assert "sessiond.lock" in names, names
    for name in names:
        path = os.path.join(daemon.data_dir, name)
        # directories (attachments/) are the user's alone too
        assert_eq(mode(path), 0o700 if os.path.isdir(path) else 0o600,
                  "%s, created under umask 022" % name)


def check_not_dumpable(daemon):
    status = os.stat("/proc/%d" % daemon.proc.pid)
    if os.getuid() == 0:
        log("SKIP PR_SET_DUMPABLE check: as root, /proc/PID is root's either way")
        return
    # a non-dumpable process's /proc files belong to root, not to its user
    assert_eq(status.st_uid, 0, "/proc/PID of a non-dumpable sessiond is root's")


def test(testnet):
    # what a user's shell usually has: sessiond sets its own
    os.umask(0o022)
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        check_fresh_modes(bob, bob_id)
        check_not_dumpable(bob)
        check_notifications(alice, bob, alice_id, bob_id)
        check_no_takeover(bob)
        check_second_daemon(alice)
        check_modes(alice, alice_id)
    finally:
        alice.close()
        bob.close()
    check_replace(testnet)
    log("ok: security")


if __name__ == "__main__":
    run(test)
