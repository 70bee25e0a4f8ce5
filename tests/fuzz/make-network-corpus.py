#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of the network-layer fuzz targets (fuzz-json,
fuzz-seed-reply, fuzz-snode-list, fuzz-retrieve-reply) into corpus/. The
node keys are made here from fixed seeds with libsodium, so valid nodes
pass sd_snode_new's key check. Run from anywhere; rerun after editing."""

import base64
import ctypes
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
sodium = ctypes.CDLL("libsodium.so.23")


def node_keys(i):
    seed = bytes([i]) * 32
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    sodium.crypto_sign_seed_keypair(pk, sk, seed)
    x = ctypes.create_string_buffer(32)
    sodium.crypto_sign_ed25519_pk_to_curve25519(x, pk)
    return pk.raw.hex(), x.raw.hex()


def seed_state(i, **extra):
    ed, x = node_keys(i)
    state = {"public_ip": "127.0.0.%d" % (i + 1), "storage_port": 40000 + i,
             "pubkey_ed25519": ed, "pubkey_x25519": x, "swarm_id": 1000 * (i % 3),
             "requested_unlock_height": 0, "height": 100}
    state.update(extra)
    return state


def swarm_entry(i, **extra):
    ed, x = node_keys(i)
    entry = {"ip": "127.0.0.%d" % (i + 1), "port": str(41000 + i), "port_https": 41000 + i,
             "pubkey_ed25519": ed, "pubkey_x25519": x}
    entry.update(extra)
    return entry


def write(target, name, content):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if not isinstance(content, (bytes, str)):
        content = json.dumps(content, separators=(",", ":"))
    if isinstance(content, str):
        content = content.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)


def seed_reply(states):
    return {"jsonrpc": "2.0", "id": 0, "result": {"service_node_states": states, "height": 100,
                                                  "target_height": 100, "hardfork": 19,
                                                  "status": "OK"}}


# fuzz-json: the grammar's corners
for name, text in {
    "object": '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\ud83d\\ude00\\n"],"b":{}}',
    "numbers": "[0,-0,1e308,-1E-5,123456789012345678901234567890,0.5]",
    "nested": "[" * 60 + "]" * 60,
    "too-deep": "[" * 70 + "]" * 70,
    "escapes": '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"',
    "lone-surrogate": '"\\ud800"',
    "trailing-comma": '{"a":1,}',
    "bad-utf8": b'"\xc3\x28"',
    "nul": b'{"a":"\x00"}',
    "duplicate-keys": '{"a":1,"a":2}',
    "whitespace": ' \t\r\n{ "a" : [ ] } \n',
}.items():
    write("fuzz-json", name, text)

# fuzz-seed-reply: good answers, then each way to be wrong
write("fuzz-seed-reply", "three-nodes", seed_reply([seed_state(i) for i in range(3)]))
write("fuzz-seed-reply", "field-list",
      seed_reply([seed_state(3, public_ip="0.0.0.0"), seed_state(4, storage_port=0),
                  seed_state(5)]))
write("fuzz-seed-reply", "wrong-x25519",
      seed_reply([seed_state(6, pubkey_x25519=node_keys(7)[1]), seed_state(8)]))
write("fuzz-seed-reply", "types",
      seed_reply([seed_state(9, storage_port="22"), seed_state(10, swarm_id=-1),
                  seed_state(11, pubkey_ed25519=12), {"public_ip": []}, 5, None]))
write("fuzz-seed-reply", "no-nodes", seed_reply([]))
write("fuzz-seed-reply", "error", {"jsonrpc": "2.0", "id": 0,
                                    "error": {"code": -32601, "message": "Method not found"}})
write("fuzz-seed-reply", "not-json", "<html>502 Bad Gateway</html>")

# fuzz-snode-list: get_swarm's "snodes", oxend_request lists, bare arrays
write("fuzz-snode-list", "get-swarm", {"snodes": [swarm_entry(i) for i in range(5)],
                                       "swarm": "1000", "t": 1700000000000,
                                       "hf": [19, 4]})
write("fuzz-snode-list", "bare-array", [seed_state(i) for i in range(12, 16)])
write("fuzz-snode-list", "bad-entries",
      [swarm_entry(16, ip=""), swarm_entry(17, port=70000, port_https=0),
       swarm_entry(18, pubkey_ed25519="zz" * 32), swarm_entry(19, ip="::1"),
       swarm_entry(20, ip="1.2.3.4.5"), [], "x", swarm_entry(21)])

# fuzz-retrieve-reply: the poller's batch answer around retrieved items
with open(os.path.join(HERE, "corpus", "fuzz-wire-unwrap", "text-message.b64")) as f:
    good = f.read().strip()


def retrieve(items, code=200, more=False):
    return {"results": [{"code": code, "body": {"messages": items, "more": more,
                                                "hf": [19, 4], "t": 1700000000000}}]}


def msg_hash(name):
    """A hash of the form storage server 2.8 gives (43 characters of unpadded base64 of a
    32-byte BLAKE2b), made from @name: items with other hashes are dropped when parsed."""
    digest = hashlib.blake2b(name.encode(), digest_size=32).digest()
    return base64.b64encode(digest).decode().rstrip("=")


def item(h, data, expiration=1800000000000):
    return {"hash": msg_hash(h) if h else h, "data": data, "expiration": expiration,
            "timestamp": 1700000000000}


write("fuzz-retrieve-reply", "one-message", retrieve([item("h1", good)]))
write("fuzz-retrieve-reply", "repeated",
      retrieve([item("h2", good), item("h2", good), item("h3", good)], more=True))
write("fuzz-retrieve-reply", "undecodable",
      retrieve([item("h4", "AAAA"), item("h5", "not base64!"), {"hash": "h6"},
                {"data": good}, item("", good), 7]))
write("fuzz-retrieve-reply", "empty", retrieve([]))
write("fuzz-retrieve-reply", "error-code", retrieve([item("h7", good)], code=421))
# hostile: hashes in other forms, node-chosen expiries far away (a page over the item bound
# is in tests/protocol/sd-storage-rpc-test.c: 250 KB is too large a seed)
write("fuzz-retrieve-reply", "bad-hashes",
      retrieve([dict(item("h8", good), hash=msg_hash("h8") + "="),
                dict(item("h9", good), hash=msg_hash("h9").replace("A", "-")),
                dict(item("h10", good), hash=hashlib.sha512(b"h10").hexdigest())]))
write("fuzz-retrieve-reply", "far-expiry",
      retrieve([item("h11", good, expiration=4102444800000), item("h12", good, expiration=0),
                item("h13", good, expiration=-1), item("h14", good, expiration=2 ** 63 - 1)]))

write("fuzz-retrieve-reply", "types",
      {"results": [{"code": "200", "body": {"messages": {}}}, {"code": 200}]})

# fuzz-node-reply: what sd-network.c and sd-sender.c read besides retrieved items
ed8, _ = node_keys(8)
write("fuzz-node-reply", "missing-node", "Next node not found: " + ed8)
write("fuzz-node-reply", "unreachable-node", "Next node is currently unreachable: " + ed8.upper())
write("fuzz-node-reply", "missing-node-short", "Next node not found: " + ed8[:40])
write("fuzz-node-reply", "missing-node-junk", "Next node not found: " + "zz" * 32 + " and more")
write("fuzz-node-reply", "timeout", "Request time out")
write("fuzz-node-reply", "info", {"version": [2, 8, 0], "timestamp": 1700000000000,
                                  "t": 1700000000000, "hf": [19, 4]})
write("fuzz-node-reply", "info-2100", {"t": 4102444800000, "hf": [19, 4]})
write("fuzz-node-reply", "t-types", {"t": "1700000000000", "results": [{"body": {"t": -5}}]})
write("fuzz-node-reply", "batch-t", {"results": [{"code": 200, "body": {"messages": []}},
                                                 {"code": 200, "body": {"t": 1700000000001}}]})
write("fuzz-node-reply", "batch-406",
      {"results": [{"code": 406, "body": "Timestamp error: check your clock"},
                   {"code": 406, "body": "retrieve timestamp too far from current time"}]})
write("fuzz-node-reply", "batch-mixed",
      {"results": [{"code": 406, "body": "x"}, {"code": 421, "body": {}}]})
write("fuzz-node-reply", "batch-success", {"results": [{"code": 200, "body": {}},
                                                       {"code": 200}]})
write("fuzz-node-reply", "batch-odd-codes", {"results": [{"code": 99}, {"code": 99}]})
write("fuzz-node-reply", "421-swarm",
      {"snodes": [swarm_entry(i) for i in range(22, 27)], "swarm": "3e8", "t": 1700000000000})
write("fuzz-node-reply", "421-bad-members",
      {"snodes": [swarm_entry(27, ip="0.0.0.0"), swarm_entry(28, pubkey_ed25519="00" * 31),
                  "not a node", swarm_entry(29, port="0", port_https=0)]})
write("fuzz-node-reply", "batch-421",
      {"results": [{"code": 421, "body": {"snodes": [swarm_entry(30), swarm_entry(31)]}}]})
write("fuzz-node-reply", "store",
      {"swarm": {ed8: {"hash": msg_hash("s1"), "signature": "c2ln", "expiry": 1}},
       "hash": msg_hash("s1"), "t": 1700000000000, "hf": [19, 4]})
write("fuzz-node-reply", "store-old-hash", {"hash": hashlib.sha512(b"s2").hexdigest()})
write("fuzz-node-reply", "store-junk-hash", {"hash": "<" + "x" * 200 + ">"})
write("fuzz-node-reply", "store-refused", "Provided expiry/TTL is not valid.")
