/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sd-history-gen SESSION_ID SENDERS MESSAGES FIRST_MS STEP_MS: a history for SESSION_ID, as
 * the testnet's "inject" control action takes it: MESSAGES text messages from SENDERS fresh
 * random accounts (message i from sender i % SENDERS, sent at FIRST_MS + i * STEP_MS, named
 * "Sender k"), sealed and signed with our own protocol code. Prints
 * {"senders": [session ids], "messages": [{"data", "timestamp"}]}. Test tool.
 *
 * With a sixth argument "--raw" the recipient's recovery phrase is read from standard input
 * and the raw libsodium cost of the same messages is measured (crypto_box_seal_open and the
 * sender's Ed25519 verify of each sealed inner layer, as bench-scale does), added as
 * "raw_us" (wall) and "raw_cpu_us": the reference bench/bench_restore.py divides by.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-mnemonic.h"
#include "sd-padding.h"
#include "sd-session-crypto.h"
#include "sd-wire.h"

static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* crypto_box_seal_open + Ed25519 verify of each sealed inner layer (sender_ed || sig over
 * plaintext || sender_ed || recipient_x) */
static void
raw_open_verify (const SdIdentity *me, GPtrArray *sealed, gint64 *out_us, gint64 *out_cpu_us)
{
  guint8 *opened = g_malloc (8192);
  gint64 cpu = cpu_us ();
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < sealed->len; i++) {
    gsize len;
    const guint8 *ct = g_bytes_get_data (g_ptr_array_index (sealed, i), &len);
    gsize m;
    guint8 sig[64];

    if (len < crypto_box_SEALBYTES + 96 || len > 8192 + crypto_box_SEALBYTES ||
        crypto_box_seal_open (opened, ct, len, me->x25519_pk, me->x25519_sk) != 0)
      g_error ("open");
    m = len - crypto_box_SEALBYTES - 96;
    memcpy (sig, opened + m + 32, 64);
    memcpy (opened + m + 32, me->x25519_pk, 32);
    if (crypto_sign_ed25519_verify_detached (sig, opened, m + 64, opened + m) != 0)
      g_error ("verify");
  }
  *out_us = g_get_monotonic_time () - start;
  *out_cpu_us = cpu_us () - cpu;
  g_free (opened);
}

int
main (int argc, char **argv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *text = NULL;
  g_autofree SdIdentity *senders = NULL;
  guint8 recipient[33];
  guint n_senders, n_messages;
  gint64 first, step;
  gboolean raw = argc == 7 && g_str_equal (argv[6], "--raw");
  g_autoptr(GPtrArray) sealed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  SdIdentity me = { 0 };

  if ((argc != 6 && !raw) || sodium_init () < 0 ||
      !sd_session_id_parse (argv[1], recipient + 1, NULL)) {
    fprintf (stderr, "usage: sd-history-gen SESSION_ID SENDERS MESSAGES FIRST_MS STEP_MS\n");
    return 2;
  }
  n_senders = (guint) CLAMP (g_ascii_strtoull (argv[2], NULL, 10), 1, 1000);
  n_messages = (guint) MIN (g_ascii_strtoull (argv[3], NULL, 10), 1000000);
  first = g_ascii_strtoll (argv[4], NULL, 10);
  step = g_ascii_strtoll (argv[5], NULL, 10);
  senders = g_new0 (SdIdentity, n_senders);
  if (raw) {
    gchar phrase[1024] = { 0 };
    guint8 seed[SD_SEED_LEN];

    if (fgets (phrase, sizeof phrase, stdin) == NULL ||
        !sd_mnemonic_to_seed (g_strstrip (phrase), seed, NULL)) {
      fprintf (stderr, "sd-history-gen: no recovery phrase on standard input\n");
      return 2;
    }
    sd_identity_from_seed (&me, seed);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (phrase, sizeof phrase);
    if (!g_str_equal (me.session_id, argv[1])) {
      fprintf (stderr, "sd-history-gen: the phrase is not SESSION_ID's\n");
      return 2;
    }
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "senders");
  json_builder_begin_array (builder);
  for (guint s = 0; s < n_senders; s++) {
    guint8 seed[SD_SEED_LEN] = { 0 };

    randombytes_buf (seed, SD_ENTROPY_LEN);
    sd_identity_from_seed (&senders[s], seed);
    json_builder_add_string_value (builder, senders[s].session_id);
  }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_messages; i++) {
    const SdIdentity *sender = &senders[i % n_senders];
    gint64 t = first + (gint64) i * step;
    g_autofree gchar *body = g_strdup_printf ("history %u", i);
    g_autofree gchar *name = g_strdup_printf ("Sender %u", i % n_senders);
    g_autoptr(GBytes) content = sd_content_pack_text (body, (guint64) t, name, 1, NULL);
    g_autoptr(GBytes) wire = sd_wire_wrap_bytes (sender, recipient + 1, (guint64) t,
                                                 g_bytes_get_data (content, NULL),
                                                 g_bytes_get_size (content), SD_WIRE_FLAG_NONE);
    g_autofree gchar *b64 = sd_base64_encode (g_bytes_get_data (wire, NULL),
                                              g_bytes_get_size (wire), TRUE);

    if (raw) {
      g_autoptr(GBytes) padded = sd_pad (g_bytes_get_data (content, NULL),
                                         g_bytes_get_size (content));

      g_ptr_array_add (sealed, sd_session_encrypt (sender, recipient + 1,
                                                   g_bytes_get_data (padded, NULL),
                                                   g_bytes_get_size (padded)));
    }
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "data");
    json_builder_add_string_value (builder, b64);
    json_builder_set_member_name (builder, "timestamp");
    json_builder_add_int_value (builder, t);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  if (raw) {
    gint64 us = 0, cpu = 0;

    raw_open_verify (&me, sealed, &us, &cpu);
    json_builder_set_member_name (builder, "raw_us");
    json_builder_add_int_value (builder, us);
    json_builder_set_member_name (builder, "raw_cpu_us");
    json_builder_add_int_value (builder, cpu);
    sd_identity_clear (&me);
  }
  json_builder_end_object (builder);
  for (guint s = 0; s < n_senders; s++)
    sd_identity_clear (&senders[s]);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  return 0;
}
