/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdKeystore"

#include "sd-keystore.h"

#include <sodium.h>
#include <string.h>

#include "sd-sodium.h"

/* an internal domain: the D-Bus layer turns it into the registered names
 * (KeyringUnavailable, KeyNotFound, ...; see sd-dbus-error.c) */
G_DEFINE_QUARK (sd-keystore-error-quark, sd_keystore_error)

G_DEFINE_INTERFACE (SdKeystore, sd_keystore, G_TYPE_OBJECT)

static void
sd_keystore_default_init (SdKeystoreInterface *iface)
{
  /* sodium_malloc() below needs it */
  sd_sodium_init ();
}

gboolean
sd_keystore_store_sync (SdKeystore *self,
                        const guint8 seed[SD_SEED_LEN],
                        GCancellable *cancellable,
                        GError **error)
{
  SdIdentity identity;
  gboolean ok;

  g_return_val_if_fail (SD_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (seed != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sd_identity_from_seed (&identity, seed);
  ok = SD_KEYSTORE_GET_IFACE (self)->store (self, seed, identity.session_id, cancellable, error);
  sd_identity_clear (&identity);
  return ok;
}

gboolean
sd_keystore_lookup_sync (SdKeystore *self,
                         guint8 seed[SD_SEED_LEN],
                         gchar **session_id,
                         GCancellable *cancellable,
                         GError **error)
{
  g_autofree gchar *id = NULL;
  SdIdentity identity;
  gboolean same;

  g_return_val_if_fail (SD_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (seed != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!SD_KEYSTORE_GET_IFACE (self)->lookup (self, seed, &id, cancellable, error)) {
    sodium_memzero (seed, SD_SEED_LEN);
    return FALSE;
  }

  /* the stored id is only a label; what counts is that it matches the seed,
   * so a swapped or damaged item is caught here rather than on the wire */
  sd_identity_from_seed (&identity, seed);
  same = id != NULL && g_strcmp0 (id, identity.session_id) == 0;
  sd_identity_clear (&identity);
  if (!same) {
    sodium_memzero (seed, SD_SEED_LEN);
    g_set_error_literal (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                         "the stored seed does not match the stored Session ID");
    return FALSE;
  }
  if (session_id != NULL)
    *session_id = g_steal_pointer (&id);
  return TRUE;
}

gboolean
sd_keystore_delete_sync (SdKeystore *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SD_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return SD_KEYSTORE_GET_IFACE (self)->delete (self, cancellable, error);
}

/* async forms: the sync code in a worker thread; seeds cross threads only
 * in guarded, wiped sodium_malloc() memory */

/* source tags: ISO C has no conversion from a function pointer to the
 * gpointer GTask wants, so each call gets a static byte's address */
static gchar store_tag, lookup_tag, delete_tag;

typedef struct {
  guint8 seed[SD_SEED_LEN];
  gchar session_id[SD_SESSION_ID_LEN + 1];
} SecretBox;

static SecretBox *
secret_box_new (GError **error)
{
  SecretBox *box = sodium_malloc (sizeof (SecretBox));

  if (box == NULL) {
    g_set_error_literal (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                         "out of memory for a seed");
    return NULL;
  }
  memset (box, 0, sizeof (SecretBox));
  return box;
}

static void
secret_box_free (gpointer data)
{
  /* sodium_free() wipes before unmapping */
  sodium_free (data);
}

static void
store_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SecretBox *box = task_data;
  GError *error = NULL;

  if (!sd_keystore_store_sync (SD_KEYSTORE (source), box->seed, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_keystore_store_async (SdKeystore *self,
                         const guint8 seed[SD_SEED_LEN],
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SecretBox *box;

  g_return_if_fail (SD_IS_KEYSTORE (self));
  g_return_if_fail (seed != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &store_tag);
  box = secret_box_new (&error);
  if (box == NULL) {
    g_task_return_error (task, error);
    return;
  }
  memcpy (box->seed, seed, SD_SEED_LEN);
  g_task_set_task_data (task, box, secret_box_free);
  g_task_run_in_thread (task, store_thread);
}

gboolean
sd_keystore_store_finish (SdKeystore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &store_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree gchar *session_id = NULL;
  GError *error = NULL;
  SecretBox *box = secret_box_new (&error);

  if (box == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (!sd_keystore_lookup_sync (SD_KEYSTORE (source), box->seed, &session_id, cancellable,
                                &error)) {
    secret_box_free (box);
    g_task_return_error (task, error);
    return;
  }
  g_strlcpy (box->session_id, session_id, sizeof box->session_id);
  g_task_return_pointer (task, box, secret_box_free);
}

void
sd_keystore_lookup_async (SdKeystore *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SD_IS_KEYSTORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &lookup_tag);
  g_task_run_in_thread (task, lookup_thread);
}

gboolean
sd_keystore_lookup_finish (SdKeystore *self,
                           GAsyncResult *result,
                           guint8 seed[SD_SEED_LEN],
                           gchar **session_id,
                           GError **error)
{
  SecretBox *box;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &lookup_tag,
                        FALSE);
  g_return_val_if_fail (seed != NULL, FALSE);

  box = g_task_propagate_pointer (G_TASK (result), error);
  if (box == NULL) {
    sodium_memzero (seed, SD_SEED_LEN);
    return FALSE;
  }
  memcpy (seed, box->seed, SD_SEED_LEN);
  if (session_id != NULL)
    *session_id = g_strdup (box->session_id);
  secret_box_free (box);
  return TRUE;
}

static void
delete_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (!sd_keystore_delete_sync (SD_KEYSTORE (source), cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_keystore_delete_async (SdKeystore *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SD_IS_KEYSTORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &delete_tag);
  g_task_run_in_thread (task, delete_thread);
}

gboolean
sd_keystore_delete_finish (SdKeystore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &delete_tag,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
