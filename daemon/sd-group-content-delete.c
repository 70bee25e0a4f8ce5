/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroups"

#include "config.h"

#include <string.h>

#include "sd-groups-private.h"

#include "groups/sd-group-control.h"

/*
 * Deleting members' content (docs/groups.md, "Deleting content"): an admin's
 * GroupUpdateDeleteMemberContentMessage names Session IDs (every text they sent goes) and
 * swarm hashes (those items go), signed by the group key over "DELETE_CONTENT" + its sent
 * time + the ids + the hashes. Only what was sent at or before that time is removed, so the
 * message cannot reach forward. Without a signature the official clients let a member delete
 * its own items by hash (their "unsend" in a group): we take that too, for the sender's own.
 * What the admin side sends is in sd-group-admin.c.
 */

/* a swarm hash as the storage server makes them (unpadded base64 of a 32-byte digest, 43
 * characters); anything else names nothing */
gboolean
sd_group_content_hash_ok (const gchar *hash)
{
  gsize len = hash != NULL ? strlen (hash) : 0;

  if (len == 0 || len > SD_GROUP_CONTENT_HASH_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (hash[i]) && strchr ("+/-_=", hash[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* @n strings as a NULL-terminated array (the strings are borrowed) */
static GPtrArray *
borrowed_strv (gchar **items, gsize n)
{
  GPtrArray *out = g_ptr_array_sized_new ((guint) n + 1);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (out, items[i]);
  g_ptr_array_add (out, NULL);
  return out;
}

void
sd_group_content_delete_take (SdGroups *self, SdGroupState *group, const gchar *sender,
                              gint64 sent_at,
                              SessionProtos__GroupUpdateDeleteMemberContentMessage *msg)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean signed_by_admin;

  if (msg->n_membersessionids > SD_STORE_GROUP_DELETE_MAX ||
      msg->n_messagehashes > SD_STORE_GROUP_DELETE_MAX) {
    g_debug ("a content deletion names too much: dropped");
    return;
  }
  for (gsize i = 0; i < msg->n_messagehashes; i++)
    if (!sd_group_content_hash_ok (msg->messagehashes[i])) {
      g_debug ("a content deletion with a malformed hash: dropped");
      return;
    }
  ids = borrowed_strv (msg->membersessionids, msg->n_membersessionids);
  hashes = borrowed_strv (msg->messagehashes, msg->n_messagehashes);
  signed_by_admin = msg->has_adminsignature && msg->adminsignature.len > 0;
  if (signed_by_admin) {
    g_autofree gchar *text = sd_group_control_delete_content_text (
      sent_at, (const gchar *const *) ids->pdata, (const gchar *const *) hashes->pdata);

    /* the signature covers the time, the ids and the hashes: none can be swapped or replayed
     * at another time */
    if (!sd_group_control_verify (&group->ident, text, msg->adminsignature.data,
                                  msg->adminsignature.len, NULL)) {
      g_debug ("a content deletion with a bad admin signature: dropped");
      return;
    }
  }
  /* without an admin's signature: the sender's own items, by hash only */
  removed = sd_store_remove_group_content (
    self->store, group->ident.id, signed_by_admin ? (const gchar *const *) ids->pdata : NULL,
    (const gchar *const *) hashes->pdata, signed_by_admin ? NULL : sender, sent_at, &error);
  if (removed == NULL) {
    g_warning ("a group's content deletion was not applied: %s", error->message);
    return;
  }
  for (guint i = 0; i < removed->len; i++)
    sd_groups_emit_message_removed (self, g_ptr_array_index (removed, i));
  if (removed->len > 0)
    sd_groups_emit_changed (self, group->ident.id);
}

gboolean
sd_group_content_delete_build (SdGroupState *group, GPtrArray *members, GPtrArray *hashes,
                               gint64 sent_at, SessionProtos__GroupUpdateMessage *update,
                               SessionProtos__GroupUpdateDeleteMemberContentMessage *msg,
                               guint8 signature[64], GError **error)
{
  g_autoptr(GPtrArray) ids = borrowed_strv ((gchar **) members->pdata, members->len);
  g_autoptr(GPtrArray) items = borrowed_strv ((gchar **) hashes->pdata, hashes->len);
  g_autofree gchar *text = sd_group_control_delete_content_text (
    sent_at, (const gchar *const *) ids->pdata, (const gchar *const *) items->pdata);

  if (!sd_group_control_sign (&group->ident, text, signature, error))
    return FALSE;
  msg->n_membersessionids = members->len;
  msg->membersessionids = (char **) members->pdata;
  msg->n_messagehashes = hashes->len;
  msg->messagehashes = (char **) hashes->pdata;
  msg->has_adminsignature = TRUE;
  msg->adminsignature.data = signature;
  msg->adminsignature.len = 64;
  update->deletemembercontent = msg;
  return TRUE;
}
