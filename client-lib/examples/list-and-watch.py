#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lists the account's conversations, then prints incoming messages as they
arrive, through libsessiond-client's GObject-Introspection bindings.

    GI_TYPELIB_PATH=... LD_LIBRARY_PATH=... ./list-and-watch.py [--count N]

With --count N it stops after N messages (the tests use that); otherwise it
runs until interrupted."""

import argparse
import signal
import sys

import gi

gi.require_version("Sessiond", "1")
from gi.repository import GLib, Sessiond  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=0,
                        help="stop after this many incoming messages")
    args = parser.parse_args()

    loop = GLib.MainLoop()
    state = {"client": None, "seen": 0, "status": 0}

    def on_message(client, conversation_id, message):
        print("message from %s: %s" % (message.get_author(), message.get_body()), flush=True)
        state["seen"] += 1
        if args.count and state["seen"] >= args.count:
            loop.quit()

    def on_ready(source, result):
        try:
            client = Sessiond.Client.new_finish(result)
        except GLib.Error as e:
            print("cannot connect: %s" % e.message, file=sys.stderr)
            state["status"] = 1
            loop.quit()
            return
        state["client"] = client
        conversations = client.get_conversations()
        print("%d conversations" % conversations.get_n_items(), flush=True)
        for i in range(conversations.get_n_items()):
            c = conversations.get_item(i)
            print("%s  %-20s  unread %d" % (c.get_id(), c.dup_name(), c.get_unread_count()))
        client.connect("message-received", on_message)
        print("watching", flush=True)

    Sessiond.Client.new_async(None, None, on_ready)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
