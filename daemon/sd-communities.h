/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-account.h"
#include "sd-store-communities.h"

G_BEGIN_DECLS

/* the desktop's poll cadence for a community server */
#define SD_COMMUNITIES_POLL_MS 10000
/* a failing server is asked again after the cadence doubled per failure, up to this */
#define SD_COMMUNITIES_BACKOFF_MAX_MS (5 * 60 * 1000)

/* the account's communities (docs/communities.md): joining by URL, one poll per server per
 * tick through onion requests, posts and their reactions and deletions into the store, and
 * posting, reacting and deleting our own posts */
#define SD_TYPE_COMMUNITIES (sd_communities_get_type ())
G_DECLARE_FINAL_TYPE (SdCommunities, sd_communities, SD, COMMUNITIES, GObject)

/* @account (unowned) must outlive the result; it gives store, network, keys and signals */
SdCommunities *sd_communities_new (SdAccount *account,
                                   guint poll_interval_ms) G_GNUC_WARN_UNUSED_RESULT;
void sd_communities_start (SdCommunities *self);
void sd_communities_stop (SdCommunities *self);
/* polls every server now */
void sd_communities_poll_now (SdCommunities *self);

/* "connecting" (not polled yet), "online" (the last poll was answered) or "offline" (it
 * failed: the server is down, slow, refusing or answering garbage) */
const gchar *sd_communities_room_state (SdCommunities *self, const SdCommunity *room);

/* the conversation id a join URL gives ("0c" + hex of BLAKE2b-256 of the room's address) */
gchar *sd_communities_id_for (const gchar *base_url, const gchar *room);

/* checks @url strictly (SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL), stores the room and polls
 * it; the result is the conversation's id */
gchar *sd_communities_join (SdCommunities *self, const gchar *url, GError **error);

/* a post to the room: the result is the stored SdMessage once the server has it */
void sd_communities_post_async (SdCommunities *self,
                                const gchar *id,
                                const gchar *body,
                                const gchar *quote_id,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
SdMessage *sd_communities_post_finish (SdCommunities *self,
                                       GAsyncResult *result,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* a post with attachments: each file is read and stripped of metadata as for a 1:1 message,
 * then uploaded to the room (POST /room/{r}/file) as it is, NOT encrypted: anyone who can
 * read the room can read it (docs/communities.md). @body may be "". Finished with
 * sd_communities_post_finish */
void sd_communities_post_files_async (SdCommunities *self,
                                      const gchar *id,
                                      const gchar *body,
                                      const gchar *quote_id,
                                      const SdAttachmentSource *sources,
                                      guint n_sources,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);

/* a community DM (POST /inbox/{to}) to the blinded id @to met in room @id. To a contact
 * recognised behind it, the message is stored in our 1:1 conversation with them, where their
 * answers arrive too; to anyone else, in a conversation keyed by @to, which merges into the
 * 1:1 one once their real Session ID is known. The result is the stored SdMessage
 * (sd_communities_post_finish) */
void sd_communities_dm_async (SdCommunities *self,
                              const gchar *id,
                              const gchar *to,
                              const gchar *body,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);

/* a further DM in the conversation keyed by @blinded_id (through a room we joined on its
 * server); finished with sd_communities_post_finish */
void sd_communities_dm_blinded_async (SdCommunities *self,
                                      const gchar *blinded_id,
                                      const gchar *body,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);

/* PUT or DELETE /room/{r}/reaction/{id}/{emoji} */
void sd_communities_react_async (SdCommunities *self,
                                 const gchar *id,
                                 const gchar *message_id,
                                 const gchar *emoji,
                                 gboolean add,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* POST /room/{r}/pin/{id} or /unpin/{id} (admins only: NotAuthor otherwise) */
void sd_communities_pin_async (SdCommunities *self,
                               const gchar *id,
                               const gchar *message_id,
                               gboolean pin,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
/* DELETE /room/{r}/message/{id} of our own post (or any post when we moderate the room) */
void sd_communities_delete_async (SdCommunities *self,
                                  const gchar *id,
                                  const gchar *message_id,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean sd_communities_finish (SdCommunities *self, GAsyncResult *result, GError **error);

/* ResendMessage of our failed post @message_id in room @id: back to "sending" at once (the
 * same sent-at), its room files that did not go up uploaded again from their kept copies
 * (those that did keep their pointers), then posted; "sent" or "failed" again after, each
 * step a "message-changed". NotFound, or the store's INVALID when it is not a failed one of
 * ours (docs/communities.md, "Resending") */
gboolean sd_communities_resend (SdCommunities *self, const gchar *id, const gchar *message_id,
                                GError **error);

G_END_DECLS
