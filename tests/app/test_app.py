#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop app against two daemons on the local testnet, under Xvfb.

The app runs on alice's private bus in test mode. The test drives it only
through its real GActions (org.gtk.Actions, as the daemon's notifications
and the desktop do) and reads what its widgets show through the test-mode
org.sessiond.App.Debug interface, which walks the widget tree: first run
(create an account), a message request from bob appears among the requests,
opening it from app.open-conversation (the notification path), accepting it
moves it to the conversations, bob's next message appears in the open
conversation, a group rename and the group's timer show as event lines, a
message sent from the composer reaches bob, the message list holds one
GetMessages page rather than the whole history, opens with its newest message
inside the viewport and keeps a new one there. Then it writes screenshots of
the main window, light, dark and 360 px wide."""

import os
import shutil
import subprocess
import sys
import time

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from harness import Daemon, _die_with_parent, assert_eq, log, run  # noqa: E402

APP_ID = "org.sessiond.App"
APP_PATH = "/org/sessiond/App"
WINDOW_PATH = APP_PATH + "/window/1"


class Xvfb:
    def __init__(self):
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten",
             "tcp", "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class App:
    """sessiond-app on @daemon's bus, in test mode."""

    def __init__(self, daemon, display):
        self.daemon = daemon
        self.connection = daemon.bus.connection
        env = dict(daemon.bus.env)
        env.update({
            "DISPLAY": display,
            "GDK_BACKEND": "x11",
            "GSK_RENDERER": "cairo",  # Xvfb has no GL worth using
            "NO_AT_BRIDGE": "1",
            "GSETTINGS_BACKEND": "memory",
            "SESSIOND_APP_TEST_MODE": "1",
        })
        if "ASAN_OPTIONS" in env:
            # GTK, fontconfig and Mesa keep caches to exit: not our leaks; the
            # daemons in this test are still leak-checked
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        self.log_path = os.path.join(daemon.bus.dir, "app.log")
        self.proc = subprocess.Popen([os.environ["SESSIOND_APP"]], env=env,
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        self.wait(lambda: self._has_name(), "the app owns %s" % APP_ID)

    def _has_name(self):
        if self.proc.poll() is not None:
            raise AssertionError("the app exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
        reply = self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", GLib.Variant("(s)", (APP_ID,)), None, 0, -1, None)
        return reply.unpack()[0]

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()[-4000:]

    def _call(self, path, iface, method, params, timeout=30000):
        try:
            reply = self.connection.call_sync(APP_ID, path, iface, method, params, None,
                                              Gio.DBusCallFlags.NONE, timeout, None)
        except GLib.Error:
            if self.proc.poll() is not None:
                raise AssertionError("the app exited with %s:\n%s" % (self.proc.returncode,
                                                                       self.read_log()))
            raise
        return reply.unpack() if reply is not None else ()

    def activate(self, action, param=None):
        """an app.* or win.* action, through org.gtk.Actions"""
        scope, name = action.split(".", 1)
        path = APP_PATH if scope == "app" else WINDOW_PATH
        self._call(path, "org.gtk.Actions", "Activate",
                   GLib.Variant("(sava{sv})", (name, [param] if param is not None else [], {})))

    def state(self):
        return self._call(APP_PATH, "org.sessiond.App.Debug", "GetState", None)[0]

    def set_text(self, field, text):
        self._call(APP_PATH, "org.sessiond.App.Debug", "SetText",
                   GLib.Variant("(ss)", (field, text)))

    def close_dialogs(self):
        self._call(APP_PATH, "org.sessiond.App.Debug", "CloseDialogs", None)

    def activate_remote(self, action, param):
        """what the daemon's notifications call: org.freedesktop.Application"""
        self._call(APP_PATH, "org.freedesktop.Application", "ActivateAction",
                   GLib.Variant("(sava{sv})", (action, [param], {})))

    def resize(self, width, height):
        self._call(APP_PATH, "org.sessiond.App.Debug", "Resize",
                   GLib.Variant("(ii)", (width, height)))

    def screenshot(self, path, scheme):
        self._call(APP_PATH, "org.sessiond.App.Debug", "Screenshot",
                   GLib.Variant("(ss)", (path, scheme)), timeout=60000)
        assert os.path.getsize(path) > 1000, path
        log("screenshot", path)

    def wait(self, predicate, what, timeout=90):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
            except GLib.Error as e:
                # the window may not be there yet
                last = e.message
            if last and not isinstance(last, str):
                return last
            time.sleep(0.1)
        raise AssertionError("timed out waiting until %s (last: %r); app log:\n%s"
                             % (what, last, self.read_log()))

    def wait_state(self, predicate, what, timeout=90):
        box = {}

        def check():
            box["state"] = self.state()
            return box["state"] if predicate(box["state"]) else None
        try:
            return self.wait(check, what, timeout)
        except AssertionError as e:
            raise AssertionError("%s\nlast state: %r" % (e, box.get("state")))

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.activate("app.quit")
            except GLib.Error:
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the app did not quit")
        if self.proc.returncode != 0:
            raise AssertionError("the app exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))


def texts(state):
    return [m["text"] for m in state["messages"]]


def in_view(state):
    """the texts of the messages inside the list's viewport"""
    return [m["text"] for m in state["messages"] if m["in-view"]]


def ids(rows):
    return [r["id"] for r in rows]


def check_restore(testnet, xvfb, phrase, session_id):
    """first run on another device: restoring from the phrase, which the app
    never writes anywhere"""
    carol = Daemon("carol", testnet)
    app = None
    try:
        app = App(carol, xvfb.display)
        app.wait_state(lambda s: s["page"] == "setup", "the first-run page on the new device")
        app.set_text("recovery-phrase", "not a real phrase at all")
        app.activate("win.restore-account")
        state = app.wait_state(lambda s: s["setup-error"] != "", "a bad phrase is refused")
        assert_eq(state["page"], "setup", "still on the first-run page")
        assert "real phrase" not in state["setup-error"], "the error does not echo the phrase"
        app.set_text("recovery-phrase", phrase)
        app.activate("win.restore-account")
        app.wait_state(lambda s: s["page"] == "main", "the main page after restoring")
        assert_eq(carol.account_prop("SessionId"), session_id, "the same account")
        app.quit()
        log_text = open(app.log_path).read()
        app = None
        assert phrase not in log_text and phrase.split()[0] not in log_text.split(), \
            "the phrase is not in the app's output"
    finally:
        if app is not None:
            app.proc.kill()
        carol.close()


def test(testnet):
    xvfb = Xvfb()
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    app = None
    shots = os.environ.get("SESSIOND_APP_SCREENSHOTS")
    try:
        app = App(alice, xvfb.display)

        # (1) first run: no account yet, so the setup page; create one there
        app.wait_state(lambda s: s["page"] == "setup", "the first-run page")
        if shots:
            os.makedirs(shots, exist_ok=True)
            app.screenshot(os.path.join(shots, "first-run.png"), "light")
        app.set_text("display-name", "Alice")
        app.activate("win.create-account")
        app.wait_state(lambda s: s["page"] == "main", "the main page after creating the account")
        alice_id = alice.account_prop("SessionId")
        assert_eq(len(alice_id), 66, "the app created alice's account")
        assert_eq(alice.account_prop("DisplayName"), "Alice", "with the name typed in")
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]

        # (2) bob writes first: a message request, listed apart
        bob.account("Send", "ssa{sv}", alice_id, "Hello Alice, it is Bob", {})
        app.wait_state(lambda s: s["page"] == "main" and s["sidebar"] == "conversations",
                       "the conversation list")
        alice.wait_for(lambda: alice.messages(bob_id) if bob_id in [
            p.rsplit("/", 1)[1] for p in alice.managed_conversations()] else None,
            "the request reaches alice's daemon")
        app.activate("win.show-requests")
        state = app.wait_state(lambda s: bob_id in ids(s["requests"]),
                               "bob's request among the requests")
        assert_eq(ids(state["conversations"]), [], "not among the conversations")

        # (3) the notification path: app.open-conversation with bob's id
        app.activate_remote("open-conversation", GLib.Variant("s", bob_id))
        state = app.wait_state(lambda s: s["open"] == bob_id and
                               "Hello Alice, it is Bob" in texts(s),
                               "bob's message in the open conversation")
        assert state["request-bar"], "a request shows accept/block/delete, not the composer"
        assert_eq(state["messages"][0]["outgoing"], False, "incoming")
        assert state["messages"][0]["day-shown"], "the first message has its day heading"
        if shots:
            app.screenshot(os.path.join(shots, "message-request.png"), "light")

        # (5) accepting moves it from the requests to the conversations
        app.activate("win.accept-request")
        state = app.wait_state(lambda s: bob_id in ids(s["conversations"]) and
                               not s["request-bar"] and s["sidebar"] == "conversations",
                               "the accepted conversation among the conversations")
        assert_eq(alice.conversation_prop(bob_id, "Approved"), True, "approved in the daemon")
        app.wait_state(lambda s: bob_id not in ids(s["requests"]), "gone from the requests")

        # a message bob sends now appears in the open conversation
        bob.conversation(alice_id, "SendMessage", "sa{sv}", "Second one from Bob", {})
        alice.wait_for(lambda: "Second one from Bob" in [m["body"] for m in
                                                         alice.messages(bob_id)],
                       "bob's second message reaches alice's daemon")
        app.wait_state(lambda s: "Second one from Bob" in texts(s),
                       "bob's new message in the open conversation")
        if app.state()["active"]:
            alice.wait_for(lambda: alice.conversation_prop(bob_id, "UnreadCount") == 0,
                           "the open conversation in the active window is read")
        else:
            log("the window is not active (no window manager): read marking not checked")

        # (4) the composer: what the app sends reaches bob
        app.set_text("composer", "Hi Bob, from the app")
        app.activate("win.send")
        bob.wait_for(lambda: "Hi Bob, from the app" in [m["body"] for m in
                                                        bob.messages(alice_id)],
                     "the app's message reaches bob")
        state = app.wait_state(lambda s: s["composer"] == "" and any(
            m["text"] == "Hi Bob, from the app" and m["outgoing"] and m["status"] == "sent"
            for m in s["messages"]), "the sent message shown as ours, sent")
        assert_eq(bob.messages(alice_id)[0]["outgoing"], False, "incoming at bob")
        app.wait_state(lambda s: [c["preview"] for c in s["conversations"]
                                  if c["id"] == bob_id] == ["Hi Bob, from the app"],
                       "the list shows the last message")

        # replies: win.reply-to (what activating a message does), then send
        first = [m["id"] for m in state["messages"] if m["text"] == "Hello Alice, it is Bob"][0]
        app.activate("win.reply-to", GLib.Variant("s", first))
        app.wait_state(lambda s: s["reply"] == first, "replying to bob's first message")
        app.set_text("composer", "Yes, this is a reply")
        app.activate("win.send")
        bob.wait_for(lambda: [m for m in bob.messages(alice_id)
                              if m["body"] == "Yes, this is a reply" and
                              m.get("quote-id") == first], "the reply reaches bob, quoting")
        app.wait_state(lambda s: s["reply"] == "" and "Yes, this is a reply" in texts(s),
                       "the reply shown, the reply bar gone")

        # reactions and deleting, through the actions of the message menu
        app.activate("win.react", GLib.Variant("(ss)", (first, "👍")))
        bob.wait_for(lambda: [m for m in bob.messages(alice_id) if m["id"] == first and
                              m.get("reactions") == [("👍", 1, False)]],
                     "bob sees alice's reaction")
        app.wait_state(lambda s: [m["reactions"] for m in s["messages"] if m["id"] == first]
                       == ["👍 1"], "the reaction under bob's message")
        app.activate("win.react", GLib.Variant("(ss)", (first, "👍")))
        app.wait_state(lambda s: [m["reactions"] for m in s["messages"] if m["id"] == first]
                       == [""], "choosing it again takes it back")
        app.set_text("composer", "a typo")
        app.activate("win.send")
        typo = app.wait_state(lambda s: [m for m in s["messages"] if m["text"] == "a typo" and
                                         m["status"] == "sent"], "the typo sent")
        typo = [m["id"] for m in typo["messages"] if m["text"] == "a typo"][0]
        bob.wait_for(lambda: typo in [m["id"] for m in bob.messages(alice_id)], "bob has it")
        app.activate("win.delete-message", GLib.Variant("(sb)", (typo, True)))
        app.wait_state(lambda s: "a typo" not in texts(s), "gone from the conversation")
        bob.wait_for(lambda: typo not in [m["id"] for m in bob.messages(alice_id)],
                     "unsent at bob too")

        # "typing…"
        bob.conversation(alice_id, "SetTyping", "b", True)
        app.wait_state(lambda s: s["typing"], "bob is typing")
        bob.conversation(alice_id, "SetTyping", "b", False)
        app.wait_state(lambda s: not s["typing"], "bob stopped typing")
        app.set_text("composer", "I am typ")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "PeerTyping"),
                     "bob sees alice typing in the app")
        app.set_text("composer", "")
        bob.wait_for(lambda: not bob.conversation_prop(alice_id, "PeerTyping"),
                     "and stopping when the composer is empty")

        # a disappearing-messages change shows as an event in the conversation
        bob.conversation(alice_id, "SetExpiration", "su", "after-send", 43200)
        app.wait_state(lambda s: "Bob set messages to disappear 12 hours after they are sent"
                       in texts(s), "the timer change in the conversation")
        bob.conversation(alice_id, "SetExpiration", "su", "off", 0)
        app.wait_state(lambda s: "Bob turned off disappearing messages" in texts(s),
                       "the timer switched off")

        # a group event is a centred line too, its author by short id (app/sa-group-event.c):
        # bob, an approved contact, makes a group with alice and renames it
        group_id = bob.account("CreateGroup", "sas", "Crew", [alice_id])[0].rsplit("/", 1)[1]
        alice.wait_for(lambda: group_id in [p.rsplit("/", 1)[1]
                                            for p in alice.managed_conversations()],
                       "bob's group reaches alice")
        bob.account("SetGroupInfo", "sa{sv}", group_id,
                    {"name": GLib.Variant("s", "Renamed crew")})
        app.activate("win.open-conversation", GLib.Variant("s", group_id))
        app.wait_state(lambda s: s["open"] == group_id and
                       "%s…%s renamed the group to “Renamed crew”" % (bob_id[:6], bob_id[-4:])
                       in texts(s), "the rename shown in the group")
        # and so is the group's timer an admin sets (the seconds the event carries)
        bob.account("SetGroupInfo", "sa{sv}", group_id,
                    {"disappearing": GLib.Variant("u", 86400)})
        app.wait_state(lambda s: "%s…%s set messages to disappear 1 day after they are sent"
                       % (bob_id[:6], bob_id[-4:]) in texts(s), "the group's timer shown")

        # (3) paging: a long Note to Self is not loaded at once, and opens at
        # its newest note
        alice.account("OpenConversation", "s", alice_id)
        for i in range(45):
            alice.conversation(alice_id, "SendMessage", "sa{sv}", "note %d" % i, {})
        # every note settled (sent) before the open: no later MessageChanged
        # may be what brings the view to the newest note (it once was)
        alice.wait_for(lambda: len([m for m in alice.messages(alice_id)
                                    if m["body"].startswith("note ") and
                                    m["status"] != "sending"]) == 45, "the notes sent")
        app.activate("win.open-conversation", GLib.Variant("s", alice_id))
        state = app.wait_state(lambda s: s["open"] == alice_id and "note 44" in in_view(s),
                               "the newest note in view")
        assert_eq(state["pages-loaded"], 1, "one GetMessages page")
        assert state["messages-held"] < 45, "not everything: %d" % state["messages-held"]
        # at the bottom, the view follows what arrives
        alice.conversation(alice_id, "SendMessage", "sa{sv}", "note 45", {})
        app.wait_state(lambda s: "note 45" in in_view(s), "a new note in view")
        # scrolling up brings the older page, and nothing twice
        app.wait(lambda: app._call(APP_PATH, "org.sessiond.App.Debug", "ScrollMessagesToTop",
                                   None) == () and "note 0" in in_view(app.state()),
                 "the oldest note after scrolling up")
        state = app.state()
        assert_eq((state["pages-loaded"], state["messages-held"]), (2, 46), "two pages, all held")

        # (5) the other request actions: delete (decline), then block
        dave = Daemon("dave", testnet)
        try:
            dave_id = dave.account("CreateAccount", "a{sv}", {})[0]
            dave.account("Send", "ssa{sv}", alice_id, "Buy my stuff", {})
            alice.wait_for(lambda: dave_id in [p.rsplit("/", 1)[1] for p in
                                               alice.managed_conversations()],
                           "dave's request reaches alice")
            app.activate("win.open-conversation", GLib.Variant("s", dave_id))
            app.wait_state(lambda s: s["open"] == dave_id and s["request-bar"] and
                           s["sidebar"] == "requests" and dave_id in ids(s["requests"]),
                           "dave's request open")
            app.activate("win.delete-conversation")
            app.wait_state(lambda s: s["open"] == "" and dave_id not in ids(s["requests"]),
                           "declined: closed and gone")
            assert dave_id not in [p.rsplit("/", 1)[1] for p in alice.managed_conversations()]
            dave.account("Send", "ssa{sv}", alice_id, "Buy my stuff, really", {})
            alice.wait_for(lambda: dave_id in [p.rsplit("/", 1)[1] for p in
                                               alice.managed_conversations()],
                           "dave's second request")
            app.activate("win.open-conversation", GLib.Variant("s", dave_id))
            app.wait_state(lambda s: s["open"] == dave_id and s["request-bar"],
                           "dave's second request open")
            app.activate("win.block-conversation")
            app.wait_state(lambda s: dave_id not in ids(s["requests"]) and
                           dave_id not in ids(s["conversations"]) and s["open"] == "",
                           "blocked: closed and in no list")
            assert_eq(alice.conversation_prop(dave_id, "Blocked"), True, "blocked in the daemon")
        finally:
            dave.close()

        # screenshots: the conversation with bob, light and dark, wide and narrow
        app.activate("win.open-conversation", GLib.Variant("s", bob_id))
        app.wait_state(lambda s: s["open"] == bob_id and "Hi Bob, from the app" in texts(s),
                       "back in bob's conversation")
        if shots:
            os.makedirs(shots, exist_ok=True)
            app.screenshot(os.path.join(shots, "main-window-light.png"), "light")
            app.screenshot(os.path.join(shots, "main-window-dark.png"), "dark")
            state = app.state()
            assert state["dark"], "the dark style is on"
            app.activate("win.conversation-settings")
            app.wait_state(lambda s: s["dialogs"] == ["Conversation Settings"],
                           "the conversation settings")
            app.screenshot(os.path.join(shots, "conversation-settings.png"), "light")
            app.close_dialogs()
            app.activate("app.account")
            app.wait_state(lambda s: s["dialogs"] == ["Account"], "the account window")
            app.screenshot(os.path.join(shots, "account.png"), "light")
            app.close_dialogs()
            app.wait_state(lambda s: s["dialogs"] == [], "the dialogs closed")
            app.resize(360, 640)
            app.wait_state(lambda s: s["folded"], "folded at 360 px")
            app.screenshot(os.path.join(shots, "main-window-narrow.png"), "light")
        app.quit()
        app = None

        check_restore(testnet, xvfb, alice.account("GetRecoveryPhrase")[0], alice_id)
    finally:
        if app is not None:
            app.proc.kill()
        bob.close()
        alice.close()
        xvfb.stop()


if __name__ == "__main__":
    if os.environ.get("SESSIOND_APP") in (None, ""):
        print("the app is not built (-Dapp)")
        sys.exit(77)
    if shutil.which("Xvfb") is None:
        print("no Xvfb")
        sys.exit(77)
    run(test)
