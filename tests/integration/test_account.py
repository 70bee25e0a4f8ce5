#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Creating an account with the key file (--key-file-passphrase): the Argon2id work runs off
the main loop, so the daemon answers other calls before CreateAccount returns, and a second
create while one is under way is refused. Against a plain-HTTP testnet (--no-tls), which
sessiond reaches only when told so with --plain-http-nodes."""

import os
import shutil
import tempfile

from gi.repository import Gio, GLib

from harness import (ACCOUNT_IFACE, ACCOUNT_PATH, ADMIN_IFACE, BUS_NAME, ERROR_PREFIX, Daemon,
                     Testnet, assert_eq, log)


def test(testnet, secrets):
    passphrase = os.path.join(secrets, "passphrase")
    with open(passphrase, "w") as f:
        f.write("not-a-real-passphrase\n")
    # sessiond refuses a passphrase file that others may read
    os.chmod(passphrase, 0o600)
    alice = Daemon("alice", testnet, extra_args=["--key-file-passphrase", passphrase])
    try:
        connection = alice.bus.connection
        replies = []

        def call(name, path, iface, method, params):
            def done(conn, result):
                try:
                    value = conn.call_finish(result).unpack()
                    replies.append((name, value, None))
                except GLib.Error as e:
                    replies.append((name, None, Gio.DBusError.get_remote_error(e)))
            connection.call(BUS_NAME, path, iface, method, params, None,
                            Gio.DBusCallFlags.NONE, 60000, None, done)

        options = GLib.Variant("(a{sv})", ({"display-name": GLib.Variant("s", "Alice")},))
        call("create", ACCOUNT_PATH, ADMIN_IFACE, "CreateAccount", options)
        call("state", ACCOUNT_PATH, "org.freedesktop.DBus.Properties", "Get",
             GLib.Variant("(ss)", (ACCOUNT_IFACE, "State")))
        call("second-create", ACCOUNT_PATH, ADMIN_IFACE, "CreateAccount",
             GLib.Variant("(a{sv})", ({},)))
        call("objects", ACCOUNT_PATH, "org.freedesktop.DBus.ObjectManager",
             "GetManagedObjects", None)
        alice.wait_for(lambda: len(replies) == 4, "four replies")
        log("reply order:", [r[0] for r in replies])
        # the key derivation takes a good fraction of a second; the others are answered
        # meanwhile, so CreateAccount returns last
        assert_eq(replies[-1][0], "create", "CreateAccount answers last")
        by_name = {name: (value, error) for name, value, error in replies}
        assert_eq(by_name["create"][1], None, "CreateAccount succeeds")
        assert_eq(by_name["state"][0], ("uninitialised",), "State while creating")
        assert_eq(by_name["second-create"][1], ERROR_PREFIX + "AccountExists",
                  "a concurrent create is refused")
        alice_id = by_name["create"][0][0]
        assert os.path.exists(os.path.join(alice.data_dir, "account.key")), "key file written"

        # the plain-HTTP testnet's nodes are reachable: a Note to Self goes out
        alice.wait_for(lambda: alice.account_prop("State") == "online", "online")
        assert_eq(alice.account_prop("SessionId"), alice_id, "SessionId")
        assert_eq(alice.account_prop("DisplayName"), "Alice", "DisplayName")
        message_id = alice.account("Send", "ssa{sv}", alice_id, "note", {})[1]
        alice.wait_for(lambda: any(m["id"] == message_id and m["status"] == "sent"
                                   for m in alice.messages(alice_id)), "the note is sent")

        # a restart opens the key file again, and the account is back
        alice.stop()
        alice.start()
        alice.wait_for(lambda: alice.account_prop("SessionId") == alice_id, "account reopened")
        alice.expect_error("AccountExists", alice.account, "CreateAccount", "a{sv}", {})
    finally:
        alice.close()


def main():
    testnet = Testnet(tls=False)
    secrets = tempfile.mkdtemp(prefix="sessiond-secrets-")
    try:
        assert testnet.seed_url.startswith("http://"), testnet.seed_url
        test(testnet, secrets)
    finally:
        testnet.stop()
        shutil.rmtree(secrets, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
