#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The D-Bus contract in words (dbus/org.sessiond.Daemon1.xml) against the contract in code
(dbus/sessiond-contract.h) and the client library's public error enum: the error names, their
order, and the message-dictionary keys must be the same everywhere.

Usage: test_contract.py SOURCE_ROOT
"""

import re
import sys
import unittest
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(sys.argv.pop(1) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
XML = ROOT / "dbus" / "org.sessiond.Daemon1.xml"
HEADER = ROOT / "dbus" / "sessiond-contract.h"
ERROR_H = ROOT / "client-lib" / "sessiond-error.h"


def header_errors():
    """(CODE, Name) pairs of SESSIOND_DBUS_ERRORS, in order"""
    text = HEADER.read_text()
    body = re.search(r"#define SESSIOND_DBUS_ERRORS\(X\)(.*?)\n\s*\n", text, re.S)
    assert body, "SESSIOND_DBUS_ERRORS(X) not found in " + str(HEADER)
    return re.findall(r'X \((\w+), "(\w+)"\)', body.group(1))


def header_keys():
    return re.findall(r'#define SESSIOND_MESSAGE_KEY_\w+ "([a-z-]+)"', HEADER.read_text())


def xml_top_comment():
    text = XML.read_text()
    match = re.search(r"<!--(.*?)-->", text, re.S)
    assert match, "no leading comment in " + str(XML)
    return match.group(1)


def xml_errors():
    """the names after "Errors: …, one of (…):" up to the full stop"""
    match = re.search(r"Errors:.*?one of \(.*?\):(.*?)\.", xml_top_comment(), re.S)
    assert match, "no error list in the XML's leading comment"
    return [name.strip() for name in match.group(1).split(",")]


def enum_codes():
    text = ERROR_H.read_text()
    body = re.search(r"typedef enum \{(.*?)\} SessiondClientError;", text, re.S)
    assert body, "SessiondClientError not found"
    return re.findall(r"SESSIOND_CLIENT_ERROR_(\w+)", body.group(1))


class ContractTest(unittest.TestCase):
    def test_error_names_match_xml(self):
        names = [name for _, name in header_errors()]
        self.assertTrue(names)
        self.assertEqual(xml_errors(), names,
                         "the XML's error list and SESSIOND_DBUS_ERRORS differ")

    def test_error_codes_follow_enum(self):
        codes = [code for code, _ in header_errors()]
        # NOT_RUNNING is the client's own: no D-Bus name
        self.assertEqual([c for c in enum_codes() if c != "NOT_RUNNING"], codes,
                         "SESSIOND_DBUS_ERRORS is not in the order of SessiondClientError")

    def test_error_names_are_camel_case_of_codes(self):
        for code, name in header_errors():
            self.assertEqual(name.lower(), code.replace("_", "").lower(), code)

    def test_prefix(self):
        text = HEADER.read_text()
        self.assertIn('#define SESSIOND_DBUS_NAME "org.sessiond.Daemon1"', text)
        self.assertIn('#define SESSIOND_DBUS_ERROR_PREFIX "org.sessiond.Daemon1.Error."', text)

    def test_message_keys_documented(self):
        comment = xml_top_comment()
        keys = header_keys()
        self.assertGreater(len(keys), 10)
        for key in keys:
            self.assertRegex(comment, r"(?<![\w-])" + re.escape(key) + r"(?![\w-])",
                             f"message key {key} is not described in the XML")

    def test_every_member_documented(self):
        """each method, signal and property has the gdbus-codegen doc comment ("Name: …")
        right before it, and a method's or signal's comment, when it names arguments,
        names only real ones (the D-Bus reference is generated from these)"""
        text = XML.read_text()
        for match in re.finditer(r'<(method|signal|property) name="(\w+)"', text):
            kind, name = match.groups()
            before = text[:match.start()].rstrip()
            comment = ""
            if before.endswith("-->"):
                comment = before[before.rindex("<!--") + 4:-3].strip()
            self.assertTrue(comment.startswith(name + ":"), f"{kind} {name} has no doc comment")
            if kind == "property":
                continue
            end = text.index(f"</{kind}>", match.end()) if not text[match.end():].lstrip(
                ).startswith("/>") else match.end()
            args = set(re.findall(r'<arg name="(\w+)"', text[match.end():end]))
            for documented in re.findall(r"^\s*@(\w+):", comment, re.M):
                self.assertIn(documented, args, f"{kind} {name} documents @{documented}")

    def test_xml_parses_and_interfaces_have_version(self):
        tree = ElementTree.parse(XML)
        for iface in tree.getroot().iter("interface"):
            props = [p.get("name") for p in iface.iter("property")]
            self.assertIn("Version", props, iface.get("name"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
