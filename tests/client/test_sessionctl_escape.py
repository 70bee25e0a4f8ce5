#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sessionctl never hands a stranger's text to the terminal (issue 14): a body, a display name
and a reaction carrying ESC sequences (OSC 0 window title, OSC 52 clipboard, CSI 2J clear), BEL,
DEL, C1 controls, bidi overrides and line separators come out as visible escapes in plain
output, and exactly as sent with --json.

The daemon is a mock on a private bus, built from the contract XML: a real sessiond cleans
names on receipt and refuses controls in reactions, so only a mock can hand sessionctl the
worst a buggy or older daemon could."""

import json
import os
import subprocess
import time

from gi.repository import Gio, GLib

from ctl_util import client_env
from harness import PrivateBus, assert_eq, log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XML = os.path.join(ROOT, "dbus", "org.sessiond.Daemon1.xml")

ME = "05" + "aa" * 32
PEER = "05" + "bb" * 32
PATH = "/org/sessiond/Daemon1"
CONV = PATH + "/conversations/" + PEER

EVIL = "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x7f\u0085\u202eevil\u2028x\ty"
SAFE = r"\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x7f\u0085\u202eevil\u2028x\ty"
NAME = "Bank\u202e \x1b[31mSecurity\x07"
SAFE_NAME = r"Bank\u202e \x1b[31mSecurity\x07"
EMOJI = "\u202e\x1b]0;x\x07"
SAFE_EMOJI = r"\u202e\x1b]0;x\x07"


def message():
    return {
        "id": GLib.Variant("s", PEER + "-1700000000000"),
        "conversation": GLib.Variant("s", PEER),
        "author": GLib.Variant("s", PEER),
        "outgoing": GLib.Variant("b", False),
        "body": GLib.Variant("s", EVIL),
        "sent-at": GLib.Variant("x", 1700000000000),
        "received-at": GLib.Variant("x", 1700000000000),
        "status": GLib.Variant("s", "sent"),
        "kind": GLib.Variant("s", "text"),
        "reactions": GLib.Variant("a(sub)", [(EMOJI, 2, False)]),
    }


ACCOUNT_PROPS = {"Version": GLib.Variant("u", 1), "State": GLib.Variant("s", "online"),
                 "SessionId": GLib.Variant("s", ME), "DisplayName": GLib.Variant("s", NAME),
                 "UnreadCount": GLib.Variant("u", 1)}
CONV_PROPS = {"Version": GLib.Variant("u", 1), "Id": GLib.Variant("s", PEER),
              "Kind": GLib.Variant("s", "direct"), "Name": GLib.Variant("s", NAME),
              "UnreadCount": GLib.Variant("u", 1), "LastActivity": GLib.Variant("x", 1),
              "LastMessagePreview": GLib.Variant("s", EVIL), "Approved": GLib.Variant("b", True),
              "Blocked": GLib.Variant("b", False), "MutedUntil": GLib.Variant("x", 0),
              "PeerTyping": GLib.Variant("b", False), "Nickname": GLib.Variant("s", ""),
              "ExpirationMode": GLib.Variant("s", "off"),
              "ExpirationTimer": GLib.Variant("u", 0)}

OBJECT_MANAGER = Gio.DBusNodeInfo.new_for_xml("""
<node><interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects"><arg type="a{oa{sa{sv}}}" direction="out"/></method>
  <signal name="InterfacesAdded"><arg type="o"/><arg type="a{sa{sv}}"/></signal>
  <signal name="InterfacesRemoved"><arg type="o"/><arg type="as"/></signal>
</interface></node>""").interfaces[0]


class MockDaemon:
    def __init__(self, bus):
        info = Gio.DBusNodeInfo.new_for_xml(open(XML).read())
        conn = bus.connection
        self.ids = [
            conn.register_object(PATH, info.lookup_interface("org.sessiond.Account1"),
                                 self.on_call, self.on_get, None),
            conn.register_object(PATH, OBJECT_MANAGER, self.on_call, None, None),
            conn.register_object(CONV, info.lookup_interface("org.sessiond.Conversation1"),
                                 self.on_call, self.on_get, None),
        ]
        reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "RequestName",
                               GLib.Variant("(su)", ("org.sessiond.Daemon1", 4)), None, 0, -1,
                               None)
        assert_eq(reply.unpack()[0], 1, "the mock owns the name")

    def on_get(self, conn, sender, path, iface, name):
        return (ACCOUNT_PROPS if iface == "org.sessiond.Account1" else CONV_PROPS)[name]

    def on_call(self, conn, sender, path, iface, method, params, invocation):
        if method == "GetManagedObjects":
            invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", (
                {CONV: {"org.sessiond.Conversation1": CONV_PROPS}},)))
        elif method == "GetMessages":
            invocation.return_value(GLib.Variant("(aa{sv})", ([message()],)))
        else:
            invocation.return_dbus_error("org.sessiond.Daemon1.Error.Failed",
                                         "no " + method + " here: " + EVIL)


def run_ctl(bus, *args):
    """sessionctl while this process serves the mock: the main loop turns meanwhile"""
    proc = subprocess.Popen([os.environ["SESSIONCTL"]] + list(args), env=client_env(bus),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    context = GLib.MainContext.default()
    deadline = time.monotonic() + 60
    while proc.poll() is None:
        assert time.monotonic() < deadline, "sessionctl hangs"
        while context.iteration(False):
            pass
        time.sleep(0.01)
    return proc.returncode, proc.stdout.read().decode(), proc.stderr.read().decode()


UNSAFE = ["\x1b", "\x07", "\x7f", "\u0085", "\u202e", "\u2028"]


def assert_safe(text, what):
    for c in UNSAFE:
        assert c not in text, "%s: raw %r in %r" % (what, c, text)


def main():
    bus = PrivateBus("escape")
    try:
        MockDaemon(bus)
        status, out, err = run_ctl(bus, "messages", PEER)
        log(out)
        assert_eq(status, 0, "messages: " + err)
        assert_safe(out, "messages")
        assert SAFE in out, "the body, escaped: %r" % out
        assert SAFE_EMOJI + " 2" in out, "the reaction, escaped: %r" % out

        status, out, err = run_ctl(bus, "--json", "messages", PEER)
        assert_eq(status, 0, "messages --json: " + err)
        # split on "\n" only: str.splitlines() also breaks at U+0085 and U+2028
        got = json.loads(out.split("\n")[0])
        assert_eq(got["body"], EVIL, "--json keeps the body exact")
        assert_eq(got["reactions"][0]["emoji"], EMOJI, "--json keeps the emoji exact")

        status, out, err = run_ctl(bus, "conversations")
        assert_eq(status, 0, "conversations: " + err)
        assert_safe(out, "conversations")
        assert SAFE_NAME in out, "the name, escaped: %r" % out

        status, out, err = run_ctl(bus, "status")
        assert_eq(status, 0, "status: " + err)
        assert_safe(out, "status")
        assert SAFE_NAME in out, "our name, escaped: %r" % out

        # an error message that quotes someone's text
        status, out, err = run_ctl(bus, "mark-read", PEER)
        assert_eq(status, 1, "mark-read fails on the mock")
        assert_safe(err, "an error")
        assert r"\x1b]0;pwned" in err, err
    finally:
        bus.stop()
    print("ok")


if __name__ == "__main__":
    main()
