/* SPDX-License-Identifier: GPL-3.0-or-later */
/* issue 16: a 10 MB attachment. The legacy scheme's cipher work (nettle AES-256-CBC, libsodium
 * HMAC-SHA256 and SHA-256 over the same bytes, measured here) against our encrypt and decrypt,
 * then encrypt + upload and download + decrypt through 3-hop onion requests v4 to the testnet's
 * file server, as ratios to that raw work; and the peak RSS as a multiple of the file */
#include "config.h"

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <sodium.h>
#include <string.h>
#include <sys/resource.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-pointer.h"
#include "sd-file-server.h"
#include "sd-memory-pool-store.h"
#include "sd-soup-transport.h"
#include "st-test-util.h"

#define SIZE 10000000
#define ROUNDS 5

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static glong
peak_rss_kb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/* the legacy scheme's cipher work alone: pad, CBC, HMAC over IV ‖ ct, SHA-256 of the blob */
static gdouble
raw_encrypt (const guint8 *plain, gsize len, guint8 *out, gsize padded)
{
  struct CBC_CTX (struct aes256_ctx, AES_BLOCK_SIZE) ctx;
  guint8 key[32], mac_key[32], iv[16], tag[32], digest[32];
  gdouble start = now_s ();

  randombytes_buf (key, sizeof key);
  randombytes_buf (mac_key, sizeof mac_key);
  randombytes_buf (iv, sizeof iv);
  memcpy (out + 16, plain, len);
  memset (out + 16 + len, 0, padded - len);
  memcpy (out, iv, 16);
  aes256_set_encrypt_key (&ctx.ctx, key);
  CBC_SET_IV (&ctx, iv);
  CBC_ENCRYPT (&ctx, aes256_encrypt, padded, out + 16, out + 16);
  crypto_auth_hmacsha256 (tag, out, padded + 16, mac_key);
  memcpy (out + 16 + padded, tag, 32);
  crypto_hash_sha256 (digest, out, padded + 48);
  return now_s () - start;
}

static gdouble
raw_decrypt (guint8 *blob, gsize padded)
{
  struct CBC_CTX (struct aes256_ctx, AES_BLOCK_SIZE) ctx;
  guint8 key[32], mac_key[32], tag[32], digest[32];
  gdouble start = now_s ();

  randombytes_buf (key, sizeof key);
  randombytes_buf (mac_key, sizeof mac_key);
  crypto_hash_sha256 (digest, blob, padded + 48);
  crypto_auth_hmacsha256 (tag, blob, padded + 16, mac_key);
  aes256_set_decrypt_key (&ctx.ctx, key);
  CBC_SET_IV (&ctx, blob);
  CBC_DECRYPT (&ctx, aes256_decrypt, padded, blob + 16, blob + 16);
  return now_s () - start;
}

typedef struct {
  gchar *url;
  GBytes *bytes;
  GError *error;
  gboolean done;
} Wait;

static void
on_upload (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->url = sd_file_server_upload_finish (SD_FILE_SERVER (source), result, &w->error);
  w->done = TRUE;
}

static void
on_download (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->bytes = sd_file_server_download_finish (SD_FILE_SERVER (source), result, &w->error);
  w->done = TRUE;
}

static void
on_boot (GObject *source, GAsyncResult *result, gpointer user_data)
{
  if (!sd_network_bootstrap_finish (SD_NETWORK (source), result, NULL))
    g_error ("bootstrap failed");
  *(gboolean *) user_data = TRUE;
}

static void
wait_done (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
  if (w->error != NULL)
    g_error ("transfer failed: %s", w->error->message);
}

static void
over_testnet (const guint8 *plain, gdouble raw_enc, gdouble raw_dec)
{
  g_autoptr(StTestnet) testnet = st_testnet_start (NULL);
  const gchar *seeds[] = { testnet->seed_url, NULL };
  g_autoptr(SdSoupTransport) transport = sd_soup_transport_new (testnet->cert, NULL);
  g_autoptr(SdPoolStore) store = sd_memory_pool_store_new ();
  g_autoptr(SdNetwork) network = NULL;
  g_autoptr(SdFileServer) fs = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *info;
  gboolean booted = FALSE;
  gdouble best_up = G_MAXDOUBLE, best_down = G_MAXDOUBLE;
  glong rss_before;

  g_assert_true (json_parser_load_from_file (parser, testnet->json_path, NULL));
  info = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                        "file_server");
  sd_soup_transport_add_seed (transport, testnet->seed_url);
  network = sd_network_new (SD_TRANSPORT (transport), store, seeds, TRUE);
  sd_network_bootstrap_async (network, NULL, on_boot, &booted);
  while (!booted)
    g_main_context_iteration (NULL, TRUE);
  fs = sd_file_server_new (network, json_object_get_string_member (info, "url"),
                           json_object_get_string_member (info, "pubkey_x25519"), NULL);
  g_assert_nonnull (fs);
  rss_before = peak_rss_kb ();
  for (guint round = 0; round < 3; round++) {
    guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN], digest[SD_ATTACHMENT_DIGEST_LEN];
    g_autoptr(GBytes) blob = NULL, plain_again = NULL;
    Wait up = { 0 }, down = { 0 };
    SdAttachmentPointer pointer = { 0 };
    gdouble start = now_s ();

    blob = sd_attachment_legacy_encrypt (plain, SIZE, key, digest, NULL);
    sd_file_server_upload_async (fs, blob, NULL, on_upload, &up);
    wait_done (&up);
    best_up = MIN (best_up, now_s () - start);
    g_clear_pointer (&blob, g_bytes_unref);

    pointer.url = up.url;
    pointer.key = g_bytes_new (key, sizeof key);
    pointer.digest = g_bytes_new (digest, sizeof digest);
    pointer.scheme = SD_ATTACHMENT_SCHEME_LEGACY;
    pointer.size = SIZE;
    start = now_s ();
    sd_file_server_download_async (fs, &pointer, SD_ATTACHMENT_LEGACY_MAX_BLOB, NULL,
                                   on_download, &down);
    wait_done (&down);
    plain_again = sd_attachment_legacy_decrypt (g_bytes_get_data (down.bytes, NULL),
                                                g_bytes_get_size (down.bytes), key, sizeof key,
                                                digest, sizeof digest, SIZE, NULL);
    best_down = MIN (best_down, now_s () - start);
    g_assert_nonnull (plain_again);
    g_assert_cmpmem (g_bytes_get_data (plain_again, NULL), SIZE, plain, SIZE);
    g_bytes_unref (pointer.key);
    g_bytes_unref (pointer.digest);
    g_bytes_unref (down.bytes);
    g_free (up.url);
  }
  g_print ("%-44s %8.1f ms  ratio %.1f\n", "encrypt + upload, 3-hop onion v4", best_up * 1e3,
           best_up / raw_enc);
  g_print ("%-44s %8.1f ms  ratio %.1f\n", "download + decrypt, 3-hop onion v4",
           best_down * 1e3, best_down / raw_dec);
  /* before: the plaintext, the raw-work buffer and the encrypt/decrypt rounds' peak */
  g_print ("%-44s %8.1f MB  (%.1f MB before the transfers: they added %.1fx the file)\n",
           "peak RSS", peak_rss_kb () / 1024.0, rss_before / 1024.0,
           (peak_rss_kb () - rss_before) * 1024.0 / SIZE);
}

int
main (int argc, char **argv)
{
  g_autofree guint8 *plain = g_malloc (SIZE);
  gsize padded = sd_attachment_legacy_padded_size (SIZE) + 16; /* a full PKCS#7 block */
  g_autofree guint8 *work = g_malloc (padded + 48);
  gdouble raw_enc = G_MAXDOUBLE, raw_dec = G_MAXDOUBLE, enc = G_MAXDOUBLE, dec = G_MAXDOUBLE;

  g_assert_cmpint (sodium_init (), >=, 0);
  randombytes_buf (plain, SIZE);
  g_print ("10,000,000-byte attachment, legacy scheme (best of %d)\n", ROUNDS);
  for (guint i = 0; i < ROUNDS; i++) {
    guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN], digest[SD_ATTACHMENT_DIGEST_LEN];
    g_autoptr(GBytes) blob = NULL, again = NULL;
    gdouble start;

    raw_enc = MIN (raw_enc, raw_encrypt (plain, SIZE, work, padded));
    raw_dec = MIN (raw_dec, raw_decrypt (work, padded));
    start = now_s ();
    blob = sd_attachment_legacy_encrypt (plain, SIZE, key, digest, NULL);
    enc = MIN (enc, now_s () - start);
    start = now_s ();
    again = sd_attachment_legacy_decrypt (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                          key, sizeof key, digest, sizeof digest, SIZE, NULL);
    dec = MIN (dec, now_s () - start);
    g_assert_nonnull (again);
  }
  g_print ("%-44s %8.1f ms\n", "raw: AES-256-CBC + HMAC + SHA-256, encrypt", raw_enc * 1e3);
  g_print ("%-44s %8.1f ms\n", "raw: SHA-256 + HMAC + AES-256-CBC, decrypt", raw_dec * 1e3);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "sd_attachment_legacy_encrypt", enc * 1e3,
           enc / raw_enc);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "sd_attachment_legacy_decrypt", dec * 1e3,
           dec / raw_dec);
  if (g_getenv ("SESSION_TESTNET") == NULL) {
    g_print ("SESSION_TESTNET not set: skipping the transfers\n");
    return 0;
  }
  over_testnet (plain, raw_enc, raw_dec);
  return 0;
}
