/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzzer-chosen Content, sealed and signed for real (sd_wire_wrap_bytes from a fixed
 * test sender to the fixed test recipient), so that mutations get past the envelope,
 * the sealed box and the signature that stop fuzz-wire-unwrap, and reach Content
 * parsing, unpadding, sd_ingest's rules and the store's batch (issue 14).
 *
 * Input: one byte, then the Content bytes. Bit 0 of the byte picks the sender: a peer
 * (0) or our own account (1, a sync message, so syncTarget is taken). The envelope time
 * is the Content's sigTimestamp when it has one (the wire refuses a mismatch, which a
 * mutation would almost always make), else a fixed time; the network time is fixed near
 * it, so the same input always takes the same path.
 *
 * Invariants: no crash; the item applied a second time adds no message. */
#include <glib/gstdio.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-ingest.h"
#include "sd-keys.h"
#include "sd-protobuf.h"
#include "sd-storage-rpc.h"
#include "sd-store.h"
#include "sd-wire.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define NODE "aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00"
/* 2023-11-14, and the network's "now" a minute later */
#define FIXED_T G_GUINT64_CONSTANT (1700000000000)
#define NETWORK_NOW_MS ((gint64) FIXED_T + 60000)

static SdStore *store;
static SdIdentity me;
static SdIdentity peer;
static gchar *store_dir;

static void
cleanup (void)
{
  const gchar *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree gchar *path = g_strconcat (store_dir, "/store.sqlite", suffixes[i], NULL);

    g_unlink (path);
  }
  g_rmdir (store_dir);
  g_free (store_dir);
}

static void
setup (void)
{
  guint8 seed[32];
  /* tmpfs when there is one: the store syncs every commit */
  const gchar *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree gchar *dir = g_build_filename (base, "fuzz-ingest-sealed-XXXXXX", NULL);
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;

  if (sodium_init () < 0)
    abort ();
  memset (seed, 0x11, sizeof seed);
  sd_identity_from_seed (&me, seed);
  memset (seed, 0x22, sizeof seed);
  sd_identity_from_seed (&peer, seed);
  if (g_mkdtemp (dir) == NULL)
    abort ();
  path = g_build_filename (dir, "store.sqlite", NULL);
  store = sd_store_open (path, &error);
  if (store == NULL || !sd_store_set_account_id (store, me.session_id, &error))
    g_error ("%s", error->message);
  store_dir = g_steal_pointer (&dir);
  atexit (cleanup);
}

/* the envelope time the wire accepts for @content: its sigTimestamp, if any */
static guint64
envelope_time (const uint8_t *content, size_t size)
{
  SessionProtos__Content *parsed = session_protos__content__unpack (NULL, size, content);
  guint64 t = FIXED_T;

  if (parsed != NULL && parsed->has_sigtimestamp)
    t = parsed->sigtimestamp;
  if (parsed != NULL)
    session_protos__content__free_unpacked (parsed, NULL);
  return t;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);
  g_autoptr(SdStoreChanges) first = NULL;
  g_autoptr(SdStoreChanges) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;
  const SdIdentity *sender;
  SdRetrieveItem *item;
  guint8 digest[32];

  if (store == NULL)
    setup ();
  if (size < 1 || size > SD_WIRE_MAX_DATA / 2)
    return 0;
  sender = (data[0] & 1) ? &me : &peer;
  /* deterministic seal: a crash found once is found again from the same input */
  wire = sd_wire_wrap_bytes (sender, me.x25519_pk, envelope_time (data + 1, size - 1),
                             data + 1, size - 1, SD_WIRE_FLAG_DETERMINISTIC);
  if (wire == NULL)
    return 0;

  /* a 2.8 hash of the input, as a node would name the item */
  crypto_generichash (digest, sizeof digest, data, size, NULL, 0);
  item = g_new0 (SdRetrieveItem, 1);
  item->hash = sd_base64_encode (digest, sizeof digest, FALSE);
  item->data_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                     TRUE);
  item->expiration = NETWORK_NOW_MS + 14 * G_GINT64_CONSTANT (86400000);
  g_ptr_array_add (items, item);

  if (!sd_ingest_messages_at (store, &me, NODE, items, NETWORK_NOW_MS, NULL, NULL, &first,
                              &error))
    return 0;
  if (!sd_ingest_messages_at (store, &me, NODE, items, NETWORK_NOW_MS, NULL, NULL, &second,
                              &error))
    abort ();
  if (second != NULL && second->new_messages != NULL && second->new_messages->len > 0)
    abort ();
  return 0;
}
