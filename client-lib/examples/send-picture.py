#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sends a picture (or any file) to a contact through libsessiond-client's
GObject-Introspection bindings, then waits until the daemon has uploaded it
and the message is sent.

    GI_TYPELIB_PATH=... LD_LIBRARY_PATH=... ./send-picture.py SESSION-ID FILE [TEXT]

The file is opened here and handed to the daemon as a file descriptor: the
daemon needs no access to its path. It removes an image's metadata (EXIF
with any GPS position) before the upload."""

import sys

import gi

gi.require_version("Sessiond", "1")
from gi.repository import GLib, Sessiond  # noqa: E402


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    peer, path = sys.argv[1], sys.argv[2]
    text = sys.argv[3] if len(sys.argv) == 4 else ""
    loop = GLib.MainLoop()
    state = {"status": 0, "message_id": None}

    def fail(e):
        print("failed: %s" % e.message, file=sys.stderr)
        state["status"] = 1
        loop.quit()

    def on_changed(conversation, message):
        if message.get_id() != state["message_id"]:
            return
        status = message.get_status()
        if status in ("sent", "read", "failed"):
            print("message %s: %s" % (message.get_id(), status), flush=True)
            state["status"] = 0 if status != "failed" else 1
            loop.quit()

    def on_sent(conversation, result):
        try:
            state["message_id"] = conversation.send_attachments_finish(result)
        except GLib.Error as e:
            fail(e)
            return
        print("queued %s; uploading" % state["message_id"], flush=True)

    def on_opened(client, result):
        try:
            conversation = client.open_conversation_finish(result)
        except GLib.Error as e:
            fail(e)
            return
        conversation.connect("message-changed", on_changed)
        conversation.send_attachments_async(text, [path], False, None, on_sent)

    def on_ready(source, result):
        try:
            client = Sessiond.Client.new_finish(result)
        except GLib.Error as e:
            fail(e)
            return
        state["client"] = client
        client.open_conversation_async(peer, None, on_opened)

    Sessiond.Client.new_async(None, None, on_ready)
    loop.run()
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
