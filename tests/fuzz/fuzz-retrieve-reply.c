/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a storage node's answer to the poller's batch [retrieve], as
 * sd-poller.c's on_retrieved reads it ({"results":[{"code":200,"body":
 * {"messages":[{"hash","data","expiration"}..],"more":b}}]}) with
 * sd-storage-rpc's parsers, applied with sd_ingest_messages to a real
 * store: whatever a node sends, the same answer applied twice adds
 * nothing the second time (exactly once). */
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-ingest.h"
#include "sd-keys.h"
#include "sd-storage-rpc.h"
#include "sd-store.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define NODE "aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00"

static SdStore *store;
static SdIdentity identity;
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
  /* the recipient of the wire corpus: seed 2 of the protocol vectors */
  const guint8 seed[32] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                            0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
  /* tmpfs when there is one: the store syncs every commit */
  const gchar *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree gchar *dir = g_build_filename (base, "fuzz-retrieve-XXXXXX", NULL);
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;

  sd_identity_from_seed (&identity, seed);
  if (g_mkdtemp (dir) == NULL)
    abort ();
  path = g_build_filename (dir, "store.sqlite", NULL);
  store = sd_store_open (path, &error);
  if (store == NULL || !sd_store_set_account_id (store, identity.session_id, &error))
    g_error ("%s", error->message);
  store_dir = g_steal_pointer (&dir);
  atexit (cleanup);
}

/* what sd-poller.c's on_retrieved does with an answer */
static GPtrArray *
retrieved_items (JsonNode *root)
{
  JsonNode *body = NULL;
  gint64 code = 0;
  gboolean more = FALSE;

  if (!sd_storage_rpc_batch_result (root, 0, &code, &body) || code != 200)
    return NULL;
  return sd_storage_rpc_parse_retrieve (body, &more, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) root = sd_storage_rpc_parse_body ((const gchar *) data, size);
  g_autoptr(SdStoreChanges) first = NULL;
  g_autoptr(SdStoreChanges) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  if (store == NULL)
    setup ();
  if ((items = retrieved_items (root)) == NULL)
    return 0;
  if (!sd_ingest_messages (store, &identity, NODE, items, NULL, NULL, &first, &error))
    return 0;
  if (!sd_ingest_messages (store, &identity, NODE, items, NULL, NULL, &second, &error))
    abort ();
  if (second != NULL && second->new_messages != NULL && second->new_messages->len > 0)
    abort ();
  return 0;
}
