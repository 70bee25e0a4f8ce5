/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-groups.h"

#include "config/sd-config-group-members.h"

#include "groups/sd-group-config.h"
#include "groups/sd-group-identity.h"
#include "groups/sd-group-keys.h"
#include "groups/sd-subaccount.h"
#include "session-messages.pb-c.h"

G_BEGIN_DECLS

/* shared by sd-groups.c (state, requests, messages, polls) and sd-group-admin.c (what admins
 * and leaving members change); nothing here is for other files */

struct _SdGroups {
  GObject parent_instance;

  SdNetwork *network;          /* (owned) */
  SdStore *store;              /* (owned) */
  SdSender *sender;            /* (owned) */
  const SdIdentity *identity;  /* (unowned) outlives us */
  GHashTable *responded;       /* (owned) "group id/Members seqno" whose invite response went
                                * out this run */
  GHashTable *upkeep;          /* (owned) group ids with an admin change under way */
  gboolean resumed;            /* the sends cut off by the last stop went again */
};

/* one group's state, loaded from the store */
typedef struct {
  SdGroupIdentity ident;
  SdGroupKeys *keys;             /* (owned) points at ident: the struct does not move */
  guint8 auth[SD_SUBACCOUNT_VALUE_LEN];
  gboolean has_auth;
  const SdIdentity *user;
  SdStoreGroup *row;             /* (owned) */
} SdGroupState;

void sd_group_state_free (SdGroupState *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdGroupState, sd_group_state_free)
SdGroupState *sd_group_state_load (SdGroups *self, const gchar *group_id, GError **error);
/* the group as an admin may change it: loaded, ours to sign, not destroyed (NOT_ADMIN,
 * NOT_MEMBER otherwise) */
/* the group as we may write to it, and the message @quote_id of it we quote (NULL for none):
 * INVALID for a quote of another conversation, NOT_MEMBER when we cannot send */
SdGroupState *sd_group_state_load_for_send (SdGroups *self, const gchar *group_id,
                                            const gchar *quote_id, SdMessage **out_quoted,
                                            GError **error);
SdGroupState *sd_group_state_load_for_admin (SdGroups *self, const gchar *group_id,
                                             GError **error);
/* the row with the Keys dump; @name (nullable) becomes the conversation's name */
gboolean sd_group_state_save (SdGroups *self, SdGroupState *group, const gchar *name,
                              GError **error);
/* the group's Info (or Members) as we hold it, parsed; NULL when there is none */
SdConfigMessage *sd_group_state_config (SdGroupState *group, SdGroupConfigKind kind);
/* a group we may still read and write: not pending, not removed, not destroyed */
gboolean sd_group_state_is_active (SdGroupState *group);
/* our own Members entry as it says (FALSE when it has none) */
gboolean sd_group_state_get_member (SdGroupState *group, const gchar *session_id,
                                    SdConfigGroupMember *out);

/* stores @data in @group's namespace; the callback gets a GTask whose result is the hash */
void sd_groups_store_async (SdGroups *self, SdGroupState *group, gint namespace_, gint64 ttl_ms,
                            GBytes *data, GAsyncReadyCallback callback, gpointer user_data);
/* admin: delete_messages of @hashes (1 to 100) on the group's swarm; the callback gets a
 * GTask (boolean) */
void sd_groups_delete_async (SdGroups *self, SdGroupState *group, const gchar *const *hashes,
                             GAsyncReadyCallback callback, gpointer user_data);
/* admin: our Keys message @data was stored under @hash: its key is confirmed at once (as if
 * read back), so a rekey right after it starts the next generation rather than replacing it */
void sd_groups_keys_stored (SdGroups *self, const gchar *group_id, const gchar *hash,
                            GBytes *data);
/* admin: a 1:1 invite (GroupUpdateInviteMessage, with a grant and the signature) to each of
 * @members (element-type utf8) */
void sd_groups_send_invites (SdGroups *self, SdGroupState *group, const gchar *name,
                             GPtrArray *members);
/* admin: revoke_subaccount (or with @unrevoke unrevoke_subaccount) of @tokens (n × 36 bytes);
 * the callback gets a GTask (boolean) */
void sd_groups_revoke_async (SdGroups *self, SdGroupState *group, GBytes *tokens,
                             gboolean unrevoke, GAsyncReadyCallback callback,
                             gpointer user_data);

/* @update packed in a Content at @sent_at and encrypted for ns 11 with the current key */
GBytes *sd_groups_encrypt_update (SdGroups *self, SdGroupState *group,
                                  SessionProtos__GroupUpdateMessage *update, gint64 sent_at,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* a control message to the group (ns 11): @update packed in a Content at @sent_at, encrypted
 * with the current key; retried like a text, no message row. FALSE without a key */
gboolean sd_groups_send_update (SdGroups *self, SdGroupState *group,
                                SessionProtos__GroupUpdateMessage *update, gint64 sent_at,
                                GError **error);

/* sd-group-admin.c: what an admin does when a poll brings control messages, shows our own
 * promotion still unconfirmed, or merged concurrent edits of Info (@push_info) or Members
 * (@push_members) that must go out; runs after the poll was applied */
void sd_group_admin_upkeep (SdGroups *self, const gchar *group_id, GPtrArray *accepted,
                            GPtrArray *left, gboolean push_info, gboolean push_members);


void sd_groups_emit_membership_changed (SdGroups *self, const gchar *group_id);
/* sd-group-admin.c: the 1:1 invite to @member did not go out: its Members entry says
 * "failed" (pushed), so the admin sees it and may invite it again */
void sd_group_admin_invite_failed (SdGroups *self, const gchar *group_id, const gchar *member);
/* "message-changed" / "message-removed" with @message (the account re-emits them) */
void sd_groups_emit_message_changed (SdGroups *self, SdMessage *message);
void sd_groups_emit_message_removed (SdGroups *self, SdMessage *message);
/* "message-changed" with our message of @group_id sent at @sent_at as stored now (its new
 * status); nothing when it is not there */
void sd_groups_emit_status (SdGroups *self, const gchar *group_id, gint64 sent_at);

/* a GroupUpdateMessage as the Content of a group message (the packed update is wiped) */
GBytes *sd_groups_pack_update (SessionProtos__GroupUpdateMessage *update, gint64 sent_at);

/* a swarm hash a deletion may name: 1 to 128 characters of (url-safe) base64 */
#define SD_GROUP_CONTENT_HASH_MAX 128
gboolean sd_group_content_hash_ok (const gchar *hash);
/* sd-group-content-delete.c: a DeleteMemberContent read from the group at @sent_at (the
 * signed sender's claim): with a valid admin signature every text of its members and the
 * items of its hashes, sent before it, are removed; without, only @sender's own items by hash */
void sd_group_content_delete_take (SdGroups *self, SdGroupState *group, const gchar *sender,
                                   gint64 sent_at,
                                   SessionProtos__GroupUpdateDeleteMemberContentMessage *msg);
/* an admin's DeleteMemberContent for @members and @hashes (either may be empty, not both),
 * signed over "DELETE_CONTENT" + @sent_at + ids + hashes; NULL with @error */
gboolean sd_group_content_delete_build (SdGroupState *group, GPtrArray *members,
                                        GPtrArray *hashes, gint64 sent_at,
                                        SessionProtos__GroupUpdateMessage *update,
                                        SessionProtos__GroupUpdateDeleteMemberContentMessage *msg,
                                        guint8 signature[64], GError **error);

G_END_DECLS
