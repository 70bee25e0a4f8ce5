/* SPDX-License-Identifier: GPL-3.0-or-later */
/* how many store and retrieve requests per second session-testnet serves,
 * direct and through 3-hop onion requests; requests are built before each
 * timed phase so that only the network's work is measured (the client
 * still shares the machine) */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-onion-request.h"
#include "st-test-util.h"

#define IN_FLIGHT 16

typedef struct {
  const gchar *name;
  StTestnet *net;
  SoupSession *session;   /* (unowned) async only, see main () */
  GMainLoop *loop;
  GPtrArray *urls;        /* (owned) gchar* */
  GPtrArray *bodies;      /* (owned) GBytes* */
  SdOnionRequest *onion;  /* (owned) (nullable) one per request */
  guint total;
  guint next;
  guint done;
  guint failed;
} Phase;

static void issue (Phase *phase);

/* libsoup hands the connection back to its pool only after this reply's
 * callback returns; sending the next request from here would open a new
 * connection (and TLS handshake) every time */
static gboolean
issue_cb (gpointer user_data)
{
  issue (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Phase *phase = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "index"));
  gboolean ok = body != NULL && soup_message_get_status (msg) == 200;

  if (ok && phase->onion != NULL) {
    guint status = 0;

    ok = sd_onion_response_decode (&phase->onion[index], g_bytes_get_data (body, NULL),
                                   g_bytes_get_size (body), &status, NULL, NULL) &&
         status == 200;
  }
  if (!ok)
    phase->failed++;
  phase->done++;
  if (phase->done == phase->total)
    g_main_loop_quit (phase->loop);
  else
    g_idle_add (issue_cb, phase);
}

static void
issue (Phase *phase)
{
  SoupMessage *msg;

  if (phase->next >= phase->total)
    return;
  msg = soup_message_new ("POST", phase->urls->pdata[phase->next]);
  soup_message_set_request_body_from_bytes (msg, "application/json",
                                            phase->bodies->pdata[phase->next]);
  g_object_set_data (G_OBJECT (msg), "index", GUINT_TO_POINTER (phase->next));
  st_test_prepare_message (msg);
  phase->next++;
  soup_session_send_and_read_async (phase->session, msg, G_PRIORITY_DEFAULT, NULL, on_reply,
                                    phase);
  g_object_unref (msg);
}

static void
run_phase (Phase *phase)
{
  gint64 start, elapsed;

  phase->loop = g_main_loop_new (NULL, FALSE);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < IN_FLIGHT; i++)
    issue (phase);
  g_main_loop_run (phase->loop);
  elapsed = g_get_monotonic_time () - start;
  g_print ("%-36s %6u requests in %6.2f s = %8.0f req/s (%u failed)\n", phase->name, phase->total,
           elapsed / 1e6, phase->total / (elapsed / 1e6), phase->failed);
  g_main_loop_unref (phase->loop);
  g_ptr_array_unref (phase->urls);
  g_ptr_array_unref (phase->bodies);
  if (phase->onion != NULL) {
    for (guint i = 0; i < phase->total; i++)
      sd_onion_request_clear (&phase->onion[i]);
    g_free (phase->onion);
  }
}

static SoupSession *bench_session;

static void
phase_init (Phase *phase, const gchar *name, StTestnet *net, guint total, gboolean onion)
{
  memset (phase, 0, sizeof *phase);
  phase->name = name;
  phase->net = net;
  phase->session = bench_session;
  phase->total = total;
  phase->urls = g_ptr_array_new_with_free_func (g_free);
  phase->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (onion)
    phase->onion = g_new0 (SdOnionRequest, total);
}

static void
fill_node (StTestnet *net, SdOnionNode *out, guint index)
{
  memcpy (out->ed25519_pk, st_testnet_node (net, index)->ed25519, 32);
  memcpy (out->x25519_pk, st_testnet_node (net, index)->x25519, 32);
}

/* request @i: a fresh store (distinct data) or a retrieve of ten messages */
static gchar *
make_rpc (const SdIdentity *id, gboolean store, guint i)
{
  if (store) {
    g_autofree gchar *text = g_strdup_printf ("benchmark message %u %" G_GINT64_FORMAT, i,
                                              g_get_real_time ());
    g_autofree gchar *data = sd_base64_encode ((const guint8 *) text, strlen (text), TRUE);

    return st_test_store_json (id, 0, st_test_now_ms (), 600000, data, FALSE);
  }
  return st_test_retrieve_json (id, 0, st_test_now_ms (), NULL, 0);
}

static void
add_direct (Phase *phase, const SdIdentity *id, GArray *members, gboolean store)
{
  for (guint i = 0; i < phase->total; i++) {
    g_autofree gchar *rpc = make_rpc (id, store, i);
    guint node = g_array_index (members, guint, i % members->len);
    gsize len = strlen (rpc);

    g_ptr_array_add (phase->urls, st_testnet_node_url (phase->net, node, ST_RPC_PATH));
    g_ptr_array_add (phase->bodies, g_bytes_new_take (g_steal_pointer (&rpc), len));
  }
}

static void
add_onion (Phase *phase, const SdIdentity *id, GArray *members, guint64 swarm,
           SdOnionCipher cipher, gboolean store)
{
  g_autoptr(GArray) others = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < phase->net->nodes->len; i++) {
    if (st_testnet_node (phase->net, i)->swarm_id != swarm)
      g_array_append_val (others, i);
  }
  g_assert_cmpuint (others->len, >=, 3);
  for (guint i = 0; i < phase->total; i++) {
    g_autofree gchar *rpc = make_rpc (id, store, i);
    SdOnionNode hops[3];
    SdOnionNode dest;
    guint guard = g_array_index (others, guint, i % others->len);

    fill_node (phase->net, &hops[0], guard);
    fill_node (phase->net, &hops[1], g_array_index (others, guint, (i + 1) % others->len));
    fill_node (phase->net, &hops[2], g_array_index (others, guint, (i + 2) % others->len));
    fill_node (phase->net, &dest, g_array_index (members, guint, i % members->len));
    g_assert_true (sd_onion_request_build (cipher, hops, 3, &dest, rpc, &phase->onion[i], NULL));
    g_ptr_array_add (phase->urls, st_testnet_node_url (phase->net, guard, ST_ONION_PATH));
    g_ptr_array_add (phase->bodies, g_bytes_ref (phase->onion[i].body));
  }
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 2000;
  g_autoptr(GArray) members = NULL;
  SdIdentity writer, reader;
  guint8 raw[33];
  guint64 swarm;
  Phase phase;
  StTestnet *net;

  /* figures appear as each phase ends, even through a pipe */
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_assert_cmpint (sodium_init (), >=, 0);
  if (g_getenv ("SESSION_TESTNET") == NULL) {
    g_printerr ("testnet-bench: set SESSION_TESTNET to the session-testnet binary\n");
    return 1;
  }
  net = st_testnet_start (NULL);
  /* a session of its own: the helper's session is used synchronously */
  bench_session = soup_session_new_with_options ("max-conns", 256, "max-conns-per-host", IN_FLIGHT,
                                                 "timeout", 30, NULL);
  {
    g_autoptr(GTlsDatabase) db = g_tls_file_database_new (net->cert, NULL);

    soup_session_set_tls_database (bench_session, db);
  }

  st_test_identity (&writer, 200);
  st_test_identity (&reader, 201);
  g_assert_true (sd_account_id_parse (writer.session_id, raw, NULL));
  swarm = st_testnet_swarm_for (net, raw);
  members = st_testnet_members (net, swarm);
  /* the reader lives in the same swarm? not needed: give it ten messages */
  {
    guint8 raw2[33];
    g_autoptr(GArray) reader_members = NULL;

    g_assert_true (sd_account_id_parse (reader.session_id, raw2, NULL));
    reader_members = st_testnet_members (net, st_testnet_swarm_for (net, raw2));
    for (guint i = 0; i < 10; i++) {
      g_autofree gchar *rpc = make_rpc (&reader, TRUE, 1000000 + i);

      g_assert_cmpuint (st_testnet_rpc (net, g_array_index (reader_members, guint, 0), rpc, NULL),
                        ==, 200);
    }
    g_print ("session-testnet: %u nodes, %u swarms, HTTPS, %d requests in flight, %u per phase\n",
             net->nodes->len, net->swarm_ids->len, IN_FLIGHT, n);

    phase_init (&phase, "direct store (7-member replication)", net, n, FALSE);
    add_direct (&phase, &writer, members, TRUE);
    run_phase (&phase);

    phase_init (&phase, "direct retrieve (10 messages)", net, n, FALSE);
    add_direct (&phase, &reader, reader_members, FALSE);
    run_phase (&phase);

    phase_init (&phase, "onion store, 3 hops, xchacha20", net, n / 2, TRUE);
    add_onion (&phase, &writer, members, swarm, SD_ONION_CIPHER_XCHACHA20, TRUE);
    run_phase (&phase);

    phase_init (&phase, "onion retrieve, 3 hops, xchacha20", net, n / 2, TRUE);
    add_onion (&phase, &reader, reader_members, st_testnet_swarm_for (net, raw2),
               SD_ONION_CIPHER_XCHACHA20, FALSE);
    run_phase (&phase);

    if (crypto_aead_aes256gcm_is_available ()) {
      phase_init (&phase, "onion retrieve, 3 hops, aes-gcm", net, n / 2, TRUE);
      add_onion (&phase, &reader, reader_members, st_testnet_swarm_for (net, raw2),
                 SD_ONION_CIPHER_AES_GCM, FALSE);
      run_phase (&phase);
    }
  }
  g_object_unref (bench_session);
  st_testnet_stop (net);
  return 0;
}
