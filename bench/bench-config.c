/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Receiving a 500-contact Contacts config: two competing pushes (the same
 * base, each with one contact changed) are decoded (decrypt, decompress)
 * and merged into the re-pushable result, beside the raw libsodium + zstd
 * work of the same run (key derivation, AEAD open, zstd, the BLAKE2b
 * message hashes the merge needs). */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "sd-config-contacts.h"
#include "sd-config-crypto.h"
#include "sd-config-merge.h"
#include "sd-config-message.h"
#include "sd-config-push.h"
#include "sd-keys.h"

#define N_CONTACTS 500

typedef struct {
  SdIdentity me;
  GBytes *blob[2];      /* what the swarm holds */
  GBytes *plain[2];     /* their plaintexts, for sizes */
  guint8 *scratch;      /* raw decrypt buffer */
  guint8 *inflated;     /* raw zstd output */
  gsize inflated_cap;
  ZSTD_DCtx *dctx;
} Fixture;

/* CPU time of this thread: the machine is shared, and wall time counts
 * the time other work holds the CPU */
static gdouble
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gdouble
measure (void (*fn) (Fixture *), Fixture *f, guint n)
{
  gdouble best = 0;

  for (guint round = 0; round < 2; round++) {
    gdouble start = cpu_seconds ();

    for (guint i = 0; i < n; i++)
      fn (f);
    best = MAX (best, n / (cpu_seconds () - start));
  }
  return best;
}

static void
run_engine (Fixture *f)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SdConfigMessage) merged = NULL;
  g_autoptr(GBytes) out = NULL;

  for (guint i = 0; i < 2; i++)
    g_ptr_array_add (plain, sd_config_push_decode (&f->me, SD_CONFIG_KIND_CONTACTS,
                                                   g_bytes_get_data (f->blob[i], NULL),
                                                   g_bytes_get_size (f->blob[i]), NULL));
  merged = sd_config_merge (plain, SD_CONFIG_DEFAULT_LAG, NULL, NULL, NULL);
  out = sd_config_message_serialize (merged);
  g_assert (out != NULL);
}

static void
run_raw (Fixture *f)
{
  for (guint i = 0; i < 2; i++) {
    gsize len = g_bytes_get_size (f->blob[i]);
    const guint8 *c = g_bytes_get_data (f->blob[i], NULL);
    guint8 key[32], hash[32];
    guint64 be = GUINT64_TO_BE (len - 40);
    unsigned long long m_len = 0;
    crypto_generichash_state st;
    gsize skip = 0, n;

    crypto_generichash_init (&st, NULL, 0, 32);
    crypto_generichash_update (&st, f->me.ed25519_sk, 32);
    crypto_generichash_update (&st, (const guint8 *) &be, 8);
    crypto_generichash_update (&st, (const guint8 *) "Contacts", 8);
    crypto_generichash_final (&st, key, 32);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt (f->scratch, &m_len, NULL, c, len - 24, NULL,
                                                    0, c + len - 24, key) != 0)
      g_assert_not_reached ();
    while (f->scratch[skip] == 0)
      skip++;
    n = ZSTD_decompressDCtx (f->dctx, f->inflated, f->inflated_cap, f->scratch + skip + 1,
                             m_len - skip - 1);
    g_assert (!ZSTD_isError (n));
    crypto_generichash (hash, 32, f->inflated, n, NULL, 0);
  }
}

static SdConfigMessage *
base_config (void)
{
  SdConfigMessage *m = sd_config_message_new (9, SD_CONFIG_DEFAULT_LAG);
  SdConfigValue *data = sd_config_message_get_data (m);

  for (guint i = 0; i < N_CONTACTS; i++) {
    g_auto(SdConfigContact) c = { 0 };
    guint8 id[33];
    g_autofree gchar *hex = NULL;
    g_autofree gchar *file = NULL;

    id[0] = 0x05;
    randombytes_buf (id + 1, 32);
    hex = g_malloc (67);
    for (guint j = 0; j < 33; j++)
      g_snprintf (hex + 2 * j, 3, "%02x", id[j]);
    sd_config_contact_init (&c, hex);
    g_free (c.name);
    c.name = g_strdup_printf ("Contact number %u", i);
    if (i % 4 == 0)
      c.nickname = g_strdup_printf ("Nick %u", i);
    if (i % 2 == 0) {
      file = g_strdup_printf ("http://filev2.getsession.org/file/%08x%08x", randombytes_random (),
                              randombytes_random ());
      c.avatar_url = g_strdup (file);
      randombytes_buf (c.avatar_key, 32);
    }
    c.approved = TRUE;
    c.approved_me = i % 3 != 0;
    c.priority = i < 5 ? (gint64) i + 1 : 0;
    c.created = 1700000000 + i;
    if (i % 10 == 0) {
      c.expiration = SD_CONFIG_EXPIRATION_AFTER_READ;
      c.expiration_seconds = 86400;
    }
    g_assert (sd_config_contacts_set (data, &c, NULL));
  }
  return m;
}

/* changes one field of the contact at @index of the base */
static void
touch_contact (SdConfigMessage *m, guint index, gboolean block)
{
  SdConfigValue *data = sd_config_message_get_data (m);
  g_autoptr(GPtrArray) ids = sd_config_contacts_list (data);
  g_auto(SdConfigContact) c = { 0 };

  g_assert (sd_config_contacts_get (data, g_ptr_array_index (ids, index), &c, NULL));
  if (block)
    c.blocked = TRUE;
  else {
    g_free (c.nickname);
    c.nickname = g_strdup ("Renamed");
  }
  g_assert (sd_config_contacts_set (data, &c, NULL));
}

int
main (int argc, char **argv)
{
  Fixture f = { 0 };
  guint8 seed[32];
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 200;
  g_autoptr(SdConfigMessage) base = NULL;
  g_autoptr(SdConfigMessage) ma = NULL;
  g_autoptr(SdConfigMessage) mb = NULL;
  gdouble raw = 0, engine = 0;

  g_assert_cmpint (sodium_init (), >=, 0);
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&f.me, seed);

  base = base_config ();
  ma = sd_config_message_increment (base);
  mb = sd_config_message_increment (base);
  touch_contact (ma, 17, FALSE);
  touch_contact (mb, 400, TRUE);
  {
    SdConfigMessage *ms[2] = { ma, mb };

    for (guint i = 0; i < 2; i++) {
      f.plain[i] = sd_config_message_serialize (ms[i]);
      f.blob[i] = sd_config_push_encode (&f.me, SD_CONFIG_KIND_CONTACTS, 10,
                                         g_bytes_get_data (f.plain[i], NULL),
                                         g_bytes_get_size (f.plain[i]), SD_CONFIG_PUSH_RAW, NULL);
      g_assert (f.blob[i] != NULL);
    }
  }
  f.scratch = g_malloc (g_bytes_get_size (f.blob[0]) + g_bytes_get_size (f.blob[1]));
  f.inflated_cap = SD_CONFIG_MAX_PLAINTEXT;
  f.inflated = g_malloc (f.inflated_cap);
  f.dctx = ZSTD_createDCtx ();

  /* alternate the two so that load from elsewhere hits both alike */
  for (guint round = 0; round < 3; round++) {
    raw = MAX (raw, measure (run_raw, &f, n));
    engine = MAX (engine, measure (run_engine, &f, n));
  }

  g_print ("config: %d contacts, %" G_GSIZE_FORMAT "-byte plaintext, %" G_GSIZE_FORMAT
           "-byte push (zstd + padding + AEAD), two competing pushes merged\n",
           N_CONTACTS, g_bytes_get_size (f.plain[0]), g_bytes_get_size (f.blob[0]));
  g_print ("%-34s %10.1f /s\n", "raw AEAD open + zstd + BLAKE2b, x2", raw);
  g_print ("%-34s %10.1f /s   ratio %.2f (cost vs raw, target ≤ 1.5)\n",
           "decode x2 + merge + serialise", engine, raw / engine);

  for (guint i = 0; i < 2; i++) {
    g_bytes_unref (f.blob[i]);
    g_bytes_unref (f.plain[i]);
  }
  g_free (f.scratch);
  g_free (f.inflated);
  ZSTD_freeDCtx (f.dctx);
  return 0;
}
