/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-ingest.h"
#include "sd-keys.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/*
 * SdConfigSync: the account's four user configs (UserProfile, Contacts, ConvoInfoVolatile,
 * UserGroups) kept in step with our other devices (issue 15, docs/config-sync.md).
 *
 * Receive: the poller hands over each config namespace's new items; they are merged with the
 * current state by the engine (daemon/protocol/config/), the result is persisted and its keys
 * applied to the store. Push: a local change updates the right config, which becomes dirty
 * (persisted); after a short debounce one signed batch stores the new blob (TTL 30 days) and
 * deletes the items it includes. A push that fails or is interrupted is retried, from the
 * persisted state after a restart; what others pushed meanwhile is merged and pushed again.
 */

/* how long a local change waits for more before it is pushed */
#define SD_CONFIG_SYNC_DEBOUNCE_MS 1500
/* TTL of a pushed config (the longest a swarm keeps anything) */
#define SD_CONFIG_SYNC_TTL_MS (G_GINT64_CONSTANT (30) * 24 * 3600 * 1000)

#define SD_TYPE_CONFIG_SYNC (sd_config_sync_get_type ())
G_DECLARE_FINAL_TYPE (SdConfigSync, sd_config_sync, SD, CONFIG_SYNC, GObject)

/* loads the persisted state; @network may be NULL (tests of the apply and merge logic:
 * nothing is pushed then) */
SdConfigSync *sd_config_sync_new (SdNetwork *network,
                                  SdStore *store,
                                  const SdIdentity *identity) G_GNUC_WARN_UNUSED_RESULT;
void sd_config_sync_start (SdConfigSync *self);
void sd_config_sync_stop (SdConfigSync *self);

/* the config namespaces (2, 3, 4, 5), in the order the poller asks for them */
extern const gint sd_config_sync_namespaces[4];

/* the new items (element-type SdRetrieveItem) retrieved in config namespace
 * @cursor->namespace_; @complete when the node had no more. The items taken are marked seen
 * and @cursor's rows (the swarm's or a member's retrieve cursor, sd-retrieve-cursor.h) moved
 * to the last one, in one store batch. Undecodable items are skipped (kept on the swarm: a
 * newer client may read them) */
void sd_config_sync_receive (SdConfigSync *self,
                             const SdIngestCursor *cursor,
                             GPtrArray *items,
                             gboolean complete);

/* whether every config namespace has been retrieved to its end once (after a restore:
 * the account's contacts and settings are here) */
gboolean sd_config_sync_get_synced (SdConfigSync *self);

/* ---- local changes: each reads the store's current state and updates the config ---- */

/* a contact's settings (name, nickname, approved, blocked, mute, notify mode, priority,
 * disappearing setting) as its conversation row has them now */
void sd_config_sync_contact_changed (SdConfigSync *self, const gchar *id, gint64 now_ms);
/* a conversation was started here (opened, or a first message sent): a new contact goes
 * into the config; Note to Self takes the settings the config has for it */
/* a contact's profile (name, picture) changed through a message: the Contacts config follows
 * when the contact is in it, as the official clients record the newest profile they saw */
void sd_config_sync_contact_profile_changed (SdConfigSync *self, const gchar *id,
                                             gint64 now_ms);
void sd_config_sync_conversation_created (SdConfigSync *self, const gchar *id, gint64 now_ms);
/* the conversation was deleted here */
void sd_config_sync_contact_removed (SdConfigSync *self, const gchar *id);
/* the conversation's read position and "marked unread" flag, as stored */
void sd_config_sync_read_changed (SdConfigSync *self, const gchar *id, gint64 now_ms);
/* our display name and avatar (URL and profile key), as stored in the settings */
void sd_config_sync_profile_changed (SdConfigSync *self);
/* our avatar, as stored in the settings, is the same picture uploaded again (its file would
 * expire): written as UserProfile's re-upload ("P"/"Q"/"T") */
void sd_config_sync_avatar_reuploaded (SdConfigSync *self);

/* communities (docs/communities.md): the UserGroups entry of a joined room (@id), with its
 * priority, as stored; and its removal once left */
void sd_config_sync_community_changed (SdConfigSync *self, const gchar *id, gint64 now_ms);
void sd_config_sync_community_removed (SdConfigSync *self,
                                      const gchar *base_url,
                                      const gchar *room);
/* the "allow community message requests" flag, as stored in the settings */
void sd_config_sync_message_requests_changed (SdConfigSync *self);
/* whether anything is still to be pushed (for tests and diagnostics) */
/* groups v2: our UserGroups entry of @group (created, accepted, invited) or its removal */
/* the group was destroyed: its UserGroups entry says so ("d") */
void sd_config_sync_group_destroyed (SdConfigSync *self, const gchar *id);
void sd_config_sync_group_changed (SdConfigSync *self, const SdStoreGroup *group,
                                   const gchar *name, gint64 now_ms);
void sd_config_sync_group_removed (SdConfigSync *self, const gchar *id);
gboolean sd_config_sync_has_pending (SdConfigSync *self);
/* the current seqno of config @kind (SdConfigKind), -1 when there is none */
gint64 sd_config_sync_get_seqno (SdConfigSync *self, gint kind);

/* signals:
 *   "conversation-changed" (const gchar *id): a received config changed this conversation
 *   "conversation-removed" (const gchar *id): another device deleted it; deleted here
 *   "profile-changed" (): a received config changed our display name or avatar
 *   "synced-changed" () */

G_END_DECLS
