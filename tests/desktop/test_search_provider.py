#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""org.gnome.Shell.SearchProvider2 over D-Bus, on a daemon with an account
and a received message: conversations match by name and Session ID, messages
by their text; metas carry id, name and description; ActivateResult returns
without a front end, and opens the configured one once the front-end
setting names it (a live settings change, through the keyfile backend) —
a D-Bus activatable one through org.freedesktop.Application.ActivateAction
("open-conversation", [id]), from a result and from a notification's default action;
the same change reaches the notifier (content level) and the daemon (read
receipts). Message requests notify without name or text; searches take at
most 16 terms and 1024 bytes, like Account1.Search."""

import os
import time

from gi.repository import Gio, GLib

from harness import Daemon, NotificationServer, PrivateBus, assert_eq, log, run

PROVIDER_PATH = "/org/sessiond/Daemon1/SearchProvider"
PROVIDER_IFACE = "org.gnome.Shell.SearchProvider2"
FRONT_END = "org.sessiond.TestFrontEnd.desktop"
APP_ID = "org.sessiond.TestApp"

APPLICATION_XML = """
<node><interface name="org.freedesktop.Application">
  <method name="Activate"><arg type="a{sv}" direction="in"/></method>
  <method name="Open"><arg type="as" direction="in"/><arg type="a{sv}" direction="in"/></method>
  <method name="ActivateAction"><arg type="s" direction="in"/><arg type="av" direction="in"/>
    <arg type="a{sv}" direction="in"/></method>
</interface></node>"""


class ActivatableFrontEnd:
    """a D-Bus activatable application (DBusActivatable=true) that records the
    actions it is asked to activate"""

    def __init__(self, bus):
        self.actions = []
        info = Gio.DBusNodeInfo.new_for_xml(APPLICATION_XML)
        bus.connection.register_object("/" + APP_ID.replace(".", "/"), info.interfaces[0],
                                       self._on_call, None, None)
        Gio.bus_own_name_on_connection(bus.connection, APP_ID, Gio.BusNameOwnerFlags.NONE,
                                       None, None)

    def _on_call(self, connection, sender, path, iface, method, params, invocation):
        if method == "ActivateAction":
            name, parameter, platform = params.unpack()
            self.actions.append((name, parameter))
        invocation.return_value(None)


def provider(daemon, method, signature, *args):
    return daemon.call(PROVIDER_PATH, PROVIDER_IFACE, method, signature, args)


def messages(daemon, peer):
    """the conversation's messages; none before the conversation exists"""
    try:
        return daemon.messages(peer)
    except GLib.Error:
        return []


def write_settings(bus, front_end, **extra):
    """the keyfile backend's file: the daemon watches it and applies changes"""
    directory = os.path.join(bus.home, ".config", "glib-2.0", "settings")
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, "keyfile.tmp")
    with open(tmp, "w") as f:
        f.write("[org/sessiond/Daemon]\nfront-end=%s\n" % GLib.Variant("s", front_end).print_(False))
        for key, value in extra.items():
            f.write("%s=%s\n" % (key.replace("_", "-"), value.print_(False)))
    os.rename(tmp, os.path.join(directory, "keyfile"))


def test(testnet):
    alice = Daemon("alice", testnet)
    bob_bus = PrivateBus("bob")
    # bob reads the schema from the build tree and keeps settings in a file
    bob_bus.env["GSETTINGS_SCHEMA_DIR"] = os.environ["GSETTINGS_SCHEMA_DIR"]
    bob_bus.env["GSETTINGS_BACKEND"] = "keyfile"
    marker = os.path.join(bob_bus.dir, "front-end-opened")
    apps = os.path.join(bob_bus.env["XDG_DATA_HOME"], "applications")
    os.makedirs(apps)
    with open(os.path.join(apps, FRONT_END), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test front end\n"
                "Exec=touch %s\n" % marker)
    write_settings(bob_bus, "")
    bob = Daemon("bob", testnet, bus=bob_bus)
    notes = NotificationServer(bob_bus)
    try:
        # before an account: no results, no error
        assert_eq(provider(bob, "GetInitialResultSet", "as", ["banana"]), ([],),
                  "no account, no results")

        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice Liddell")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.account("Send", "ssa{sv}", bob_id, "a ripe banana for the trip", {})
        alice.account("Send", "ssa{sv}", bob_id, "and an apple", {})
        bob.wait_for(lambda: len(messages(bob, alice_id)) == 2, "both messages reach bob")
        bob.wait_for(lambda: bob.conversation_prop(alice_id, "Name") == "Alice Liddell",
                     "alice's profile name reaches bob")
        banana = [m for m in bob.messages(alice_id) if "banana" in m["body"]][0]

        # messages match by their words, conversations by name or Session ID
        results = provider(bob, "GetInitialResultSet", "as", ["banana"])[0]
        message_result = "message:%s/%s" % (alice_id, banana["id"])
        assert_eq(results, [message_result], "a message matches its word")
        results = provider(bob, "GetInitialResultSet", "as", ["alice"])[0]
        assert_eq(results, ["conversation:" + alice_id], "a conversation matches its name")
        results = provider(bob, "GetInitialResultSet", "as", ["LIDDELL", "ali"])[0]
        assert_eq(results, ["conversation:" + alice_id], "every term, any case")
        results = provider(bob, "GetInitialResultSet", "as", [alice_id[:20]])[0]
        assert_eq(results, ["conversation:" + alice_id], "a conversation matches its id")
        assert_eq(provider(bob, "GetInitialResultSet", "as", ["cherry"]), ([],),
                  "nothing matches")
        assert_eq(provider(bob, "GetInitialResultSet", "as", []), ([],), "no terms")
        # FTS syntax is taken literally
        assert_eq(provider(bob, "GetInitialResultSet", "as", ['ban*"', "OR"]), ([],),
                  "query syntax is literal")
        results = provider(bob, "GetSubsearchResultSet", "asas", [message_result],
                           ["banana", "ripe"])[0]
        assert_eq(results, [message_result], "subsearch narrows")
        results = provider(bob, "GetSubsearchResultSet", "asas", [message_result],
                           ["banana", "pear"])[0]
        assert_eq(results, [], "subsearch drops what no longer matches")

        # as many terms and bytes as Account1.Search takes, and no more: each term
        # costs a case-folded match per conversation field
        results = provider(bob, "GetInitialResultSet", "as", ["banana"] * 16)[0]
        assert_eq(results, [message_result], "16 terms are searched")
        results = provider(bob, "GetInitialResultSet", "as", ["x" * 1000, "banana"])[0]
        assert_eq(results, [], "1000 bytes and a word are searched")
        for what, terms in [("17 terms", ["banana"] * 17),
                            ("1025 bytes", ["x" * 1025]),
                            ("1025 bytes in two terms", ["x" * 1000, "y" * 24]),
                            ("100000 terms", ["a"] * 100000)]:
            for method, signature, args in [("GetInitialResultSet", "as", (terms,)),
                                            ("GetSubsearchResultSet", "asas", ([], terms))]:
                try:
                    provider(bob, method, signature, *args)
                except GLib.Error as e:
                    assert_eq(Gio.DBusError.get_remote_error(e),
                              "org.freedesktop.DBus.Error.InvalidArgs", "%s: %s" % (method, what))
                else:
                    raise AssertionError("%s with %s succeeded" % (method, what))

        # metas: id, name, description
        provider(bob, "GetInitialResultSet", "as", ["a"])
        metas = provider(bob, "GetResultMetas", "as",
                         ["conversation:" + alice_id, message_result])[0]
        assert_eq(len(metas), 2, "a meta per known id")
        assert_eq(metas[0]["id"], "conversation:" + alice_id, "conversation meta id")
        assert_eq(metas[0]["name"], "Alice Liddell", "conversation meta name")
        assert_eq(metas[0]["description"], "and an apple", "conversation meta: last message")
        assert_eq(metas[1]["id"], message_result, "message meta id")
        assert_eq(metas[1]["name"], "Alice Liddell", "message meta name: the conversation")
        assert_eq(metas[1]["description"], "a ripe banana for the trip", "message meta text")
        assert_eq(provider(bob, "GetResultMetas", "as", ["message:nonsense"]), ([],),
                  "unknown ids have no meta")
        bob.wait_for(lambda: len(notes.notifications) >= 1, "notifications for the messages")

        # without a front end activating does nothing, and returns
        assert_eq(provider(bob, "ActivateResult", "sasu", message_result, ["banana"], 0), (),
                  "ActivateResult without a front end")
        assert_eq(provider(bob, "LaunchSearch", "asu", ["banana"], 0), (),
                  "LaunchSearch without a front end")
        assert_eq(os.path.exists(marker), False, "nothing was opened")

        # alice is a stranger to bob: a message request shows neither her name nor her text
        for note in notes.notifications:
            assert_eq((note[2], note[3]), ("New message request", ""),
                      "a message request's notification")
        # accepted, the default shows the sender and the text
        bob.conversation(alice_id, "Approve")
        shown = len(notes.notifications)
        alice.account("Send", "ssa{sv}", bob_id, "a ripe pear", {})
        bob.wait_for(lambda: len(notes.notifications) > shown, "a notification for the pear")
        assert_eq(notes.notifications[-1][2], "Alice Liddell", "default summary: the sender")
        assert_eq(notes.notifications[-1][3], "a ripe pear", "default body: the text")

        # settings change while the daemon runs; activating then opens the front
        # end, and once it does the whole file has been applied (one change)
        write_settings(bob_bus, FRONT_END, notification_content=GLib.Variant("s", "none"),
                       read_receipts=GLib.Variant("b", True))

        def activate_opens():
            provider(bob, "ActivateResult", "sasu", "conversation:" + alice_id, ["alice"], 0)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and not os.path.exists(marker):
                time.sleep(0.05)
            return os.path.exists(marker)

        bob.wait_for(activate_opens, "ActivateResult opens the configured front end")
        log("front end opened")

        # the notifier follows: content level and the front end's desktop entry
        shown = len(notes.notifications)
        alice.account("Send", "ssa{sv}", bob_id, "cherry pie", {})
        bob.wait_for(lambda: len(notes.notifications) > shown, "a notification for the pie")
        nid, replaces, summary, body, actions, hints = notes.notifications[-1]
        assert_eq((summary, body), ("New message", ""), "notification-content=none")
        assert_eq(hints.get("desktop-entry"), FRONT_END, "the front end's desktop entry")

        # a D-Bus activatable front end is asked to show the conversation itself,
        # from a search result and from a notification's default action
        with open(os.path.join(apps, APP_ID + ".desktop"), "w") as f:
            f.write("[Desktop Entry]\nType=Application\nName=Test app\nExec=false\n"
                    "DBusActivatable=true\n")
        app = ActivatableFrontEnd(bob_bus)
        write_settings(bob_bus, APP_ID + ".desktop",
                       notification_content=GLib.Variant("s", "none"),
                       read_receipts=GLib.Variant("b", True))

        def activated(n):
            def check():
                provider(bob, "ActivateResult", "sasu", message_result, ["banana"], 0)
                deadline = time.monotonic() + 2
                context = GLib.MainContext.default()
                while time.monotonic() < deadline and len(app.actions) < n:
                    while context.iteration(False):
                        pass
                    time.sleep(0.05)
                return len(app.actions) >= n
            return check

        bob.wait_for(activated(1), "ActivateResult asks the activatable front end")
        assert_eq(app.actions[0], ("open-conversation", [alice_id]),
                  "a message result opens its conversation")
        shown = len(notes.notifications)
        alice.account("Send", "ssa{sv}", bob_id, "plum jam", {})
        bob.wait_for(lambda: len(notes.notifications) > shown, "a notification for the jam")
        before = len(app.actions)
        notes.emit("ActionInvoked", "(us)", notes.notifications[-1][0], "default")

        def notification_opened():
            return len(app.actions) > before and app.actions[-1]

        bob.wait_for(notification_opened, "the notification's default action opens the app")
        assert_eq(app.actions[-1], ("open-conversation", [alice_id]),
                  "the default action names the conversation")

        # and the daemon: read receipts are on now
        pie = [m for m in messages(bob, alice_id) if m["body"] == "cherry pie"][0]
        bob.conversation(alice_id, "MarkRead", "x", pie["sent-at"])
        alice.wait_for(lambda: any(m["status"] == "read" for m in messages(alice, bob_id)),
                       "alice sees the read receipt")

        # a blocked conversation is in no result, and neither are its messages
        bob.conversation(alice_id, "SetBlocked", "b", True)
        assert_eq(provider(bob, "GetInitialResultSet", "as", ["banana"]), ([],),
                  "no message of a blocked conversation")
        assert_eq(provider(bob, "GetInitialResultSet", "as", ["alice"]), ([],),
                  "no blocked conversation")
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
