# SPDX-License-Identifier: GPL-3.0-or-later
"""Running sessionctl (or another front end) against a daemon's private bus."""

import json
import os
import select
import subprocess
import time

from harness import assert_eq

HANG_GUARD = 120  # seconds; only there so a broken build cannot hang CI


def client_env(bus):
    env = dict(os.environ)
    env.update(bus.env)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
    env.pop("NO_COLOR", None)
    return env


class Result:
    def __init__(self, proc, stdout, stderr):
        self.status = proc.returncode
        self.stdout = stdout
        self.stderr = stderr

    def json_lines(self):
        return [json.loads(line) for line in self.stdout.splitlines()]

    def one(self):
        lines = self.json_lines()
        assert_eq(len(lines), 1, "one JSON line in %r" % self.stdout)
        return lines[0]


def ctl(bus, *args, stdin=None, program=None):
    program = program or os.environ["SESSIONCTL"]
    proc = subprocess.Popen([program] + list(args), env=client_env(bus), text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(stdin, timeout=HANG_GUARD)
    return Result(proc, stdout, stderr)


def ok(bus, *args, stdin=None):
    r = ctl(bus, *args, stdin=stdin)
    if r.status != 0:
        raise AssertionError("sessionctl %s failed (%d): %s" % (" ".join(args), r.status,
                                                              r.stderr))
    assert_eq(r.stderr, "", "nothing on stderr for %s" % (args,))
    return r


def fails(bus, error_name, *args, stdin=None):
    """Runs sessionctl --json ARGS, expects exit 1 with one JSON error line
    named @error_name, then the same without --json: one plain line."""
    r = ctl(bus, "--json", *args, stdin=stdin)
    assert_eq(r.status, 1, "exit status of %s" % (args,))
    assert_eq(r.stdout, "", "no output on failure of %s" % (args,))
    lines = r.stderr.splitlines()
    assert_eq(len(lines), 1, "one error line for %s: %r" % (args, r.stderr))
    err = json.loads(lines[0])
    assert_eq(err["error"], error_name, "error of %s (%s)" % (args, err["message"]))
    plain = ctl(bus, *args, stdin=stdin)
    assert_eq(plain.status, 1, "exit status of plain %s" % (args,))
    plain_lines = plain.stderr.splitlines()
    assert_eq(len(plain_lines), 1, "one plain error line for %s: %r" % (args, plain.stderr))
    assert plain_lines[0].startswith("sessionctl: "), plain_lines[0]
    return err["message"]


class LineReader:
    """Reads the lines of a long-running front end (watch, the example)."""

    def __init__(self, bus, argv):
        self.proc = subprocess.Popen(argv, env=client_env(bus), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        # our own buffer: a buffered file object could hold lines select() cannot see
        self.buffer = b""

    def readline(self):
        deadline = time.monotonic() + HANG_GUARD
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            if time.monotonic() > deadline:
                raise AssertionError("no output within the hang guard")
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                chunk = os.read(fd, 4096)
                if chunk == b"":
                    raise AssertionError("front end exited early (%s): %s" % (
                        self.proc.wait(), self.proc.stderr.read().decode()))
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def read_until(self, predicate):
        while True:
            line = self.readline()
            if predicate(line):
                return line

    def finish(self, sig=None):
        if sig is not None:
            self.proc.send_signal(sig)
        status = self.proc.wait(HANG_GUARD)
        self.stderr = self.proc.stderr.read().decode()
        return status
