#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The caller trust model (docs/security.md, issue 14): a program in a Flatpak sandbox that was
given the bus name gets AccessDenied on org.sessiond.AccountAdmin1 (recovery phrase, create,
restore) and can still send; a program of the host still gets the phrase.

The Flatpak is imitated as xdg-desktop-portal recognises one: a caller run under bwrap (its own
user and pid namespaces, a tmpfs root with /usr and /etc) with a file at /.flatpak-info, talking
to the private test bus through its socket bound into the sandbox. The same caller without that
file counts as a host program. Exits 77 (skip) only when bwrap cannot run here."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from gi.repository import GLib

from harness import Daemon, assert_eq, log, run

# what runs inside the sandbox: calls over the bus, prints the outcome of each as JSON
CALLER = r"""
import json, os, sys
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(
    os.environ["DBUS_SESSION_BUS_ADDRESS"],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
me = sys.argv[1]
path = "/org/sessiond/Daemon1"
calls = [
    ("GetRecoveryPhrase", "org.sessiond.AccountAdmin1", None),
    ("CreateAccount", "org.sessiond.AccountAdmin1", GLib.Variant("(a{sv})", ({},))),
    ("RestoreAccount", "org.sessiond.AccountAdmin1",
     GLib.Variant("(sa{sv})", (" ".join(["amaze"] * 13), {}))),
    ("Send", "org.sessiond.Account1", GLib.Variant("(ssa{sv})", (me, "from the sandbox", {}))),
]
out = {}
for method, iface, args in calls:
    try:
        reply = conn.call_sync("org.sessiond.Daemon1", path, iface, method, args, None,
                               Gio.DBusCallFlags.NONE, 30000, None)
        value = reply.unpack()
        out[method] = {"ok": len(value[0]) if method == "GetRecoveryPhrase" else list(value)}
    except GLib.Error as e:
        out[method] = {"error": Gio.DBusError.get_remote_error(e), "message": e.message}
print(json.dumps(out))
"""


def bwrap_args(socket, flatpak_info):
    args = ["bwrap", "--unshare-user", "--unshare-pid", "--die-with-parent",
            "--tmpfs", "/", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink("/" + link):
            args += ["--symlink", os.readlink("/" + link), "/" + link]
    if socket is not None:
        args += ["--bind", socket, socket]
    if flatpak_info is not None:
        args += ["--ro-bind", flatpak_info, "/.flatpak-info"]
    return args


def bwrap_works():
    """(True, "") or (False, why)"""
    if shutil.which("bwrap") is None:
        return False, "bwrap is not installed (Debian package bubblewrap)"
    r = subprocess.run(bwrap_args(None, None) + ["/usr/bin/true"], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        return False, "bwrap cannot make a sandbox here: " + r.stderr.strip()
    return True, ""


def socket_of(address):
    for part in address.split(";")[0].split(":", 1)[1].split(","):
        if part.startswith("path="):
            return part[len("path="):]
    return None  # an abstract socket: reachable without a bind (the network is shared)


def sandboxed_calls(daemon, me, flatpak_info):
    address = daemon.bus.address
    cmd = bwrap_args(socket_of(address), flatpak_info) + [
        "--setenv", "DBUS_SESSION_BUS_ADDRESS", address, "--setenv", "LC_ALL", "C.UTF-8",
        "/usr/bin/python3", "-c", CALLER, me]
    # the daemon answers while we wait: its bus is served by its own process
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, "sandboxed caller failed: %s" % r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test(testnet):
    alice = Daemon("alice", testnet)
    tmp = tempfile.mkdtemp(prefix="sessiond-sandbox-")
    try:
        alice_id = alice.account("CreateAccount", "a{sv}", {})[0]
        phrase = alice.account("GetRecoveryPhrase")[0]
        info = os.path.join(tmp, "flatpak-info")
        with open(info, "w") as f:
            f.write("[Application]\nname=org.example.Untrusted\nruntime=runtime/x/y/z\n")

        log("a Flatpak caller")
        out = sandboxed_calls(alice, alice_id, info)
        log(json.dumps({k: v.get("error", "ok") for k, v in out.items()}))
        for method in ("GetRecoveryPhrase", "CreateAccount", "RestoreAccount"):
            assert_eq(out[method].get("error"), "org.sessiond.Daemon1.Error.AccessDenied",
                      "%s from a Flatpak" % method)
            assert phrase.split()[0] not in out[method]["message"], "no phrase in the error"
        assert "ok" in out["Send"], "messaging stays open to a Flatpak: %r" % out["Send"]
        sent_id = out["Send"]["ok"][1]
        alice.wait_for(lambda: any(m["id"] == sent_id for m in alice.messages(alice_id)),
                       "the sandbox's note to self is stored")
        assert_eq(alice.account_prop("SessionId"), alice_id, "the account is unchanged")

        log("the same caller without /.flatpak-info: a host program")
        out = sandboxed_calls(alice, alice_id, None)
        assert_eq(out["GetRecoveryPhrase"], {"ok": len(phrase)}, "the host gets the phrase")
        assert_eq(out["CreateAccount"].get("error"), "org.sessiond.Daemon1.Error.AccountExists",
                  "the host may call CreateAccount")

        log("a caller outside any sandbox")
        assert_eq(alice.account("GetRecoveryPhrase")[0], phrase, "the phrase, read again")
    finally:
        alice.close()
        shutil.rmtree(tmp, ignore_errors=True)
    log("ok: sandbox")


if __name__ == "__main__":
    works, why = bwrap_works()
    if not works:
        print("SKIP: %s" % why)
        sys.exit(77)
    run(test)
