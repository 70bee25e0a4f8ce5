# SPDX-License-Identifier: GPL-3.0-or-later
"""Real parts for integration tests: a session-testnet, and sessiond
daemons each on its own private D-Bus with its own unlocked gnome-keyring.

Run with Debian's /usr/bin/python3 (it needs gi). Paths come from the
environment meson sets: SESSION_TESTNET, SESSIOND."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = "org.sessiond.Daemon1"
ACCOUNT_PATH = "/org/sessiond/Daemon1"
ACCOUNT_IFACE = "org.sessiond.Account1"
# what reveals or replaces the identity: refused to sandboxed callers
ADMIN_IFACE = "org.sessiond.AccountAdmin1"
ADMIN_METHODS = ("CreateAccount", "RestoreAccount", "GetRecoveryPhrase")
CONVERSATION_IFACE = "org.sessiond.Conversation1"
ERROR_PREFIX = "org.sessiond.Daemon1.Error."


def _die_with_parent():
    """Runs in each child before exec: if the test driver is killed (a
    meson timeout), the testnet, buses and daemons go with it."""
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def log(*args):
    print("#", *args, flush=True)


# daemons not yet closed: a timed-out wait prints the tail of each one's log
_live_daemons = []

# a deadline, not a timing assertion: sanitized builds run several times slower, so their
# waits get longer before a test gives up
WAIT_SCALE = float(os.environ.get("SD_TEST_WAIT_SCALE",
                                  "2" if "ASAN_OPTIONS" in os.environ else "1"))


def _keep_logs(directory):
    """With SD_TEST_KEEP_LOGS=DIR, a throw-away directory's *.log files are
    copied there before it goes (to read a failure after the fact)."""
    keep = os.environ.get("SD_TEST_KEEP_LOGS")
    if not keep:
        return
    os.makedirs(keep, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".log"):
            shutil.copy(os.path.join(directory, name),
                        os.path.join(keep, "%d-%s" % (os.getpid(), name)))


class Testnet:
    """session-testnet on loopback, with TLS (or plain HTTP with tls=False)."""

    def __init__(self, nodes=14, swarm_size=7, tls=True):
        self.dir = tempfile.mkdtemp(prefix="testnet-")
        # SD_TEST_TESTNET: scripts/test runs the sanitized pass's daemons against the plain
        # build's testnet (test infrastructure: its own tests run sanitized), so the two
        # cores go to the code under test rather than to a sanitized relay network
        binary = os.environ.get("SD_TEST_TESTNET") or os.environ["SESSION_TESTNET"]
        self.proc = subprocess.Popen(
            [binary, "--nodes", str(nodes), "--swarm-size",
             str(swarm_size), "--state-dir", self.dir] + ([] if tls else ["--no-tls"]),
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.dir, "stderr.log"), "w"),
            text=True, preexec_fn=_die_with_parent)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("ready "):
            raise RuntimeError("testnet did not start: %r" % line)
        with open(line[len("ready "):]) as f:
            self.info = json.load(f)
        self.seed_url = self.info["seed_url"]
        self.cert = self.info.get("cert")

    def control(self, request):
        """POSTs a fault-injection request to the control URL."""
        import urllib.request
        import ssl
        ctx = ssl.create_default_context(cafile=self.cert) if self.cert else None
        req = urllib.request.Request(self.info["control_url"], data=json.dumps(request).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        _keep_logs(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateBus:
    """A dbus-daemon with a gnome-keyring, in a throw-away home."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="sessiond-%s-" % name)
        self.home = os.path.join(self.dir, "home")
        self.runtime = os.path.join(self.dir, "runtime")
        os.makedirs(self.home, mode=0o700)
        os.makedirs(self.runtime, mode=0o700)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "XDG_RUNTIME_DIR": self.runtime,
            "LC_ALL": "C.UTF-8",
        }
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "G_SLICE", "G_DEBUG",
                    "G_MESSAGES_DEBUG", "SESSIOND_STRIP_METADATA",
                    "GIO_USE_PROXY_RESOLVER", "GSETTINGS_BACKEND", "GLIBC_TUNABLES"):
            if key in os.environ:
                self.env[key] = os.environ[key]
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env, text=True,
            preexec_fn=_die_with_parent)
        self.address = self.bus.stdout.readline().strip()
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        # the first --unlock creates an unlocked login keyring; --start owns the name
        keyring_log = open(os.path.join(self.dir, "keyring.log"), "w")
        # gnome-keyring warns about prompts it cannot show; fatal-warnings
        # meant for our code would kill it
        keyring_env = {k: v for k, v in self.env.items() if k != "G_DEBUG"}
        subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                       input="ci-not-secret", text=True, env=keyring_env,
                       stdout=subprocess.DEVNULL, stderr=keyring_log, check=True)
        subprocess.run(["gnome-keyring-daemon", "--start", "--components=secrets"],
                       env=keyring_env, stdout=subprocess.DEVNULL, stderr=keyring_log,
                       check=True)
        self.connection = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def stop(self):
        try:
            self.connection.close_sync(None)
        except GLib.Error:
            pass
        self.bus.terminate()
        try:
            self.bus.wait(10)
        except subprocess.TimeoutExpired:
            self.bus.kill()
        _keep_logs(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)


class Daemon:
    """One sessiond on its own bus, driven over D-Bus."""

    def __init__(self, name, testnet, bus=None, data_dir=None, extra_args=()):
        self.name = name
        self.testnet = testnet
        self.bus = bus or PrivateBus(name)
        self.data_dir = data_dir or os.path.join(self.bus.home, "data")
        self.extra_args = list(extra_args)
        self.proc = None
        self.signals = []
        self._subscription = self.bus.connection.signal_subscribe(
            BUS_NAME, None, None, None, None, Gio.DBusSignalFlags.NONE, self._on_signal)
        _live_daemons.append(self)
        self.start()

    def _on_signal(self, connection, sender, path, iface, member, params):
        self.signals.append((path, iface, member, params.unpack()))

    def start(self):
        args = [os.environ["SESSIOND"], "--data-dir", self.data_dir,
                "--seed", self.testnet.seed_url, "--poll-interval", "300"]
        args += daemon_network_args(self.testnet)
        args += self.extra_args
        self.stderr = open(os.path.join(self.bus.dir, "sessiond-%s.log" % self.name), "a")
        # GLib writes debug and info messages to stdout: keep them with the rest
        self.proc = subprocess.Popen(args, env=self.bus.env, stdout=self.stderr,
                                     stderr=self.stderr, preexec_fn=_die_with_parent)
        self.wait_for(lambda: self.has_name(), "%s owns its bus name" % self.name)

    def has_name(self):
        if self.proc.poll() is not None:
            raise RuntimeError("sessiond %s exited with %s; log:\n%s" % (
                self.name, self.proc.returncode, self.read_log()))
        reply = self.bus.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", GLib.Variant("(s)", (BUS_NAME,)), None, 0, -1, None)
        if not reply.unpack()[0]:
            return False
        # sessiond opens the account once the name is its own; a call to the root
        # object is answered after that, so the conversations are on the bus by now
        try:
            self.account_prop("State")
        except GLib.Error:
            return False
        return True

    def read_log(self, tail=4000):
        with open(os.path.join(self.bus.dir, "sessiond-%s.log" % self.name)) as f:
            text = f.read()
        return text[-tail:] if tail else text

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def close(self):
        """Stops the daemon; a daemon that does not exit cleanly on SIGTERM
        (including sanitizer reports at exit) fails the test."""
        rc = self.stop()
        if self in _live_daemons:
            _live_daemons.remove(self)
        self.bus.connection.signal_unsubscribe(self._subscription)
        log_text = self.read_log() if rc not in (0, None) else ""
        self.bus.stop()
        if rc not in (0, None):
            raise AssertionError("sessiond %s exited with %s:\n%s" % (self.name, rc, log_text))

    # ---- D-Bus ----

    def call(self, path, iface, method, signature=None, args=(), timeout=30000):
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        # a deadline, scaled like wait_for: calls that wait on the network (CreateGroup
        # stores configs through onion requests) take seconds in the sanitized build
        reply = self.bus.connection.call_sync(BUS_NAME, path, iface, method, params, None,
                                              Gio.DBusCallFlags.NONE,
                                              int(timeout * WAIT_SCALE), None)
        return reply.unpack() if reply is not None else ()

    def account(self, method, signature=None, *args):
        iface = ADMIN_IFACE if method in ADMIN_METHODS else ACCOUNT_IFACE
        return self.call(ACCOUNT_PATH, iface, method, signature, args)

    def conversation(self, peer, method, signature=None, *args):
        return self.call(ACCOUNT_PATH + "/conversations/" + peer, CONVERSATION_IFACE, method,
                         signature, args)

    def prop(self, path, iface, name):
        reply = self.bus.connection.call_sync(
            BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
            GLib.Variant("(ss)", (iface, name)), None, 0, 10000, None)
        return reply.unpack()[0]

    def account_prop(self, name):
        return self.prop(ACCOUNT_PATH, ACCOUNT_IFACE, name)

    def conversation_prop(self, peer, name):
        return self.prop(ACCOUNT_PATH + "/conversations/" + peer, CONVERSATION_IFACE, name)

    def managed_conversations(self):
        reply = self.bus.connection.call_sync(
            BUS_NAME, ACCOUNT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
            None, None, 0, 10000, None)
        return reply.unpack()[0]

    def messages(self, peer, limit=100):
        return self.conversation(peer, "GetMessages", "a{sv}",
                                 {"limit": GLib.Variant("u", limit)})[0]

    def expect_error(self, name, fn, *args):
        try:
            fn(*args)
        except GLib.Error as e:
            remote = Gio.DBusError.get_remote_error(e)
            if remote != ERROR_PREFIX + name:
                raise AssertionError("expected %s, got %s: %s" % (name, remote, e.message))
            return e.message
        raise AssertionError("expected error %s, call succeeded" % name)

    def wait_for(self, predicate, what, timeout=60):
        deadline = time.monotonic() + timeout * WAIT_SCALE
        context = GLib.MainContext.default()
        while time.monotonic() < deadline:
            while context.iteration(False):
                pass
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        for daemon in _live_daemons:
            try:
                sys.stderr.write("--- tail of sessiond %s's log ---\n%s\n" % (
                    daemon.name, daemon.read_log(3000)))
            except OSError:
                pass
        raise AssertionError("timed out waiting until %s" % what)


def daemon_network_args(testnet):
    """What sessiond needs besides --seed to talk to @testnet: its certificate, or, for a
    --no-tls testnet, --plain-http-nodes (sessiond never guesses it from the seed URL)."""
    args = []
    # the testnet's file server, reached through onion requests like the real one
    file_server = testnet.info.get("file_server")
    if file_server:
        args += ["--file-server", file_server["url"],
                 "--file-server-key", file_server["pubkey_x25519"]]
        # named in our pointers' `p=`, as a custom server must be
        if file_server.get("pubkey_ed25519"):
            args += ["--file-server-ed25519", file_server["pubkey_ed25519"]]
    if testnet.cert:
        return args + ["--seed-ca", testnet.cert]
    return args + ["--plain-http-nodes"]


def run(test):
    """Runs @test(testnet) and reports like meson's exitcode protocol."""
    testnet = Testnet()
    try:
        test(testnet)
    finally:
        testnet.stop()
    print("ok")


def assert_eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what, a, b))


NOTIFICATIONS_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationReplied"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>
"""


class NotificationServer:
    """A stand-in for the desktop's notification server on a private bus:
    it records what it is asked to show and can click actions."""

    def __init__(self, bus, capabilities=("actions", "body", "inline-reply")):
        self.bus = bus
        self.capabilities = list(capabilities)
        self.notifications = []   # (id, replaces_id, summary, body, actions, hints)
        self.closed = []
        self.next_id = 1
        info = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML)
        self.registration = bus.connection.register_object(
            "/org/freedesktop/Notifications", info.interfaces[0], self._on_call, None, None)
        self.owner = Gio.bus_own_name_on_connection(
            bus.connection, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE,
            None, None)

    def _on_call(self, connection, sender, path, iface, method, params, invocation):
        args = params.unpack()
        if method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (self.capabilities,)))
        elif method == "Notify":
            app, replaces, icon, summary, body, actions, hints, timeout = args
            nid = replaces if replaces else self.next_id
            if not replaces:
                self.next_id += 1
            self.notifications.append((nid, replaces, summary, body, actions, hints))
            invocation.return_value(GLib.Variant("(u)", (nid,)))
        elif method == "CloseNotification":
            self.closed.append(args[0])
            invocation.return_value(None)
        else:
            invocation.return_value(GLib.Variant("(ssss)", ("fake", "sessiond", "1", "1.2")))

    def emit(self, signal, signature, *args):
        self.bus.connection.emit_signal(None, "/org/freedesktop/Notifications",
                                        "org.freedesktop.Notifications", signal,
                                        GLib.Variant(signature, tuple(args)))
