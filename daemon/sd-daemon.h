/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-store.h"

G_BEGIN_DECLS

#define SD_DISPLAY_NAME_MAX 100  /* characters */
#define SD_BODY_MAX 2000         /* UTF-16 code units, like the official clients */

typedef struct {
  gchar *data_dir;             /* where the database (and an opt-in key file) live */
  GStrv seeds;                 /* seed base URLs; NULL: the real network */
  gchar *seed_ca;              /* (nullable) trust this CA for seeds */
  gchar *key_file_passphrase;  /* (nullable) opt in to the key file: path of the passphrase */
  guint poll_interval_ms;
  gboolean read_receipts;      /* send read receipts (off by default, as the official clients) */
  gboolean typing_indicators;  /* send and show typing indicators */
} SdDaemonConfig;

/* the account and everything around it: keystore, store, network, poller,
 * sender. The D-Bus layer (SdDbusService) is a thin client of this. */
#define SD_TYPE_DAEMON (sd_daemon_get_type ())
G_DECLARE_FINAL_TYPE (SdDaemon, sd_daemon, SD, DAEMON, GObject)

SdDaemon *sd_daemon_new (const SdDaemonConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* loads an existing account (keystore, then database) and goes online;
 * without one (or without a keyring) the daemon waits for CreateAccount */
void sd_daemon_start (SdDaemon *self);

/* "uninitialised", "offline", "connecting" or "online" */
const gchar *sd_daemon_get_state (SdDaemon *self);
const gchar *sd_daemon_get_session_id (SdDaemon *self); /* "" without account */
const gchar *sd_daemon_get_display_name (SdDaemon *self);
guint sd_daemon_get_unread_count (SdDaemon *self);

gchar *sd_daemon_create_account (SdDaemon *self, const gchar *display_name, GError **error);
gchar *sd_daemon_restore_account (SdDaemon *self,
                                  const gchar *phrase,
                                  const gchar *display_name,
                                  GError **error);
gchar *sd_daemon_get_recovery_phrase (SdDaemon *self, GError **error);
gboolean sd_daemon_set_display_name (SdDaemon *self, const gchar *name, GError **error);

/* (element-type SdConversation) */
GPtrArray *sd_daemon_list_conversations (SdDaemon *self, GError **error);
SdConversation *sd_daemon_get_conversation (SdDaemon *self, const gchar *id, GError **error);
SdConversation *sd_daemon_open_conversation (SdDaemon *self, const gchar *id, GError **error);
SdMessage *sd_daemon_send (SdDaemon *self,
                           const gchar *recipient,
                           const gchar *body,
                           GError **error);
/* @quote_id (nullable): a message of the same conversation this one replies to */
SdMessage *sd_daemon_send_full (SdDaemon *self,
                                const gchar *recipient,
                                const gchar *body,
                                const gchar *quote_id,
                                GError **error);
GPtrArray *sd_daemon_search (SdDaemon *self, const gchar *query, guint limit, GError **error);
GPtrArray *sd_daemon_get_messages (SdDaemon *self,
                                   const gchar *conversation,
                                   gint64 before,
                                   gint64 after,
                                   guint limit,
                                   GError **error);
gboolean sd_daemon_mark_read (SdDaemon *self,
                              const gchar *conversation,
                              gint64 up_to,
                              GError **error);
gboolean sd_daemon_set_typing (SdDaemon *self,
                               const gchar *conversation,
                               gboolean typing,
                               GError **error);
gboolean sd_daemon_approve (SdDaemon *self, const gchar *conversation, GError **error);
gboolean sd_daemon_set_blocked (SdDaemon *self,
                                const gchar *conversation,
                                gboolean blocked,
                                GError **error);
gboolean sd_daemon_set_muted_until (SdDaemon *self,
                                    const gchar *conversation,
                                    gint64 until,
                                    GError **error);
gboolean sd_daemon_delete_conversation (SdDaemon *self, const gchar *conversation, GError **error);
/* sd-daemon-messages.c */
gboolean sd_daemon_set_nickname (SdDaemon *self,
                                 const gchar *conversation,
                                 const gchar *nickname,
                                 GError **error);
/* @mode "off", "after-send" or "after-read" with one of the official timers */
gboolean sd_daemon_set_expiration (SdDaemon *self,
                                   const gchar *conversation,
                                   const gchar *mode,
                                   guint32 timer,
                                   GError **error);
gboolean sd_daemon_set_reaction (SdDaemon *self,
                                 const gchar *conversation,
                                 const gchar *message_id,
                                 const gchar *emoji,
                                 gboolean add,
                                 GError **error);
gboolean sd_daemon_delete_message (SdDaemon *self,
                                   const gchar *conversation,
                                   const gchar *message_id,
                                   gboolean for_everyone,
                                   GError **error);
/* @kind "screenshot" or "media-saved" */
gboolean sd_daemon_report_data_extraction (SdDaemon *self,
                                           const gchar *conversation,
                                           const gchar *kind,
                                           const gchar *message_id,
                                           GError **error);
gboolean sd_daemon_get_peer_typing (SdDaemon *self, const gchar *conversation);

/* live settings changes (GSettings); take effect from the next poll or action */
void sd_daemon_set_poll_interval (SdDaemon *self, guint interval_ms);
void sd_daemon_set_read_receipts (SdDaemon *self, gboolean enabled);
void sd_daemon_set_typing_indicators (SdDaemon *self, gboolean enabled);

/* signals:
 *   "account-changed" (): state, id, display name or unread count changed
 *   "conversation-changed" (SdConversation *): created or updated
 *   "conversation-removed" (const gchar *id)
 *   "message-added" (SdMessage *, gboolean arrived): new message; @arrived
 *     for one that came from the network (not one we queued)
 *   "message-changed" (SdMessage *)
 *   "typing-changed" (const gchar *conversation, gboolean typing) */

G_END_DECLS
