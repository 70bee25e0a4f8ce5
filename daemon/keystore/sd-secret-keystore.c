/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSecretKeystore"

#include "sd-secret-keystore.h"

#include <string.h>

/* how long asking the bus whether a Secret Service runs may take; the bus
 * daemon answers at once, this only guards against a wedged bus */
#define NAME_CHECK_TIMEOUT_MS 5000

struct _SdSecretKeystore {
  GObject parent_instance;

  gchar *data_dir;         /* (owned) canonical, the "data-dir" attribute */
  GMutex lock;             /* guards service */
  GMutex store_lock;       /* makes "is there one? no: store" atomic in-process */
  SecretService *service;  /* (owned) (nullable) opened on first use */
};

static void sd_secret_keystore_iface_init (SdKeystoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdSecretKeystore, sd_secret_keystore, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_KEYSTORE,
                                                      sd_secret_keystore_iface_init))

/* libsecret 0.20.5 (and its main branch as of 2026) mishandles a prompt
 * that ends without a result: when the Secret Service vanishes during the
 * prompt (the keyring crashes or is restarted) or the result has another
 * type than asked for, secret_prompt_perform_finish () returns NULL without
 * an error, and the default prompt_async passes that NULL error to
 * g_task_return_error (): a CRITICAL, and the task never completes, so the
 * _sync call waiting on it would hang the daemon for good. This subclass only
 * replaces the prompt handling: a prompt that ends without a usable result
 * becomes SECRET_ERROR_IS_LOCKED, which callers see as KeyringUnavailable. */
#define SD_TYPE_SECRET_SERVICE (sd_secret_service_get_type ())
G_DECLARE_FINAL_TYPE (SdSecretService, sd_secret_service, SD, SECRET_SERVICE, SecretService)

struct _SdSecretService {
  SecretService parent_instance;
};

G_DEFINE_FINAL_TYPE (SdSecretService, sd_secret_service, SECRET_TYPE_SERVICE)

/* @retval (transfer full) (nullable): what the prompt completed with;
 * NULL with no error set means dismissed */
static GVariant *
prompt_result (GVariant *retval, const GVariantType *return_type, GError **error)
{
  if (retval != NULL && (return_type == NULL || g_variant_is_of_type (retval, return_type)))
    return retval;
  if (retval != NULL)
    g_variant_unref (retval);
  g_debug ("a keyring prompt ended without a result (dismissed, or nobody could see it)");
  g_set_error_literal (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED,
                       "the keyring's unlock prompt was dismissed or could not be shown");
  return NULL;
}

static GVariant *
sd_secret_service_prompt_sync (SecretService *service,
                               SecretPrompt *prompt,
                               GCancellable *cancellable,
                               const GVariantType *return_type,
                               GError **error)
{
  GError *local_error = NULL;
  GVariant *retval;

  /* no type passed down: perform_finish would only warn about it */
  retval = secret_prompt_perform_sync (prompt, NULL, cancellable, NULL, &local_error);
  if (local_error != NULL) {
    g_propagate_error (error, local_error);
    return NULL;
  }
  return prompt_result (retval, return_type, error);
}

static void
on_prompt_performed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const GVariantType *return_type = g_task_get_task_data (task);
  GError *error = NULL;
  GVariant *retval;

  retval = secret_prompt_perform_finish (SECRET_PROMPT (source), result, &error);
  if (error == NULL)
    retval = prompt_result (retval, return_type, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, retval, (GDestroyNotify) g_variant_unref);
}

static void
sd_secret_service_prompt_async (SecretService *service,
                                SecretPrompt *prompt,
                                const GVariantType *return_type,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  if (return_type != NULL)
    g_task_set_task_data (task, g_variant_type_copy (return_type),
                          (GDestroyNotify) g_variant_type_free);
  secret_prompt_perform (prompt, 0, NULL, cancellable, on_prompt_performed, task);
}

static GVariant *
sd_secret_service_prompt_finish (SecretService *service, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sd_secret_service_class_init (SdSecretServiceClass *klass)
{
  SecretServiceClass *service_class = SECRET_SERVICE_CLASS (klass);

  service_class->prompt_sync = sd_secret_service_prompt_sync;
  service_class->prompt_async = sd_secret_service_prompt_async;
  service_class->prompt_finish = sd_secret_service_prompt_finish;
}

static void
sd_secret_service_init (SdSecretService *self)
{
}

static const SecretSchema account_schema = {
  .name = SD_SECRET_SCHEMA_NAME,
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { .name = "session-id", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = "data-dir", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = NULL, .type = 0 },
  },
};

const SecretSchema *
sd_secret_keystore_get_schema (void)
{
  return &account_schema;
}

static const gchar *
secret_bus_name (void)
{
  /* libsecret honours the same variable when it builds its proxy */
  const gchar *name = g_getenv ("SECRET_SERVICE_BUS_NAME");

  return name != NULL && *name != '\0' ? name : "org.freedesktop.secrets";
}

/* the service, opened if need be; a new reference so that another thread
 * may drop the cached one meanwhile */
static SecretService *
ensure_service (SdSecretKeystore *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar *name = secret_bus_name ();
  gboolean owned = FALSE;

  if (self->service != NULL &&
      !g_dbus_connection_is_closed (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->service))))
    return g_object_ref (self->service);
  g_clear_object (&self->service);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &local_error);
  if (bus == NULL) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "no session bus to reach a Secret Service: %s", local_error->message);
    return NULL;
  }

  /* never D-Bus-activate one: a keyring started that way on a headless host
   * has no unlocked collection and would wait for a prompt nobody sees */
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, NAME_CHECK_TIMEOUT_MS,
                                       cancellable, &local_error);
  if (reply == NULL) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "cannot ask the session bus for a Secret Service: %s", local_error->message);
    return NULL;
  }
  g_variant_get (reply, "(b)", &owned);
  if (!owned) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "no Secret Service is running (nothing owns %s on the session bus)", name);
    return NULL;
  }

  self->service = secret_service_open_sync (SD_TYPE_SECRET_SERVICE, NULL,
                                            SECRET_SERVICE_OPEN_SESSION, cancellable,
                                            &local_error);
  if (self->service == NULL) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "cannot open a session with the Secret Service: %s", local_error->message);
    return NULL;
  }
  g_debug ("opened a Secret Service session (%s)",
           secret_service_get_session_algorithms (self->service));
  return g_object_ref (self->service);
}

static void
forget_service (SdSecretKeystore *self, SecretService *service)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  /* the next call opens a fresh one: the keyring may have restarted, and
   * our session died with it */
  if (self->service == service)
    g_clear_object (&self->service);
}

static gboolean
is_unavailable_error (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
         g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
         g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT);
}

/* turns what libsecret or GDBus said into our domain */
static void
set_error_from_service (SdSecretKeystore *self,
                        SecretService *service,
                        GError *local_error,
                        GCancellable *cancellable,
                        const gchar *doing,
                        GError **error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    if (g_cancellable_is_cancelled (cancellable)) {
      g_propagate_error (error, g_error_copy (local_error));
      return;
    }
    /* libsecret reports a dismissed unlock prompt as a cancellation; on a
     * headless host that is how a locked keyring looks */
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "cannot %s: the keyring is locked and was not unlocked", doing);
    return;
  }
  forget_service (self, service);
  if (is_unavailable_error (local_error))
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "cannot %s: %s", doing, local_error->message);
  else
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot %s: %s", doing, local_error->message);
}

static GHashTable *
data_dir_attributes (SdSecretKeystore *self)
{
  return secret_attributes_build (&account_schema, "data-dir", self->data_dir, NULL);
}

static gboolean
sd_secret_keystore_store (SdKeystore *keystore,
                          const guint8 *seed,
                          const gchar *session_id,
                          GCancellable *cancellable,
                          GError **error)
{
  SdSecretKeystore *self = SD_SECRET_KEYSTORE (keystore);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = data_dir_attributes (self);
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *label = NULL;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->store_lock);
  GList *found;

  service = ensure_service (self, cancellable, error);
  if (service == NULL)
    return FALSE;

  /* no secrets loaded and no unlock: this only asks whether an item exists */
  found = secret_service_search_sync (service, &account_schema, query, SECRET_SEARCH_NONE,
                                      cancellable, &local_error);
  if (local_error != NULL) {
    set_error_from_service (self, service, local_error, cancellable,
                            "search the Secret Service", error);
    return FALSE;
  }
  if (found != NULL) {
    g_list_free_full (found, g_object_unref);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS,
                 "the Secret Service already holds an account for %s", self->data_dir);
    return FALSE;
  }

  attributes = secret_attributes_build (&account_schema,
                                        "session-id", session_id,
                                        "data-dir", self->data_dir,
                                        NULL);
  /* the Session ID is public (it is the address people write to); the ends
   * are enough to tell accounts apart in a keyring manager */
  label = g_strdup_printf ("Session account %.6s\u2026%s (sessiond)", session_id,
                           session_id + SD_SESSION_ID_LEN - 4);
  /* libsecret copies the bytes into its own wiped, locked memory */
  value = secret_value_new ((const gchar *) seed, SD_SEED_LEN, "application/octet-stream");
  if (!secret_service_store_sync (service, &account_schema, attributes,
                                  SECRET_COLLECTION_DEFAULT, label, value, cancellable,
                                  &local_error)) {
    set_error_from_service (self, service, local_error, cancellable,
                            "store the seed in the Secret Service", error);
    return FALSE;
  }
  g_debug ("stored the seed of %s for %s", session_id, self->data_dir);
  return TRUE;
}

static gboolean
sd_secret_keystore_lookup (SdKeystore *keystore,
                           guint8 *seed,
                           gchar **session_id,
                           GCancellable *cancellable,
                           GError **error)
{
  SdSecretKeystore *self = SD_SECRET_KEYSTORE (keystore);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = data_dir_attributes (self);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autolist(SecretItem) items = NULL;
  const gchar *data;
  const gchar *id;
  gsize len = 0;

  service = ensure_service (self, cancellable, error);
  if (service == NULL)
    return FALSE;

  /* ALL so that two items for one data dir (made by hand, or by another
   * tool) are noticed rather than one picked at random */
  items = secret_service_search_sync (service, &account_schema, query,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK |
                                        SECRET_SEARCH_LOAD_SECRETS,
                                      cancellable, &local_error);
  if (local_error != NULL) {
    set_error_from_service (self, service, local_error, cancellable,
                            "look the seed up in the Secret Service", error);
    return FALSE;
  }
  if (items == NULL) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND,
                 "the Secret Service holds no account for %s", self->data_dir);
    return FALSE;
  }

  attributes = secret_item_get_attributes (items->data);
  id = g_hash_table_lookup (attributes, "session-id");
  for (GList *l = items->next; l != NULL; l = l->next) {
    g_autoptr(GHashTable) other = secret_item_get_attributes (l->data);

    if (g_strcmp0 (id, g_hash_table_lookup (other, "session-id")) != 0) {
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                   "the Secret Service holds several different accounts for %s; "
                   "remove all but one", self->data_dir);
      return FALSE;
    }
  }

  value = secret_item_get_secret (items->data);
  if (value == NULL) {
    /* the unlock prompt was dismissed or could not be shown */
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE,
                 "the keyring item of %s is locked and was not unlocked", self->data_dir);
    return FALSE;
  }
  data = secret_value_get (value, &len);
  if (len != SD_SEED_LEN || id == NULL) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the keyring item of %s does not hold a %d-byte seed and a Session ID",
                 self->data_dir, SD_SEED_LEN);
    return FALSE;
  }
  memcpy (seed, data, SD_SEED_LEN);
  *session_id = g_strdup (id);
  return TRUE;
}

static gboolean
sd_secret_keystore_delete (SdKeystore *keystore, GCancellable *cancellable, GError **error)
{
  SdSecretKeystore *self = SD_SECRET_KEYSTORE (keystore);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = data_dir_attributes (self);
  g_autoptr(GError) local_error = NULL;

  service = ensure_service (self, cancellable, error);
  if (service == NULL)
    return FALSE;

  if (!secret_service_clear_sync (service, &account_schema, query, cancellable,
                                  &local_error)) {
    if (local_error != NULL) {
      set_error_from_service (self, service, local_error, cancellable,
                              "delete the seed from the Secret Service", error);
      return FALSE;
    }
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND,
                 "the Secret Service holds no account for %s", self->data_dir);
    return FALSE;
  }
  g_debug ("deleted the seed for %s", self->data_dir);
  return TRUE;
}

const gchar *
sd_secret_keystore_get_data_dir (SdSecretKeystore *self)
{
  g_return_val_if_fail (SD_IS_SECRET_KEYSTORE (self), NULL);

  return self->data_dir;
}

static void
sd_secret_keystore_iface_init (SdKeystoreInterface *iface)
{
  iface->store = sd_secret_keystore_store;
  iface->lookup = sd_secret_keystore_lookup;
  iface->delete = sd_secret_keystore_delete;
}

static void
sd_secret_keystore_dispose (GObject *object)
{
  SdSecretKeystore *self = SD_SECRET_KEYSTORE (object);

  g_clear_object (&self->service);
  /* our own proxy goes with the unref above; this drops libsecret's
   * process-wide default one too, should any libsecret path have made it,
   * so that nothing keeps the bus connection alive (GTestDBus waits for it) */
  secret_service_disconnect ();

  G_OBJECT_CLASS (sd_secret_keystore_parent_class)->dispose (object);
}

static void
sd_secret_keystore_finalize (GObject *object)
{
  SdSecretKeystore *self = SD_SECRET_KEYSTORE (object);

  g_free (self->data_dir);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->store_lock);

  G_OBJECT_CLASS (sd_secret_keystore_parent_class)->finalize (object);
}

static void
sd_secret_keystore_class_init (SdSecretKeystoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_secret_keystore_dispose;
  object_class->finalize = sd_secret_keystore_finalize;
}

static void
sd_secret_keystore_init (SdSecretKeystore *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->store_lock);
}

/**
 * sd_secret_keystore_new:
 * @data_dir: the daemon's data dir; made absolute and canonical (without
 *   resolving symlinks) to become the item's "data-dir" attribute
 *
 * Does no I/O: the Secret Service is contacted on first use.
 *
 * Returns: (transfer full): a new #SdKeystore
 */
SdKeystore *
sd_secret_keystore_new (const gchar *data_dir)
{
  SdSecretKeystore *self;

  g_return_val_if_fail (data_dir != NULL && *data_dir != '\0', NULL);

  self = g_object_new (SD_TYPE_SECRET_KEYSTORE, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  return SD_KEYSTORE (self);
}
