#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Attachments between two daemons through the testnet's file server (onion requests v4):
a JPEG with GPS EXIF arrives without it, a ~9 MB file and a voice note arrive byte for byte,
nothing is fetched automatically from a message request, a lost file is "expired" and a
corrupted one "failed" while their messages stay, the registered errors of bad fds, transfers
report their progress, a message whose upload the file server refused is resent with only that
upload redone (ResendMessage), and a kill -9 in the middle of an upload sends the message
exactly once."""

import hashlib
import os
import signal
import json
import struct
import subprocess
import tempfile

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gio, GLib  # noqa: E402

from harness import (ACCOUNT_PATH, BUS_NAME, CONVERSATION_IFACE, Daemon,  # noqa: E402
                     NotificationServer, assert_eq, log, run)


# protocol-advanced.md §6.1; the X25519 key is the Ed25519 one converted
MAINNET_FILE_SERVER_X25519 = "09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34"
MAINNET_FILE_SERVER_ED25519 = "b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371"


def gps_exif(orientation=None):
    """an APP1 Exif segment with a GPS position (and an orientation, when given)"""
    tiff = bytearray(b"II*\x00" + struct.pack("<I", 8))
    # IFD0: the GPS IFD pointer (tag 0x8825, LONG) to offset 26, or orientation (0x0112,
    # SHORT) and the pointer to offset 38
    if orientation is None:
        tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, 26)
    else:
        tiff += struct.pack("<H", 2) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
        tiff += struct.pack("<HHII", 0x8825, 4, 1, 38)
    tiff += struct.pack("<I", 0)
    gps_at = len(tiff)
    # GPS IFD: version 2.2, latitude N 52° 31' 12"
    tiff += struct.pack("<H", 3)
    tiff += struct.pack("<HHI", 0x0000, 1, 4) + bytes([2, 2, 0, 0])
    tiff += struct.pack("<HHI", 0x0001, 2, 2) + b"N\x00\x00\x00"
    tiff += struct.pack("<HHII", 0x0002, 5, 3, gps_at + 42)
    tiff += struct.pack("<I", 0)
    assert len(tiff) == gps_at + 42
    tiff += struct.pack("<IIIIII", 52, 1, 31, 1, 12, 1)
    payload = b"Exif\x00\x00" + bytes(tiff)
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg():
    """(plain JPEG, the same with GPS EXIF right after SOI)"""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, 64, 48)
    pixbuf.fill(0x3366ccff)
    ok, plain = pixbuf.save_to_bufferv("jpeg", [], [])
    assert ok
    plain = bytes(plain)
    assert plain[:2] == b"\xff\xd8"
    return plain, plain[:2] + gps_exif() + plain[2:]


def temp_file(data):
    fd, path = tempfile.mkstemp(prefix="attach-")
    os.write(fd, data)
    os.unlink(path)
    return fd


def send(daemon, peer, body, files, expect_error=None):
    """SendMessage with attachments: files are (fd, options dict of GLib.Variant)"""
    fds = Gio.UnixFDList()
    items = []
    handles = {}
    for fd, options in files:
        # one handle per distinct fd: the bus limits the fds of a message
        if fd not in handles:
            handles[fd] = fds.append(fd)
        items.append((handles[fd], options))
    params = GLib.Variant("(sa{sv})", (body, {"attachments": GLib.Variant("a(ha{sv})", items)}))
    try:
        reply, _ = daemon.bus.connection.call_with_unix_fd_list_sync(
            BUS_NAME, ACCOUNT_PATH + "/conversations/" + peer, CONVERSATION_IFACE, "SendMessage",
            params, None, Gio.DBusCallFlags.NONE, 60000, fds, None)
    except GLib.Error as e:
        if expect_error is None:
            raise
        remote = Gio.DBusError.get_remote_error(e)
        assert_eq(remote, "org.sessiond.Daemon1.Error." + expect_error, "error of a bad send")
        return None
    assert expect_error is None, "expected " + str(expect_error)
    return reply.unpack()[0]


def open_attachment(daemon, peer, message_id, index):
    reply, out = daemon.bus.connection.call_with_unix_fd_list_sync(
        BUS_NAME, ACCOUNT_PATH + "/conversations/" + peer, CONVERSATION_IFACE, "OpenAttachment",
        GLib.Variant("(su)", (message_id, index)), None, Gio.DBusCallFlags.NONE, 30000, None,
        None)
    fd = out.get(reply.unpack()[0])
    chunks = []
    with os.fdopen(fd, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        # read-only
        try:
            os.write(f.fileno(), b"x")
            raise AssertionError("an attachment fd is writable")
        except OSError:
            pass
    return b"".join(chunks)


def message(daemon, peer, message_id):
    try:
        messages = daemon.messages(peer)
    except GLib.Error:
        return None  # the conversation is not there yet
    for m in messages:
        if m["id"] == message_id:
            return m
    return None


def attachment_states(daemon, peer, message_id):
    m = message(daemon, peer, message_id)
    if m is None or "attachments" not in m:
        return None
    return [a["state"] for a in m["attachments"]]


def progress_seen(daemon, message_id, state):
    """the progress of attachments in @state that MessageChanged told for @message_id"""
    return [a["progress"] for s in daemon.signals
            if s[2] == "MessageChanged" and s[3][0] == message_id
            for a in s[3][1].get("attachments", []) if a["state"] == state]


def sent(daemon, peer, message_id):
    m = message(daemon, peer, message_id)
    return m is not None and m["status"] in ("sent", "read")


def stored(testnet, daemon, account):
    """every item in @account's swarm, decoded with @daemon's keys (sd-wire-dump)"""
    items = testnet.control({"action": "messages", "pubkey": account})["messages"]
    phrase = daemon.account("GetRecoveryPhrase")[0]
    out = subprocess.run([os.environ["SD_WIRE_DUMP"], phrase], input=json.dumps(items),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def open_avatar_raw(daemon, peer):
    reply, out = daemon.bus.connection.call_with_unix_fd_list_sync(
        BUS_NAME, ACCOUNT_PATH + "/conversations/" + peer, CONVERSATION_IFACE, "OpenAvatar",
        None, None, Gio.DBusCallFlags.NONE, 30000, None, None)
    with os.fdopen(out.get(reply.unpack()[0]), "rb") as f:
        return f.read()


def open_avatar(daemon, peer):
    """the avatar's bytes, or None while it is not fetched"""
    try:
        return open_avatar_raw(daemon, peer)
    except GLib.Error as e:
        if Gio.DBusError.get_remote_error(e) == "org.sessiond.Daemon1.Error.AttachmentNotAvailable":
            return None
        if Gio.DBusError.get_remote_error(e) == "org.sessiond.Daemon1.Error.NotFound":
            return None
        raise


def set_avatar(daemon, fd):
    fds = Gio.UnixFDList()
    daemon.bus.connection.call_with_unix_fd_list_sync(
        BUS_NAME, ACCOUNT_PATH, "org.sessiond.Account1", "SetAvatar",
        GLib.Variant("(h)", (fds.append(fd),)), None, Gio.DBusCallFlags.NONE, 60000, fds, None)


def file_ids(testnet):
    return testnet.control({"action": "file_status"})["file_server"]["ids"]


def opt(**kwargs):
    types = {"file_name": "s", "content_type": "s", "caption": "s", "voice": "b"}
    return {k.replace("_", "-"): GLib.Variant(types[k], v) for k, v in kwargs.items()}


def sessionctl(daemon, *args):
    r = subprocess.run([os.environ["SESSIONCTL"], "--json"] + list(args), env=daemon.bus.env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, "sessionctl %s failed: %s" % (args, r.stderr)
    return [json.loads(line) for line in r.stdout.splitlines()]


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        notes = NotificationServer(bob.bus)
        alice_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.account("OpenConversation", "s", bob_id)

        # ---- registered errors: nothing is queued
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big")
            with open(big, "wb") as f:
                f.truncate(10_000_001)
            fd = os.open(big, os.O_RDONLY)
            send(alice, bob_id, "", [(fd, {})], "AttachmentTooLarge")
            os.close(fd)
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            send(alice, bob_id, "", [(fd, {})], "AttachmentUnreadable")
            os.close(fd)
        r, w = os.pipe()
        send(alice, bob_id, "", [(r, {})], "AttachmentUnreadable")
        os.close(r)
        os.close(w)
        fd = temp_file(b"x")
        send(alice, bob_id, "", [(fd, {})] * 33, "TooManyAttachments")
        os.close(fd)
        assert_eq(alice.messages(bob_id), [], "no message after refused attachments")

        # ---- while bob has alice as a message request: nothing is fetched automatically
        plain_jpeg, gps_jpeg = make_jpeg()
        fd = temp_file(gps_jpeg)
        photo_id = send(alice, bob_id, "", [(fd, opt(file_name="/home/alice/holiday.jpg"))])
        os.close(fd)
        alice.wait_for(lambda: sent(alice, bob_id, photo_id), "the photo is sent")
        ours = message(alice, bob_id, photo_id)["attachments"][0]
        assert_eq(ours["state"], "available", "our uploaded attachment")
        assert_eq(ours["file-name"], "holiday.jpg", "only the base name goes out")
        assert_eq(ours["content-type"], "image/jpeg", "guessed type")
        assert_eq((ours["width"], ours["height"]), (64, 48), "dimensions")
        photo_file = file_ids(testnet)[-1]

        fd = temp_file(os.urandom(70000))
        lost_id = send(alice, bob_id, "this one gets lost", [(fd, opt(file_name="lost.bin"))])
        os.close(fd)
        alice.wait_for(lambda: sent(alice, bob_id, lost_id), "the lost file's message is sent")
        lost_file = file_ids(testnet)[-1]

        fd = temp_file(os.urandom(50000))
        bad_id = send(alice, bob_id, "this one gets corrupted", [(fd, opt(file_name="bad.bin"))])
        os.close(fd)
        alice.wait_for(lambda: sent(alice, bob_id, bad_id), "the corrupted file's message is sent")
        bad_file = file_ids(testnet)[-1]
        assert_eq(len({photo_file, lost_file, bad_file}), 3, "three uploads")

        bob.wait_for(lambda: all(message(bob, alice_id, i) for i in (photo_id, lost_id, bad_id)),
                     "bob has the three messages")
        assert_eq(bob.conversation_prop(alice_id, "Approved"), False, "a request")
        for i in (photo_id, lost_id, bad_id):
            assert_eq(attachment_states(bob, alice_id, i), ["pending"],
                      "nothing is downloaded from a request")
        bob.expect_error("AttachmentNotAvailable", open_attachment, bob, alice_id, photo_id, 0)
        theirs = message(bob, alice_id, photo_id)["attachments"][0]
        assert_eq(theirs["file-name"], "holiday.jpg", "file name arrives")
        assert_eq(message(bob, alice_id, lost_id)["body"], "this one gets lost", "body arrives")

        testnet.control({"action": "file_lose", "id": lost_file})
        testnet.control({"action": "file_corrupt", "id": bad_file})
        bob.conversation(alice_id, "Approve")
        for i in (photo_id, lost_id, bad_id):
            bob.conversation(alice_id, "DownloadAttachment", "su", i, 0)
        bob.wait_for(lambda: attachment_states(bob, alice_id, photo_id) == ["available"],
                     "the photo downloads")
        bob.wait_for(lambda: attachment_states(bob, alice_id, lost_id) == ["expired"],
                     "the lost file is expired")
        bob.wait_for(lambda: attachment_states(bob, alice_id, bad_id) == ["failed"],
                     "the corrupted file failed")
        assert_eq(message(bob, alice_id, bad_id)["body"], "this one gets corrupted",
                  "the message of a failed attachment stays")
        bob.expect_error("AttachmentNotAvailable", open_attachment, bob, alice_id, bad_id, 0)
        bob.expect_error("NotFound", bob.conversation, alice_id, "DownloadAttachment", "su",
                         photo_id, 7)

        got = open_attachment(bob, alice_id, photo_id, 0)
        # a message is reached only through its own conversation (Note to Self here)
        bob.account("OpenConversation", "s", bob_id)
        bob.expect_error("NotFound", open_attachment, bob, bob_id, photo_id, 0)
        bob.expect_error("NotFound", bob.conversation, bob_id, "DownloadAttachment", "su",
                         bad_id, 0)
        assert_eq(b"Exif" in got, False, "no EXIF (and no GPS) left in the photo")
        assert_eq(got, plain_jpeg, "the photo is the original minus its metadata")
        assert_eq(open_attachment(alice, bob_id, photo_id, 0), plain_jpeg,
                  "the sender keeps the stripped copy it sent")

        # ---- approved: a ~9 MB file and a voice note are fetched by themselves
        nine = os.urandom(9_000_000)
        voice = b"OggS" + os.urandom(20000)
        fd1, fd2 = temp_file(nine), temp_file(voice)
        big_id = send(alice, bob_id, "", [
            (fd1, opt(file_name="big.bin", caption="nine megabytes")),
            (fd2, opt(file_name="note.ogg", content_type="audio/ogg", voice=True))])
        os.close(fd1)
        os.close(fd2)
        bob.wait_for(lambda: attachment_states(bob, alice_id, big_id) == ["available"] * 2,
                     "the big file and the voice note download", timeout=240)
        got = message(bob, alice_id, big_id)["attachments"]
        assert_eq([a["voice"] for a in got], [False, True], "voice flag")
        assert_eq(got[0]["caption"], "nine megabytes", "caption")
        assert_eq(got[1]["content-type"], "audio/ogg", "given content type")
        assert_eq(got[0]["size"], 9_000_000, "size")
        assert_eq(hashlib.sha256(open_attachment(bob, alice_id, big_id, 0)).hexdigest(),
                  hashlib.sha256(nine).hexdigest(), "the 9 MB file, byte for byte")
        assert_eq(open_attachment(bob, alice_id, big_id, 1), voice, "the voice note")
        # the transfers told how far they were (the first report goes at once, so this holds
        # however fast they went); signals arrive when the main context runs: wait for them
        alice.wait_for(lambda: any(0 < p < 100 for p in progress_seen(alice, big_id, "uploading")),
                       "upload progress between 1 and 99")
        bob.wait_for(lambda: any(0 < p < 100 for p in progress_seen(bob, big_id, "downloading")),
                     "download progress between 1 and 99")
        assert_eq([a["progress"] for a in got], [100, 100], "available is 100")
        bodies = lambda: [n[3] for n in notes.notifications]  # noqa: E731
        bob.wait_for(lambda: "File: big.bin" in bodies(), "a file notification")

        # a photo taken sideways keeps its orientation, and only that
        sideways = plain_jpeg[:2] + gps_exif(orientation=6) + plain_jpeg[2:]
        latitude = struct.pack("<IIIIII", 52, 1, 31, 1, 12, 1)
        assert latitude in sideways and b"\x25\x88" in sideways
        fd = temp_file(sideways)
        turned_id = send(alice, bob_id, "", [(fd, opt(file_name="turned.jpg"))])
        os.close(fd)
        bob.wait_for(lambda: attachment_states(bob, alice_id, turned_id) == ["available"],
                     "the turned photo downloads")
        bob.wait_for(lambda: "Photo" in bodies(), "a photo notification")
        turned = open_attachment(bob, alice_id, turned_id, 0)
        assert b"Exif\x00\x00" in turned, "the orientation needs its EXIF"
        assert (b"\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00" in turned or
                b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06" in turned), "orientation 6 kept"
        assert b"\x25\x88" not in turned and b"\x88\x25" not in turned, "no GPS IFD"
        assert latitude not in turned, "no GPS latitude"

        # ---- deleting the message removes its files
        bob_files = os.path.join(bob.data_dir, "attachments")
        before = len(os.listdir(bob_files))
        bob.conversation(alice_id, "DeleteMessage", "sb", big_id, False)
        bob.wait_for(lambda: len(os.listdir(bob_files)) == before - 2,
                     "the deleted message's files go")

        # ---- sessionctl: send --attach --voice, attachments, save
        with tempfile.TemporaryDirectory() as d:
            note = os.path.join(d, "memo.ogg")
            with open(note, "wb") as f:
                f.write(b"OggS" + os.urandom(3000))
            sent_ctl = sessionctl(alice, "send", bob_id, "", "--attach", note, "--voice")[0]
            memo_id = sent_ctl["message_id"]
            bob.wait_for(lambda: attachment_states(bob, alice_id, memo_id) == ["available"],
                         "the sessionctl voice note downloads")
            bob.wait_for(lambda: "Voice message" in bodies(), "a voice message notification")
            for name in os.listdir(os.path.join(bob.data_dir, "attachments")):
                if name == "tmp":  # prepares of ours before their rows exist
                    continue
                assert_eq(os.stat(os.path.join(bob.data_dir, "attachments", name)).st_mode
                          & 0o777, 0o600, "mode of a decrypted file")
            listed = sessionctl(bob, "attachments", alice_id, memo_id)
            assert_eq([(a["index"], a["file_name"], a["voice"], a["state"]) for a in listed],
                      [(0, "memo.ogg", True, "available")], "sessionctl attachments")
            saved = os.path.join(d, "saved.ogg")
            sessionctl(bob, "save", alice_id, memo_id, "0", saved)
            with open(note, "rb") as f1, open(saved, "rb") as f2:
                assert_eq(f2.read(), f1.read(), "sessionctl save writes the file")

        # ---- on the wire: the pointers as the official clients read them
        wire = stored(testnet, bob, bob_id)
        photo_wire = [i for i in wire if "content" in i and
                      i["envelope"]["timestamp"] == int(photo_id.rsplit("-", 1)[1])]
        assert_eq(len(photo_wire), 1, "the photo message on the wire")
        pointer = photo_wire[0]["content"]["dataMessage"]["attachments"][0]
        assert_eq((pointer["contentType"], pointer["key"], pointer["digest"], pointer["size"],
                   pointer["fileName"], pointer["width"], pointer["height"]),
                  ("image/jpeg", 64, 32, len(plain_jpeg), "holiday.jpg", 64, 48),
                  "legacy pointer fields")
        assert pointer["url"].startswith(testnet.info["file_server"]["url"] + "/file/"), pointer
        # not the mainnet file server: the pointer names it by its Ed25519 key
        file_server = testnet.info["file_server"]
        assert pointer["url"].endswith("#p=" + file_server["pubkey_ed25519"]), pointer

        # ---- a client of another file server (carol's is the mainnet one, which she never
        # reaches here) fetches it through the pointer's `p=`, as an official client would
        carol = Daemon("carol", testnet, extra_args=[
            "--file-server", "http://filev2.getsession.org",
            "--file-server-key", MAINNET_FILE_SERVER_X25519,
            "--file-server-ed25519", MAINNET_FILE_SERVER_ED25519])
        try:
            carol_id = carol.account("CreateAccount", "a{sv}", {})[0]
            alice.account("OpenConversation", "s", carol_id)
            far = os.urandom(30000)
            fd = temp_file(far)
            far_id = send(alice, carol_id, "from afar", [(fd, opt(file_name="far.bin"))])
            os.close(fd)
            carol.wait_for(lambda: message(carol, alice_id, far_id), "carol has the message")
            carol.conversation(alice_id, "Approve")
            carol.conversation(alice_id, "DownloadAttachment", "su", far_id, 0)
            carol.wait_for(lambda: attachment_states(carol, alice_id, far_id) == ["available"],
                           "carol downloads it from the server the pointer names")
            assert_eq(open_attachment(carol, alice_id, far_id, 0), far,
                      "the file from another file server, byte for byte")
        finally:
            carol.close()

        # ---- our avatar: stripped, uploaded, sent with the profile; then removed. bob
        # fetches it (alice needs a name: a profile is only taken with one)
        alice.account("SetDisplayName", "s", "Alice")
        fd = temp_file(b"not an image at all")
        alice.expect_error("InvalidArgument", set_avatar, alice, fd)
        os.close(fd)
        fd = temp_file(gps_jpeg)
        set_avatar(alice, fd)
        os.close(fd)
        avatar_id = alice.conversation(bob_id, "SendMessage", "sa{sv}", "with avatar", {})[0]
        alice.wait_for(lambda: sent(alice, bob_id, avatar_id), "the message with avatar is sent")
        got = bob.wait_for(lambda: open_avatar(bob, alice_id), "bob fetches alice's avatar")
        assert_eq(got, plain_jpeg, "alice's avatar at bob: the picture without its metadata")
        # and it is the image of alice's notifications
        alice.conversation(bob_id, "SendMessage", "sa{sv}", "see my face", {})
        note = bob.wait_for(lambda: [n for n in notes.notifications if n[3] == "see my face"],
                            "the notification of the next message")[0]
        with open(GLib.filename_from_uri(note[5]["image-path"])[0], "rb") as f:
            assert_eq(f.read(), plain_jpeg, "the notification image is alice's avatar")
        alice.account("RemoveAvatar")
        plain_id = alice.conversation(bob_id, "SendMessage", "sa{sv}", "without avatar", {})[0]
        alice.wait_for(lambda: sent(alice, bob_id, plain_id), "the message without is sent")
        wire = stored(testnet, bob, bob_id)
        by_t = {i["envelope"]["timestamp"]: i["content"] for i in wire
                if "dataMessage" in i.get("content", {})}
        with_avatar = by_t[int(avatar_id.rsplit("-", 1)[1])]
        profile = with_avatar["dataMessage"]["profile"]
        assert profile["profilePicture"].startswith(
            testnet.info["file_server"]["url"] + "/file/"), profile
        assert profile["profilePicture"].endswith("#p=" + file_server["pubkey_ed25519"]), profile
        assert_eq(with_avatar["dataMessage"]["profileKey"], 32, "a 32-byte profile key")
        without = by_t[int(plain_id.rsplit("-", 1)[1])]["dataMessage"]
        assert_eq("profilePicture" in without.get("profile", {}), False, "avatar removed")
        assert_eq("profileKey" in without, False, "no key without avatar")
        bob.wait_for(lambda: message(bob, alice_id, plain_id), "bob has the message without")
        bob.expect_error("NotFound", open_avatar_raw, bob, alice_id)

        # sessionctl set-avatar FILE | --remove
        files_before = testnet.control({"action": "file_status"})["file_server"]["files"]
        with tempfile.TemporaryDirectory() as d:
            picture = os.path.join(d, "me.jpg")
            with open(picture, "wb") as f:
                f.write(plain_jpeg[:2] + gps_exif() + b"\xff\xfe\x00\x05new" + plain_jpeg[2:])
            assert_eq(sessionctl(alice, "set-avatar", picture), [{"avatar": picture}],
                      "sessionctl set-avatar")
        assert_eq(testnet.control({"action": "file_status"})["file_server"]["files"],
                  files_before + 1, "the avatar is uploaded")
        sessionctl(alice, "set-avatar", "--remove")

        # ---- the file server refuses the first try of a 300 kB upload (one read and encrypted
        # in a worker thread): tried again from the kept file, then sent and fetched whole
        requests = testnet.control({"action": "file_status"})["file_server"]["requests"]
        testnet.control({"action": "file_fail", "status": 503, "count": 1})
        data = os.urandom(300_000)
        fd = temp_file(data)
        retry_id = send(alice, bob_id, "after a 503", [(fd, opt(file_name="retry.bin"))])
        os.close(fd)
        bob.wait_for(lambda: attachment_states(bob, alice_id, retry_id) == ["available"],
                     "the upload tried again arrives", timeout=120)
        assert_eq(open_attachment(bob, alice_id, retry_id, 0), data, "byte for byte")
        assert testnet.control({"action": "file_status"})["file_server"]["requests"] >= \
            requests + 3, "the refused upload, the upload and the download"

        # ---- the file server refuses an upload for good (413): the message fails at once;
        # ResendMessage sends it again, and only the upload that failed is done again. The
        # server takes blobs up to 25,000 bytes for a while: the first file's (about 20,100)
        # goes, the second's (about 31,100) is refused, whatever the timing
        testnet.control({"action": "file_limit", "bytes": 25000})
        first, second = os.urandom(20000), os.urandom(30000)
        fd1, fd2 = temp_file(first), temp_file(second)
        refused_id = send(alice, bob_id, "refused once", [(fd1, opt(file_name="first.bin")),
                                                          (fd2, opt(file_name="second.bin"))])
        os.close(fd1)
        os.close(fd2)
        alice.wait_for(lambda: message(alice, bob_id, refused_id)["status"] == "failed",
                       "a refused upload fails its message", timeout=120)
        testnet.control({"action": "file_clear"})
        assert_eq(attachment_states(alice, bob_id, refused_id), ["available", "failed"],
                  "the first uploaded, the second refused")
        alice.expect_error("NotFailed", alice.conversation, bob_id, "ResendMessage", "s",
                           photo_id)
        alice.expect_error("NotFound", alice.conversation, bob_id, "ResendMessage", "s",
                           bob_id + "-1")
        alice.account("OpenConversation", "s", alice_id)
        alice.expect_error("NotFound", alice.conversation, alice_id, "ResendMessage", "s",
                           refused_id)
        mark = len(alice.signals)
        assert_eq(sessionctl(alice, "resend", bob_id, refused_id),
                  [{"conversation": bob_id, "action": "resend", "message_id": refused_id}],
                  "sessionctl resend")
        alice.wait_for(lambda: sent(alice, bob_id, refused_id), "sent after ResendMessage",
                       timeout=120)
        changes = [s[3][1]["attachments"] for s in alice.signals[mark:]
                   if s[2] == "MessageChanged" and s[3][0] == refused_id]
        assert changes, "MessageChanged after ResendMessage"
        assert_eq({a[0]["state"] for a in changes}, {"available"},
                  "the first file is not uploaded again")
        assert "uploading" in {a[1]["state"] for a in changes}, changes
        bob.wait_for(lambda: attachment_states(bob, alice_id, refused_id) == ["available"] * 2,
                     "bob gets both files of the resent message", timeout=120)
        assert_eq(open_attachment(bob, alice_id, refused_id, 0), first, "the first file")
        assert_eq(open_attachment(bob, alice_id, refused_id, 1), second, "the second file")
        assert_eq([m["body"] for m in bob.messages(alice_id)].count("refused once"), 1,
                  "the resent message once at bob")
        alice.expect_error("NotFailed", alice.conversation, bob_id, "ResendMessage", "s",
                           refused_id)

        # ---- kill -9 in the middle of an upload: sent once after the restart
        testnet.control({"action": "file_latency", "ms": 4000})
        requests = testnet.control({"action": "file_status"})["file_server"]["requests"]
        fd = temp_file(os.urandom(30000))
        once_id = send(alice, bob_id, "exactly once", [(fd, opt(file_name="once.bin"))])
        os.close(fd)
        alice.wait_for(lambda: testnet.control({"action": "file_status"})["file_server"]
                       ["requests"] > requests, "the upload reached the file server")
        # ours, still uploading: nothing to download (as the XML says), but it opens
        assert_eq(attachment_states(alice, bob_id, once_id), ["uploading"], "still uploading")
        alice.expect_error("AttachmentNotAvailable", alice.conversation, bob_id,
                           "DownloadAttachment", "su", once_id, 0)
        alice.stop(signal.SIGKILL)
        testnet.control({"action": "file_clear"})
        alice.start()
        alice.wait_for(lambda: sent(alice, bob_id, once_id), "sent after the restart",
                       timeout=120)
        bob.wait_for(lambda: attachment_states(bob, alice_id, once_id) == ["available"],
                     "bob gets it")
        assert_eq([m["body"] for m in bob.messages(alice_id)].count("exactly once"), 1,
                  "exactly once at bob")

        # ---- kill -9 in the middle of a download: finished after the restart
        data = os.urandom(40000)
        testnet.control({"action": "file_latency", "ms": 4000})
        requests = testnet.control({"action": "file_status"})["file_server"]["requests"]
        fd = temp_file(data)
        late_id = send(alice, bob_id, "downloaded after a restart", [(fd, opt(file_name="l.bin"))])
        os.close(fd)
        # the upload (one request), then bob's download reaches the server
        bob.wait_for(lambda: attachment_states(bob, alice_id, late_id) == ["downloading"] and
                     testnet.control({"action": "file_status"})["file_server"]["requests"] >=
                     requests + 2, "bob's download is under way", timeout=120)
        bob.stop(signal.SIGKILL)
        testnet.control({"action": "file_clear"})
        bob.start()
        bob.wait_for(lambda: attachment_states(bob, alice_id, late_id) == ["available"],
                     "the download finishes after the restart", timeout=120)
        assert_eq(open_attachment(bob, alice_id, late_id, 0), data, "the file, byte for byte")
        log("attachments: ok")
    finally:
        alice.close()
        bob.close()


if __name__ == "__main__":
    run(test)
