/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes the seed corpus of fuzz-key-file into the directory given: version 1 key files
 * (daemon/keystore/sd-file-keystore.h) sealed with the fuzz target's fixed key (32 bytes
 * of 0x42) instead of an Argon2id one, and a few broken ones. Run by hand:
 *   meson compile -C _build make-key-file-corpus
 *   _build/tests/fuzz/make-key-file-corpus tests/fuzz/corpus/fuzz-key-file */
#include <glib.h>
#include <sodium.h>
#include <string.h>

#define FILE_LEN 181
#define BODY_LEN 149

typedef struct {
  const gchar *name;
  guint64 opslimit;
  guint64 memlimit;
  guint8 kdf;
  guint8 version;
  guint8 account_tag;   /* 0x05 for a Session account */
  gsize length;         /* what is written of the file */
  gboolean bad_checksum;
} Seed;

static void
put_le64 (guint8 *out, guint64 value)
{
  guint64 le = GUINT64_TO_LE (value);

  memcpy (out, &le, sizeof le);
}

static void
write_seed (const gchar *dir, const Seed *s)
{
  static const guint8 key[32] = { [0 ... 31] = 0x42 };
  guint8 file[FILE_LEN] = { 0 };
  guint8 plain[65];
  g_autofree gchar *path = g_build_filename (dir, s->name, NULL);
  g_autoptr(GError) error = NULL;

  memcpy (file, "SDKEY\0\r\n", 8);
  file[8] = s->version;
  file[9] = s->kdf;
  file[10] = 1;
  put_le64 (file + 12, s->opslimit);
  put_le64 (file + 20, s->memlimit);
  for (guint i = 0; i < 16 + 24; i++)
    file[28 + i] = (guint8) i;                         /* salt, nonce */
  for (guint i = 0; i < sizeof plain; i++)
    plain[i] = (guint8) i;                             /* seed, account id, key */
  plain[32] = s->account_tag;
  crypto_secretbox_easy (file + 68, plain, sizeof plain, file + 44, key);
  crypto_generichash (file + BODY_LEN, 32, file, BODY_LEN, NULL, 0);
  if (s->bad_checksum)
    file[FILE_LEN - 1] ^= 1;
  if (!g_file_set_contents (path, (const gchar *) file, (gssize) s->length, &error))
    g_error ("%s", error->message);
}

int
main (int argc, char **argv)
{
  const Seed seeds[] = {
    { "interactive-limits", 2, 64 << 20, 1, 1, 0x05, FILE_LEN, FALSE },
    { "moderate-limits", 3, 256 << 20, 1, 1, 0x05, FILE_LEN, FALSE },
    { "no-account", 2, 64 << 20, 1, 1, 0x00, FILE_LEN, FALSE },
    { "huge-limits", G_GUINT64_CONSTANT (1) << 40, G_GUINT64_CONSTANT (1) << 62, 1, 1, 0x05,
      FILE_LEN, FALSE },
    { "unknown-kdf", 2, 64 << 20, 2, 1, 0x05, FILE_LEN, FALSE },
    { "version-2", 2, 64 << 20, 1, 2, 0x05, FILE_LEN, FALSE },
    { "truncated", 2, 64 << 20, 1, 1, 0x05, 100, FALSE },
    { "bad-checksum", 2, 64 << 20, 1, 1, 0x05, FILE_LEN, TRUE },
    { "magic-only", 2, 64 << 20, 1, 1, 0x05, 8, FALSE },
  };

  if (argc != 2 || sodium_init () < 0)
    return 2;
  g_mkdir_with_parents (argv[1], 0755);
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    write_seed (argv[1], &seeds[i]);
  return 0;
}
