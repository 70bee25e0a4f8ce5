/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sd-history-gen SESSION_ID SENDERS MESSAGES FIRST_MS STEP_MS: a history for SESSION_ID, as
 * the testnet's "inject" control action takes it: MESSAGES text messages from SENDERS fresh
 * random accounts (message i from sender i % SENDERS, sent at FIRST_MS + i * STEP_MS, named
 * "Sender k"), sealed and signed with our own protocol code. Prints
 * {"senders": [session ids], "messages": [{"data", "timestamp"}]}. Test tool.
 */

#include <stdio.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-wire.h"

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

  if (argc != 6 || sodium_init () < 0 ||
      !sd_session_id_parse (argv[1], recipient + 1, NULL)) {
    fprintf (stderr, "usage: sd-history-gen SESSION_ID SENDERS MESSAGES FIRST_MS STEP_MS\n");
    return 2;
  }
  n_senders = (guint) CLAMP (g_ascii_strtoull (argv[2], NULL, 10), 1, 1000);
  n_messages = (guint) MIN (g_ascii_strtoull (argv[3], NULL, 10), 1000000);
  first = g_ascii_strtoll (argv[4], NULL, 10);
  step = g_ascii_strtoll (argv[5], NULL, 10);
  senders = g_new0 (SdIdentity, n_senders);

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

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "data");
    json_builder_add_string_value (builder, b64);
    json_builder_set_member_name (builder, "timestamp");
    json_builder_add_int_value (builder, t);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  for (guint s = 0; s < n_senders; s++)
    sd_identity_clear (&senders[s]);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  return 0;
}
