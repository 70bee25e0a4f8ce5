/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-attachments.h"
#include "sd-store.h"
#include "sd-store-communities.h"

G_BEGIN_DECLS

#define SD_ACCOUNT_ERROR (sd_account_error_quark ())

/* what the account refuses; the D-Bus layer converts these (with the store's, protocol's,
 * network's and keystore's errors) to the registered names, see sd-dbus-error.h */
typedef enum {
  SD_ACCOUNT_ERROR_FAILED,
  SD_ACCOUNT_ERROR_INVALID_SESSION_ID,
  SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
  SD_ACCOUNT_ERROR_NO_ACCOUNT,
  SD_ACCOUNT_ERROR_ACCOUNT_EXISTS, /* also: another create or restore is under way */
  SD_ACCOUNT_ERROR_NOT_FOUND,
  SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG,
  SD_ACCOUNT_ERROR_NOT_AUTHOR, /* only the author may do this */
  SD_ACCOUNT_ERROR_NOT_FAILED, /* ResendMessage of a message that is not a failed one of ours */
} SdAccountError;

GQuark sd_account_error_quark (void);

#define SD_BODY_MAX 2000         /* UTF-16 code units, like the official clients */
/* conversations we started or accepted (message requests do not count): a bound on what a
 * caller can make the daemon store and export, far above what a person keeps */
#define SD_ACCOUNT_MAX_STARTED 10000

typedef struct {
  gchar *data_dir;             /* where the database (and an opt-in key file) live */
  GStrv seeds;                 /* seed base URLs; NULL: the real network */
  gchar *seed_ca;              /* (nullable) trust this CA for seeds */
  gboolean plain_http_nodes;   /* speak plain HTTP to the nodes (a testnet with --no-tls);
                                * never inferred from the seeds' scheme */
  gchar *key_file_passphrase;  /* (nullable) opt in to the key file: path of the passphrase */
  guint poll_interval_ms;
  gboolean read_receipts;      /* send read receipts (off by default, as the official clients) */
  gboolean typing_indicators;  /* send and show typing indicators */
  guint max_started;           /* 0: SD_ACCOUNT_MAX_STARTED (tests set fewer) */
  gchar *file_server_url;      /* (nullable) a custom network's file server; NULL: mainnet */
  gchar *file_server_key;      /* (nullable) its X25519 key in hex */
  gchar *file_server_ed25519;  /* (nullable) its Ed25519 key in hex, for our pointers' `p=` */
  guint auto_download_max;     /* bytes; attachments up to this are fetched by themselves */
} SdAccountConfig;

/* the account and everything around it: keystore, store, network, poller, sender,
 * disappearing messages (SdExpiry). The D-Bus layer (SdDbusService) is a thin client of
 * this, and the only part that knows D-Bus: errors leave here in their components' own
 * domains and are converted there. */
#define SD_TYPE_ACCOUNT (sd_account_get_type ())
G_DECLARE_FINAL_TYPE (SdAccount, sd_account, SD, ACCOUNT, GObject)

SdAccount *sd_account_new (const SdAccountConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* loads an existing account (keystore, in a worker thread, then database) and goes online;
 * without one (or without a keyring) the daemon waits for CreateAccount. Returns at once:
 * "started" is emitted when it is done; CreateAccount and RestoreAccount wait for it */
void sd_account_start (SdAccount *self);
gboolean sd_account_is_starting (SdAccount *self);
/* while held, an account that opens (sd_account_start, CreateAccount, RestoreAccount) does
 * not poll or send yet; released, it goes online (sd-main holds it until the bus name is
 * ours) */
void sd_account_hold_network (SdAccount *self, gboolean hold);

/* "uninitialised", "offline", "connecting" or "online" */
const gchar *sd_account_get_state (SdAccount *self);
/* whether a catch-up of several pages (or an account's first sync) runs; how many items it
 * applied and how many conversations got messages so far */
gboolean sd_account_get_syncing (SdAccount *self, guint64 *out_fetched, guint *out_conversations);
const gchar *sd_account_get_session_id (SdAccount *self); /* "" without account */
const gchar *sd_account_get_display_name (SdAccount *self);
guint sd_account_get_unread_count (SdAccount *self);

/* a new account (or the one of @phrase) with its seed in the keystore; the keystore works in
 * a thread (Argon2id for the key file, maybe a keyring prompt), so the main loop keeps
 * running. One at a time: while one is under way another fails with ACCOUNT_EXISTS. The
 * result is the new Session ID. */
void sd_account_create_account_async (SdAccount *self,
                                      const gchar *display_name,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
void sd_account_restore_account_async (SdAccount *self,
                                       const gchar *phrase,
                                       const gchar *display_name,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
/* for either of the two */
gchar *sd_account_adopt_finish (SdAccount *self,
                                GAsyncResult *result,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* the phrase of the account's seed, read from the keystore (in its worker thread) for each
 * call; free it with sodium_memzero () and g_free () */
void sd_account_get_recovery_phrase_async (SdAccount *self,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
gchar *sd_account_get_recovery_phrase_finish (SdAccount *self,
                                              GAsyncResult *result,
                                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean sd_account_set_display_name (SdAccount *self, const gchar *name, GError **error);

/* the account's communities (sd-communities.h); NULL without the network */
typedef struct _SdCommunities SdCommunities;
SdCommunities *sd_account_get_communities (SdAccount *self);
/* joins the room a community URL names (InvalidCommunityUrl otherwise): its conversation id */
gchar *sd_account_join_community (SdAccount *self, const gchar *url, GError **error);
/* (nullable) the room behind community conversation @id (sd-store-communities.h) */
SdCommunity *sd_account_dup_community (SdAccount *self, const gchar *id);
/* (nullable) the message ids of @community's pinned posts that are stored here */
GStrv sd_account_dup_pinned_messages (SdAccount *self, const SdCommunity *community);
/* an ONS name's Session ID, asked of three random nodes (sd-ons-client.h) */
void sd_account_resolve_name_async (SdAccount *self,
                                    const gchar *name,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gchar *sd_account_resolve_name_finish (SdAccount *self, GAsyncResult *result, GError **error);

/* (element-type SdConversation) */
GPtrArray *sd_account_list_conversations (SdAccount *self, GError **error);
SdConversation *sd_account_get_conversation (SdAccount *self, const gchar *id, GError **error);
SdConversation *sd_account_open_conversation (SdAccount *self, const gchar *id, GError **error);
SdMessage *sd_account_send (SdAccount *self,
                            const gchar *recipient,
                            const gchar *body,
                            GError **error);
/* @quote_id (nullable): a message of the same conversation this one replies to */
SdMessage *sd_account_send_full (SdAccount *self,
                                 const gchar *recipient,
                                 const gchar *body,
                                 const gchar *quote_id,
                                 GError **error);
/* the same with attachments (sd-attachments.h): read and stripped in a worker thread (the
 * fds are duplicated first: the caller may close its own), queued, uploaded before the
 * message goes; @body may then be empty */
void sd_account_send_attachments_async (SdAccount *self,
                                        const gchar *recipient,
                                        const gchar *body,
                                        const gchar *quote_id,
                                        const SdAttachmentSource *sources,
                                        guint n_sources,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
SdMessage *sd_account_send_attachments_finish (SdAccount *self,
                                               GAsyncResult *result,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* our avatar (SetAvatar): the image behind @fd (an image, at most 10 MB, metadata stripped)
 * is encrypted with a new profile key, uploaded, and then sent with our profile */
void sd_account_set_avatar_async (SdAccount *self,
                                  gint fd,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean sd_account_set_avatar_finish (SdAccount *self, GAsyncResult *result, GError **error);
/* no avatar any more (RemoveAvatar) */
gboolean sd_account_remove_avatar (SdAccount *self, GError **error);
/* the UserProfile "allow community message requests" flag (docs/communities.md) */
gboolean sd_account_set_community_message_requests (SdAccount *self,
                                                    gboolean allow,
                                                    GError **error);

/* the file of @conversation's fetched avatar, or NULL (the notification image) */
gchar *sd_account_dup_avatar_path (SdAccount *self, const gchar *conversation);
/* OpenAvatar: a read-only fd of the contact's fetched avatar */
gint sd_account_open_avatar (SdAccount *self, const gchar *conversation, GError **error);

/* the auto-download-max setting */
void sd_account_set_auto_download_max (SdAccount *self, guint max_bytes);
/* DownloadAttachment and OpenAttachment (a new read-only fd) of a message in @conversation */
gboolean sd_account_download_attachment (SdAccount *self, const gchar *conversation,
                                         const gchar *message_id, guint index, GError **error);
gint sd_account_open_attachment (SdAccount *self, const gchar *conversation,
                                 const gchar *message_id, guint index, GError **error);
GPtrArray *sd_account_search (SdAccount *self, const gchar *query, guint limit, GError **error);
GPtrArray *sd_account_get_messages (SdAccount *self,
                                    const gchar *conversation,
                                    gint64 before,
                                    gint64 after,
                                    guint limit,
                                    GError **error);
gboolean sd_account_mark_read (SdAccount *self,
                               const gchar *conversation,
                               gint64 up_to,
                               GError **error);
gboolean sd_account_set_typing (SdAccount *self,
                                const gchar *conversation,
                                gboolean typing,
                                GError **error);
gboolean sd_account_approve (SdAccount *self, const gchar *conversation, GError **error);
gboolean sd_account_set_blocked (SdAccount *self,
                                 const gchar *conversation,
                                 gboolean blocked,
                                 GError **error);
gboolean sd_account_set_muted_until (SdAccount *self,
                                     const gchar *conversation,
                                     gint64 until,
                                     GError **error);
gboolean sd_account_delete_conversation (SdAccount *self,
                                         const gchar *conversation,
                                         GError **error);
/* sd-account-messages.c */
gboolean sd_account_set_nickname (SdAccount *self,
                                  const gchar *conversation,
                                  const gchar *nickname,
                                  GError **error);
/* @mode "off", "after-send" or "after-read" with one of the official timers */
gboolean sd_account_set_expiration (SdAccount *self,
                                    const gchar *conversation,
                                    const gchar *mode,
                                    guint32 timer,
                                    GError **error);
gboolean sd_account_set_reaction (SdAccount *self,
                                  const gchar *conversation,
                                  const gchar *message_id,
                                  const gchar *emoji,
                                  gboolean add,
                                  GError **error);
gboolean sd_account_delete_message (SdAccount *self,
                                    const gchar *conversation,
                                    const gchar *message_id,
                                    gboolean for_everyone,
                                    GError **error);
/* ResendMessage: a failed message of ours in a one-to-one conversation (or Note to Self) is
 * sent again with the same sent-at; of its attachments only those that did not upload are
 * uploaded again (docs/attachments.md) */
gboolean sd_account_resend_message (SdAccount *self,
                                    const gchar *conversation,
                                    const gchar *message_id,
                                    GError **error);
/* @kind "screenshot" or "media-saved" */
gboolean sd_account_report_data_extraction (SdAccount *self,
                                            const gchar *conversation,
                                            const gchar *kind,
                                            const gchar *message_id,
                                            GError **error);
gboolean sd_account_get_peer_typing (SdAccount *self, const gchar *conversation);

/* settings our devices share through the user configs (issue 15; sd-account-config.c) */
#define SD_ACCOUNT_MAX_PRIORITY 1000000
/* -1 hidden, 0 normal, > 0 pinned (higher first) */
gboolean sd_account_set_priority (SdAccount *self,
                                  const gchar *conversation,
                                  gint64 priority,
                                  GError **error);
/* "all", "mentions" or "none" */
gboolean sd_account_set_notify_mode (SdAccount *self,
                                     const gchar *conversation,
                                     const gchar *mode,
                                     GError **error);
gboolean sd_account_set_marked_unread (SdAccount *self,
                                       const gchar *conversation,
                                       gboolean unread,
                                       GError **error);
/* every config namespace was retrieved to its end once (after a restore: contacts are here) */
gboolean sd_account_get_config_synced (SdAccount *self);
/* our profile picture's URL as our devices share it, "" when none */
gchar *sd_account_dup_avatar_url (SdAccount *self);

/* live settings changes (GSettings); take effect from the next poll or action */
void sd_account_set_poll_interval (SdAccount *self, guint interval_ms);
void sd_account_set_read_receipts (SdAccount *self, gboolean enabled);
void sd_account_set_typing_indicators (SdAccount *self, gboolean enabled);

/* signals:
 *   "account-changed" (): state, id, display name or unread count changed
 *   "conversation-changed" (SdConversation *): created or updated
 *   "conversation-removed" (const gchar *id)
 *   "message-added" (SdMessage *, gboolean arrived): new message; @arrived
 *     for one that came from the network (not one we queued)
 *   "message-changed" (SdMessage *)
 *   "typing-changed" (const gchar *conversation, gboolean typing)
 *   "history-added" (GPtrArray *messages): messages caught up on (sent before the catch-up
 *     began, or during an account's first sync), once per applied slice, instead of one
 *     "message-added" each; they raise no notification
 *   "sync-changed" (): sd_account_get_syncing() changed
 *   "caught-up" (GHashTable *counts): a catch-up ended having brought incoming text messages
 *     as history: conversation id → how many, for one summary notification
 *   "started" (): sd_account_start() is done (the account is open, or there is none) */

/* groups v2 (docs/groups.md, sd-account-groups.c): a new group with us as admin; the result is
 * its "03…" id */
void sd_account_create_group_async (SdAccount *self, const gchar *name,
                                    const gchar *const *members, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gchar *sd_account_create_group_finish (SdAccount *self, GAsyncResult *result,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* accepts (or declines: forgets) a group invite */
gboolean sd_account_respond_group_invite (SdAccount *self, const gchar *group_id,
                                          gboolean accept, GError **error);
/* an emoji reaction (or its removal) to a message of a group conversation */
/* our own group text deleted for everyone (sd_groups_unsend); MessageRemoved */
gboolean sd_account_unsend_group (SdAccount *self, const gchar *group_id,
                                  const SdMessage *target, GError **error);
gboolean sd_account_react_group (SdAccount *self, const gchar *group_id, const gchar *message_id,
                                 const gchar *emoji, gboolean add, GError **error);
/* a text message to a group conversation */
SdMessage *sd_account_send_group (SdAccount *self, const gchar *group_id, const gchar *body,
                                  const gchar *quote_id,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* (transfer full) (nullable) a group's members (its Members config) */
GStrv sd_account_dup_group_members (SdAccount *self, const gchar *group_id);
/* what changes a group (sd_groups_set_info_async and the like): an admin's rename or
 * description (@name/@description nullable), destroy, promote or remove (@members), and
 * leaving; the conversation and UserGroups follow */
typedef enum {
  SD_ACCOUNT_GROUP_SET_INFO,
  SD_ACCOUNT_GROUP_DESTROY,
  SD_ACCOUNT_GROUP_PROMOTE,
  SD_ACCOUNT_GROUP_REMOVE,
  SD_ACCOUNT_GROUP_LEAVE,
  SD_ACCOUNT_GROUP_INVITE,               /* @members, from now on */
  SD_ACCOUNT_GROUP_INVITE_WITH_HISTORY,  /* @members, with the keys of the past */
  SD_ACCOUNT_GROUP_REMOVE_WITH_CONTENT,  /* @members, and every text they sent */
} SdAccountGroupChange;
void sd_account_change_group_async (SdAccount *self, SdAccountGroupChange change,
                                    const gchar *group_id, const gchar *name,
                                    const gchar *description, const gchar *const *members,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean sd_account_change_group_finish (SdAccount *self, GAsyncResult *result,
                                         GError **error);
/* an admin removes every text of @members and the messages @message_ids of the group, for
 * everyone (sd_groups_delete_member_content_async); finished by _change_group_finish */
void sd_account_delete_group_content_async (SdAccount *self, const gchar *group_id,
                                            const gchar *const *members,
                                            const gchar *const *message_ids,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* (transfer floating) sd_groups_describe () */
GVariant *sd_account_describe_group (SdAccount *self, const gchar *group_id, GError **error);
/* an "03…" id: a group conversation */
gboolean sd_account_is_group_id (const gchar *id);
/* a group we know (created, joined or invited to) */
gboolean sd_account_has_group (SdAccount *self, const gchar *id);
/* groups v2 beyond text (sd-account-group-media.c, docs/groups.md "Media and disappearing
 * messages"): a message with attachments to a group (finished by
 * sd_account_send_attachments_finish); an admin's new group picture read from @fd; an admin's
 * after-send timer (0: off). The last two are finished by sd_account_group_media_finish */
void sd_account_send_group_attachments_async (SdAccount *self, const gchar *group_id,
                                              const gchar *body, const gchar *quote_id,
                                              const SdAttachmentSource *sources,
                                              guint n_sources, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
void sd_account_set_group_avatar_async (SdAccount *self, const gchar *group_id, gint fd,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
void sd_account_set_group_disappearing_async (SdAccount *self, const gchar *group_id,
                                              guint32 seconds, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
/* an admin clears the group's picture (finished by sd_account_group_media_finish too) */
void sd_account_clear_group_avatar_async (SdAccount *self, const gchar *group_id,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean sd_account_group_media_finish (SdAccount *self, GAsyncResult *result, GError **error);

G_END_DECLS
