/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One community poll (issue 17): a /batch answer with 10 rooms × 256 new
 * posts from 20 blinded posters, parsed from JSON and every post decoded
 * (base64, signature check by its poster id, Envelope/Content parse), beside
 * the raw libsodium signature checks of the same posts in the same run.
 * Storing the posts is the daemon's part and not built yet. */
#include <sodium.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-content.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-sogs-post.h"

#define N_ROOMS   10
#define N_POSTS   256
#define N_POSTERS 20

typedef struct {
  gchar *reply;       /* (owned) the batch answer as the server sends it */
  guint8 (*pk)[32];   /* per post: the blinded key */
  guint8 (*sig)[64];
  GBytes **data;      /* per post: the raw data */
  guint n;
} Fixture;

static gdouble
measure (void (*fn) (Fixture *), Fixture *f, guint n)
{
  gdouble best = 0;

  for (guint round = 0; round < 2; round++) {
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < n; i++)
      fn (f);
    best = MAX (best, n / ((g_get_monotonic_time () - start) / 1e6));
  }
  return best;
}

static void
run_raw (Fixture *f)
{
  for (guint i = 0; i < f->n; i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data (f->data[i], &len);

    if (crypto_sign_ed25519_verify_detached (f->sig[i], d, len, f->pk[i]) != 0)
      g_assert_not_reached ();
  }
}

static void
run_decode (Fixture *f)
{
  g_autoptr(JsonNode) root = sd_json_parse (f->reply, strlen (f->reply), NULL);
  JsonArray *rooms = json_node_get_array (root);
  guint decoded = 0;

  for (guint r = 0; r < json_array_get_length (rooms); r++) {
    JsonObject *sub = sd_json_array_get_object (rooms, r);
    JsonArray *msgs = sd_json_get_array (sub, "body");

    for (guint i = 0; i < json_array_get_length (msgs); i++) {
      JsonObject *m = sd_json_array_get_object (msgs, i);
      g_auto(SdSogsPost) post = { 0 };

      if (!sd_sogs_post_decode (sd_json_get_string (m, "session_id"),
                                sd_json_get_string (m, "data"),
                                sd_json_get_string (m, "signature"), &post, NULL))
        g_assert_not_reached ();
      decoded++;
    }
  }
  g_assert (decoded == f->n);
}

int
main (int argc, char **argv)
{
  Fixture f = { 0 };
  SdIdentity posters[N_POSTERS];
  SdBlindedKeyPair kps[N_POSTERS];
  gchar ids[N_POSTERS][SD_BLINDED_ID_LEN + 1];
  guint8 server_pk[32];
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 5;
  g_autoptr(JsonArray) rooms = json_array_new ();
  g_autoptr(JsonNode) root = NULL;
  gdouble raw = 0, decode = 0;
  gsize data_bytes = 0;

  g_assert_cmpint (sodium_init (), >=, 0);
  randombytes_buf (server_pk, sizeof server_pk);
  for (guint i = 0; i < N_POSTERS; i++) {
    guint8 seed[32];

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&posters[i], seed);
    g_assert (sd_blind15_key_pair (posters[i].ed25519_sk, server_pk, &kps[i]));
    sd_blinded_id_format (SD_BLINDING_15, kps[i].pk, ids[i]);
  }

  f.n = N_ROOMS * N_POSTS;
  f.pk = g_malloc_n (f.n, 32);
  f.sig = g_malloc_n (f.n, 64);
  f.data = g_new (GBytes *, f.n);
  for (guint r = 0, k = 0; r < N_ROOMS; r++) {
    JsonObject *sub = json_object_new ();
    JsonArray *msgs = json_array_new ();

    for (guint i = 0; i < N_POSTS; i++, k++) {
      guint who = k % N_POSTERS;
      g_autofree gchar *text = g_strdup_printf ("message %u in room %u: a line of ordinary "
                                                "chat of about the usual length", i, r);
      g_autoptr(GBytes) content = sd_content_pack_text (text, 1754971101000 + k, "Poster", 0,
                                                        NULL);
      g_autofree gchar *data = NULL, *sig = NULL;
      JsonObject *m = json_object_new ();

      g_assert (sd_sogs_post_encode (posters[who].ed25519_sk, server_pk, TRUE,
                                     g_bytes_get_data (content, NULL),
                                     g_bytes_get_size (content), &data, &sig, NULL));
      json_object_set_int_member (m, "id", k + 1);
      json_object_set_string_member (m, "session_id", ids[who]);
      json_object_set_double_member (m, "posted", 1754971101.0 + k);
      json_object_set_int_member (m, "seqno", i + 1);
      json_object_set_string_member (m, "data", data);
      json_object_set_string_member (m, "signature", sig);
      json_object_set_object_member (m, "reactions", json_object_new ());
      json_array_add_object_element (msgs, m);

      memcpy (f.pk[k], kps[who].pk, 32);
      {
        gsize len = 0;
        guint8 *raw_data = g_base64_decode (data, &len);
        g_autofree guint8 *raw_sig = NULL;

        f.data[k] = g_bytes_new_take (raw_data, len);
        data_bytes += len;
        raw_sig = g_base64_decode (sig, &len);
        g_assert (len == 64);
        memcpy (f.sig[k], raw_sig, 64);
      }
    }
    json_object_set_int_member (sub, "code", 200);
    json_object_set_array_member (sub, "body", msgs);
    json_array_add_object_element (rooms, sub);
  }
  root = json_node_init_array (json_node_alloc (), rooms);
  f.reply = json_to_string (root, FALSE);

  /* alternate the two so that load from elsewhere hits both alike */
  for (guint round = 0; round < 3; round++) {
    raw = MAX (raw, measure (run_raw, &f, n));
    decode = MAX (decode, measure (run_decode, &f, n));
  }

  g_print ("sogs-poll: %u rooms x %u posts from %u blinded posters, %" G_GSIZE_FORMAT
           "-byte batch answer, %" G_GSIZE_FORMAT " bytes of post data\n",
           N_ROOMS, N_POSTS, N_POSTERS, strlen (f.reply), data_bytes);
  g_print ("%-40s %8.2f polls/s\n", "raw Ed25519 verify of every post", raw);
  g_print ("%-40s %8.2f polls/s   ratio %.2f (cost vs raw, target ≤ 1.5)\n",
           "JSON + base64 + verify + Content parse", decode, raw / decode);

  for (guint i = 0; i < f.n; i++)
    g_bytes_unref (f.data[i]);
  g_free (f.data);
  g_free (f.pk);
  g_free (f.sig);
  g_free (f.reply);
  return 0;
}
