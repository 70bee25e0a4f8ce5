# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by the reliability tests: where an account's swarm is on
the testnet, and exactly-once bookkeeping of messages sent between daemons.

Everything else (testnet, private buses, daemons) comes from
tests/integration/harness.py."""

import os
import shutil
import subprocess
import time

from harness import Daemon, assert_eq, log


def swarm_space(session_id):
    """sd_swarm_space: XOR of the four big-endian 64-bit words of the key."""
    key = bytes.fromhex(session_id[2:])
    space = 0
    for word in range(4):
        space ^= int.from_bytes(key[word * 8:word * 8 + 8], "big")
    return space


def swarm_choose(space, ids):
    """sd_swarm_choose: the closest swarm id on the 2^64 ring, ties left."""
    mask = (1 << 64) - 1
    right = min((i for i in ids if i >= space), default=min(ids))
    left = max((i for i in ids if i < space), default=max(ids))
    return right if ((right - space) & mask) < ((space - left) & mask) else left


def swarm_members(info, session_id):
    """Indices (in testnet.json order) of the nodes of @session_id's swarm."""
    ids = sorted({n["swarm_id"] for n in info["nodes"]})
    swarm = swarm_choose(swarm_space(session_id), ids)
    return [i for i, n in enumerate(info["nodes"]) if n["swarm_id"] == swarm]


class Ledger:
    """Every message queued by one daemon for another: checks that each
    arrives exactly once in the right conversation with status "sent"."""

    def __init__(self):
        self.sent = []  # (sender, receiver, body)

    def send(self, sender, receiver, body, via_conversation=False):
        if via_conversation:
            sender.conversation(receiver.session_id, "SendMessage", "sa{sv}", body, {})
        else:
            sender.account("Send", "ssa{sv}", receiver.session_id, body, {})
        self.sent.append((sender, receiver, body))

    def record(self, sender, receiver, body):
        """Counts a message whose Send call may or may not have returned."""
        self.sent.append((sender, receiver, body))

    def pending(self, daemons):
        """What is not yet settled: (what, body) pairs."""
        missing = []
        cache = {}

        def msgs(d, peer):
            k = (d.name, peer)
            if k not in cache:
                cache[k] = d.messages(peer, limit=500)
            return cache[k]

        for sender, receiver, body in self.sent:
            if sender not in daemons or receiver not in daemons:
                continue
            got = [m for m in msgs(receiver, sender.session_id)
                   if not m["outgoing"] and m["body"] == body]
            out = [m for m in msgs(sender, receiver.session_id)
                   if m["outgoing"] and m["body"] == body]
            if len(got) != 1:
                missing.append(("received %d times" % len(got), body))
            if [m["status"] for m in out] != ["sent"]:
                missing.append(("sender has %r" % [m["status"] for m in out], body))
        return missing

    def wait_settled(self, daemons, what, timeout=90):
        """Waits until every message arrived once and is "sent"; fails with
        the list of what is not settled after @timeout seconds."""
        last = []

        def settled():
            nonlocal last
            last = self.pending(daemons)
            return not last

        try:
            daemons[0].wait_for(settled, what, timeout=timeout)
        except AssertionError:
            raise AssertionError("%s: not settled after %d s: %r" % (what, timeout, last[:10]))

    def check_exactly_once(self, daemons, settle=1.5):
        """After a pause (a late duplicate would show up), each conversation
        holds exactly the messages sent in it, once each, nothing else."""
        time.sleep(settle)
        for d in daemons:
            for other in daemons:
                if other is d:
                    continue
                msgs = d.messages(other.session_id, limit=500)
                incoming = sorted(m["body"] for m in msgs if not m["outgoing"])
                outgoing = sorted(m["body"] for m in msgs if m["outgoing"])
                assert_eq(incoming, sorted(b for s, r, b in self.sent if s is other and r is d),
                          "%s's incoming from %s" % (d.name, other.name))
                assert_eq(outgoing, sorted(b for s, r, b in self.sent if s is d and r is other),
                          "%s's outgoing to %s" % (d.name, other.name))
                for m in msgs:
                    assert_eq(m["conversation"], other.session_id, "conversation of a message")
                    if m["outgoing"]:
                        assert_eq(m["status"], "sent", "status of " + m["body"])
                    else:
                        assert_eq(m["author"], other.session_id, "author of " + m["body"])
        log("exactly once: %d messages" % len(self.sent))


def rss_kb(pid, field="VmRSS"):
    """A memory figure of /proc/PID/status in KiB: the resident set, or another
    (VmHWM: its peak)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RelDaemon(Daemon):
    """A harness Daemon that, with RELIABILITY_LOG_DIR set, runs --verbose
    and copies its log (debug output included) there when closed; and
    that runs under the command in SESSIOND_WRAPPER when that is set (for
    example valgrind, see test_valgrind.py)."""

    def __init__(self, name, testnet, **kwargs):
        self.log_dir = os.environ.get("RELIABILITY_LOG_DIR")
        extra = list(kwargs.pop("extra_args", ()))
        if self.log_dir:
            extra.append("--verbose")
        super().__init__(name, testnet, extra_args=extra, **kwargs)

    def start(self):
        import shlex
        from harness import _die_with_parent, daemon_network_args
        # as the harness, with the wrapper in front
        wrapper = [a.replace("{name}", self.name).replace("{dir}", self.bus.dir)
                   for a in shlex.split(os.environ.get("SESSIOND_WRAPPER", ""))]
        args = wrapper + [os.environ["SESSIOND"], "--data-dir", self.data_dir,
                          "--seed", self.testnet.seed_url, "--poll-interval", "300"]
        args += daemon_network_args(self.testnet)
        args += self.extra_args
        self.stderr = open(os.path.join(self.bus.dir, "sessiond-%s.log" % self.name), "a")
        self.proc = subprocess.Popen(args, env=self.bus.env, stdout=self.stderr,
                                     stderr=self.stderr, preexec_fn=_die_with_parent)
        self.wait_for(lambda: self.has_name(), "%s owns its bus name" % self.name,
                      timeout=180 if wrapper else 60)

    def close(self):
        if self.log_dir:
            os.makedirs(self.log_dir, exist_ok=True)
            src = os.path.join(self.bus.dir, "sessiond-%s.log" % self.name)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(self.log_dir, "sessiond-%s.log" % self.name))
        super().close()


def keep_testnet_log(testnet):
    log_dir = os.environ.get("RELIABILITY_LOG_DIR")
    src = os.path.join(testnet.dir, "stderr.log")
    if log_dir and os.path.exists(src):
        os.makedirs(log_dir, exist_ok=True)
        shutil.copy(src, os.path.join(log_dir, "session-testnet.log"))


def start_testnet(nodes=14, swarm_size=7):
    """A harness Testnet, with G_DEBUG=fatal-warnings like everything else:
    a critical in session-testnet (it once had one when a node went down
    while relaying or delaying an answer) fails the test."""
    from harness import Testnet
    return Testnet(nodes=nodes, swarm_size=swarm_size)


def all_messages(daemon, peer):
    """Every message of the conversation with @peer, paging GetMessages
    (at most 500 a call) by "before"; [] when there is no conversation."""
    from gi.repository import Gio, GLib
    seen = {}
    before = None
    while True:
        query = {"limit": GLib.Variant("u", 500)}
        if before is not None:
            query["before"] = GLib.Variant("x", before)
        try:
            page = daemon.conversation(peer, "GetMessages", "a{sv}", query)[0]
        except GLib.Error as e:
            if Gio.DBusError.get_remote_error(e) in ("org.freedesktop.DBus.Error.UnknownObject",
                                                     "org.freedesktop.DBus.Error.UnknownMethod"):
                return []
            raise
        new = [m for m in page if m["id"] not in seen]
        for m in new:
            seen[m["id"]] = m
        if len(page) < 500 or not new:
            return list(seen.values())
        # "before" is exclusive: +1 keeps messages sharing the oldest sent-at
        before = min(m["sent-at"] for m in page) + 1


def database_path(data_dir):
    """The account's database, DATA_DIR/<session id>.sqlite."""
    import glob
    paths = [p for p in glob.glob(os.path.join(data_dir, "*.sqlite"))]
    assert len(paths) == 1, "one database in %s: %r" % (data_dir, paths)
    return paths[0]


def open_database(data_dir):
    """The database of a daemon that is not running, read-only."""
    import sqlite3
    return sqlite3.connect("file:%s?mode=ro" % database_path(data_dir), uri=True)


def integrity_check(data_dir, copy=False):
    """PRAGMA integrity_check of a stopped daemon's database; with @copy,
    of a copy of the database and its WAL (as a crash left them: opening
    the copy read-write lets sqlite recover the WAL without touching the
    daemon's files)."""
    import sqlite3
    import tempfile
    path = database_path(data_dir)
    if not copy:
        with open_database(data_dir) as db:
            return "\n".join(r[0] for r in db.execute("PRAGMA integrity_check"))
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal"):
            if os.path.exists(path + suffix):
                shutil.copy(path + suffix, os.path.join(tmp, "db.sqlite" + suffix))
        db = sqlite3.connect(os.path.join(tmp, "db.sqlite"))
        try:
            return "\n".join(r[0] for r in db.execute("PRAGMA integrity_check"))
        finally:
            db.close()
