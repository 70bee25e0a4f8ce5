/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ingestion of one retrieved batch of 5,000 messages (decode + one SQLite
 * transaction into a real database file), beside the raw libsodium cost of
 * opening and verifying the same messages, measured in this run. */
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-ingest.h"
#include "sd-padding.h"
#include "sd-session-crypto.h"
#include "sd-wire.h"

#define N_MESSAGES 5000
#define N_SENDERS 5

/* CPU time in µs: on a shared machine wall time also measures the neighbours */
static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main (int argc, char **argv)
{
  SdIdentity me, senders[N_SENDERS];
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (
    (GDestroyNotify) sd_retrieve_item_free);
  g_autoptr(GPtrArray) sealed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree gchar *dir = g_dir_make_tmp ("bench-ingest-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "bench.sqlite", NULL);
  g_autoptr(SdStore) store = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t = 1754971101000, start, ingest_us, raw_us, cpu, ingest_cpu, raw_cpu;
  guint8 seed[32];
  guint8 *opened = g_malloc (4096);

  /* not inside g_assert: G_DISABLE_ASSERT would drop the call */
  if (sodium_init () < 0)
    g_error ("libsodium could not be initialised");
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&me, seed);
  for (guint i = 0; i < N_SENDERS; i++) {
    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&senders[i], seed);
  }
  for (guint i = 0; i < N_MESSAGES; i++) {
    g_autofree gchar *body = g_strdup_printf ("message number %u, about as long as a chat line", i);
    g_autoptr(GBytes) content = sd_content_pack_text (body, (guint64) (t + i), "Sender", 1, NULL);
    g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&senders[i % N_SENDERS], me.x25519_pk,
                                                 (guint64) (t + i),
                                                 g_bytes_get_data (content, NULL),
                                                 g_bytes_get_size (content), SD_WIRE_FLAG_NONE);
    g_autoptr(GBytes) padded = sd_pad (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
    SdRetrieveItem *item = g_new0 (SdRetrieveItem, 1);
    guint8 digest[32];

    crypto_generichash (digest, 32, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), NULL,
                        0);
    item->hash = sd_base64_encode (digest, 32, FALSE);
    item->expiration = t + 14 * 86400000LL;
    item->data_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                       TRUE);
    g_ptr_array_add (items, item);
    /* the raw work: the sealed inner layer alone */
    g_ptr_array_add (sealed, sd_session_encrypt (&senders[i % N_SENDERS], me.x25519_pk,
                                                 g_bytes_get_data (padded, NULL),
                                                 g_bytes_get_size (padded)));
  }

  /* raw: crypto_box_seal_open + Ed25519 verify of each message */
  cpu = cpu_us ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *ct = g_bytes_get_data (g_ptr_array_index (sealed, i), &len);
    gsize inner = len - crypto_box_SEALBYTES, m = inner - 96;
    guint8 sig[64];

    if (crypto_box_seal_open (opened, ct, len, me.x25519_pk, me.x25519_sk) != 0)
      g_error ("open");
    memcpy (sig, opened + m + 32, 64);
    memcpy (opened + m + 32, me.x25519_pk, 32);
    if (crypto_sign_ed25519_verify_detached (sig, opened, m + 64, opened + m) != 0)
      g_error ("verify");
  }
  raw_us = g_get_monotonic_time () - start;
  raw_cpu = cpu_us () - cpu;

  store = sd_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_account_id (store, me.session_id, &error));
  cpu = cpu_us ();
  start = g_get_monotonic_time ();
  if (!sd_ingest_messages (store, &me, "00", items, NULL, NULL, &changes, &error))
    g_error ("ingest: %s", error->message);
  ingest_us = g_get_monotonic_time () - start;
  ingest_cpu = cpu_us () - cpu;
  g_assert_cmpuint (changes->new_messages->len, ==, N_MESSAGES);

  g_print ("batch of %d messages from %d senders into a fresh database\n", N_MESSAGES, N_SENDERS);
  g_print ("%-34s %8.0f msg/s\n", "raw open+verify", N_MESSAGES / (raw_us / 1e6));
  g_print ("%-34s %8.0f msg/s   ratio %.2f (cost vs raw, target ≤ 1.5)\n",
           "ingest (decode + store, 1 commit)", N_MESSAGES / (ingest_us / 1e6),
           (gdouble) ingest_us / raw_us);
  g_print ("%-34s %8.2f (raw %.0f µs, ingest %.0f µs of CPU)\n", "ratio on CPU time",
           (gdouble) ingest_cpu / raw_cpu, (gdouble) raw_cpu, (gdouble) ingest_cpu);

  g_clear_object (&store);
  g_free (opened);
  g_remove (path);
  {
    g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
  }
  g_rmdir (dir);
  return 0;
}
