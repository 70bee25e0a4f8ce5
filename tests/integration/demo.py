#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's demo: a local Session network, two sessiond daemons (each
with its own bus and keyring), a message each way, printed as it goes."""

import sys

from gi.repository import GLib

from harness import Daemon, Testnet


def say(text):
    print(text, flush=True)


def main():
    testnet = Testnet()
    say("local network: %d storage nodes, seed at %s" % (len(testnet.info["nodes"]),
                                                         testnet.seed_url))
    alice = bob = None
    try:
        alice = Daemon("alice", testnet)
        bob = Daemon("bob", testnet)
        alice_id = alice.account("CreateAccount", "a{sv}",
                                 {"display-name": GLib.Variant("s", "Alice")})[0]
        bob_id = bob.account("CreateAccount", "a{sv}",
                             {"display-name": GLib.Variant("s", "Bob")})[0]
        say("alice is %s" % alice_id)
        say("bob   is %s" % bob_id)

        bob.account("Send", "ssa{sv}", alice_id, "Hi Alice! This came through three onion hops.",
                    {})
        say("bob   → alice: sent, waiting for delivery…")
        msg = alice.wait_for(lambda: next(iter(alice.messages(bob_id) if bob_id in [
            p.rsplit("/", 1)[1] for p in alice.managed_conversations()] else []), None),
            "alice receives")
        say("alice ← %s: %s" % (alice.conversation_prop(bob_id, "Name"), msg["body"]))

        alice.conversation(bob_id, "SendMessage", "sa{sv}", "Hello Bob, loud and clear.", {})
        say("alice → bob: sent, waiting for delivery…")
        reply = bob.wait_for(lambda: next((m for m in bob.messages(alice_id)
                                           if not m["outgoing"]), None), "bob receives")
        say("bob   ← %s: %s" % (bob.conversation_prop(alice_id, "Name"), reply["body"]))
        statuses = [m["status"] for m in bob.messages(alice_id) if m["outgoing"]]
        say("bob's message status: %s" % ", ".join(statuses))
        say("demo finished: both messages delivered")
        return 0
    finally:
        for d in (alice, bob):
            if d is not None:
                d.close()
        testnet.stop()


if __name__ == "__main__":
    sys.exit(main())
