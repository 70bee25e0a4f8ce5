#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regression test of a fixed finding (tests/README.md): a swarm member
that failed a few of bob's polls was dropped from bob's cached swarm for
good, so bob never polled it again; when such a member then accepted
alice's stores without replicating them (testnet drop_replication), those
messages were never retrieved. Now a failing member rests for a while and
is asked again.

Steps: two of bob's members answer 500 for 6 s while only bob talks to
his swarm (his polls meet the errors, alice's stores do not); the errors
stop; the same two stop replicating; alice sends 10 messages. Each must
arrive exactly once within 90 s."""

import time

from harness import log

from reliability import keep_testnet_log, start_testnet, Ledger, RelDaemon as Daemon, \
    swarm_members


def test(testnet):
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    daemons = [alice, bob]
    ledger = Ledger()
    try:
        alice.session_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob.session_id = bob.account("CreateAccount", "a{sv}", {})[0]
        ledger.send(bob, alice, "hello alice")
        ledger.send(alice, bob, "hello bob")
        ledger.wait_settled(daemons, "first messages")

        members = swarm_members(testnet.info, bob.session_id)[:2]
        log("members of bob's swarm that fail, then do not replicate:", members)
        for i in members:
            testnet.control({"action": "force_status", "node": i, "status": 500})
        time.sleep(6)  # ~20 polls of 300 ms, each to a random member
        testnet.control({"action": "clear"})
        for i in members:
            testnet.control({"action": "drop_replication", "node": i})
        for n in range(10):
            ledger.send(alice, bob, "after the errors %d" % n)
        try:
            ledger.wait_settled(daemons, "stores at members bob forgot")
        finally:
            status = testnet.control({"action": "status"})["nodes"]
            log("messages held by bob's swarm:",
                [(s["index"], s["messages"]) for s in status
                 if s["index"] in swarm_members(testnet.info, bob.session_id)])
        ledger.check_exactly_once(daemons)
        log("ok: forgotten member")
    finally:
        for d in daemons:
            d.close()


def main():
    testnet = start_testnet(nodes=15, swarm_size=5)
    try:
        test(testnet)
    finally:
        keep_testnet_log(testnet)
        testnet.stop()
    print("ok")


if __name__ == "__main__":
    main()
