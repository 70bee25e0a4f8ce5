/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes the seed corpus of fuzz-ingest-sealed into the directory given: Content
 * messages from the protocol's own packers (text, quote and timer, reaction, unsend,
 * receipt, typing, expiration update, data extraction, request response, sync copies
 * from our own account), each after the byte that picks the sender. Run by hand:
 *   meson compile -C _build make-ingest-sealed-corpus
 *   _build/tests/fuzz/make-ingest-sealed-corpus tests/fuzz/corpus/fuzz-ingest-sealed */
#include <glib.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sd-content.h"
#include "sd-keys.h"

/* the fuzz target's fixed time and identities (seeds 0x11…, us, and 0x22…, the peer) */
#define T G_GUINT64_CONSTANT (1700000000000)

static void
write_seed (const gchar *dir, const gchar *name, guint8 sender, GBytes *content)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_byte_array_append (bytes, &sender, 1);
  g_byte_array_append (bytes, g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  if (!g_file_set_contents (path, (const gchar *) bytes->data, bytes->len, &error))
    g_error ("%s", error->message);
  g_bytes_unref (content);
}

int
main (int argc, char **argv)
{
  const guint64 earlier[] = { T - 2000, T - 1000 };
  SdIdentity me, peer;
  guint8 seed[32];
  SdTextContent quoted = {
    .body = "quoting you", .sent_at = T + 1, .profile_name = "Peer",
    .profile_updated_seconds = 1, .quote_id = T - 1000, .quote_author = NULL,
    .expiration_type = 2, .expiration_timer = 60,
  };
  SdTextContent sync = {
    .body = "from my other device", .sent_at = T + 2, .sync_target = NULL,
    .expiration_type = 1, .expiration_timer = 300,
  };
  const gchar *dir;

  if (argc != 2 || sodium_init () < 0)
    return 2;
  dir = argv[1];
  g_mkdir_with_parents (dir, 0755);
  memset (seed, 0x11, sizeof seed);
  sd_identity_from_seed (&me, seed);
  memset (seed, 0x22, sizeof seed);
  sd_identity_from_seed (&peer, seed);
  quoted.quote_author = me.session_id;
  sync.sync_target = peer.session_id;

  write_seed (dir, "text", 0, sd_content_pack_text ("hello", T, "Peer", 1, NULL));
  write_seed (dir, "text-quote-timer", 0, sd_content_pack_text_full (&quoted));
  write_seed (dir, "reaction", 0,
              sd_content_pack_reaction (T + 3, T - 1000, me.session_id, "👍", FALSE, "Peer", 1,
                                        NULL, 0, 0));
  write_seed (dir, "reaction-remove", 0,
              sd_content_pack_reaction (T + 4, T - 1000, me.session_id, "👍", TRUE, "Peer", 1,
                                        NULL, 0, 0));
  write_seed (dir, "unsend", 0, sd_content_pack_unsend (T + 5, T, peer.session_id));
  write_seed (dir, "read-receipt", 0,
              sd_content_pack_read_receipt (T + 6, earlier, G_N_ELEMENTS (earlier)));
  write_seed (dir, "typing", 0, sd_content_pack_typing (T + 7, TRUE));
  write_seed (dir, "expiration-update", 0,
              sd_content_pack_expiration_update (T + 8, 2, 86400, NULL));
  write_seed (dir, "screenshot", 0, sd_content_pack_data_extraction (T + 9, 1, T, 1, 300));
  write_seed (dir, "request-response", 0,
              sd_content_pack_request_response (T + 10, "Peer", 1));
  write_seed (dir, "sync-text", 1, sd_content_pack_text_full (&sync));
  write_seed (dir, "sync-expiration-update", 1,
              sd_content_pack_expiration_update (T + 11, 1, 300, peer.session_id));
  write_seed (dir, "sync-unsend", 1, sd_content_pack_unsend (T + 12, T + 2, me.session_id));
  write_seed (dir, "sync-reaction", 1,
              sd_content_pack_reaction (T + 13, T, peer.session_id, "❤️", FALSE, NULL, 0,
                                        peer.session_id, 0, 0));
  return 0;
}
