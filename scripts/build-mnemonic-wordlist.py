#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rebuild daemon/protocol/mnemonic-english.txt, Session's 1626-word English
recovery-phrase list, without copying any upstream word list.

The words are ordinary English words. Every word of Debian's wamerican and
wbritish dictionaries (lower-cased, plain ASCII letters only) is hashed with
SHA-256 and matched against the per-index hashes in
tests/data/mnemonic-english-sha256.txt; that finds 1614 of the 1626 words.
The remaining twelve are listed in SUPPLIED_WORDS below. Every index must be
matched, and the finished list must hash to the whole-list SHA-256 given in
the header of the hash file, or nothing is written.

Usage:
  scripts/build-mnemonic-wordlist.py            write the list
  scripts/build-mnemonic-wordlist.py --check    only compare with the file
  scripts/build-mnemonic-wordlist.py --search   when indices are unmatched,
                                                 try derived candidates

Needs the wamerican and wbritish packages (/usr/share/dict).
"""

import argparse
import hashlib
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HASHES = os.path.join(ROOT, 'tests', 'data', 'mnemonic-english-sha256.txt')
DEFAULT_OUTPUT = os.path.join(ROOT, 'daemon', 'protocol', 'mnemonic-english.txt')
DEFAULT_DICTS = ['/usr/share/dict/american-english', '/usr/share/dict/british-english']

WORD_COUNT = 1626
PREFIX_LEN = 3

# the words the dictionaries lack: compounds, inflections they do not list,
# and "cafe" (listed only as "café"). Each lies between its alphabetical
# neighbours with a 3-letter prefix of its own; "--search" derives all but
# "oxidant" and "yoyo", which were supplied by hand. All are confirmed by
# their hashes.
SUPPLIED_WORDS = [
    'cafe',       # 223, between cadets and cage
    'gumball',    # 579, between gulp and guru (gum + ball)
    'onboard',    # 989, between omnibus and oncoming (on + board)
    'oxidant',    # 1027, between owner and oxygen
    'ramped',     # 1134, between rally and randomly (ramp + ed)
    'theatrics',  # 1378, between thaw and thirsty (theatric + s)
    'vapidly',    # 1504, between vane and vary (vapid + ly)
    'wagtail',    # 1548, between waffle and waist (wag + tail)
    'wetsuit',    # 1569, between western and whale (wet + suit)
    'wipeout',    # 1581, between winter and wiring (wipe + out)
    'yoyo',       # 1613, between younger and zapped
    'zesty',      # 1618, between zero and zigzags (zest + y)
]

# endings tried by --search on words in an unmatched index's prefix window
SEARCH_SUFFIXES = ['s', 'es', 'd', 'ed', 'ing', 'er', 'ers', 'est', 'y', 'ly', 'ily', 'ness',
                   'ful', 'less', 'ish', 'able', 'ment', 'al', 'ic', 'ics', 'ism', 'ist',
                   'ity', 'ive', 'ous', 'ship', 'en']

WORD_RE = re.compile(r'[a-z]+')


def sha256_hex(text):
    return hashlib.sha256(text.encode('ascii')).hexdigest()


def read_hashes(path):
    """Returns (list of per-index hashes, whole-list hash)."""
    per_index = {}
    whole = None
    with open(path, encoding='utf-8') as f:
        comments = []
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith('#'):
                comments.append(line.lstrip('#').strip())
                continue
            fields = line.split()
            if (len(fields) != 2 or not fields[0].isdigit()
                    or not re.fullmatch(r'[0-9a-f]{64}', fields[1])):
                sys.exit(f'{path}:{lineno}: expected "INDEX SHA256HEX"')
            index = int(fields[0])
            if index in per_index or index >= WORD_COUNT:
                sys.exit(f'{path}:{lineno}: index {index} repeated or out of range')
            per_index[index] = fields[1]
    # the whole-list hash is the only 64-digit hex string in the header
    for text in comments:
        m = re.search(r'\b[0-9a-f]{64}\b', text)
        if m is not None:
            whole = m.group(0)
    if len(per_index) != WORD_COUNT:
        sys.exit(f'{path}: {len(per_index)} word hashes, expected {WORD_COUNT}')
    if whole is None:
        sys.exit(f'{path}: no whole-list SHA-256 in the header')
    return [per_index[i] for i in range(WORD_COUNT)], whole


def read_dictionaries(paths, fold_accents=False):
    words = set()
    for path in paths:
        with open(path, encoding='utf-8') as f:
            for line in f:
                word = line.strip().lower()
                if fold_accents:
                    # "café" -> "cafe": drop the combining marks
                    word = ''.join(c for c in unicodedata.normalize('NFD', word)
                                   if not unicodedata.combining(c))
                if WORD_RE.fullmatch(word):
                    words.add(word)
    return words


def match(candidates, index_of_hash, found):
    for word in candidates:
        index = index_of_hash.get(sha256_hex(word))
        if index is not None:
            found[index] = word


def search(missing, found, dictionary, index_of_hash):
    """Derives candidates for unmatched indices: dictionary words with their
    accents dropped, words in the index's prefix window plus common endings,
    and two-word compounds."""
    short_words = [w for w in dictionary if len(w) <= 10]
    for index in missing:
        low = found.get(index - 1, 'a' * PREFIX_LEN)
        high = found.get(index + 1, '{' * PREFIX_LEN)
        window = [w for w in dictionary if low[:PREFIX_LEN] < w[:PREFIX_LEN] < high[:PREFIX_LEN]]
        candidates = set(window)
        for w in window:
            stems = {w, w[:-1] if w.endswith('e') else w}
            if w.endswith('y'):
                stems.add(w[:-1] + 'i')
            if len(w) > 2 and w[-1] not in 'aeiouwxy':
                stems.add(w + w[-1])
            for stem in stems:
                candidates.update(stem + s for s in SEARCH_SUFFIXES)
        match(candidates, index_of_hash, found)
        if index not in found:
            for first in window:
                if len(first) <= 8:
                    match((first + second for second in short_words), index_of_hash, found)
        if index in found:
            print(f'index {index}: found "{found[index]}"; add it to SUPPLIED_WORDS',
                  file=sys.stderr)


def check_list(words, whole_hash):
    problems = []
    if len(words) != WORD_COUNT:
        problems.append(f'{len(words)} words, expected {WORD_COUNT}')
    for i, word in enumerate(words):
        if not WORD_RE.fullmatch(word) or len(word) < PREFIX_LEN:
            problems.append(f'word {i} ("{word}") is not {PREFIX_LEN}+ lower-case ASCII letters')
        if i > 0 and not words[i - 1][:PREFIX_LEN] < word[:PREFIX_LEN]:
            problems.append(f'word {i} ("{word}") does not sort after "{words[i - 1]}" '
                            f'by its {PREFIX_LEN}-letter prefix')
    if sha256_hex(' '.join(words)) != whole_hash:
        problems.append('the whole list does not match its SHA-256')
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hashes', default=DEFAULT_HASHES, help='per-index SHA-256 file')
    parser.add_argument('--output', default=DEFAULT_OUTPUT, help='word list to write')
    parser.add_argument('--dict', action='append', dest='dicts',
                        help='dictionary file, one word a line (repeatable; default: '
                             'wamerican and wbritish)')
    parser.add_argument('--check', action='store_true',
                        help='compare with the existing output instead of writing it')
    parser.add_argument('--search', action='store_true',
                        help='derive candidates for indices nothing matched')
    args = parser.parse_args()

    hashes, whole_hash = read_hashes(args.hashes)
    index_of_hash = {h: i for i, h in enumerate(hashes)}
    dictionary = read_dictionaries(args.dicts or DEFAULT_DICTS)

    found = {}
    match(dictionary, index_of_hash, found)
    from_dictionaries = len(found)
    match(SUPPLIED_WORDS, index_of_hash, found)
    unused = [w for w in SUPPLIED_WORDS if sha256_hex(w) not in index_of_hash]
    if unused:
        sys.exit(f'supplied words that match no index: {", ".join(unused)}')

    missing = [i for i in range(WORD_COUNT) if i not in found]
    if missing and args.search:
        search(missing, found, read_dictionaries(args.dicts or DEFAULT_DICTS, True),
               index_of_hash)
        missing = [i for i in range(WORD_COUNT) if i not in found]
    if missing:
        for i in missing:
            print(f'index {i}: no word; it lies between "{found.get(i - 1, "?")}" and '
                  f'"{found.get(i + 1, "?")}"', file=sys.stderr)
        sys.exit(f'{len(missing)} indices unmatched (try --search, then add the words '
                 f'to SUPPLIED_WORDS)')

    words = [found[i] for i in range(WORD_COUNT)]
    problems = check_list(words, whole_hash)
    if problems:
        sys.exit('\n'.join(problems))
    text = '\n'.join(words) + '\n'

    print(f'{from_dictionaries} words from the dictionaries, '
          f'{WORD_COUNT - from_dictionaries} supplied; every index and the whole list match')
    if args.check:
        try:
            with open(args.output, encoding='ascii') as f:
                current = f.read()
        except (OSError, UnicodeDecodeError) as e:
            sys.exit(f'{args.output}: {e}')
        if current != text:
            sys.exit(f'{args.output} differs from the rebuilt list')
        print(f'{args.output} is up to date')
        return
    tmp = args.output + '.tmp'
    with open(tmp, 'w', encoding='ascii', newline='\n') as f:
        f.write(text)
    os.replace(tmp, args.output)
    print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
