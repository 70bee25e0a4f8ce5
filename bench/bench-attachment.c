/* SPDX-License-Identifier: GPL-3.0-or-later */
/* issue 16: a 10 MB attachment. The legacy scheme's cipher work (nettle AES-256-CBC, libsodium
 * HMAC-SHA256 and SHA-256 over the same bytes, measured here) against our encrypt and decrypt,
 * then encrypt + upload and download + decrypt through 3-hop onion requests v4 to the testnet's
 * file server the way the daemon does them (the file read and encrypted straight into the
 * onion request; the reply decrypted in place and the file decrypted to a sink in pieces), as
 * ratios to that raw work and to the raw work plus the onion layers' AEAD; wall time and this
 * process's CPU time (the testnet's relays and file server run in other processes on the same
 * cores); and the memory the transfers add, as a multiple of the file. Each transfer runs
 * BENCH_ROUNDS times (5), a new file each round, with the raw references measured again
 * between the transfers; the transfers' CPU ratios are shown best, median and worst */
#include "config.h"

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <malloc.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-pointer.h"
#include "sd-file-server.h"
#include "sd-memory-pool-store.h"
#include "sd-onion-crypto.h"
#include "sd-soup-transport.h"
#include "st-test-util.h"

#define SIZE 10000000
#define ROUNDS 5

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU time of this process (all its threads): on a shared machine, wall time also counts
 * the time others had the cores */
static gdouble
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the raw work's best wall and CPU times */
typedef struct {
  gdouble wall, cpu;
} Raw;

/* VmRSS or VmHWM of /proc/self/status, kB */
static glong
status_kb (const gchar *field)
{
  g_autofree gchar *text = NULL;
  const gchar *at;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) ||
      (at = strstr (text, field)) == NULL)
    return -1;
  return strtol (at + strlen (field) + 1, NULL, 10);
}

/* the high-water mark starts again from what is resident now (Linux ≥ 4.0) */
static gboolean
reset_peak (void)
{
  FILE *f;
  gboolean ok;

  /* what the last transfer left to idle callbacks is freed first */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  malloc_trim (0);
  /* written in place: g_file_set_contents would replace the file */
  f = fopen ("/proc/self/clear_refs", "w");
  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;
  return fclose (f) == 0 && ok;
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

/* as sd-attachments.c fills an upload: the file copied where the blob goes (the daemon reads
 * it there from its file), then sealed in place */
typedef struct {
  const guint8 *plain;
  guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN];
  guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN];
  guint8 digest[SD_ATTACHMENT_DIGEST_LEN];
} Fill;

static gboolean
fill_upload (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  Fill *fill = user_data;

  g_assert_cmpuint (len, ==, sd_attachment_legacy_blob_size (SIZE));
  memcpy (dst + SD_ATTACHMENT_LEGACY_IV_LEN, fill->plain, SIZE);
  return sd_attachment_legacy_seal_in_place (fill->key, fill->iv, dst, SIZE, fill->digest, error);
}

/* where the daemon writes the file, this compares it with the original */
typedef struct {
  const guint8 *plain;
  gsize at;
} Check;

static gboolean
check_piece (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  Check *check = user_data;

  g_assert_cmpuint (check->at + len, <=, SIZE);
  g_assert_true (memcmp (check->plain + check->at, data, len) == 0);
  check->at += len;
  return TRUE;
}

/* the onion layers' AEAD the client does: four layers sealed over an upload (@layers 4), one
 * opened over a download (@layers 0: v4 replies are sealed once, by the server) */
static Raw
raw_onion (SdOnionCipher cipher, guint8 *buf, gsize len, guint layers)
{
  guint8 key[SD_ONION_KEY_LEN];
  gsize nonce_len, tag_len, plain_off, plain_len;
  Raw raw;
  gdouble start, cpu;

  sd_onion_cipher_overhead (cipher, &nonce_len, &tag_len);
  randombytes_buf (key, sizeof key);
  if (layers == 0) {
    g_assert_true (sd_onion_encrypt_in_place (cipher, key, buf, len, NULL));
    start = now_s ();
    cpu = cpu_s ();
    g_assert_true (sd_onion_decrypt_in_place (cipher, key, buf, nonce_len + len + tag_len,
                                              &plain_off, &plain_len, NULL));
  } else {
    start = now_s ();
    cpu = cpu_s ();
    for (guint i = 0; i < layers; i++)
      g_assert_true (sd_onion_encrypt_in_place (cipher, key, buf, len, NULL));
  }
  raw.wall = now_s () - start;
  raw.cpu = cpu_s () - cpu;
  return raw;
}

/* CPU figures of the transfer rounds, sorted: the best and the median are printed */
static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
median (gdouble *values, guint n)
{
  qsort (values, n, sizeof *values, cmp_double);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* @cpu: each round's CPU time of the transfer (sorted here); @raw and @onion: the best raw
 * references over the whole run */
static void
print_cost (const gchar *what, gdouble *wall, gdouble *cpu, guint n, glong added_kb,
            const Raw *raw, const Raw *onion)
{
  gdouble wall_med = median (wall, n), cpu_med = median (cpu, n);
  gdouble ref = raw->cpu + onion->cpu;

  g_print ("%-44s %8.1f ms  ratio %.2f (to raw + onion AEAD %.2f), wall, median of %u\n", what,
           wall_med * 1e3, wall_med / raw->wall, wall_med / (raw->wall + onion->wall), n);
  g_print ("%-44s %8.1f ms  ratio %.2f (to raw + onion AEAD %.2f)\n",
           "  CPU time of this process, best", cpu[0] * 1e3, cpu[0] / raw->cpu, cpu[0] / ref);
  g_print ("%-44s %8.1f ms  ratio %.2f (to raw + onion AEAD %.2f)\n",
           "  CPU time of this process, median", cpu_med * 1e3, cpu_med / raw->cpu,
           cpu_med / ref);
  g_print ("%-44s %8.1f ms  ratio %.2f (to raw + onion AEAD %.2f)\n",
           "  CPU time of this process, worst", cpu[n - 1] * 1e3, cpu[n - 1] / raw->cpu,
           cpu[n - 1] / ref);
  g_print ("%-44s %8.1f MB  %.2fx the file\n", "  memory added at its peak (worst)",
           added_kb / 1024.0, added_kb * 1024.0 / SIZE);
}

static void
keep_best (Raw *best, Raw again)
{
  best->wall = MIN (best->wall, again.wall);
  best->cpu = MIN (best->cpu, again.cpu);
}

/* the legacy scheme's raw work in CPU and wall time */
static Raw
raw_encrypt_timed (const guint8 *plain, guint8 *work, gsize padded)
{
  gdouble cpu = cpu_s ();
  Raw raw;

  raw.wall = raw_encrypt (plain, SIZE, work, padded);
  raw.cpu = cpu_s () - cpu;
  return raw;
}

static Raw
raw_decrypt_timed (guint8 *work, gsize padded)
{
  gdouble cpu = cpu_s ();
  Raw raw;

  raw.wall = raw_decrypt (work, padded);
  raw.cpu = cpu_s () - cpu;
  return raw;
}

/* each transfer @rounds times, fresh content each round (a new file and key: the server and
 * the caches see new bytes), with the raw references measured again just before it, so the
 * reference and the transfer see the same state of the shared machine; the raw figures are
 * the best over the whole run, the transfers are shown best, median and worst */
static void
over_testnet (guint8 *plain, Raw *raw_enc, Raw *raw_dec, guint rounds)
{
  g_autoptr(StTestnet) testnet = st_testnet_start (NULL);
  const gchar *seeds[] = { testnet->seed_url, NULL };
  g_autoptr(SdSoupTransport) transport = sd_soup_transport_new (testnet->cert, NULL);
  g_autoptr(SdPoolStore) store = sd_memory_pool_store_new ();
  g_autoptr(SdNetwork) network = NULL;
  g_autoptr(SdFileServer) fs = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize blob_size = sd_attachment_legacy_blob_size (SIZE);
  gsize padded = sd_attachment_legacy_padded_size (SIZE) + 16; /* a full PKCS#7 block */
  /* the raw references' buffers, kept across the rounds (warm, as in the first part) */
  g_autofree guint8 *work = g_malloc (MAX (blob_size + 4096, padded + 48));
  g_autofree gdouble *up_wall = g_new (gdouble, rounds), *up_cpu = g_new (gdouble, rounds);
  g_autofree gdouble *down_wall = g_new (gdouble, rounds), *down_cpu = g_new (gdouble, rounds);
  JsonObject *info;
  gboolean booted = FALSE;
  Raw onion_up = { G_MAXDOUBLE, G_MAXDOUBLE }, onion_down = onion_up;
  glong up_added = 0, down_added = 0;
  gboolean raw_between = g_getenv ("BENCH_TRANSFERS_ONLY") == NULL;

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

  /* the network's default onion cipher (xchacha20), over the blob and the bencoded framing */
  for (guint i = 0; raw_between && i < ROUNDS; i++) {
    keep_best (&onion_up, raw_onion (SD_ONION_CIPHER_XCHACHA20, work, blob_size, 4));
    keep_best (&onion_down, raw_onion (SD_ONION_CIPHER_XCHACHA20, work, blob_size, 0));
  }
  /* beside it, the other cipher a request may name (AES-NI through libsodium, else nettle) */
  {
    Raw gcm_up = { G_MAXDOUBLE, G_MAXDOUBLE };

    for (guint i = 0; raw_between && i < ROUNDS; i++)
      keep_best (&gcm_up, raw_onion (SD_ONION_CIPHER_AES_GCM, work, blob_size, 4));
    g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw: 4 onion layers sealed (aes-gcm)",
             gcm_up.wall * 1e3, gcm_up.cpu * 1e3);
  }

  for (guint round = 0; round < rounds; round++) {
    Fill fill = { .plain = plain };
    Check check = { .plain = plain, .at = 0 };
    Wait up = { 0 }, down = { 0 };
    SdAttachmentPointer pointer = { 0 };
    guint8 seed[randombytes_SEEDBYTES];
    glong resident;
    gdouble start, cpu;

    /* a new file each round: nothing of the last one is in a cache or on the server */
    randombytes_buf (seed, sizeof seed);
    randombytes_buf_deterministic (plain, SIZE, seed);
    randombytes_buf (fill.key, sizeof fill.key);
    randombytes_buf (fill.iv, sizeof fill.iv);
    if (raw_between) {
      keep_best (raw_enc, raw_encrypt_timed (plain, work, padded));
      keep_best (&onion_up, raw_onion (SD_ONION_CIPHER_XCHACHA20, work, blob_size, 4));
    }
    reset_peak ();
    resident = status_kb ("VmRSS:");
    start = now_s ();
    cpu = cpu_s ();
    sd_file_server_upload_filled_async (fs, blob_size, fill_upload, &fill, NULL, NULL, NULL,
                                        NULL, on_upload, &up);
    wait_done (&up);
    up_wall[round] = now_s () - start;
    up_cpu[round] = cpu_s () - cpu;
    if (g_getenv ("BENCH_VERBOSE") != NULL)
      g_print ("round %u: upload %.1f ms CPU\n", round, up_cpu[round] * 1e3);
    up_added = MAX (up_added, status_kb ("VmHWM:") - resident);

    if (raw_between) {
      keep_best (raw_enc, raw_encrypt_timed (plain, work, padded));
      keep_best (raw_dec, raw_decrypt_timed (work, padded));
      keep_best (&onion_down, raw_onion (SD_ONION_CIPHER_XCHACHA20, work, blob_size, 0));
    }
    pointer.url = up.url;
    pointer.key = g_bytes_new (fill.key, sizeof fill.key);
    pointer.digest = g_bytes_new (fill.digest, sizeof fill.digest);
    pointer.scheme = SD_ATTACHMENT_SCHEME_LEGACY;
    pointer.size = SIZE;
    reset_peak ();
    resident = status_kb ("VmRSS:");
    start = now_s ();
    cpu = cpu_s ();
    sd_file_server_download_async (fs, &pointer, SD_ATTACHMENT_LEGACY_MAX_BLOB, NULL, NULL,
                                   NULL, on_download, &down);
    wait_done (&down);
    g_assert_true (sd_attachment_legacy_decrypt_to (g_bytes_get_data (down.bytes, NULL),
                                                    g_bytes_get_size (down.bytes), fill.key,
                                                    sizeof fill.key, fill.digest,
                                                    sizeof fill.digest, SIZE, check_piece,
                                                    &check, NULL));
    g_clear_pointer (&down.bytes, g_bytes_unref);
    down_wall[round] = now_s () - start;
    down_cpu[round] = cpu_s () - cpu;
    if (g_getenv ("BENCH_VERBOSE") != NULL)
      g_print ("round %u: download %.1f ms CPU\n", round, down_cpu[round] * 1e3);
    down_added = MAX (down_added, status_kb ("VmHWM:") - resident);
    g_assert_cmpuint (check.at, ==, SIZE);
    g_bytes_unref (pointer.key);
    g_bytes_unref (pointer.digest);
    g_free (up.url);
  }
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw: 4 onion layers sealed (xchacha20)",
           onion_up.wall * 1e3, onion_up.cpu * 1e3);
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw: 1 onion layer opened (xchacha20)",
           onion_down.wall * 1e3, onion_down.cpu * 1e3);
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw encrypt, best of the whole run",
           raw_enc->wall * 1e3, raw_enc->cpu * 1e3);
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw decrypt, best of the whole run",
           raw_dec->wall * 1e3, raw_dec->cpu * 1e3);
  print_cost ("encrypt + upload, 3-hop onion v4", up_wall, up_cpu, rounds, up_added, raw_enc,
              &onion_up);
  print_cost ("download + decrypt, 3-hop onion v4", down_wall, down_cpu, rounds, down_added,
              raw_dec, &onion_down);
}

int
main (int argc, char **argv)
{
  g_autofree guint8 *plain = g_malloc (SIZE);
  gsize padded = sd_attachment_legacy_padded_size (SIZE) + 16; /* a full PKCS#7 block */
  g_autofree guint8 *work = g_malloc (padded + 48);
  gdouble raw_enc = G_MAXDOUBLE, raw_dec = G_MAXDOUBLE, enc = G_MAXDOUBLE, dec = G_MAXDOUBLE;
  Raw enc_raw = { G_MAXDOUBLE, G_MAXDOUBLE }, dec_raw = enc_raw;
  gdouble seal = G_MAXDOUBLE, stream = G_MAXDOUBLE;
  guint first_rounds;
  g_autofree guint8 *blob_buf = g_malloc (sd_attachment_legacy_blob_size (SIZE));

  g_assert_cmpint (sodium_init (), >=, 0);
  /* large blocks are mapped and unmapped each time, in every thread's arena: what a transfer
   * holds shows in the resident size, not hidden in memory an earlier round left to malloc */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
  randombytes_buf (plain, SIZE);
  /* BENCH_TRANSFERS_ONLY (for a profile): no raw work at all, only the transfers' CPU times */
  first_rounds = g_getenv ("BENCH_TRANSFERS_ONLY") != NULL ? 0 : ROUNDS;
  g_print ("10,000,000-byte attachment, legacy scheme (best of %u)\n", first_rounds);
  for (guint i = 0; i < first_rounds; i++) {
    guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN], digest[SD_ATTACHMENT_DIGEST_LEN];
    g_autoptr(GBytes) blob = NULL, again = NULL;
    gdouble start;

    start = cpu_s ();
    raw_enc = MIN (raw_enc, raw_encrypt (plain, SIZE, work, padded));
    enc_raw.cpu = MIN (enc_raw.cpu, cpu_s () - start);
    start = cpu_s ();
    raw_dec = MIN (raw_dec, raw_decrypt (work, padded));
    dec_raw.cpu = MIN (dec_raw.cpu, cpu_s () - start);
    start = now_s ();
    blob = sd_attachment_legacy_encrypt (plain, SIZE, key, digest, NULL);
    enc = MIN (enc, now_s () - start);
    start = now_s ();
    again = sd_attachment_legacy_decrypt (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                          key, sizeof key, digest, sizeof digest, SIZE, NULL);
    dec = MIN (dec, now_s () - start);
    g_assert_nonnull (again);

    /* what uploads and downloads do: the file copied into place and sealed there; the blob
     * decrypted to a sink in pieces */
    {
      guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN];
      Check check = { .plain = plain, .at = 0 };

      randombytes_buf (iv, sizeof iv);
      start = now_s ();
      memcpy (blob_buf + SD_ATTACHMENT_LEGACY_IV_LEN, plain, SIZE);
      g_assert_true (sd_attachment_legacy_seal_in_place (key, iv, blob_buf, SIZE, digest, NULL));
      seal = MIN (seal, now_s () - start);
      start = now_s ();
      g_assert_true (sd_attachment_legacy_decrypt_to (blob_buf,
                                                      sd_attachment_legacy_blob_size (SIZE), key,
                                                      sizeof key, digest, sizeof digest, SIZE,
                                                      check_piece, &check, NULL));
      stream = MIN (stream, now_s () - start);
    }
  }
  enc_raw.wall = raw_enc;
  dec_raw.wall = raw_dec;
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw: AES-256-CBC + HMAC + SHA-256, encrypt",
           raw_enc * 1e3, enc_raw.cpu * 1e3);
  g_print ("%-44s %8.1f ms  CPU %.1f ms\n", "raw: SHA-256 + HMAC + AES-256-CBC, decrypt",
           raw_dec * 1e3, dec_raw.cpu * 1e3);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "sd_attachment_legacy_encrypt", enc * 1e3,
           enc / raw_enc);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "sd_attachment_legacy_decrypt", dec * 1e3,
           dec / raw_dec);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "copy in + sd_attachment_legacy_seal_in_place",
           seal * 1e3, seal / raw_enc);
  g_print ("%-44s %8.1f ms  ratio %.2f\n", "sd_attachment_legacy_decrypt_to (compared)",
           stream * 1e3, stream / raw_dec);
  g_clear_pointer (&blob_buf, g_free);
  if (g_getenv ("SESSION_TESTNET") == NULL) {
    g_print ("SESSION_TESTNET not set: skipping the transfers\n");
    return 0;
  }
  {
    const gchar *env = g_getenv ("BENCH_ROUNDS");
    guint rounds = env != NULL ? (guint) CLAMP (g_ascii_strtoull (env, NULL, 10), 1, 100) : 5;

    over_testnet (plain, &enc_raw, &dec_raw, rounds);
  }
  return 0;
}
