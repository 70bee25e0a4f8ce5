#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Community attachments (issue 17): a post with files goes through the room's own file
endpoint, as the protocol says, NOT encrypted; the other member sees the post with its
attachments waiting, fetches them through the server (onion requests) and reads the very
bytes that were sent; the poster has them at once; a file-only post (no text) is fine; a
post whose upload the server refuses is kept failed and
ResendMessage posts it once, files and all; a post's pointers to files outside the room are
dropped, so a post cannot make us fetch from
elsewhere. The
room's image (its `image_id` file) is the conversation's avatar, replaced and removed as the
room's details say."""

import base64
import os
import struct
import tempfile
import zlib

from gi.repository import Gio, GLib  # noqa: E402

from harness import ACCOUNT_PATH, BUS_NAME, CONVERSATION_IFACE, Daemon, assert_eq, log, run  # noqa: E402


def temp_file(data):
    fd, path = tempfile.mkstemp(prefix="attach-")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    os.unlink(path)
    return fd


def send(daemon, cid, body, files):
    fds = Gio.UnixFDList()
    items = [(fds.append(fd), options) for fd, options in files]
    params = GLib.Variant("(sa{sv})", (body, {"attachments": GLib.Variant("a(ha{sv})", items)}))
    reply, _ = daemon.bus.connection.call_with_unix_fd_list_sync(
        BUS_NAME, ACCOUNT_PATH + "/conversations/" + cid, CONVERSATION_IFACE, "SendMessage",
        params, None, Gio.DBusCallFlags.NONE, 120000, fds, None)
    return reply.unpack()[0]


def open_attachment(daemon, cid, message_id, index):
    reply, out = daemon.bus.connection.call_with_unix_fd_list_sync(
        BUS_NAME, ACCOUNT_PATH + "/conversations/" + cid, CONVERSATION_IFACE, "OpenAttachment",
        GLib.Variant("(su)", (message_id, index)), None, Gio.DBusCallFlags.NONE, 30000, None,
        None)
    with os.fdopen(out.get(reply.unpack()[0]), "rb") as f:
        return f.read()


def png(width, height, rgb):
    """a valid PNG of one colour"""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def open_avatar(daemon, cid):
    """the conversation's avatar, or None when it has none (yet)"""
    try:
        reply, out = daemon.bus.connection.call_with_unix_fd_list_sync(
            BUS_NAME, ACCOUNT_PATH + "/conversations/" + cid, CONVERSATION_IFACE, "OpenAvatar",
            None, None, Gio.DBusCallFlags.NONE, 30000, None, None)
    except GLib.Error as e:
        if Gio.DBusError.get_remote_error(e) in ("org.sessiond.Daemon1.Error.NotFound",
                                                 "org.sessiond.Daemon1.Error.AttachmentNotAvailable"):
            return None
        raise
    with os.fdopen(out.get(reply.unpack()[0]), "rb") as f:
        return f.read()


def message(daemon, cid, message_id):
    for m in daemon.messages(cid):
        if m["id"] == message_id:
            return m
    return None


def states(daemon, cid, message_id):
    m = message(daemon, cid, message_id)
    if m is None or "attachments" not in m:
        return None
    return [a["state"] for a in m["attachments"]]


def test(testnet):
    url = testnet.info["sogs"]["join_url"]
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice.account("CreateAccount", "a{sv}", {})
        bob.account("CreateAccount", "a{sv}", {})
        cid = alice.account("JoinCommunity", "s", url)[0].rsplit("/", 1)[1]
        bob.account("JoinCommunity", "s", url)
        for d in (alice, bob):
            d.wait_for(lambda: d.conversation_prop(cid, "Community").get("state") == "online",
                       "the room is online")

        # ---- a post with two files: uploaded to the room, the poster has them at once
        notes = os.urandom(3000) + b"community notes"
        memo = b"plain memo \x00\x01\x02" * 100
        post_id = send(alice, cid, "two files", [
            (temp_file(notes), {"file-name": GLib.Variant("s", "notes.bin"),
                                "content-type": GLib.Variant("s", "application/octet-stream")}),
            (temp_file(memo), {"file-name": GLib.Variant("s", "memo.txt"),
                               "content-type": GLib.Variant("s", "text/plain"),
                               "caption": GLib.Variant("s", "a memo")})])
        assert_eq(states(alice, cid, post_id), ["available", "available"], "ours, at once")
        assert_eq(open_attachment(alice, cid, post_id, 1), memo, "our own file")
        log("post with files sent")

        # ---- the other member: the post with its files waiting; fetched on request
        seen = bob.wait_for(lambda: message(bob, cid, post_id), "bob sees the post")
        assert_eq(seen["body"], "two files", "the text")
        assert_eq([(a["file-name"], a["content-type"], a["size"]) for a in seen["attachments"]],
                  [("notes.bin", "application/octet-stream", len(notes)),
                   ("memo.txt", "text/plain", len(memo))], "the files' details")
        assert_eq(states(bob, cid, post_id), ["pending", "pending"], "not fetched by itself")
        bob.conversation(cid, "DownloadAttachment", "su", post_id, 0)
        bob.conversation(cid, "DownloadAttachment", "su", post_id, 1)
        bob.wait_for(lambda: states(bob, cid, post_id) == ["available", "available"],
                     "bob fetches both through the room")
        assert_eq(open_attachment(bob, cid, post_id, 0), notes, "the first file, byte for byte")
        assert_eq(open_attachment(bob, cid, post_id, 1), memo, "the second file")
        log("files fetched from the room")

        # ---- a post whose upload the server refuses is kept failed, with its files; sent
        # by ResendMessage, its files uploaded from the kept copies, posted once
        testnet.control({"action": "sogs_fail", "status": 503})
        first, second = os.urandom(5000), b"second file " * 50
        try:
            send(alice, cid, "failed files", [
                (temp_file(first), {"file-name": GLib.Variant("s", "first.bin")}),
                (temp_file(second), {"file-name": GLib.Variant("s", "second.txt"),
                                     "caption": GLib.Variant("s", "the second")})])
            raise AssertionError("a post whose upload failed succeeded")
        except GLib.Error as e:
            assert_eq(Gio.DBusError.get_remote_error(e), "org.sessiond.Daemon1.Error.Network",
                      "the post fails")
        testnet.control({"action": "sogs_clear"})
        failed = next(m for m in alice.messages(cid) if m["body"] == "failed files")
        assert_eq((failed["status"], states(alice, cid, failed["id"])),
                  ("failed", ["failed", "failed"]), "kept failed with its files")
        alice.expect_error("NotFailed", alice.conversation, cid, "ResendMessage", "s", post_id)
        bob.expect_error("NotFound", bob.conversation, cid, "ResendMessage", "s", failed["id"])
        alice.conversation(cid, "ResendMessage", "s", failed["id"])
        alice.wait_for(lambda: message(alice, cid, failed["id"])["status"] == "sent",
                       "the resent post is sent", timeout=120)
        assert_eq(states(alice, cid, failed["id"]), ["available", "available"], "uploaded")
        alice.wait_for(lambda: any(member == "MessageChanged" and args[0] == failed["id"] and
                                   args[1]["status"] == "sent"
                                   for (_, _, member, args) in alice.signals),
                       "MessageChanged tells it went")
        seen = bob.wait_for(lambda: message(bob, cid, failed["id"]), "bob sees the resent post",
                            timeout=120)
        assert_eq([(a["file-name"], a["size"]) for a in seen["attachments"]],
                  [("first.bin", len(first)), ("second.txt", len(second))], "its files")
        assert_eq(seen["attachments"][1]["caption"], "the second", "the caption")
        bob.conversation(cid, "DownloadAttachment", "su", failed["id"], 0)
        bob.conversation(cid, "DownloadAttachment", "su", failed["id"], 1)
        bob.wait_for(lambda: states(bob, cid, failed["id"]) == ["available", "available"],
                     "bob fetches both")
        assert_eq(open_attachment(bob, cid, failed["id"], 0), first, "the first file")
        assert_eq(open_attachment(bob, cid, failed["id"], 1), second, "the second file")
        posts = testnet.control({"action": "sogs_posts", "room": "lobby"})["posts"]
        assert_eq(sum(b"failed files" in base64.b64decode(p["data"]) for p in posts), 1,
                  "posted once")
        assert_eq([m["body"] for m in bob.messages(cid)].count("failed files"), 1, "once at bob")
        alice.expect_error("NotFailed", alice.conversation, cid, "ResendMessage", "s",
                           failed["id"])
        log("a failed post with files resent")

        # ---- a post that is only a file
        only_id = send(bob, cid, "", [(temp_file(b"just a file"),
                                       {"file-name": GLib.Variant("s", "only.txt")})])
        got = alice.wait_for(lambda: message(alice, cid, only_id), "a file-only post arrives")
        assert_eq((got["body"], len(got["attachments"])), ("", 1), "no text, one file")
        alice.conversation(cid, "DownloadAttachment", "su", only_id, 0)
        alice.wait_for(lambda: states(alice, cid, only_id) == ["available"], "fetched")
        assert_eq(open_attachment(alice, cid, only_id, 0), b"just a file", "its bytes")
        log("file-only post")

        # ---- a post naming files elsewhere: only the room's own are kept (and fetched)
        base = url.split("/lobby?")[0]
        testnet.control({"action": "sogs_post", "room": "lobby", "text": "look here",
                         "attachment_urls": ["https://evil.example/room/lobby/file/1",
                                             base + "/room/other/file/1",
                                             base + "/room/lobby/file/1x",
                                             base + "/room/lobby/file/1/../../other",
                                             base + "/room/lobby/file/2"]})
        foreign = bob.wait_for(lambda: next((m for m in bob.messages(cid)
                                             if m["body"] == "look here"), None),
                               "the stranger's post arrives")
        assert_eq(len(foreign["attachments"]), 1, "only the room's own file is kept")
        bob.conversation(cid, "DownloadAttachment", "su", foreign["id"], 0)
        bob.wait_for(lambda: states(bob, cid, foreign["id"]) == ["available"], "fetched")
        assert_eq(open_attachment(bob, cid, foreign["id"], 0), memo, "room file 2 is the memo")
        log("foreign pointers dropped")

        # ---- the room's image is the conversation's avatar, and follows changes
        assert open_avatar(bob, cid) is None, "no image yet"
        red, blue = png(8, 8, (255, 0, 0)), png(4, 6, (0, 0, 255))
        testnet.control({"action": "sogs_room_image", "room": "lobby",
                         "data": base64.b64encode(red).decode()})
        bob.wait_for(lambda: open_avatar(bob, cid) == red, "the room's image arrives")
        alice.wait_for(lambda: open_avatar(alice, cid) == red, "for every member")
        testnet.control({"action": "sogs_room_image", "room": "lobby",
                         "data": base64.b64encode(blue).decode()})
        bob.wait_for(lambda: open_avatar(bob, cid) == blue, "a new image replaces it")
        # not an image: not kept (the old one goes with the room's word)
        testnet.control({"action": "sogs_room_image", "room": "lobby",
                         "data": base64.b64encode(b"not an image at all").decode()})
        testnet.control({"action": "sogs_room_image", "room": "lobby", "data": ""})
        bob.wait_for(lambda: open_avatar(bob, cid) is None, "a removed image goes")
        log("room image as the avatar")

        # ---- an image the server fails to give is tried again after a pause that doubles
        # (sd-backoff.c), not at every poll; counted in polls, not in time
        def sogs():
            return testnet.control({"action": "sogs_status"})["sogs"]

        def polls(status):
            return status["requests"] - status["file_gets"]

        testnet.control({"action": "sogs_file_fail", "status": 503})
        start = sogs()
        testnet.control({"action": "sogs_room_image", "room": "lobby",
                         "data": base64.b64encode(red).decode()})
        bob.wait_for(lambda: sogs()["file_gets"] >= start["file_gets"] + 3,
                     "the image is asked for, and asked again", timeout=240)
        bob.wait_for(lambda: polls(sogs()) >= polls(start) + 60,
                     "about 30 polls by each member", timeout=300)
        tries = sogs()["file_gets"] - start["file_gets"]
        # each member at most every doubled pause: a handful, where a poll each would be ~60
        assert tries <= 20, "the failing image was asked for %d times in 60 polls" % tries
        assert open_avatar(bob, cid) is None, "nothing kept meanwhile"
        testnet.control({"action": "sogs_clear"})
        bob.wait_for(lambda: open_avatar(bob, cid) == red,
                     "the same image, tried again after its pause, arrives", timeout=240)
        alice.wait_for(lambda: open_avatar(alice, cid) == red, "for every member", timeout=240)
        log("a failing room image backs off (%d fetches in 60 polls)" % tries)
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
