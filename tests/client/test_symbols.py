#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ABI of libsessiond-client: what the built library exports (nm -D --defined-only)
against the public headers and client-lib/sessiond-client.map. Fails when a private helper
(sessiond-private.h, the generated sdc_ D-Bus code) is exported, when a public function is
missing from the map or the library, or when a symbol is not versioned.

Usage: test_symbols.py LIBRARY SOURCE_ROOT
"""

import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

LIBRARY = Path(sys.argv.pop(1))
ROOT = Path(sys.argv.pop(1))
CLIENT = ROOT / "client-lib"
PUBLIC_HEADERS = ["sessiond-client.h", "sessiond-conversation.h", "sessiond-error.h",
                  "sessiond-message.h", "sessiond-reaction.h"]
VERSION_NODE = "LIBSESSIOND_CLIENT_0.1"


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def declared(header):
    """function names a header declares, the G_DECLARE_*_TYPE _get_type included"""
    text = strip_comments((CLIENT / header).read_text())
    names = set(re.findall(r"\b(sessiond_\w+)\s*\(", text))
    for prefix in re.findall(r"G_DECLARE_\w+_TYPE\s*\(\s*\w+,\s*(\w+),", text):
        names.add(prefix + "_get_type")
    return names


def public_functions():
    names = set()
    for header in PUBLIC_HEADERS:
        names |= declared(header)
    return names


def map_globals():
    text = strip_comments((CLIENT / "sessiond-client.map").read_text())
    node = re.search(re.escape(VERSION_NODE) + r"\s*\{\s*global:(.*?)local:", text, re.S)
    assert node, f"no {VERSION_NODE} {{ global: … local: … }} node in the map"
    entries = [e.strip() for e in node.group(1).split(";") if e.strip()]
    return entries


def exported():
    """{name: version} of the library's defined dynamic symbols"""
    out = subprocess.run(["nm", "-D", "--defined-only", str(LIBRARY)], check=True,
                         capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        kind, name = fields[1], fields[2]
        if kind == "A":  # the version node itself
            continue
        name, _, version = name.partition("@")
        symbols[name] = version.lstrip("@")
    return symbols


class SymbolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exported = exported()
        cls.public = public_functions()

    def test_nothing_private_exported(self):
        extra = sorted(set(self.exported) - self.public)
        self.assertEqual(extra, [], "exported but not declared in a public header")

    def test_private_helpers_hidden(self):
        private = declared("sessiond-private.h")
        self.assertTrue(private)
        self.assertEqual(sorted(private & set(self.exported)), [])
        self.assertEqual([s for s in self.exported if s.startswith("sdc_")], [])

    def test_public_functions_exported(self):
        missing = sorted(self.public - set(self.exported))
        self.assertEqual(missing, [], "declared in a public header but not exported")

    def test_map_lists_exactly_the_exports(self):
        entries = map_globals()
        self.assertNotIn("*", "".join(entries), "the map must list names, not patterns")
        self.assertEqual(len(entries), len(set(entries)), "a name is listed twice")
        self.assertEqual(sorted(entries), sorted(self.exported))

    def test_symbols_versioned(self):
        unversioned = sorted(s for s, v in self.exported.items() if v != VERSION_NODE)
        self.assertEqual(unversioned, [], f"not in {VERSION_NODE}")


if __name__ == "__main__":
    if shutil.which("nm") is None:
        print("nm not found")
        sys.exit(77)
    unittest.main(verbosity=2)
