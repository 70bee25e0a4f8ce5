#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`meson install` into a temporary DESTDIR puts every desktop-integration
file where the freedesktop specifications (and GNOME Shell, systemd, D-Bus)
look for it; the files pass desktop-file-validate, glib-compile-schemas
--strict and systemd-analyze --user verify where those tools exist; and the
installed D-Bus activation file starts the installed daemon on a private
bus when its name is called."""

import configparser
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

BUILD = os.environ["SESSIOND_BUILD_ROOT"]
PREFIX = os.environ["SESSIOND_PREFIX"]
LIBEXECDIR = os.environ["SESSIOND_LIBEXECDIR"]
DATADIR = os.environ["SESSIOND_DATADIR"]
SYSCONFDIR = os.environ["SESSIOND_SYSCONFDIR"]
MANDIR = os.environ["SESSIOND_MANDIR"]
LOCALEDIR = os.environ["SESSIOND_LOCALEDIR"]
DBUS_SERVICES_DIR = os.environ["SESSIOND_DBUS_SERVICES_DIR"]
SYSTEMD_USER_UNIT_DIR = os.environ["SESSIOND_SYSTEMD_USER_UNIT_DIR"]
BUS_NAME = "org.sessiond.Daemon1"

failures = []


def check(ok, what):
    print("%s - %s" % ("ok" if ok else "not ok", what), flush=True)
    if not ok:
        failures.append(what)


def skip(what, why):
    print("ok - %s # SKIP %s" % (what, why), flush=True)


def keyfile(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser


class Tree:
    def __init__(self, destdir):
        self.destdir = destdir

    def __call__(self, path):
        """the DESTDIR location of an installed absolute path"""
        return os.path.join(self.destdir, path.lstrip("/"))


def check_layout(t):
    binary = os.path.join(LIBEXECDIR, "sessiond")
    check(os.access(t(binary), os.X_OK), "sessiond is installed to libexecdir (%s)" % binary)
    helper = os.path.join(LIBEXECDIR, "sessiond-strip-metadata")
    check(os.access(t(helper), os.X_OK),
          "the metadata helper is installed next to it, where config.h says (%s)" % helper)

    # D-Bus: session services in $XDG_DATA_DIRS/dbus-1/services, named after the bus name
    check(DBUS_SERVICES_DIR == os.path.join(DATADIR, "dbus-1", "services"),
          "D-Bus session services dir is <datadir>/dbus-1/services (%s)" % DBUS_SERVICES_DIR)
    service_path = os.path.join(DBUS_SERVICES_DIR, BUS_NAME + ".service")
    check(os.path.isfile(t(service_path)), "D-Bus activation file %s" % service_path)
    service = keyfile(t(service_path))["D-BUS Service"]
    check(service.get("Name") == BUS_NAME, "activation file Name=%s" % service.get("Name"))
    check(service.get("Exec") == binary, "activation file Exec=%s" % service.get("Exec"))
    check(service.get("SystemdService") == "sessiond.service",
          "activation file SystemdService=%s" % service.get("SystemdService"))

    # systemd: user units in <prefix>/lib/systemd/user (or what systemd.pc says)
    check(SYSTEMD_USER_UNIT_DIR.rstrip("/").endswith("/systemd/user"),
          "systemd user unit dir %s" % SYSTEMD_USER_UNIT_DIR)
    unit_path = os.path.join(SYSTEMD_USER_UNIT_DIR, "sessiond.service")
    check(os.path.isfile(t(unit_path)), "systemd user unit %s" % unit_path)
    unit = keyfile(t(unit_path))
    svc = unit["Service"]
    check(svc.get("Type") == "dbus", "unit Type=dbus")
    check(svc.get("BusName") == BUS_NAME, "unit BusName=%s" % svc.get("BusName"))
    check(svc.get("ExecStart") == binary, "unit ExecStart=%s" % svc.get("ExecStart"))
    check(svc.get("Restart") == "on-failure", "unit Restart=on-failure")
    for key, value in [("NoNewPrivileges", "yes"), ("MemoryDenyWriteExecute", "yes"),
                       ("LockPersonality", "yes"), ("RestrictRealtime", "yes"),
                       ("SystemCallArchitectures", "native"), ("UMask", "0077"),
                       ("LimitCORE", "0"), ("ProtectSystem", "strict"),
                       ("ProtectHome", "read-only"),
                       ("ReadWritePaths", "%h/.local/share/sessiond"), ("PrivateTmp", "yes"),
                       ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
                       ("SystemCallFilter", "@system-service"), ("RestrictNamespaces", "yes")]:
        check(svc.get(key) == value, "unit %s=%s" % (key, value))
    # ProtectHome=yes would hide the data directory: read-only, with it writable
    check(svc.get("ExecStartPre", "").endswith("mkdir -p -m 0700 %h/.local/share/sessiond"),
          "unit creates the data directory before the sandbox needs it")
    check(unit["Install"].get("WantedBy") == "default.target", "unit WantedBy=default.target")

    # GSettings
    schema_dir = os.path.join(DATADIR, "glib-2.0", "schemas")
    schema_path = os.path.join(schema_dir, "org.sessiond.Daemon.gschema.xml")
    check(os.path.isfile(t(schema_path)), "GSettings schema %s" % schema_path)

    # GNOME Shell search provider
    ini_path = os.path.join(DATADIR, "gnome-shell", "search-providers",
                            BUS_NAME + ".search-provider.ini")
    check(os.path.isfile(t(ini_path)), "search provider %s" % ini_path)
    ini = keyfile(t(ini_path))["Shell Search Provider"]
    check(ini.get("BusName") == BUS_NAME, "search provider BusName is the activatable name")
    check(ini.get("ObjectPath") == "/org/sessiond/Daemon1/SearchProvider",
          "search provider ObjectPath")
    check(ini.get("Version") == "2", "search provider Version=2")
    desktop_path = os.path.join(DATADIR, "applications", ini.get("DesktopId", "-"))
    check(os.path.isfile(t(desktop_path)), "search provider DesktopId %s is installed"
          % ini.get("DesktopId"))

    # desktop entries: the application (the shell only lists providers whose
    # application is shown) and the autostart entry for sessions without systemd
    autostart_path = os.path.join(SYSCONFDIR, "xdg", "autostart", "sessiond.desktop")
    check(os.path.isfile(t(autostart_path)), "autostart entry %s" % autostart_path)
    if os.path.isfile(t(desktop_path)):
        # GIO refuses entries whose Exec is missing: point it into DESTDIR
        with open(t(desktop_path)) as f:
            text = f.read().replace("Exec=" + binary, "Exec=" + t(binary))
        copy = os.path.join(os.path.dirname(t(desktop_path)), "copy-" + ini.get("DesktopId"))
        with open(copy, "w") as f:
            f.write(text)
        info = Gio.DesktopAppInfo.new_from_filename(copy)
        os.unlink(copy)
        check(info is not None and info.should_show(),
              "the search provider's application is shown (gnome-shell ignores it otherwise)")
        entry = keyfile(t(desktop_path))["Desktop Entry"]
        check(entry.get("Exec") == binary, "desktop entry Exec=%s" % entry.get("Exec"))
    if os.path.isfile(t(autostart_path)):
        entry = keyfile(t(autostart_path))["Desktop Entry"]
        check(entry.get("Exec") == binary, "autostart Exec=%s" % entry.get("Exec"))
        check(entry.get("X-GNOME-HiddenUnderSystemd") == "true",
              "autostart defers to the systemd unit under systemd")

    # man page and translations
    man_path = os.path.join(MANDIR, "man8", "sessiond.8")
    check(os.path.isfile(t(man_path)), "man page %s" % man_path)
    for lang in ("de", "fr", "es"):
        mo = os.path.join(LOCALEDIR, lang, "LC_MESSAGES", "sessiond.mo")
        check(os.path.isfile(t(mo)), "translation %s" % mo)
    return desktop_path, autostart_path, schema_dir, unit_path, service_path, man_path


def validate(t, desktop_path, autostart_path, schema_dir, unit_path, man_path, tmp):
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        skip("desktop-file-validate", "desktop-file-validate is not installed "
             "(Debian package desktop-file-utils)")
    else:
        for path in (desktop_path, autostart_path):
            r = subprocess.run([tool, t(path)], capture_output=True, text=True)
            check(r.returncode == 0 and "error" not in r.stdout,
                  "desktop-file-validate %s: %s" % (os.path.basename(path), r.stdout.strip()))

    tool = shutil.which("glib-compile-schemas")
    if tool is None:
        skip("glib-compile-schemas --strict", "glib-compile-schemas is not installed")
    else:
        target = os.path.join(tmp, "schemas")
        os.makedirs(target)
        r = subprocess.run([tool, "--strict", "--targetdir", target, t(schema_dir)],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stderr == "",
              "glib-compile-schemas --strict %s" % r.stderr.strip())
        if r.returncode == 0:
            source = Gio.SettingsSchemaSource.new_from_directory(target, None, False)
            schema = source.lookup("org.sessiond.Daemon", False)
            check(schema is not None, "the installed schema compiles to org.sessiond.Daemon")
            defaults = {"poll-interval": GLib.Variant("u", 5000),
                        "notifications": GLib.Variant("b", True),
                        "notification-content": GLib.Variant("s", "full"),
                        "read-receipts": GLib.Variant("b", False),
                        "typing-indicators": GLib.Variant("b", True),
                        "front-end": GLib.Variant("s", "")}
            for key, value in defaults.items():
                has = schema is not None and schema.has_key(key)
                got = schema.get_key(key).get_default_value() if has else None
                check(has and got.equal(value), "default %s = %s (got %s)" % (key, value, got))

    tool = shutil.which("systemd-analyze")
    if tool is None:
        skip("systemd-analyze --user verify", "systemd-analyze is not installed")
    else:
        # the unit as installed, but with ExecStart inside DESTDIR so that the
        # executable check means something
        units = os.path.join(tmp, "units")
        runtime = os.path.join(tmp, "runtime")
        os.makedirs(units)
        os.makedirs(runtime, mode=0o700)
        with open(t(unit_path)) as f:
            text = f.read()
        binary = os.path.join(LIBEXECDIR, "sessiond")
        with open(os.path.join(units, "sessiond.service"), "w") as f:
            f.write(text.replace("ExecStart=" + binary, "ExecStart=" + t(binary)))
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime,
                   MANPATH=t(os.path.dirname(os.path.dirname(man_path))), SYSTEMD_LOG_LEVEL="warning")
        r = subprocess.run([tool, "--user", "verify", os.path.join(units, "sessiond.service")],
                           capture_output=True, text=True, env=env)
        check(r.returncode == 0, "systemd-analyze --user verify sessiond.service: %s"
              % (r.stdout + r.stderr).strip())

    tool = shutil.which("groff")
    if tool is None:
        skip("man page renders", "groff is not installed")
    else:
        r = subprocess.run([tool, "-man", "-Tutf8", "-ww", "-z", t(man_path)],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stderr == "", "man page renders without warnings %s"
              % r.stderr.strip())


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%(dir)s</listen>
  <servicedir>%(services)s</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def check_activation(t, service_path, tmp):
    """the installed activation file, with the installed binary and test arguments"""
    binary = t(os.path.join(LIBEXECDIR, "sessiond"))
    services = os.path.join(tmp, "services")
    home = os.path.join(tmp, "home")
    os.makedirs(tmp, mode=0o700)
    os.makedirs(services)
    os.makedirs(home)
    with open(t(service_path)) as f:
        text = f.read()
    exec_line = "Exec=" + os.path.join(LIBEXECDIR, "sessiond")
    check(exec_line in text, "activation file has %s" % exec_line)
    with open(os.path.join(services, BUS_NAME + ".service"), "w") as f:
        f.write(text.replace(exec_line, "Exec=%s --data-dir %s --seed http://127.0.0.1:1/"
                             % (binary, os.path.join(tmp, "data"))))
    config = os.path.join(tmp, "bus.conf")
    with open(config, "w") as f:
        f.write(BUS_CONFIG % {"dir": tmp, "services": services})
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "XDG_DATA_HOME": os.path.join(home, "data"),
           "XDG_CONFIG_HOME": os.path.join(home, "config"),
           "XDG_RUNTIME_DIR": tmp, "LC_ALL": "C.UTF-8",
           "GSETTINGS_BACKEND": "memory",
           "GSETTINGS_SCHEMA_DIR": os.environ["GSETTINGS_SCHEMA_DIR"],
           "GIO_USE_PROXY_RESOLVER": "dummy"}
    bus = subprocess.Popen(["dbus-daemon", "--config-file", config, "--nofork",
                            "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env, text=True)
    connection = None
    pid = None
    try:
        address = bus.stdout.readline().strip()
        connection = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

        def dbus(method, sig, *args):
            return connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", method,
                                        GLib.Variant(sig, args), None, 0, 10000,
                                        None).unpack()[0]

        activatable = dbus("ListActivatableNames", "()")
        check(BUS_NAME in activatable, "the bus lists %s as activatable" % BUS_NAME)
        check(not dbus("NameHasOwner", "(s)", BUS_NAME), "nobody owns the name yet")

        # an ordinary call to the name starts the daemon
        reply = connection.call_sync(BUS_NAME, "/org/sessiond/Daemon1",
                                     "org.freedesktop.DBus.Properties", "Get",
                                     GLib.Variant("(ss)", ("org.sessiond.Account1", "Version")),
                                     None, Gio.DBusCallFlags.NONE, 60000, None)
        check(reply.unpack()[0] >= 1, "the activated daemon answers (Version %r)"
              % reply.unpack()[0])
        check(dbus("NameHasOwner", "(s)", BUS_NAME), "the call started the daemon")
        pid = dbus("GetConnectionUnixProcessID", "(s)", BUS_NAME)
        exe = os.readlink("/proc/%d/exe" % pid)
        check(os.path.realpath(exe) == os.path.realpath(binary),
              "the installed binary runs (%s)" % exe)

        # the search provider is on the same name; no account yet: no results
        reply = connection.call_sync(BUS_NAME, "/org/sessiond/Daemon1/SearchProvider",
                                     "org.gnome.Shell.SearchProvider2", "GetInitialResultSet",
                                     GLib.Variant("(as)", (["hello"],)), None,
                                     Gio.DBusCallFlags.NONE, 10000, None)
        check(reply.unpack()[0] == [], "the search provider answers without an account")
    finally:
        if pid is not None:
            # the daemon this test caused to start, by its pid
            try:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 30
                while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
                    with open("/proc/%d/stat" % pid) as f:
                        if f.read().split(")")[-1].split()[0] == "Z":
                            break
                    time.sleep(0.05)
            except (ProcessLookupError, FileNotFoundError):
                pass
        if connection is not None:
            connection.close_sync(None)
        bus.terminate()
        bus.wait(10)


def main():
    tmp = tempfile.mkdtemp(prefix="sd-install-")
    try:
        destdir = os.path.join(tmp, "destdir")
        r = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet",
                            "--destdir", destdir], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
        check(r.returncode == 0, "meson install --destdir")
        t = Tree(destdir)
        paths = check_layout(t)
        desktop_path, autostart_path, schema_dir, unit_path, service_path, man_path = paths
        validate(t, desktop_path, autostart_path, schema_dir, unit_path, man_path, tmp)
        check_activation(t, service_path, os.path.join(tmp, "bus"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("# %d failed" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
