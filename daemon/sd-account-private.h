/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the parts of SdAccount share: sd-account.c (account, network, keystore, signals),
 * sd-account-conversations.c (conversations, sending, reading) and sd-account-messages.c (what is done to single messages: reactions, deletion, disappearing
 * settings, data-extraction notices). Calls go one way: the messages part uses these; the
 * core never calls into the messages part. Not for use outside the account object.
 */

#include "sd-account.h"
#include "sd-communities.h"
#include "sd-expiry.h"
#include "sd-keys.h"
#include "sd-keystore.h"
#include "sd-network.h"
#include "sd-poller.h"
#include "sd-sender.h"

G_BEGIN_DECLS

struct _SdAccount {
  GObject parent_instance;

  SdAccountConfig config;   /* (owned) strings */
  SdKeystore *keystore;     /* (owned) */
  SdIdentity *identity;     /* (owned) (nullable) sodium_malloc'd; NULL before an account */
  SdStore *store;           /* (owned) (nullable) */
  SdNetwork *network;       /* (owned) (nullable) */
  SdPoller *poller;         /* (owned) (nullable) */
  SdSender *sender;         /* (owned) (nullable) */
  SdExpiry *expiry;         /* (owned) (nullable) disappearing messages */
  SdAttachments *attachments; /* (owned) (nullable) with the network */
  SdCommunities *communities; /* (owned) (nullable) with the network */
  gchar *display_name;      /* (owned) */
  const gchar *state;       /* (unowned) static string */
  guint refresh_id;         /* pool refresh timer */
  guint prune_id;           /* hourly pruning of the seen-hashes table */
  GHashTable *typing;       /* (owned) conversation id → timeout source id */
  gboolean adopting;        /* a create or restore is under way */
  gint n_started;           /* conversations we started or accepted; -1: count again */
};

/* announces what a store batch changed, as for the poller's batches */
void sd_account_apply_changes (SdAccount *self, SdStoreChanges *changes);
/* network time when we have a network, else the local clock (ms) */
gint64 sd_account_now_ms (SdAccount *self);
/* NoAccount unless there is one */
gboolean sd_account_require (SdAccount *self, GError **error);
/* a user Session ID, as given over the bus: InvalidSessionId otherwise */
gboolean sd_account_check_session_id (const gchar *id, GError **error);
/* shows or clears @id's typing indicator (it clears itself after its TTL) */
void sd_account_set_peer_typing (SdAccount *self, const gchar *id, gboolean typing);
/* conversation-changed with @id's current state */
void sd_account_emit_conversation (SdAccount *self, const gchar *id);
/* lastProfileUpdateSeconds of our own profile */
guint64 sd_account_profile_updated (SdAccount *self);
/* display names and nicknames (sd_display_name_check): InvalidArgument naming the rule */
gboolean sd_account_check_display_name (const gchar *name, GError **error);
/* drops the quoted body of a message whose quote is not in its own conversation */
void sd_account_check_quote (SdAccount *self, SdMessage *message);
void sd_account_check_quotes (SdAccount *self, GPtrArray *messages);
/* InvalidArgument when one more conversation we start would pass SD_ACCOUNT_MAX_STARTED */
gboolean sd_account_check_can_start (SdAccount *self, const gchar *id, GError **error);
void sd_account_emit_conversation_changed (SdAccount *self, SdConversation *conversation);
void sd_account_emit_conversation_removed (SdAccount *self, const gchar *id);
void sd_account_emit_message_added (SdAccount *self, SdMessage *message, gboolean arrived);
void sd_account_emit_message_changed (SdAccount *self, SdMessage *message);
void sd_account_emit_message_removed (SdAccount *self, SdMessage *message);
void sd_account_emit_account_changed (SdAccount *self);
/* (re)arms the timer of the next message to disappear */
void sd_account_schedule_expiry (SdAccount *self);
/* after-read messages just read: their copies in our own swarm are shortened to match */
void sd_account_shorten_expiring (SdAccount *self, GPtrArray *expiring);

G_END_DECLS
