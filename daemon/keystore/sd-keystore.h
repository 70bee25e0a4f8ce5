/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-keys.h"

G_BEGIN_DECLS

#define SD_KEYSTORE_ERROR (sd_keystore_error_quark ())

/* why the account's seed could not be stored or loaded; an internal domain,
 * converted to org.sessiond.Daemon1.Error.<Name> at the D-Bus boundary
 * (sd_dbus_error_convert) */
typedef enum {
  SD_KEYSTORE_ERROR_UNAVAILABLE,    /* KeyringUnavailable: no Secret Service, or it is locked */
  SD_KEYSTORE_ERROR_NOT_FOUND,      /* no seed stored for this data dir */
  SD_KEYSTORE_ERROR_BAD_PASSPHRASE, /* the key file does not open with this passphrase */
  SD_KEYSTORE_ERROR_CORRUPT,        /* the stored data is damaged or not ours */
  SD_KEYSTORE_ERROR_EXISTS,         /* a seed is already stored for this data dir */
  SD_KEYSTORE_ERROR_FAILED,         /* anything else (I/O, out of memory, ...) */
} SdKeystoreError;

GQuark sd_keystore_error_quark (void);

/* where one data dir's 32-byte Ed25519 seed lives: the Secret Service
 * (SdSecretKeystore, the default) or a passphrase-protected key file
 * (SdFileKeystore, explicit opt-in for headless hosts). A keystore holds at
 * most one seed, the one of the account of its data dir.
 *
 * The _sync calls block on D-Bus round trips or on Argon2id (about 0.1 s),
 * which is fine during the daemon's start-up; the _async calls run the same
 * code in a GTask worker thread, so both implementations are thread-safe. */
#define SD_TYPE_KEYSTORE (sd_keystore_get_type ())
G_DECLARE_INTERFACE (SdKeystore, sd_keystore, SD, KEYSTORE, GObject)

struct _SdKeystoreInterface {
  GTypeInterface parent_iface;

  /* @session_id is the one derived from @seed, passed so implementations
   * need not derive it again */
  gboolean (*store) (SdKeystore *self,
                     const guint8 *seed,
                     const gchar *session_id,
                     GCancellable *cancellable,
                     GError **error);
  gboolean (*lookup) (SdKeystore *self,
                      guint8 *seed,
                      gchar **session_id,
                      GCancellable *cancellable,
                      GError **error);
  gboolean (*delete) (SdKeystore *self,
                      GCancellable *cancellable,
                      GError **error);
};

/* stores @seed for this keystore's data dir; SD_KEYSTORE_ERROR_EXISTS if
 * one is already stored there (never replaced silently) */
gboolean sd_keystore_store_sync (SdKeystore *self,
                                 const guint8 seed[SD_SEED_LEN],
                                 GCancellable *cancellable,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fills @seed (caller's memory, ideally sodium_malloc'd) and @session_id
 * (optional, "05" + 64 hex); on failure @seed is zeroed */
gboolean sd_keystore_lookup_sync (SdKeystore *self,
                                  guint8 seed[SD_SEED_LEN],
                                  gchar **session_id,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* removes the stored seed; SD_KEYSTORE_ERROR_NOT_FOUND if there was none */
gboolean sd_keystore_delete_sync (SdKeystore *self,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

void sd_keystore_store_async (SdKeystore *self,
                              const guint8 seed[SD_SEED_LEN],
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean sd_keystore_store_finish (SdKeystore *self,
                                   GAsyncResult *result,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

void sd_keystore_lookup_async (SdKeystore *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean sd_keystore_lookup_finish (SdKeystore *self,
                                    GAsyncResult *result,
                                    guint8 seed[SD_SEED_LEN],
                                    gchar **session_id,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

void sd_keystore_delete_async (SdKeystore *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean sd_keystore_delete_finish (SdKeystore *self,
                                    GAsyncResult *result,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
