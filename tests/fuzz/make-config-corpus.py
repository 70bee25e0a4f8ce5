#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of fuzz-config-decode and fuzz-config-merge:
small config messages built here (bencode + BLAKE2b), so that the fuzzers
start from inputs that reach the merge and the diff replay."""
import hashlib
import os
import subprocess
import sys


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"
    raise TypeError(v)


def message(seqno, data, lagged, diff):
    return benc({"#": seqno, "&": data, "<": [[s, h, d] for s, h, d in lagged], "=": diff})


def h(b):
    return hashlib.blake2b(b, digest_size=32).digest()


def main(out):
    dec = os.path.join(out, "fuzz-config-decode")
    mrg = os.path.join(out, "fuzz-config-merge")
    os.makedirs(dec, exist_ok=True)
    os.makedirs(mrg, exist_ok=True)

    m5 = message(5, {"a": 1, "s": [1, 2, "x"], "d": {"k": "v"}}, [],
                 {"a": "", "s": [[1, 2, "x"], []], "d": {"k": ""}})
    m6a = message(6, {"a": 2, "s": [1, 2, "x"], "d": {"k": "v"}},
                  [(5, h(m5), {"a": "", "s": [[1, 2, "x"], []], "d": {"k": ""}})], {"a": ""})
    m6b = message(6, {"a": 1, "s": [2, "x", "y"], "d": {"k": "v", "n": {"z": 0}}},
                  [(5, h(m5), {"a": "", "s": [[1, 2, "x"], []], "d": {"k": ""}})],
                  {"s": [["y"], [1]], "d": {"n": {"z": ""}}})
    m7 = message(7, {"a": 2, "b": "new", "s": [1, 2, "x"], "d": {"k": "v"}},
                 [(5, h(m5), {}), (6, h(m6a), {"a": ""})], {"b": ""})
    signed = m5[:-1] + b"1:~" + b"64:" + bytes(64) + b"e"
    unknown = benc({"#": 3, "$": "newer", "&": {"c": {bytes(33): {"n": "x"}}}, "<": [], "=": {},
                    "_": [1]})

    seeds = {
        "plain-m5": b"\x00" + m5,
        "plain-m7": b"\x00" + m7,
        "plain-signed": b"\x00" + signed,
        "plain-unknown-keys": b"\x00" + unknown,
        "plain-bad-empty-set": b"\x00" + b"d1:#i0e1:&d1:alee1:<le1:=dee",
        "blob-padded": b"\x01" + bytes(40) + m6b,
        "blob-multipart": b"\x01" + b"\x00\x00mlee",
        "push-garbage": b"\x02" + b"\x08\x01\x12\x04\x0a\x00\x12\x00",
    }
    try:
        z = subprocess.run(["zstd", "-1", "-c", "-q"], input=m7 * 4, capture_output=True,
                           check=True).stdout
        seeds["blob-zstd"] = b"\x01" + bytes(8) + b"z" + z
    except (OSError, subprocess.CalledProcessError):
        pass
    for name, data in seeds.items():
        with open(os.path.join(dec, name), "wb") as f:
            f.write(data)

    def records(*msgs):
        return b"".join(len(m).to_bytes(2, "big") + m for m in msgs)

    merges = {
        "conflict-6a-6b": records(m6a, m6b),
        "three-way": records(m5, m6b, m6a),
        "included": records(m7, m6a, m5),
        "with-garbage": records(m6b, b"not bencode", m6a),
        "duplicate": records(m6a, m6a),
    }
    for name, data in merges.items():
        with open(os.path.join(mrg, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
