/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Onion requests: the cost of building one 3-hop request beside the raw
 * X25519 + AEAD work it contains, measured in this run; then the requests
 * per second the client gets through session-testnet ($SESSION_TESTNET). */
#include <sodium.h>
#include <string.h>

#include "sd-memory-pool-store.h"
#include "sd-network.h"
#include "sd-onion-request.h"
#include "sd-soup-transport.h"
#include "st-test-util.h"

#define RPC "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"timestamp\":1700000000000,\"signature\":\"RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==\"}}"

static SdOnionNode nodes[4];

static void
build_once (SdOnionCipher cipher)
{
  SdOnionRequest request = { 0 };

  if (!sd_onion_request_build (cipher, nodes, 3, &nodes[3], RPC, &request, NULL))
    g_error ("build failed");
  sd_onion_request_clear (&request);
}

/* what building contains at the crypto level: per layer (3 hops and the
 * destination) a fresh key pair, one X25519, one hash and one AEAD
 * encryption of that layer's plaintext */
static void
raw_once (SdOnionCipher cipher)
{
  guint8 pk[32], sk[32], shared[32], key[32], nonce[24];
  gsize len = strlen (RPC) + 8;
  g_autofree guint8 *plain = g_malloc0 (len + 4 * 200);
  g_autofree guint8 *out = g_malloc0 (len + 4 * 200 + 64);

  for (guint layer = 0; layer < 4; layer++) {
    unsigned long long out_len;

    crypto_box_keypair (pk, sk);
    if (crypto_scalarmult (shared, sk, nodes[layer].x25519_pk) != 0)
      g_error ("x25519");
    crypto_generichash (key, 32, shared, 32, NULL, 0);
    randombytes_buf (nonce, sizeof nonce);
    if (cipher == SD_ONION_CIPHER_XCHACHA20)
      crypto_aead_xchacha20poly1305_ietf_encrypt (out, &out_len, plain, len, NULL, 0, NULL, nonce,
                                                  key);
    else
      crypto_aead_aes256gcm_encrypt (out, &out_len, plain, len, NULL, 0, NULL, nonce, key);
    len += 120; /* each outer layer wraps the inner ciphertext and its JSON */
  }
}

static gdouble
rate (void (*fn) (SdOnionCipher), SdOnionCipher cipher, guint n)
{
  gdouble best = 0;

  for (guint round = 0; round < 3; round++) {
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < n; i++)
      fn (cipher);
    best = MAX (best, n / ((g_get_monotonic_time () - start) / 1e6));
  }
  return best;
}

/* ---- through the testnet ---- */

typedef struct {
  SdNetwork *network;
  GPtrArray *nodes;
  guint sent, done, failed, target, in_flight;
} Load;

static gchar *
build_info (const SdSnode *node, gint64 now, gpointer data)
{
  return g_strdup ("{\"method\":\"info\",\"params\":{}}");
}

static guint inflight_limit = 16;
static void send_next (Load *load);

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Load *load = user_data;
  g_autoptr(JsonNode) body = sd_network_node_rpc_finish (SD_NETWORK (source), result, NULL, NULL);

  load->in_flight--;
  if (body == NULL)
    load->failed++;
  load->done++;
  send_next (load);
}

static void
send_next (Load *load)
{
  while (load->sent < load->target && load->in_flight < inflight_limit) {
    SdSnode *dest = g_ptr_array_index (load->nodes, load->sent % load->nodes->len);

    load->sent++;
    load->in_flight++;
    sd_network_node_rpc_async (load->network, dest, build_info, NULL, NULL, NULL, on_reply, load);
  }
}

static void
on_boot (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  if (!sd_network_bootstrap_finish (SD_NETWORK (source), result, NULL))
    g_error ("bootstrap failed");
  *done = TRUE;
}

static void
testnet_rate (SdOnionCipher cipher, StTestnet *testnet)
{
  const gchar *seeds[] = { testnet->seed_url, NULL };
  g_autoptr(SdSoupTransport) transport = sd_soup_transport_new (testnet->cert, NULL);
  g_autoptr(SdPoolStore) store = sd_memory_pool_store_new ();
  g_autoptr(SdNetwork) network = NULL;
  Load load = { 0 };
  gboolean booted = FALSE;
  gint64 start;

  sd_soup_transport_add_seed (transport, testnet->seed_url);
  network = sd_network_new (SD_TRANSPORT (transport), store, seeds, TRUE);
  sd_network_set_cipher (network, cipher);
  sd_network_set_direct (network, g_getenv ("BENCH_DIRECT") != NULL);
  sd_network_bootstrap_async (network, NULL, on_boot, &booted);
  while (!booted)
    g_main_context_iteration (NULL, TRUE);
  load.network = network;
  load.nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  for (guint i = 0; i < testnet->nodes->len; i++) {
    StTestNode *n = st_testnet_node (testnet, i);
    g_autoptr(GError) error = NULL;

    g_ptr_array_add (load.nodes, sd_snode_new (n->ed25519_hex, NULL, n->ip, n->port,
                                               G_MAXUINT64, &error));
  }
  /* warm up: paths and connections */
  load.target = 50;
  send_next (&load);
  while (load.done < load.target)
    g_main_context_iteration (NULL, TRUE);
  load.sent = load.done = load.failed = 0;
  load.target = 1000;
  start = g_get_monotonic_time ();
  send_next (&load);
  while (load.done < load.target)
    g_main_context_iteration (NULL, TRUE);
  g_print ("%-36s %8.0f /s  (%u of %u failed, 16 in flight)\n",
           cipher == SD_ONION_CIPHER_XCHACHA20 ? "testnet: 3-hop info, xchacha20"
                                               : "testnet: 3-hop info, aes-gcm",
           load.done / ((g_get_monotonic_time () - start) / 1e6), load.failed, load.target);
  g_ptr_array_unref (load.nodes);
}

int
main (int argc, char **argv)
{
  g_autoptr(StTestnet) testnet = NULL;

  g_assert_cmpint (sodium_init (), >=, 0);
  for (guint i = 0; i < 4; i++) {
    guint8 sk[32];

    crypto_box_keypair (nodes[i].x25519_pk, sk);
    randombytes_buf (nodes[i].ed25519_pk, 32);
  }
  for (guint c = 0; c < 2; c++) {
    SdOnionCipher cipher = c == 0 ? SD_ONION_CIPHER_XCHACHA20 : SD_ONION_CIPHER_AES_GCM;
    gdouble built = rate (build_once, cipher, 3000);
    gdouble raw = rate (raw_once, cipher, 3000);

    g_print ("%-36s %8.0f /s\n", c == 0 ? "raw x25519+aead, xchacha20 (4 layers)"
                                        : "raw x25519+aead, aes-gcm (4 layers)", raw);
    g_print ("%-36s %8.0f /s  ratio %.2f (cost vs raw)\n",
             c == 0 ? "build 3-hop request, xchacha20" : "build 3-hop request, aes-gcm", built,
             raw / built);
  }
  if (g_getenv ("SESSION_TESTNET") == NULL) {
    g_print ("SESSION_TESTNET not set: skipping the testnet figures\n");
    return 0;
  }
  testnet = st_testnet_start (NULL);
  testnet_rate (SD_ONION_CIPHER_XCHACHA20, testnet);
  testnet_rate (SD_ONION_CIPHER_AES_GCM, testnet);
  return 0;
}
