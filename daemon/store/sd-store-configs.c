/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-store-rows.h"

/*
 * Multi-device config sync (sd-config-sync.c): each user config's current merged message and
 * its push state, and the conversation settings the configs carry, written as the merged
 * configs say.
 */

/* a user config's state is at most a few stored items' worth */
#define USER_CONFIG_MAX_BYTES (1024 * 1024)
#define USER_CONFIG_MAX_HASHES 64

void
sd_store_user_config_clear (SdStoreUserConfig *config)
{
  g_clear_pointer (&config->message, g_bytes_unref);
  g_clear_pointer (&config->swarm_hashes, g_strfreev);
  g_clear_pointer (&config->pushed_hash, g_free);
}

gboolean
sd_store_load_user_config (SdStore *self, gint kind, SdStoreUserConfig *out, gboolean *out_found,
                           GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  const gchar *hashes;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof (*out));
  *out_found = FALSE;
  stmt = store_prepare (self, "SELECT message, seqno, swarm_hashes, dirty, pushed_hash"
                              " FROM user_configs WHERE kind = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    return TRUE;
  if (sqlite3_column_bytes (stmt, 0) > USER_CONFIG_MAX_BYTES) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT, "user config %d is too large",
                 kind);
    return FALSE;
  }
  out->message = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  out->seqno = sqlite3_column_int64 (stmt, 1);
  hashes = (const gchar *) sqlite3_column_text (stmt, 2);
  out->swarm_hashes = g_strsplit (hashes != NULL ? hashes : "", "\n", USER_CONFIG_MAX_HASHES);
  /* g_strsplit of "" gives an empty vector; drop empty lines */
  {
    guint kept = 0;

    for (guint i = 0; out->swarm_hashes[i] != NULL; i++) {
      if (out->swarm_hashes[i][0] == '\0')
        g_free (out->swarm_hashes[i]);
      else
        out->swarm_hashes[kept++] = out->swarm_hashes[i];
    }
    out->swarm_hashes[kept] = NULL;
  }
  out->dirty = sqlite3_column_int (stmt, 3) != 0;
  out->pushed_hash = store_column_dup (stmt, 4);
  *out_found = TRUE;
  return TRUE;
}

gboolean
sd_store_save_user_config (SdStore *self, gint kind, const SdStoreUserConfig *config,
                           GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autofree gchar *hashes = NULL;
  gsize len = 0;
  gconstpointer data;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (config->message != NULL, FALSE);

  data = g_bytes_get_data (config->message, &len);
  if (len > USER_CONFIG_MAX_BYTES) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "user config %d is too large",
                 kind);
    return FALSE;
  }
  hashes = config->swarm_hashes != NULL ? g_strjoinv ("\n", config->swarm_hashes)
                                        : g_strdup ("");
  /* one statement: atomic without a transaction of its own */
  stmt = store_prepare (self, "INSERT OR REPLACE INTO user_configs"
                              " (kind, message, seqno, swarm_hashes, dirty, pushed_hash)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_blob (stmt, 2, len > 0 ? data : "", (int) len, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, config->seqno);
  store_bind_text (stmt, 4, hashes);
  sqlite3_bind_int (stmt, 5, config->dirty ? 1 : 0);
  store_bind_text (stmt, 6, config->pushed_hash);
  return store_run (self, stmt, error);
}

gboolean
sd_store_set_own_profile (SdStore *self, const gchar *display_name, gboolean set_avatar,
                          const gchar *avatar_url, const gchar *avatar_key_hex, guint64 now_s,
                          guint64 *out_updated, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autofree gchar *last = NULL;
  g_autofree gchar *updated = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 last_s;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  last = sd_store_get_setting (self, "profile-updated", &local_error);
  if (last == NULL && !g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND)) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  last_s = last != NULL ? g_ascii_strtoull (last, NULL, 10) : 0;
  /* strictly newer, even within the same second: a picture removed right after it was set
   * must reach our peers too */
  if (last_s < G_MAXUINT64)
    now_s = MAX (now_s, last_s + 1);
  updated = g_strdup_printf ("%" G_GUINT64_FORMAT, now_s);
  if ((display_name != NULL && !sd_store_set_setting (self, "display-name", display_name, error)) ||
      (set_avatar && (!sd_store_set_setting (self, "avatar-url", avatar_url, error) ||
                      !sd_store_set_setting (self, "avatar-key", avatar_key_hex, error))) ||
      !sd_store_set_setting (self, "profile-updated", updated, error) ||
      !store_tx_commit (tx, error))
    return FALSE;
  if (out_updated != NULL)
    *out_updated = now_s;
  return TRUE;
}

/* the row as the contact says, only where it differs; sqlite3_changes tells */
static gboolean
apply_contact (SdStore *self, const SdStoreSyncedContact *contact, gboolean *out_changed,
               GError **error)
{
  g_autoptr(SdCachedStmt) insert = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  gint64 now = store_now_ms ();
  gboolean created;

  if (!store_check_session_id (contact->id, "the contact id", error) ||
      (contact->name != NULL && !store_check_utf8 (contact->name, "the name", error)) ||
      (contact->nickname != NULL && !store_check_utf8 (contact->nickname, "the nickname", error)) ||
      (contact->avatar_url != NULL && !store_check_utf8 (contact->avatar_url, "the avatar", error)))
    return FALSE;
  insert = store_prepare (self, "INSERT OR IGNORE INTO conversations (id, kind, last_activity,"
                                " created_at) VALUES (?1, 'direct', ?2, ?2)", error);
  if (insert == NULL)
    return FALSE;
  store_bind_text (insert, 1, contact->id);
  sqlite3_bind_int64 (insert, 2, contact->created_at > 0 ? MIN (contact->created_at, now) : now);
  if (!store_run (self, insert, error))
    return FALSE;
  created = sqlite3_changes (self->db) > 0;
  update = store_prepare (self,
    "UPDATE conversations SET name = coalesce(?2, name), nickname = ?3, approved = ?4,"
    " they_approved = ?5, blocked = ?6, muted_until = ?7, priority = ?8, notify_mode = ?9,"
    " expiration_mode = ?10, expiration_timer = ?11"
    " WHERE id = ?1 AND (name IS NOT coalesce(?2, name) OR nickname IS NOT ?3"
    "  OR approved <> ?4 OR they_approved <> ?5 OR blocked <> ?6 OR muted_until <> ?7"
    "  OR priority <> ?8 OR notify_mode <> ?9 OR expiration_mode <> ?10"
    "  OR expiration_timer <> ?11)", error);
  if (update == NULL)
    return FALSE;
  store_bind_text (update, 1, contact->id);
  store_bind_text (update, 2, contact->name != NULL && contact->name[0] != '\0' ? contact->name
                                                                               : NULL);
  store_bind_text (update, 3, contact->nickname != NULL && contact->nickname[0] != '\0'
                                ? contact->nickname : NULL);
  sqlite3_bind_int (update, 4, contact->approved ? 1 : 0);
  sqlite3_bind_int (update, 5, contact->they_approved ? 1 : 0);
  sqlite3_bind_int (update, 6, contact->blocked ? 1 : 0);
  sqlite3_bind_int64 (update, 7, MAX (contact->muted_until, 0));
  sqlite3_bind_int64 (update, 8, contact->priority);
  sqlite3_bind_int (update, 9, CLAMP (contact->notify_mode, 0, 3));
  store_bind_text (update, 10, contact->expiration_mode != NULL ? contact->expiration_mode
                                                                 : "off");
  sqlite3_bind_int64 (update, 11, contact->expiration_timer);
  if (!store_run (self, update, error))
    return FALSE;
  *out_changed = created || sqlite3_changes (self->db) > 0;
  /* the picture lives in `avatars` (schema step 8), written only when the config changed it */
  if (contact->set_avatar) {
    g_autoptr(GBytes) key = contact->avatar_url != NULL ? g_bytes_new (contact->avatar_key, 32)
                                                        : NULL;

    if (!store_apply_avatar (self, contact->id, contact->avatar_url, key, error))
      return FALSE;
    *out_changed = *out_changed || sqlite3_changes (self->db) > 0;
  }
  return TRUE;
}

gboolean
sd_store_apply_synced_contacts (SdStore *self, const SdStoreSyncedContact *contacts, guint n,
                                GPtrArray **out_changed, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) local_error = NULL;
    gboolean row_changed = FALSE;

    /* one bad entry (another client's) never stops the others */
    if (!apply_contact (self, &contacts[i], &row_changed, &local_error)) {
      if (!g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID)) {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
      g_debug ("synced contact left out: %s", local_error->message);
      continue;
    }
    if (row_changed)
      g_ptr_array_add (changed, g_strdup (contacts[i].id));
  }
  if (!store_tx_commit (tx, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = g_steal_pointer (&changed);
  return TRUE;
}

/* one UPDATE of an existing row; *out_changed whether it changed anything */
static gboolean
update_one (SdStore *self, const gchar *sql, const gchar *id, gint64 value,
            gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  /* any conversation's settings (a community's priority goes into UserGroups) */
  if (!store_check_conversation_id (id, "the conversation id", error))
    return FALSE;
  if (!store_expect_conversation (self, id, error))
    return FALSE;
  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, value);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gboolean
sd_store_set_priority (SdStore *self, const gchar *conversation_id, gint64 priority,
                       GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  return update_one (self, "UPDATE conversations SET priority = ?2 WHERE id = ?1",
                     conversation_id, priority, NULL, error);
}

gboolean
sd_store_set_notify_mode (SdStore *self, const gchar *conversation_id, gint notify_mode,
                          GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (notify_mode < 0 || notify_mode > 3) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "bad notify mode");
    return FALSE;
  }
  return update_one (self, "UPDATE conversations SET notify_mode = ?2 WHERE id = ?1",
                     conversation_id, notify_mode, NULL, error);
}

gboolean
sd_store_set_read_state (SdStore *self, const gchar *conversation_id, gint64 last_read_at,
                         gboolean marked_unread, gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (!store_check_conversation_id (conversation_id, "the conversation id", error))
    return FALSE;
  stmt = store_prepare (self, "UPDATE conversations SET last_read_at = ?2, marked_unread = ?3"
                              " WHERE id = ?1 AND (last_read_at <> ?2 OR marked_unread <> ?3)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, MAX (last_read_at, 0));
  sqlite3_bind_int (stmt, 3, marked_unread ? 1 : 0);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gboolean
sd_store_set_expiration_setting (SdStore *self, const gchar *conversation_id, const gchar *mode,
                                 gint64 timer, gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  SdExpirationMode parsed;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (!store_check_session_id (conversation_id, "the conversation id", error))
    return FALSE;
  if (!sd_expiration_mode_from_string (mode, &parsed) || timer < 0 || timer > G_MAXUINT32) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "bad expiration setting");
    return FALSE;
  }
  stmt = store_prepare (self,
                        "UPDATE conversations SET expiration_mode = ?2, expiration_timer = ?3"
                        " WHERE id = ?1 AND (expiration_mode <> ?2 OR expiration_timer <> ?3)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  store_bind_text (stmt, 2, mode);
  sqlite3_bind_int64 (stmt, 3, parsed == SD_EXPIRATION_OFF ? 0 : timer);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gboolean
sd_store_forget_last_hashes (SdStore *self, gint namespace_, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  stmt = store_prepare (self, "DELETE FROM last_hash WHERE namespace = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, namespace_);
  return store_run (self, stmt, error);
}
