#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile D-Bus callers: every method of org.sessiond.Account1 and
org.sessiond.Conversation1 (as the daemon introspects them, so methods
added later are covered too) called with bodies whose signature does not
match (bytes with invalid UTF-8 where a string is expected, no arguments,
an extra argument, one wrong type, a huge byte array) and with a big
value in each string argument; the known methods also with wrong, empty,
huge (1 MB, for a few representative calls; 64 KB elsewhere), control-
character and wrongly typed a{sv} values. All sent as raw GDBusMessages.
Each call must get a registered error (org.sessiond.Daemon1.Error.* or
org.freedesktop.DBus.Error.InvalidArgs for a signature mismatch), the
daemon must keep answering, and nothing may change: properties,
conversations and messages stay the same."""

from gi.repository import Gio, GLib

from harness import ACCOUNT_PATH, ACCOUNT_IFACE, ADMIN_IFACE, ADMIN_METHODS, BUS_NAME, \
    CONVERSATION_IFACE, ERROR_PREFIX, Testnet, assert_eq, log

from reliability import RelDaemon as Daemon, keep_testnet_log

HUGE = "x" * (1024 * 1024)  # for a few representative calls
BIG = "y" * (64 * 1024)     # everywhere else
BAD_IDS = ["", "05", "05" + "zz" * 32, "03" + "ab" * 32, "05" + "AB" * 32 + "00",
           "05" + "ab" * 31, " 05" + "ab" * 32, "05" + "ab" * 32 + "\n", BIG,
           "05" + "ab" * 32 + "\u00e9"]
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"

# wrongly typed option values, for every a{sv} argument
BAD_OPTIONS = [
    {"display-name": GLib.Variant("u", 5)},
    {"display-name": GLib.Variant("s", BIG)},
    {"display-name": GLib.Variant("s", "a\x01b")},
    {"limit": GLib.Variant("s", "ten")},
    {"before": GLib.Variant("s", "yesterday")},
    {"after": GLib.Variant("ay", b"\xff\xfe")},
    {"limit": GLib.Variant("v", GLib.Variant("u", 1))},
    {"": GLib.Variant("s", "")},
    {BIG: GLib.Variant("b", True)},
]


def call_raw(daemon, path, iface, method, body):
    """One method call with an arbitrary body; returns (error name or None,
    reply message)."""
    msg = Gio.DBusMessage.new_method_call(BUS_NAME, path, iface, method)
    if body is not None:
        msg.set_body(body)
    reply, serial = daemon.bus.connection.send_message_with_reply_sync(
        msg, Gio.DBusSendMessageFlags.NONE, 60000, None)
    if reply.get_message_type() == Gio.DBusMessageType.ERROR:
        return reply.get_error_name(), reply
    return None, reply


class Checker:
    def __init__(self, daemon):
        self.daemon = daemon
        self.n = 0
        self.accepted = []  # calls the daemon accepted (allowed ones only)

    def expect_error(self, path, iface, method, body, allowed=None, may_succeed=False):
        """@body is a GLib.Variant tuple (or None); the error must be
        registered (or InvalidArgs), and among @allowed when given."""
        self.n += 1
        error, reply = call_raw(self.daemon, path, iface, method, body)
        what = "%s.%s%s" % (iface.rsplit(".", 1)[1], method,
                             (" " + body.get_type_string()) if body is not None else "()")
        if error is None:
            if not may_succeed:
                raise AssertionError("%s with hostile arguments succeeded: %s" % (
                    what, short(body)))
            self.accepted.append((what, short(body)))
            return None
        if not (error.startswith(ERROR_PREFIX) or error == INVALID_ARGS):
            raise AssertionError("%s: unregistered error %s (%s)" % (
                what, error, reply.get_body().unpack() if reply.get_body() else ""))
        if allowed is not None and error.rsplit(".", 1)[1] not in allowed and error not in allowed:
            raise AssertionError("%s: %s, expected one of %s" % (what, error, allowed))
        # the daemon still answers
        self.daemon.account_prop("State")
        return error


def short(body):
    text = str(body)
    return text[:120] + ("..." if len(text) > 120 else "")


def snapshot(daemon, peers):
    props = {p: daemon.account_prop(p) for p in ("State", "SessionId", "DisplayName",
                                                  "UnreadCount")}
    props.pop("State")  # may go online/offline on its own
    convs = sorted(daemon.managed_conversations().keys())
    counts = {peer: [(m["id"], m["body"][:20]) for m in daemon.messages(peer, limit=500)]
              for peer in peers}
    return props, convs, counts


def introspect(daemon, path, iface):
    """[(method, [in-arg signatures])] of @iface at @path, from the daemon
    itself: methods added to the XML later get the generic treatment."""
    xml = daemon.call(path, "org.freedesktop.DBus.Introspectable", "Introspect")[0]
    info = Gio.DBusNodeInfo.new_for_xml(xml).lookup_interface(iface)
    assert info is not None, "%s at %s" % (iface, path)
    return [(m.name, [a.signature for a in m.in_args]) for m in info.methods]


def default_value(ty):
    """A harmless value of type @ty."""
    basic = {"s": "x", "o": "/", "g": "", "u": 0, "i": 0, "x": 0, "t": 0, "n": 0, "q": 0,
             "y": 0, "d": 0.0, "b": False, "h": 0}
    if ty in basic:
        return GLib.Variant(ty, basic[ty])
    if ty.startswith("a"):
        return GLib.Variant(ty, {} if ty.startswith("a{") else [])
    if ty == "v":
        return GLib.Variant("v", GLib.Variant("s", "x"))
    raise AssertionError("no default for type " + ty)


def tuple_of(values):
    return GLib.Variant.new_tuple(*values)


def signature_mismatches(c, path, iface, method, types):
    """Bodies of the wrong shape, for any method: bytes with invalid UTF-8
    for each string, nothing, one argument too many, the first argument of
    another type, a big byte array. InvalidArgs every time."""
    bodies = []
    if "s" in types:
        bodies.append(tuple_of([GLib.Variant("ay", b"\xff\xfe\xc3\x28invalid") if ty == "s"
                                else default_value(ty) for ty in types]))
    if types:
        bodies.append(None)  # no arguments at all
        bodies.append(tuple_of([default_value(ty) for ty in types] + [GLib.Variant("s", "extra")]))
        other = "i" if types[0] != "i" else "s"
        bodies.append(tuple_of([default_value(other)] + [default_value(ty) for ty in types[1:]]))
    else:
        bodies.append(GLib.Variant("(s)", ("unexpected",)))
    bodies.append(GLib.Variant("(ay)", (b"\x80\x81" * 32768,)))
    for body in bodies:
        c.expect_error(path, iface, method, body, allowed=[INVALID_ARGS])


# calls whose big strings are fine: search words, a diagnostic reason
MAY_TAKE_BIG_STRINGS = {"Search", "InhibitNotifications"}


def big_strings(c, path, iface, method, types):
    """Each string argument in turn 64 KB long, the others harmless: no
    method takes such a string (bar MAY_TAKE_BIG_STRINGS)."""
    for i, ty in enumerate(types):
        if ty != "s":
            continue
        values = [default_value(t) for t in types]
        values[i] = GLib.Variant("s", BIG)
        c.expect_error(path, iface, method, tuple_of(values),
                       may_succeed=method in MAY_TAKE_BIG_STRINGS)


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        c = Checker(alice)
        A = (ACCOUNT_PATH, ACCOUNT_IFACE)
        D = (ACCOUNT_PATH, ADMIN_IFACE)

        # before an account: everything but CreateAccount/RestoreAccount and
        # the notification calls is NoAccount
        for method, sig in [("GetRecoveryPhrase", "()"), ("SetDisplayName", "(s)"),
                            ("OpenConversation", "(s)"), ("Send", "(ssa{sv})"),
                            ("Search", "(sa{sv})")]:
            args = {"()": (), "(s)": ("05" + "ab" * 32,),
                    "(ssa{sv})": ("05" + "ab" * 32, "hi", {}),
                    "(sa{sv})": ("hi", {})}[sig]
            c.expect_error(*(D if method in ADMIN_METHODS else A), method,
                           GLib.Variant(sig, args) if args else None, allowed=["NoAccount"])
        for mnemonic in ["", "word " * 12 + "zzzz", "word " * 12, HUGE, "\u00e9 " * 13, "\x01abbey " * 13,
                         " ".join(["amaze"] * 40)]:
            c.expect_error(*D, "RestoreAccount", GLib.Variant("(sa{sv})", (mnemonic, {})),
                           allowed=["InvalidMnemonic", "InvalidArgument"])
        for opts in BAD_OPTIONS[:3]:
            c.expect_error(*D, "CreateAccount", GLib.Variant("(a{sv})", (opts,)),
                           allowed=["InvalidArgument"])
        assert_eq(alice.account_prop("SessionId"), "", "no account was made by hostile calls")
        account_methods = introspect(alice, *A)
        for method, types in account_methods:
            signature_mismatches(c, *A, method, types)
        admin_methods = introspect(alice, *D)
        assert not {m for m, t in account_methods} & set(ADMIN_METHODS), \
            "secrets are not on Account1 (issue 14)"
        for method, types in admin_methods:
            signature_mismatches(c, *D, method, types)

        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.account("Send", "ssa{sv}", bob_id, "hello bob", {})
        bob.account("Send", "ssa{sv}", alice_id, "hello alice", {})
        alice.wait_for(lambda: len(alice.messages(bob_id)) == 2, "alice has both messages")
        alice.wait_for(lambda: all(m["status"] == "sent" for m in alice.messages(bob_id)
                                   if m["outgoing"]), "alice's message sent")
        conv = ACCOUNT_PATH + "/conversations/" + bob_id
        C = (conv, CONVERSATION_IFACE)
        before = snapshot(alice, [bob_id])

        # ---- Account1 with bad values ----
        c.expect_error(*D, "CreateAccount", GLib.Variant("(a{sv})", ({},)),
                       allowed=["AccountExists"])
        c.expect_error(*D, "RestoreAccount", GLib.Variant("(sa{sv})", ("", {})),
                       allowed=["AccountExists", "InvalidMnemonic"])
        for name in ["a\x01b", "x" * 101, HUGE, "\x7f", "tab\there", "new\nline"]:
            c.expect_error(*A, "SetDisplayName", GLib.Variant("(s)", (name,)),
                           allowed=["InvalidArgument"])
        for bad in BAD_IDS:
            c.expect_error(*A, "OpenConversation", GLib.Variant("(s)", (bad,)),
                           allowed=["InvalidSessionId"])
            c.expect_error(*A, "Send", GLib.Variant("(ssa{sv})", (bad, "hi", {})),
                           allowed=["InvalidSessionId"])
        for body in ["", HUGE, "x" * 2001, "\U0001F600" * 1001]:
            c.expect_error(*A, "Send", GLib.Variant("(ssa{sv})", (bob_id, body, {})),
                           allowed=["InvalidArgument", "MessageTooLong"])
            c.expect_error(*C, "SendMessage", GLib.Variant("(sa{sv})", (body, {})),
                           allowed=["InvalidArgument", "MessageTooLong"])
        for opts in BAD_OPTIONS:
            # unknown or badly typed options may be
            # ignored, but must not crash or send twice
            c.expect_error(*A, "Send", GLib.Variant("(ssa{sv})", (bob_id, "", opts)),
                           allowed=["InvalidArgument"])
            c.expect_error(*A, "Search", GLib.Variant("(sa{sv})", ("hello", opts)),
                           allowed=["InvalidArgument"], may_succeed=True)
            c.expect_error(*C, "GetMessages", GLib.Variant("(a{sv})", (opts,)),
                           allowed=["InvalidArgument"], may_succeed=True)
        for query in ["", HUGE, "\"", "NEAR(", "a OR", "*", "hello\"*", "-x", "a AND AND b",
                      "col:hello", "^", "\x00"[:0] + "()"]:
            c.expect_error(*A, "Search", GLib.Variant("(sa{sv})", (query, {})),
                           allowed=["InvalidArgument"], may_succeed=True)
        c.expect_error(*A, "InhibitNotifications", GLib.Variant("(s)", (HUGE,)),
                       allowed=["InvalidArgument"], may_succeed=True)
        for cookie in [0, 999, 0xFFFFFFFF]:
            c.expect_error(*A, "UninhibitNotifications", GLib.Variant("(u)", (cookie,)),
                           allowed=["NotFound"])

        # ---- Conversation1 ----
        for limit in [0, 501, 0xFFFFFFFF]:
            c.expect_error(*C, "GetMessages", GLib.Variant("(a{sv})",
                                                           ({"limit": GLib.Variant("u", limit)},)),
                           allowed=["InvalidArgument"], may_succeed=True)
        for x in [-1, GLib.MININT64, GLib.MAXINT64]:
            c.expect_error(*C, "GetMessages", GLib.Variant("(a{sv})", (
                {"before": GLib.Variant("x", x), "after": GLib.Variant("x", x)},)),
                allowed=["InvalidArgument"], may_succeed=True)
        conversation_methods = introspect(alice, *C)
        log("methods: Account1 %s; Conversation1 %s" % (
            " ".join(m for m, t in account_methods), " ".join(m for m, t in conversation_methods)))
        for method, types in conversation_methods:
            signature_mismatches(c, *C, method, types)
            big_strings(c, *C, method, types)
        for method, types in account_methods:
            big_strings(c, *A, method, types)
        for method, types in admin_methods:
            big_strings(c, *D, method, types)
        # a conversation that does not exist: no object there
        ghost = ACCOUNT_PATH + "/conversations/05" + "cd" * 32
        for method, types in conversation_methods:
            body = tuple_of([default_value(t) for t in types]) if types else None
            error, _ = call_raw(alice, ghost, CONVERSATION_IFACE, method, body)
            assert error in ("org.freedesktop.DBus.Error.UnknownObject",
                             "org.freedesktop.DBus.Error.UnknownMethod"), \
                "%s on a ghost conversation: %s" % (method, error)
        for bad_path in [ACCOUNT_PATH + "/conversations/x", ACCOUNT_PATH + "/conversations",
                         ACCOUNT_PATH + "/conversations/" + "05" + "ab" * 32 + "/more"]:
            error, _ = call_raw(alice, bad_path, CONVERSATION_IFACE, "Approve", None)
            assert error is not None and error.startswith("org.freedesktop.DBus.Error."), error

        # ---- the 1:1 parity methods, where the daemon has them ----
        names = {m for m, t in conversation_methods}
        msgs = alice.messages(bob_id)
        ours = [m["id"] for m in msgs if m["outgoing"]][0]
        theirs = [m["id"] for m in msgs if not m["outgoing"]][0]
        ids = BAD_IDS[:6] + [ours + "0", theirs.replace("-", "+"),
                             "05" + "ab" * 32 + "-1700000000000"]
        if "SetNickname" in names:
            for name in ["a\x01b", "x" * 101, "\x7f", "new\nline", BIG]:
                c.expect_error(*C, "SetNickname", GLib.Variant("(s)", (name,)),
                               allowed=["InvalidArgument"])
        if "SetExpiration" in names:
            for mode, timer in [("sometimes", 60), ("after-send", 0), ("after-send", 61),
                                ("off", 60), ("after-read", 0xFFFFFFFF), ("", 0),
                                ("AFTER-SEND", 86400), ("after-read ", 300)]:
                c.expect_error(*C, "SetExpiration", GLib.Variant("(su)", (mode, timer)),
                               allowed=["InvalidArgument"])
        for method in ("AddReaction", "RemoveReaction"):
            if method not in names:
                continue
            for bad in ids:
                c.expect_error(*C, method, GLib.Variant("(ss)", (bad, "\U0001F44D")),
                               allowed=["InvalidArgument", "NotFound"])
            for emoji in ["", "a\x01", "\U0001F44D" * 9, BIG, "\n"]:
                c.expect_error(*C, method, GLib.Variant("(ss)", (ours, emoji)),
                               allowed=["InvalidArgument", "NotFound"])
        if "RemoveReaction" in names:
            c.expect_error(*C, "RemoveReaction", GLib.Variant("(ss)", (ours, "\U0001F44D")),
                           allowed=["NotFound"])
        if "DeleteMessage" in names:
            for bad in ids:
                for everyone in (False, True):
                    c.expect_error(*C, "DeleteMessage", GLib.Variant("(sb)", (bad, everyone)),
                                   allowed=["InvalidArgument", "NotFound"])
            # unsending the peer's message
            c.expect_error(*C, "DeleteMessage", GLib.Variant("(sb)", (theirs, True)),
                           allowed=["NotAuthor"])
        if "ReportDataExtraction" in names:
            for kind, mid in [("", ""), ("unknown", ""), ("media-saved", ""), (BIG, ""),
                              ("Screenshot", "")] + [("media-saved", bad) for bad in ids]:
                c.expect_error(*C, "ReportDataExtraction", GLib.Variant("(ss)", (kind, mid)),
                               allowed=["InvalidArgument", "NotFound"])
        # a quote that is not there, or not a string: nothing is sent
        for quote in [GLib.Variant("s", "05" + "ab" * 32 + "-1"), GLib.Variant("u", 1),
                      GLib.Variant("s", ""), GLib.Variant("s", BIG)]:
            c.expect_error(*A, "Send", GLib.Variant("(ssa{sv})", (bob_id, "quoting", {
                "quote": quote})), allowed=["InvalidArgument", "NotFound"])
            c.expect_error(*C, "SendMessage", GLib.Variant("(sa{sv})", ("quoting", {
                "quote": quote})), allowed=["InvalidArgument", "NotFound"])

        after = snapshot(alice, [bob_id])
        assert_eq(after, before, "state after hostile calls")
        assert alice.proc.poll() is None, "alice still runs"
        log("%d hostile calls answered with registered errors" % c.n)
        for what, body in c.accepted:
            log("accepted (allowed):", what, body)

        # the daemon still works: a message goes through both ways
        alice.account("Send", "ssa{sv}", bob_id, "still alive", {})
        bob.wait_for(lambda: "still alive" in [m["body"] for m in bob.messages(alice_id)],
                     "bob gets a message after the hostile calls")
        log("ok: dbus hostile")
    finally:
        alice.close()
        bob.close()


def main():
    testnet = Testnet()
    try:
        test(testnet)
    finally:
        keep_testnet_log(testnet)
        testnet.stop()
    print("ok")


if __name__ == "__main__":
    main()
