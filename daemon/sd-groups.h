/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-keys.h"
#include "sd-network.h"
#include "sd-retrieve-cursor.h"
#include "sd-sender.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* groups v2 in the daemon (docs/groups.md): creating a group (Keys, Info, Members pushed to its
 * swarm, invites sent 1:1), invites received and accepted, what the group poller reads applied
 * to the store, and messages sent to a group's swarm */
#define SD_TYPE_GROUPS (sd_groups_get_type ())
G_DECLARE_FINAL_TYPE (SdGroups, sd_groups, SD, GROUPS, GObject)

#define SD_GROUPS_ERROR (sd_groups_error_quark ())
/* group invites waiting for an answer at once; more are dropped */
#define SD_GROUPS_PENDING_MAX 100

typedef enum {
  SD_GROUPS_ERROR_INVALID,      /* a bad name or member list */
  SD_GROUPS_ERROR_NOT_FOUND,    /* no such group */
  SD_GROUPS_ERROR_NOT_MEMBER,   /* no key or grant yet (or removed) */
  SD_GROUPS_ERROR_FAILED,       /* the swarm refused or could not be reached */
  SD_GROUPS_ERROR_NOT_ADMIN,    /* only an admin may do that */
} SdGroupsError;
GQuark sd_groups_error_quark (void);

#define SD_GROUP_NAME_MAX 100        /* bytes, as Info `n` */
#define SD_GROUP_DESCRIPTION_MAX 2000 /* bytes, as Info `o` */
/* members promoted or removed in one call (one revoke_subaccount takes 50 tokens) */
#define SD_GROUP_CHANGE_MAX_MEMBERS 50
#define SD_GROUP_CREATE_MAX_MEMBERS 100
/* group messages live 14 days in the swarm, configs 30 */
#define SD_GROUP_MESSAGE_TTL_MS (14LL * 24 * 3600 * 1000)
#define SD_GROUP_CONFIG_TTL_MS (30LL * 24 * 3600 * 1000)
/* an admin renews Keys, Info and Members (a rekey for the same members) once the newest Keys
 * message is this old, well before the swarm lets them expire */
#define SD_GROUP_CONFIG_RENEW_MS (15LL * 24 * 3600 * 1000)

/* @identity must outlive it */
SdGroups *sd_groups_new (SdNetwork *network, SdStore *store, const SdIdentity *identity,
                         SdSender *sender) G_GNUC_WARN_UNUSED_RESULT;

/* admin: a new group named @name with us and @members ("05…" ids); the result is its id */
void sd_groups_create_async (SdGroups *self, const gchar *name, const gchar *const *members,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gchar *sd_groups_create_finish (SdGroups *self, GAsyncResult *result,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* an invite (pending) is accepted (the group is polled from now on) or declined (forgotten) */
gboolean sd_groups_respond_invite (SdGroups *self, const gchar *group_id, gboolean accept,
                                   GError **error);

/* a text message to @group_id: stored as sending, then stored in ns 11 and marked sent (or
 * failed); the result is its message id */
gchar *sd_groups_send_text (SdGroups *self, const gchar *group_id, const gchar *body,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* the same, quoting the message @quote_id (nullable) of this group */
gchar *sd_groups_send_text_full (SdGroups *self, const gchar *group_id, const gchar *body,
                                 const gchar *quote_id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* an emoji reaction to @message_id of @group_id (@add FALSE: taken back): stored, then sent to
 * ns 11; returns the message as it is now */
SdMessage *sd_groups_send_reaction (SdGroups *self, const gchar *group_id,
                                    const gchar *message_id, const gchar *emoji, gboolean add,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ResendMessage of our failed message @message_id of @group_id: back to "sending" (the same
 * sent-at, so receivers keep one copy), its attachments that did not upload uploading again
 * (@out_uploads: how many; it goes once SdAttachments says "ready"), else sent now. NOT_MEMBER
 * when we cannot write to the group (the message stays failed); the store's NOT_FOUND or
 * INVALID for a message that is not there or not a failed one of ours */
gboolean sd_groups_resend_message (SdGroups *self, const gchar *group_id,
                                   const gchar *message_id, guint *out_uploads, GError **error);

/* our group messages cut off by a restart ("sending") go again, once per start */
void sd_groups_resume_sending (SdGroups *self);

/* the poller's answer for @group_id: the five retrieves of sd_storage_rpc_group_poll;
 * returns how many messages were added. Items read before are skipped. The swarm's cursor
 * (group_last_hash) moves to each page's end: for a single member (tests); the poller uses
 * sd_groups_apply_poll_from */
guint sd_groups_apply_poll (SdGroups *self, const gchar *group_id, JsonNode *body);
/* the same for an answer of @node to a request built by sd_groups_build_poll_for with
 * @cursors: each page moves @node's own cursor, and the swarm's only where its end is new
 * (docs/groups.md, "Cursors"). @out_more: a page said there is more (nullable) */
guint sd_groups_apply_poll_from (SdGroups *self, const gchar *group_id,
                                 SdRetrieveCursors *cursors, const SdSnode *node,
                                 JsonNode *body, gboolean *out_more);

/* builds the poll batch for @group_id at @now_ms (NULL when the group is not ours to read),
 * from the swarm's cursor */
gchar *sd_groups_build_poll (SdGroups *self, const gchar *group_id, gint64 now_ms);
/* the same for a request to @node, from its cursors in @cursors (sd_retrieve_cursors_request) */
gchar *sd_groups_build_poll_for (SdGroups *self, const gchar *group_id, gint64 now_ms,
                                 SdRetrieveCursors *cursors, const SdSnode *node);

/* from the 1:1 ingest: DataMessage.groupUpdateMessage bytes from @sender; an invite signed by
 * the group for us makes a group conversation (accepted already when @sender is an approved
 * contact, else pending). Bad input changes nothing */
void sd_groups_receive_update (SdStore *store, const SdIdentity *identity, const gchar *sender,
                               gint64 sent_at, const guint8 *data, gsize len);

/* (transfer full) the members' Session IDs of @group_id's Members config as we hold it (admins
 * and invited alike), NULL when none is known */
GStrv sd_groups_dup_members (SdGroups *self, const gchar *group_id);

/* ---- sd-group-admin.c: what admins change, and leaving ---- */

/* admin: a new name and/or description (NULL: unchanged; "" clears the description) in Info;
 * a new name is announced to the group (INFO_CHANGE). NOT_ADMIN for members */
void sd_groups_set_info_async (SdGroups *self, const gchar *group_id, const gchar *name,
                               const gchar *description, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
/* admin: Info marked destroyed; every member sees the group as destroyed and stops reading */
void sd_groups_destroy_async (SdGroups *self, const gchar *group_id, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
/* admin: @members (in Members, not admins) get the group seed 1:1 (GroupUpdatePromoteMessage),
 * their promotion is "sent" in Members, and the group hears MEMBER_CHANGE PROMOTED */
void sd_groups_promote_async (SdGroups *self, const gchar *group_id, const gchar *const *members,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
/* admin: @members (1 to 50 Session IDs not in the group, or invited and not joined yet) are
 * invited: in Members (invite "sent"), with the keys of the past (@share_history: a supplement
 * in Keys) or from now on only (a new key for everyone), MEMBER_CHANGE ADDED to the group,
 * then each gets its invite 1:1 */
void sd_groups_invite_async (SdGroups *self, const gchar *group_id, const gchar *const *members,
                             gboolean share_history, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
/* admin: @members leave Members, a new key without them (rekey), their tokens revoked, a kick
 * notice in ns -11 and MEMBER_CHANGE REMOVED to the group */
void sd_groups_remove_members_async (SdGroups *self, const gchar *group_id,
                                     const gchar *const *members, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* admin: the same, and with @with_content every text they sent goes too (DeleteMemberContent
 * naming them, their items deleted from the swarm), as the official clients' "remove with
 * messages" */
void sd_groups_remove_members_full_async (SdGroups *self, const gchar *group_id,
                                          const gchar *const *members, gboolean with_content,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* admin: every text of @members (0 to 50 Session IDs) and the messages @message_ids (0 to 50
 * ids of this group's texts on its swarm), not none at all, are removed here, for every member
 * (a signed DeleteMemberContent) and from the group's swarm; finished by
 * sd_groups_admin_finish */
void sd_groups_delete_member_content_async (SdGroups *self, const gchar *group_id,
                                            const gchar *const *members,
                                            const gchar *const *message_ids,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* our own text @message_id of the group deleted for everyone ("unsend"): a DeleteMemberContent
 * naming its swarm hash (signed when we are admin, who also deletes it from the swarm), and
 * here at once. Returns the removed message (emit MessageRemoved); INVALID for a message that
 * is not ours or has not reached the swarm */
SdMessage *sd_groups_unsend (SdGroups *self, const gchar *group_id, const gchar *message_id,
                             GError **error);
/* member: the group hears we left (GroupUpdateMemberLeftMessage and the notification); then
 * the group and its history are forgotten, as the official clients do. The only admin may not
 * leave (InvalidArgument): it destroys the group instead */
void sd_groups_leave_async (SdGroups *self, const gchar *group_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* the _finish of the five above */
gboolean sd_groups_admin_finish (SdGroups *self, GAsyncResult *result, GError **error);

/* an admin destroyed the group (Info "!") */
gboolean sd_groups_is_destroyed (SdGroups *self, const gchar *group_id);
/* (transfer floating) a{sv}: name s, description s, admin b (we are), pending b (an invite),
 * removed b (we were removed), destroyed b, members aa{sv} (id s, admin b, invite s and
 * promotion s: "none", "sent", "failed", "not-sent"; an accepted invite is "none") */
GVariant *sd_groups_describe (SdGroups *self, const gchar *group_id, GError **error);

/* tells "message-added" listeners that @group_id changed (a new invite seen by the poller) */
void sd_groups_emit_changed (SdGroups *self, const gchar *group_id);

/* signals:
 *   "message-added" (const gchar *group_id): the group conversation changed
 *   "message-received" (const gchar *message_id): a new message was read from a group's swarm
 *   "membership-changed" (const gchar *group_id): we were removed, or took a promotion: our
 *     UserGroups entry changes */

G_END_DECLS
