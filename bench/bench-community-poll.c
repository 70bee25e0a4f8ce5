/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One community poll in the daemon (issue 17): 10 rooms × 256 new posts from 20 blinded
 * posters, every post decoded (base64, signature check by its poster id, Content parse) and
 * stored as sd-communities.c stores it (sd_store_community_add_posts per room's page, with the
 * search index, all pages in one transaction: one commit per poll), beside the raw libsodium signature checks of the same posts
 * in the same run. The JSON of the batch answer is bench-sogs-poll's part. */
#include "config.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "sd-blinding.h"
#include "sd-content.h"
#include "sd-keys.h"
#include "sd-sogs-post.h"
#include "sd-store.h"
#include "sd-store-communities.h"

#define N_ROOMS   10
#define N_POSTS   256
#define N_POSTERS 20

typedef struct {
  gchar *id;          /* poster id */
  gchar *data;        /* base64 */
  gchar *signature;   /* base64 */
  guint8 pk[32];
  guint8 sig[64];
  GBytes *raw;
} Post;

static Post posts[N_ROOMS * N_POSTS];
static gchar rooms[N_ROOMS][67];

/* seconds of CPU this process used: the same work measured without the time other work on a
 * shared machine takes from it (and without waiting for the disk) */
static gdouble
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gdouble last_cpu;

static gdouble
run_raw (void)
{
  gint64 start = g_get_monotonic_time ();
  gdouble cpu = cpu_seconds ();

  for (guint i = 0; i < G_N_ELEMENTS (posts); i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data (posts[i].raw, &len);

    if (crypto_sign_ed25519_verify_detached (posts[i].sig, d, len, posts[i].pk) != 0)
      g_assert_not_reached ();
  }
  last_cpu = cpu_seconds () - cpu;
  return (g_get_monotonic_time () - start) / 1e6;
}

/* seconds for one poll's posts into a fresh store (opening it is not counted) */
static gdouble
run_store (const gchar *dir, guint round)
{
  g_autofree gchar *path = g_strdup_printf ("%s/store-%u.db", dir, round);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStore) store = sd_store_open (path, &error);
  g_autoptr(SdStoreTx) tx = NULL;
  gint64 start;
  gdouble took, cpu;

  g_assert_no_error (error);
  g_assert (sd_store_set_account_id (store, "05" "00000000000000000000000000000000"
                                     "00000000000000000000000000000000", &error));
  for (guint r = 0; r < N_ROOMS; r++) {
    g_autofree gchar *token = g_strdup_printf ("room%u", r);

    /* one room per (server, token): the store keeps them unique */
    g_assert (sd_store_add_community (store, rooms[r], "http://127.0.0.1:1", token, "00", 1,
                                      NULL, &error));
  }
  start = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  /* as sd-communities.c: one transaction (one commit) around the whole poll */
  tx = sd_store_transaction_begin (store, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < N_ROOMS; r++) {
    SdSogsPost decoded[N_POSTS] = { 0 };
    SdCommunityPost rows[N_POSTS] = { 0 };
    g_autoptr(GPtrArray) added = NULL;

    for (guint j = 0; j < N_POSTS; j++) {
      guint i = r * N_POSTS + j;
      SdSogsPost *post = &decoded[j];

      if (!sd_sogs_post_decode (posts[i].id, posts[i].data, posts[i].signature, post, NULL))
        g_assert_not_reached ();
      rows[j].post_id = i + 1;
      rows[j].author = posts[i].id;
      rows[j].author_name = post->parsed->datamessage->profile != NULL
                              ? post->parsed->datamessage->profile->displayname : NULL;
      rows[j].body = post->parsed->datamessage->body;
      rows[j].sent_at = (gint64) post->parsed->sigtimestamp;
      rows[j].received_at = rows[j].sent_at;
    }
    added = sd_store_community_add_posts (store, rooms[r], rows, N_POSTS, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (added->len, ==, N_POSTS);
    for (guint j = 0; j < N_POSTS; j++)
      sd_sogs_post_clear (&decoded[j]);
  }
  g_assert (sd_store_transaction_commit (tx, &error));
  g_clear_pointer (&tx, sd_store_transaction_end);
  took = (g_get_monotonic_time () - start) / 1e6;
  last_cpu = cpu_seconds () - cpu;
  g_clear_object (&store);
  {
    g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
  }
  return took;
}

int
main (int argc, char **argv)
{
  SdIdentity posters[N_POSTERS];
  SdBlindedKeyPair kps[N_POSTERS];
  gchar ids[N_POSTERS][SD_BLINDED_ID_LEN + 1];
  guint8 server_pk[32];
  g_autofree gchar *dir = NULL;
  gdouble raw = G_MAXDOUBLE, full = G_MAXDOUBLE, raw_cpu = G_MAXDOUBLE, full_cpu = G_MAXDOUBLE;
  guint rounds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 3;

  g_assert_cmpint (sodium_init (), >=, 0);
  dir = g_dir_make_tmp ("bench-community-XXXXXX", NULL);
  randombytes_buf (server_pk, sizeof server_pk);
  for (guint i = 0; i < N_POSTERS; i++) {
    guint8 seed[32];

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&posters[i], seed);
    g_assert (sd_blind15_key_pair (posters[i].ed25519_sk, server_pk, &kps[i]));
    sd_blinded_id_format (SD_BLINDING_15, kps[i].pk, ids[i]);
  }
  for (guint r = 0; r < N_ROOMS; r++)
    g_snprintf (rooms[r], sizeof rooms[r], "0c%064x", r + 1);
  for (guint k = 0; k < G_N_ELEMENTS (posts); k++) {
    guint who = k % N_POSTERS;
    g_autofree gchar *text = g_strdup_printf ("message %u in room %u: a line of ordinary "
                                              "chat of about the usual length", k % N_POSTS,
                                              k / N_POSTS);
    g_autoptr(GBytes) content = sd_content_pack_text (text, 1754971101000 + k, "Poster", 0,
                                                      NULL);
    gsize len = 0;
    guint8 *bytes;
    g_autofree guint8 *sig = NULL;

    g_assert (sd_sogs_post_encode (posters[who].ed25519_sk, server_pk, TRUE,
                                   g_bytes_get_data (content, NULL),
                                   g_bytes_get_size (content), &posts[k].data,
                                   &posts[k].signature, NULL));
    posts[k].id = g_strdup (ids[who]);
    memcpy (posts[k].pk, kps[who].pk, 32);
    bytes = g_base64_decode (posts[k].data, &len);
    posts[k].raw = g_bytes_new_take (bytes, len);
    sig = g_base64_decode (posts[k].signature, &len);
    g_assert (len == 64);
    memcpy (posts[k].sig, sig, 64);
  }

  /* alternate the two so that load from elsewhere hits both alike; best of each */
  for (guint round = 0; round < rounds; round++) {
    raw = MIN (raw, run_raw ());
    raw_cpu = MIN (raw_cpu, last_cpu);
    full = MIN (full, run_store (dir, round));
    full_cpu = MIN (full_cpu, last_cpu);
  }
  g_rmdir (dir);

  g_print ("community-poll: %u rooms x %u posts from %u blinded posters\n", N_ROOMS, N_POSTS,
           N_POSTERS);
  g_print ("%-44s %8.1f ms\n", "raw Ed25519 verify of every post", raw * 1000);
  g_print ("%-44s %8.1f ms   ratio %.2f (cost vs raw, target ≤ 1.5)\n",
           "decode + verify + store (one tx per poll)", full * 1000, full / raw);
  g_print ("%-44s %8.1f ms\n", "  CPU time: raw", raw_cpu * 1000);
  g_print ("%-44s %8.1f ms   ratio %.2f (the same, in CPU time)\n",
           "  CPU time: decode + verify + store", full_cpu * 1000, full_cpu / raw_cpu);
  for (guint k = 0; k < G_N_ELEMENTS (posts); k++) {
    g_free (posts[k].id);
    g_free (posts[k].data);
    g_free (posts[k].signature);
    g_bytes_unref (posts[k].raw);
  }
  return 0;
}
