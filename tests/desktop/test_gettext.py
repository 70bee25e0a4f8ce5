#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Translations: every catalog in LINGUAS compiles strictly and is complete,
sessiond.pot matches the sources, and a translated string really shows
when LANGUAGE selects it (with LC_ALL=C.UTF-8; LC_ALL=C means English)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["SESSIOND_SOURCE_ROOT"]
PO_SRC = os.path.join(SRC, "po")
PO_BUILD = os.environ["SESSIOND_PO_BUILDDIR"]
SHOW = os.environ["SD_GETTEXT_SHOW"]

EXPECTED = {"de": "Neue Nachricht", "fr": "Nouveau message", "es": "Mensaje nuevo"}

failures = []


def check(ok, what):
    print("%s - %s" % ("ok" if ok else "not ok", what), flush=True)
    if not ok:
        failures.append(what)


def msgids(path):
    """the msgids of a .po/.pot file (header excluded, obsolete ones ignored)"""
    text = open(path, encoding="utf-8").read()
    ids = set()
    for m in re.finditer(r'^msgid ((?:".*"\n)+)', text, re.M):
        value = "".join(re.findall(r'"(.*)"', m.group(1)))
        if value:
            ids.add(value)
    return ids


def show(env_extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(env_extra)
    out = subprocess.run([SHOW, PO_BUILD], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main():
    linguas = open(os.path.join(PO_SRC, "LINGUAS")).read().split()
    check(set(EXPECTED) <= set(linguas), "LINGUAS has de, fr and es (%s)" % " ".join(linguas))

    # the catalogs compile with every check msgfmt has, and nothing is left out
    for lang in linguas:
        po = os.path.join(PO_SRC, lang + ".po")
        r = subprocess.run(["msgfmt", "--check", "--check-accelerators", "--statistics",
                            "-o", os.devnull, po], capture_output=True, text=True)
        stats = r.stderr.strip()
        check(r.returncode == 0, "%s.po compiles (%s)" % (lang, stats))
        check("untranslated" not in stats and "fuzzy" not in stats,
              "%s.po is complete" % lang)
        mo = os.path.join(PO_BUILD, lang, "LC_MESSAGES", "sessiond.mo")
        check(os.path.isfile(mo), "%s is built" % mo)

    # sessiond.pot is what xgettext finds in POTFILES today
    tmp = tempfile.mkdtemp(prefix="sd-pot-")
    try:
        fresh = os.path.join(tmp, "fresh.pot")
        subprocess.run(["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_",
                        "--keyword=C_:1c,2", "--keyword=NC_:1c,2", "--keyword=g_dngettext:2,3",
                        "--keyword=g_dgettext:2", "--add-comments", "--directory", SRC,
                        "--files-from", os.path.join(PO_SRC, "POTFILES.in"), "-o", fresh],
                       check=True)
        current = msgids(fresh)
        in_pot = msgids(os.path.join(PO_SRC, "sessiond.pot"))
        check(current == in_pot, "sessiond.pot is up to date (missing: %r, stale: %r)"
              % (sorted(current - in_pot), sorted(in_pot - current)))
        for lang in linguas:
            ids = msgids(os.path.join(PO_SRC, lang + ".po"))
            check(current <= ids, "%s.po covers every string (missing: %r)"
                  % (lang, sorted(current - ids)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # sessionctl's strings belong in the catalogs once it exists
    if os.path.exists(os.path.join(SRC, "client-lib", "sessionctl.c")):
        potfiles = open(os.path.join(PO_SRC, "POTFILES.in")).read().split()
        check("client-lib/sessionctl.c" in potfiles, "POTFILES.in lists client-lib/sessionctl.c")

    # the translation is really shown
    for lang, expected in EXPECTED.items():
        got = show({"LANGUAGE": lang, "LC_ALL": "C.UTF-8"})
        check(got == expected, "LANGUAGE=%s LC_ALL=C.UTF-8 shows %r (got %r)"
              % (lang, expected, got))
    got = show({"LC_ALL": "C.UTF-8"})
    check(got == "New message", "without LANGUAGE it is English (got %r)" % got)
    # glibc ignores LANGUAGE in the C locale
    got = show({"LANGUAGE": "de", "LC_ALL": "C"})
    check(got == "New message", "LANGUAGE=de LC_ALL=C stays English (got %r)" % got)

    if failures:
        print("# %d failed" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
