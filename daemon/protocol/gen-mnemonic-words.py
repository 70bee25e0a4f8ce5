#!/usr/bin/python3
# placeholder; replaced by the mnemonic work
import sys
words = open(sys.argv[1]).read().split()
with open(sys.argv[2], 'w') as out:
    out.write('const char *const sd_mnemonic_words[] = {\n')
    for w in words:
        out.write('  "%s",\n' % w)
    out.write('};\n')
