/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the parts of SdDaemon share: sd-daemon.c (account, network, conversations) and
 * sd-daemon-messages.c (what is done to single messages: reactions, deletion, disappearing
 * messages, data-extraction notices). Not for use outside the daemon object.
 */

#include "sd-daemon.h"
#include "sd-keys.h"
#include "sd-keystore.h"
#include "sd-network.h"
#include "sd-poller.h"
#include "sd-sender.h"

G_BEGIN_DECLS

struct _SdDaemon {
  GObject parent_instance;

  SdDaemonConfig config;    /* (owned) strings */
  SdKeystore *keystore;     /* (owned) */
  SdIdentity *identity;     /* (owned) (nullable) sodium_malloc'd; NULL before an account */
  SdStore *store;           /* (owned) (nullable) */
  SdNetwork *network;       /* (owned) (nullable) */
  SdPoller *poller;         /* (owned) (nullable) */
  SdSender *sender;         /* (owned) (nullable) */
  gchar *display_name;      /* (owned) */
  const gchar *state;       /* (unowned) static string */
  guint refresh_id;         /* pool refresh timer */
  GHashTable *typing;       /* (owned) conversation id → timeout source id */
  guint expiry_id;          /* the next disappearing message's timer */
};

/* network time when we have a network, else the local clock (ms) */
gint64 now_ms (SdDaemon *self);
/* NoAccount unless there is one */
gboolean require_account (SdDaemon *self, GError **error);
/* @ok, with @local_error (consumed) converted to what D-Bus callers see */
gboolean convert_error (gboolean ok, GError **error, GError *local_error);
/* conversation-changed with @id's current state */
void emit_conversation (SdDaemon *self, const gchar *id);
/* lastProfileUpdateSeconds of our own profile */
guint64 profile_updated (SdDaemon *self);
/* at most 100 characters, no control characters: display names and nicknames */
gboolean check_display_name (const gchar *name, GError **error);
void daemon_emit_message_added (SdDaemon *self, SdMessage *message, gboolean arrived);
void daemon_emit_message_changed (SdDaemon *self, SdMessage *message);
void daemon_emit_message_removed (SdDaemon *self, SdMessage *message);
void daemon_emit_account_changed (SdDaemon *self);

/* sd-daemon-messages.c: removes what has expired (and forgets old removed ids), then arms
 * the timer for the next message to disappear */
void daemon_expire_now (SdDaemon *self);
/* (re)arms the timer for the next message to disappear */
void daemon_schedule_expiry (SdDaemon *self);
/* after-read messages just read: their copies in our swarm are shortened to match */
void daemon_shorten_expiring (SdDaemon *self, GPtrArray *expiring);

G_END_DECLS
