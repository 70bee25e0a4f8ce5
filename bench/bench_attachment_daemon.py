# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16: what a 10,000,000-byte attachment costs the daemons themselves. alice sends it to
bob (an approved contact, so bob fetches it by himself) on session-testnet; measured: the memory
each sessiond adds at its peak (VmHWM, reset through /proc/PID/clear_refs, above VmRSS just
before), its CPU time, and Send → available at bob.

Run with SESSIOND and SESSION_TESTNET set (the harness is this tree's tests/integration unless
PYTHONPATH names another, e.g. an older tree's for a before/after); ROUNDS (3) files in a row.
Resetting a daemon's peak takes root (sessiond is not dumpable); without, peaks count from its
start."""

import os
import sys
import tempfile
import time

sys.path.append(os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import ACCOUNT_PATH, BUS_NAME, CONVERSATION_IFACE, Daemon, Testnet  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

SIZE = 10_000_000


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid):
    """FALSE when not allowed (sessiond is not dumpable: it takes root): then the peak is the
    process's since it started"""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def states(daemon, peer, message_id):
    for m in daemon.messages(peer):
        if m["id"] == message_id and "attachments" in m:
            return [a["state"] for a in m["attachments"]]
    return None


def main():
    rounds = int(os.environ.get("ROUNDS", "3"))
    testnet = Testnet()
    alice = Daemon("alice", testnet)
    bob = Daemon("bob", testnet)
    try:
        alice_id = alice.account("CreateAccount", "a{sv}", {})[0]
        bob_id = bob.account("CreateAccount", "a{sv}", {})[0]
        alice.account("OpenConversation", "s", bob_id)
        first = alice.conversation(bob_id, "SendMessage", "sa{sv}", "hello", {})[0]
        bob.wait_for(lambda: any(m["id"] == first for m in _messages(bob, alice_id)),
                     "bob has the first message")
        bob.conversation(alice_id, "Approve")
        for r in range(rounds):
            data = os.urandom(SIZE)
            fd, path = tempfile.mkstemp()
            os.write(fd, data)
            os.lseek(fd, 0, os.SEEK_SET)
            os.unlink(path)
            before = {}
            for d in (alice, bob):
                if not reset_peak(d.proc.pid) and r == 0:
                    print("# cannot reset the peaks: they count from the start", flush=True)
                before[d.name] = (status_kb(d.proc.pid, "VmRSS"), cpu_s(d.proc.pid))
            start = time.monotonic()
            fds = Gio.UnixFDList()
            handle = fds.append(fd)
            os.close(fd)
            reply, _ = alice.bus.connection.call_with_unix_fd_list_sync(
                BUS_NAME, ACCOUNT_PATH + "/conversations/" + bob_id, CONVERSATION_IFACE,
                "SendMessage",
                GLib.Variant("(sa{sv})", ("", {"attachments": GLib.Variant(
                    "a(ha{sv})", [(handle, {"file-name": GLib.Variant("s", "big.bin")})])})),
                None, Gio.DBusCallFlags.NONE, 60000, fds, None)
            message_id = reply.unpack()[0]
            bob.wait_for(lambda: states(bob, alice_id, message_id) == ["available"],
                         "bob has the file", timeout=300)
            elapsed = time.monotonic() - start
            for d in (alice, bob):
                rss, cpu = before[d.name]
                added = status_kb(d.proc.pid, "VmHWM") - rss
                print("round %d %-5s memory added at its peak %6.1f MB (%.2fx the file), "
                      "CPU %5.0f ms, resident %5.1f MB before, %5.1f MB after" % (
                          r + 1, d.name, added / 1024, added * 1024 / SIZE,
                          (cpu_s(d.proc.pid) - cpu) * 1000, rss / 1024,
                          status_kb(d.proc.pid, "VmRSS") / 1024), flush=True)
            print("round %d Send -> available at bob: %.2f s" % (r + 1, elapsed), flush=True)
    finally:
        alice.close()
        bob.close()
        testnet.stop()


def _messages(daemon, peer):
    try:
        return daemon.messages(peer)
    except GLib.Error:
        return []


if __name__ == "__main__":
    sys.exit(main())
