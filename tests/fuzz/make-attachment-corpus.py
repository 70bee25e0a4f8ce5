#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of fuzz-attachment into corpus/fuzz-attachment.
The first byte of each file is the mode of fuzz-attachment.c; keys are the
target's fixed ones (0x5a * 64 legacy, 0xa5 * 32 deterministic and avatar).
Needs libsodium and python3-cryptography; rerun after editing."""

import ctypes
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz-attachment")
so = ctypes.CDLL("libsodium.so.23")
so.sodium_init()

LEGACY_KEY = b"\x5a" * 64
DET_KEY = b"\xa5" * 32
(POINTER, LEGACY_RAW, LEGACY_SEALED, DET_RAW, DET_STREAM, AVATAR_RAW, ROUNDTRIP) = range(7)


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def pointer(url, key, digest=None, size=None, flags=None):
    out = field(1, 1, b"\0" * 8) + field(101, 2, url) + field(3, 2, key)
    if digest is not None:
        out += field(6, 2, digest)
    if size is not None:
        out += field(4, 0, varint(size))
    if flags is not None:
        out += field(8, 0, varint(flags))
    return out + field(2, 2, b"image/png") + field(7, 2, b"cat.png")


def cbc(plain, iv):
    pad = 16 - len(plain) % 16
    enc = Cipher(algorithms.AES(LEGACY_KEY[:32]), modes.CBC(iv)).encryptor()
    return iv + enc.update(plain + bytes([pad]) * pad) + enc.finalize()


def det_blob(stream, chunk=32768):
    st = ctypes.create_string_buffer(so.crypto_secretstream_xchacha20poly1305_statebytes())
    header = ctypes.create_string_buffer(24)
    so.crypto_secretstream_xchacha20poly1305_init_push(st, header, DET_KEY)
    out = b"S" + header.raw
    for i in range(0, max(len(stream), 1), chunk):
        part = stream[i:i + chunk]
        last = i + chunk >= len(stream)
        buf = ctypes.create_string_buffer(len(part) + 17)
        clen = ctypes.c_ulonglong()
        so.crypto_secretstream_xchacha20poly1305_push(
            st, buf, ctypes.byref(clen), part, ctypes.c_ulonglong(len(part)), None,
            ctypes.c_ulonglong(0), ctypes.c_ubyte(3 if last else 0))
        out += buf.raw[:clen.value]
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    url = b"http://filev2.getsession.org/file/abc"
    fs = b"b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371"
    legacy_plain = b"hello attachment" + b"\0" * 525
    sealed = cbc(legacy_plain, bytes(range(16)))
    mac = hmac.new(LEGACY_KEY[32:], sealed, hashlib.sha256).digest()
    files = {
        "pointer-legacy": bytes([POINTER]) + pointer(url, b"\x11" * 64, b"\x22" * 32, 16, 1),
        "pointer-det": bytes([POINTER]) + pointer(url + b"#p=" + fs + b"&d", b"\x11" * 32),
        "pointer-bad-key": bytes([POINTER]) + pointer(url, b"\x11" * 10),
        "legacy-raw": bytes([LEGACY_RAW]) + sealed + mac,
        "legacy-sealed-trim": bytes([LEGACY_SEALED]) + struct.pack("<I", 16) + sealed,
        "legacy-sealed-nosize": bytes([LEGACY_SEALED]) + b"\xff\xff\xff\xff" + sealed,
        "legacy-sealed-badpad": bytes([LEGACY_SEALED]) + struct.pack("<I", 0) + bytes(48),
        "det-raw": bytes([DET_RAW]) + det_blob(b"\0" * 40 + b"\1" + b"deterministic"),
        # byte 0 after the mode sets the streaming piece size (1 + 7)
        "det-raw-pieces": bytes([DET_RAW, 0x07]) + det_blob(b"\0" * 5000 + b"\1" + b"p" * 40000),
        "det-stream": bytes([DET_STREAM, 0x02]) + b"\0" * 200 + b"\1" + b"x" * 100,
        "det-stream-nofinal": bytes([DET_STREAM, 0x81]) + b"\0" * 10 + b"\1" + b"y" * 30,
        "det-stream-badpad": bytes([DET_STREAM, 0x00]) + b"\0\0\2zzz",
        "avatar-raw": bytes([AVATAR_RAW]) + (lambda iv: iv + AESGCM(DET_KEY).encrypt(
            iv, b"\x89PNG avatar", None))(b"\7" * 12),
        "roundtrip": bytes([ROUNDTRIP]) + b"a small file",
        "roundtrip-empty": bytes([ROUNDTRIP]),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
