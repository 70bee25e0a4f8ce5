#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sessionctl's command table against what is built from it and what is written beside it:
--help, the hidden "__complete" the bash completion uses, the completion script itself (run
in bash with a stand-in for bash-completion's _init_completion), the argument checks, and the
man page. Needs no daemon: nothing here gets past the argument checks, except completing IDs,
which finds no daemon and prints nothing.

Usage: test_sessionctl_commands.py SESSIONCTL SOURCE_ROOT
"""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

SESSIONCTL = Path(sys.argv.pop(1)).resolve()
ROOT = Path(sys.argv.pop(1))
COMPLETION = ROOT / "client-lib" / "sessionctl.bash-completion"
MAN = ROOT / "client-lib" / "sessionctl.1"

# no bus: completing an ID must quietly find nothing
ENV = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="",
           DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/sessiond-test-bus")


def ctl(*args):
    return subprocess.run([str(SESSIONCTL), *args], capture_output=True, text=True, env=ENV,
                          timeout=60)


def complete(*words):
    return ctl("__complete", *words).stdout.splitlines()


def help_commands():
    """command names in the Commands: part of --help, grouped ones included"""
    out = ctl("--help").stdout
    section = out[out.index("Commands:"):]
    names = []
    for line in section.splitlines()[1:]:
        if not line.startswith("  ") or line.startswith("   "):
            continue
        # "  block ID, unblock ID      block or unblock a contact": the descriptions start
        # at column 28, longer forms have a line of their own
        form = line[2:27] if len(line) > 28 and line[27] == " " else line[2:]
        names += [part.split()[0] for part in form.split(", ")]
    return names


def bash_complete(line):
    """what the completion script offers for LINE (the cursor at its end)"""
    script = f"""
_init_completion() {{
  words=("${{COMP_WORDS[@]}}"); cword=$COMP_CWORD; cur=${{COMP_WORDS[COMP_CWORD]}}
  prev=${{COMP_WORDS[COMP_CWORD-1]}}
}}
complete() {{ :; }}
source {COMPLETION}
read -ra COMP_WORDS <<< "$1"
[[ $1 == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
COMP_WORDS[0]={SESSIONCTL}
_sessionctl
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", line],
                       capture_output=True, text=True, env=ENV, timeout=60)
    assert r.returncode == 0, r.stderr
    return [w for w in r.stdout.splitlines() if w]


class CommandTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.commands = complete("")

    def test_help_lists_every_command(self):
        self.assertGreater(len(self.commands), 20)
        self.assertEqual(help_commands(), self.commands)
        r = ctl("--help")
        self.assertEqual(r.returncode, 0)
        self.assertNotIn("__complete", r.stdout)

    def test_every_command_checks_its_arguments(self):
        for name in self.commands:
            r = ctl("--json", name, *["x"] * 6)
            self.assertEqual(r.returncode, 1, name)
            self.assertEqual(r.stdout, "", name)
            self.assertIn('"error":"Usage"', r.stderr.replace(" ", ""), name)
            self.assertIn("usage: sessionctl " + name, r.stderr, name)

    def test_unknown_command(self):
        r = ctl("frobnicate")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown command", r.stderr)

    def test_complete_options(self):
        self.assertEqual(complete("-"), ["--json", "--help", "--version"])
        self.assertIn("--limit", complete("messages", "--"))
        self.assertIn("--name", complete("--json", "create", "-"))
        self.assertEqual(complete("--limit", ""), [])

    def test_complete_arguments(self):
        some_id = "05" + "ab" * 32
        self.assertEqual(complete("disappear", some_id, ""), ["off", "after-send", "after-read"])
        self.assertIn("1w", complete("--json", "disappear", some_id, "after-read", ""))
        self.assertIn("👍", complete("react", some_id, "mid", ""))
        self.assertEqual(complete("status", ""), [])
        self.assertEqual(complete("frobnicate", ""), [])
        # no daemon: no ids, no error
        r = ctl("__complete", "messages", "")
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_bash_completion_script(self):
        self.assertEqual(bash_complete("sessionctl dis"), ["disappear"])
        self.assertEqual(sorted(bash_complete("sessionctl un")), ["unblock", "unpin", "unreact", "unsend"])
        self.assertEqual(sorted(bash_complete("sessionctl ")), sorted(self.commands))
        self.assertEqual(bash_complete("sessionctl --js"), ["--json"])
        self.assertEqual(bash_complete("sessionctl disappear 05ab after-"),
                         ["after-send", "after-read"])

    def test_man_page_describes_every_command(self):
        text = MAN.read_text()
        section = text[text.index(".SH COMMANDS"):text.index(".SH OPTIONS")]
        section = re.sub(r"\\f[BRIP]", "", section).replace("\\-", "-")
        for name in self.commands:
            self.assertRegex(section, r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
