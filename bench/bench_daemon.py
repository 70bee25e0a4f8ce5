#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The daemon at rest and at work, on the local testnet: idle RSS with an
account, CPU time per idle poll, and the time from Send to "sent"."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Daemon, Testnet  # noqa: E402


def memory_kb(pid):
    """Rss, Pss and Private_Dirty from smaps_rollup: RSS counts shared
    library pages in full, Pss shares them out, private dirty pages are the
    daemon's own."""
    values = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].rstrip(":") in ("Rss", "Pss", "Private_Dirty"):
                values[parts[0].rstrip(":")] = int(parts[1])
    return values


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    testnet = Testnet()
    alice = bob = None
    try:
        alice = Daemon("alice", testnet, extra_args=["--poll-interval", "200"])
        bob = Daemon("bob", testnet)
        alice.account("CreateAccount", "a{sv}", {})
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.wait_for(lambda: alice.account_prop("State") == "online", "online")
        time.sleep(2)
        pid = alice.proc.pid
        c0, t0 = cpu_s(pid), time.monotonic()
        time.sleep(10)
        c1, t1 = cpu_s(pid), time.monotonic()
        polls = (t1 - t0) / 0.2
        mem = memory_kb(pid)
        print("idle RSS with an account        %6.1f MB  (Pss %.1f MB, private dirty %.1f MB)" % (
            mem["Rss"] / 1024, mem["Pss"] / 1024, mem["Private_Dirty"] / 1024))
        print("CPU per idle poll (3-hop onion)  %6.2f ms  (%d polls at 200 ms)" % (
            (c1 - c0) * 1000 / polls, polls))
        samples = []
        for i in range(10):
            start = time.monotonic()
            alice.account("Send", "ssa{sv}", bob_id, "timing %d" % i, {})
            alice.wait_for(lambda: alice.messages(bob_id)[0]["status"] == "sent", "sent")
            samples.append(time.monotonic() - start)
        samples.sort()
        print("Send → sent (median of 10)       %6.1f ms  (max %.1f ms)" % (
            samples[5] * 1000, samples[-1] * 1000))
    finally:
        for d in (alice, bob):
            if d is not None:
                d.close()
        testnet.stop()


if __name__ == "__main__":
    main()
