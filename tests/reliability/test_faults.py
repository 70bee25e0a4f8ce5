#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection through the testnet's control API, with two daemons
(alice, bob) exchanging messages: path nodes die mid-request, the swarms
reshuffle (421), a node's clock is skewed (406), all of bob's swarm goes
down and comes back, slow hops, forced 500/503/429 and plain-text HTTP
errors, path nodes going down while they delay answers, garbage answers,
replication dropped. After each fault: every message sent both ways
arrives exactly once, in its conversation, with status "sent" at the
sender."""

import json
import os
import ssl
import urllib.request
import time

from harness import log

from reliability import keep_testnet_log, start_testnet, Ledger, RelDaemon as Daemon, swarm_members

PER_WAY = 3  # messages each way per fault


def burst(ledger, alice, bob, tag):
    for i in range(PER_WAY):
        ledger.send(alice, bob, "%s a->b %d" % (tag, i), via_conversation=(i % 2 == 1))
        ledger.send(bob, alice, "%s b->a %d" % (tag, i))


def busiest_path_nodes(testnet, alice, bob, ledger, n, exclude=(), tag="probe"):
    """The nodes that relay the most requests while traffic flows: the
    members of the daemons' onion paths."""
    before = {s["index"]: s["requests"] for s in testnet.control({"action": "status"})["nodes"]}
    burst(ledger, alice, bob, tag)
    ledger.wait_settled([alice, bob], tag + " messages")
    after = {s["index"]: s["requests"] for s in testnet.control({"action": "status"})["nodes"]}
    ranked = sorted((after[i] - before[i], i) for i in after if i not in exclude)
    return [i for delta, i in reversed(ranked)][:n]


def assert_garbage(testnet, index):
    """The fault is real: the node answers an RPC with 200 and bytes that are not JSON."""
    node = testnet.info["nodes"][index]
    ctx = ssl.create_default_context(cafile=testnet.cert) if testnet.cert else None
    scheme = "https" if testnet.cert else "http"
    req = urllib.request.Request("%s://%s:%s/storage_rpc/v1" % (scheme, node["ip"], node["port"]),
                                 data=b'{"method":"info","params":{}}')
    with urllib.request.urlopen(req, context=ctx, timeout=10) as reply:
        assert reply.status == 200, "garbage comes with 200"
        body = reply.read()
    try:
        json.loads(body)
    except ValueError:
        return
    raise AssertionError("node %d answered JSON while set to garbage" % index)


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    daemons = [alice, bob]
    ledger = Ledger()
    try:
        alice.session_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob.session_id = bob.account("CreateAccount", "a{sv}", {})[0]

        burst(ledger, alice, bob, "baseline")
        ledger.wait_settled(daemons, "baseline")

        # 1. path nodes die while requests run through them
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        alice_swarm = swarm_members(testnet.info, alice.session_id)
        victims = busiest_path_nodes(testnet, alice, bob, ledger, 2,
                                     exclude=set(bob_swarm) | set(alice_swarm))
        log("guard/path nodes going down:", victims)
        # (no latency on them first: session-testnet aborts when a node
        # with a delayed answer is taken down, see tests/README.md)
        burst(ledger, alice, bob, "guard-dies")
        for v in victims:
            testnet.control({"action": "down", "node": v})
        burst(ledger, alice, bob, "guard-dead")
        ledger.wait_settled(daemons, "guard nodes died")
        testnet.control({"action": "clear"})
        log("ok: guard nodes die")

        # 2. reshuffle: every swarm gets a new id, old members answer 421
        testnet.control({"action": "reshuffle"})
        testnet.info = reload_info(testnet)
        burst(ledger, alice, bob, "reshuffle")
        ledger.wait_settled(daemons, "after a reshuffle")
        # (a reshuffle while stores are on their way is not tried: the
        # testnet does not move stored messages to the new swarm, as real
        # storage servers do, so such messages are out of every poll's reach)
        log("ok: reshuffle (421)")

        # 3. one node of each swarm with a skewed clock (406 for stores and
        # signed retrieves near it), both directions of skew. A store through
        # the member that is ahead lands on it alone (the others refuse its
        # time), and the member that is behind refuses what the others take:
        # each member is read from its own cursor (sd-retrieve-cursor.h)
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        alice_swarm = swarm_members(testnet.info, alice.session_id)
        testnet.control({"action": "clock_skew", "node": bob_swarm[0], "ms": 10 * 60 * 1000})
        testnet.control({"action": "clock_skew", "node": alice_swarm[-1], "ms": -10 * 60 * 1000})
        burst(ledger, alice, bob, "clock-skew")
        ledger.wait_settled(daemons, "clock skew")
        testnet.control({"action": "clear"})
        log("ok: clock skew")

        # 4. all of bob's swarm down for a while: alice's messages wait in
        # her outbox, bob's polls fail; then everything arrives once
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        log("bob's swarm down:", bob_swarm)
        for i in bob_swarm:
            testnet.control({"action": "down", "node": i})
        burst(ledger, alice, bob, "swarm-down")
        time.sleep(4)
        pending = ledger.pending(daemons)
        log("while bob's swarm is down, %d not settled" % len(pending))
        if not any("a->b" in body for what, body in pending):
            raise AssertionError("alice's messages were settled while bob's swarm was down")
        for i in bob_swarm:
            testnet.control({"action": "up", "node": i})
        ledger.wait_settled(daemons, "bob's swarm is back")
        log("ok: swarm down and up")

        # 5. slow hops: a few nodes answer 1.5-3 s late
        for i, v in enumerate([0, 4, 8, 12]):
            testnet.control({"action": "latency", "node": v, "ms": 1500 + 500 * i})
        burst(ledger, alice, bob, "slow")
        ledger.wait_settled(daemons, "slow hops")
        testnet.control({"action": "clear"})
        log("ok: slow hops")

        # 6. errors: forced 500/503/429 from swarm members' RPCs, and a node
        # answering every HTTP request (onion hops too) with plain text 500
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        alice_swarm = swarm_members(testnet.info, alice.session_id)
        testnet.control({"action": "force_status", "node": bob_swarm[0], "status": 500})
        testnet.control({"action": "force_status", "node": bob_swarm[1], "status": 503,
                         "count": 5})
        testnet.control({"action": "force_status", "node": alice_swarm[-1], "status": 429,
                         "count": 5})
        others = [i for i in range(len(testnet.info["nodes"]))
                  if i not in bob_swarm and i not in alice_swarm]
        for v in others[:2]:
            testnet.control({"action": "force_status", "node": v, "status": 502,
                             "scope": "http"})
        burst(ledger, alice, bob, "errors")
        ledger.wait_settled(daemons, "forced errors")
        testnet.control({"action": "clear"})
        log("ok: forced errors")

        # 7. path nodes go down while they hold delayed answers: requests
        # through them are cut off mid-flight (the daemons time out or get
        # the connection closed) and must go through another path
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        alice_swarm = swarm_members(testnet.info, alice.session_id)
        victims = busiest_path_nodes(testnet, alice, bob, ledger, 2,
                                     exclude=set(bob_swarm) | set(alice_swarm), tag="probe-2")
        log("path nodes delaying, then going down:", victims)
        for v in victims:
            testnet.control({"action": "latency", "node": v, "ms": 3000})
        burst(ledger, alice, bob, "delayed-dies")
        time.sleep(1)
        for v in victims:
            testnet.control({"action": "down", "node": v})
        ledger.wait_settled(daemons, "delaying nodes went down")
        testnet.control({"action": "clear"})
        log("ok: nodes down while delaying answers")

        # 8. nodes that answer garbage (200 with random bytes): a member of each swarm and
        # two nodes outside them, so paths through them and RPCs at them both get nonsense
        bob_swarm = swarm_members(testnet.info, bob.session_id)
        alice_swarm = swarm_members(testnet.info, alice.session_id)
        others = [i for i in range(len(testnet.info["nodes"]))
                  if i not in bob_swarm and i not in alice_swarm]
        for v in [bob_swarm[2], alice_swarm[2]] + others[2:4]:
            testnet.control({"action": "garbage", "node": v})
        assert_garbage(testnet, bob_swarm[2])
        burst(ledger, alice, bob, "garbage")
        ledger.wait_settled(daemons, "garbage answers")
        testnet.control({"action": "clear"})
        log("ok: garbage answers")

        # 9. replication dropped at members of bob's swarm, two of which bob met failing
        # above: their stores are found only if bob asks them again (tests/README.md)
        if os.environ.get("RELIABILITY_DROP_REPLICATION", "1") == "1":
            bob_swarm = swarm_members(testnet.info, bob.session_id)
            for i in bob_swarm[:2]:
                testnet.control({"action": "drop_replication", "node": i})
            burst(ledger, alice, bob, "no-replication")
            ledger.wait_settled(daemons, "replication dropped")
            testnet.control({"action": "clear"})
            log("ok: dropped replication")

        ledger.check_exactly_once(daemons)
        for d in daemons:
            assert d.proc.poll() is None, "%s still runs" % d.name
        log("ok: faults")
    finally:
        for d in daemons:
            d.close()


def reload_info(testnet):
    import json
    import os
    with open(os.path.join(testnet.dir, "testnet.json")) as f:
        return json.load(f)


def main():
    # 15 nodes in 3 swarms of 5: a swarm can go down and still leave
    # enough nodes for onion paths
    testnet = start_testnet(nodes=15, swarm_size=5)
    try:
        test(testnet)
    finally:
        if testnet.proc.poll() is not None:
            log("session-testnet exited with", testnet.proc.returncode)
        keep_testnet_log(testnet)
        testnet.stop()
    print("ok")


if __name__ == "__main__":
    main()
