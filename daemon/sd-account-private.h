/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the parts of SdAccount share: sd-account.c (account, network, keystore, signals),
 * sd-account-conversations.c (conversations, sending, reading), sd-account-messages.c (what is
 * done to single messages: reactions, deletion, disappearing settings, data-extraction notices)
 * and sd-account-config.c (our other devices: the user configs). Calls go one way: the other
 * parts use these; the core calls into them only through the declarations below. Not for use
 * outside the account object.
 */

#include "sd-account.h"
#include "sd-config-sync.h"
#include "sd-communities.h"
#include "sd-expiry.h"
#include "sd-group-poller.h"
#include "sd-groups.h"
#include "sd-keys.h"
#include "sd-keystore.h"
#include "sd-network.h"
#include "sd-poller.h"
#include "sd-sender.h"

G_BEGIN_DECLS

typedef struct _SdOwnAvatar SdOwnAvatar;
typedef struct _SdGroupAvatarKeeper SdGroupAvatarKeeper;

struct _SdAccount {
  GObject parent_instance;

  SdAccountConfig config;   /* (owned) strings */
  SdKeystore *keystore;     /* (owned) */
  SdIdentity *identity;     /* (owned) (nullable) sodium_malloc'd; NULL before an account */
  SdStore *store;           /* (owned) (nullable) */
  SdNetwork *network;       /* (owned) (nullable) */
  SdPoller *poller;         /* (owned) (nullable) */
  SdSender *sender;         /* (owned) (nullable) */
  SdGroups *groups;         /* (owned) (nullable) groups v2, with the network */
  SdGroupPoller *group_poller; /* (owned) (nullable) */
  SdExpiry *expiry;         /* (owned) (nullable) disappearing messages */
  SdAttachments *attachments; /* (owned) (nullable) with the network */
  SdConfigSync *config_sync; /* (owned) (nullable) our devices' shared settings (issue 15) */
  SdCommunities *communities; /* (owned) (nullable) with the network */
  gchar *display_name;      /* (owned) */
  const gchar *state;       /* (unowned) static string */
  guint refresh_id;         /* pool refresh timer */
  guint prune_id;           /* hourly pruning of the seen-hashes table */
  GHashTable *typing;       /* (owned) conversation id → timeout source id */
  gboolean adopting;        /* a create or restore is under way */
  gboolean created;         /* the account being opened was just created */
  gboolean starting;        /* sd_account_start() is reading the keystore */
  gboolean network_held;    /* sd_account_hold_network () */
  gboolean online;          /* the poller and sender were started */
  GList *waiting_adoptions; /* (owned) (element-type GTask) adopt() calls waiting for it */
  gint n_started;           /* conversations we started or accepted; -1: count again */
  /* catch-up (docs/architecture.md, "Catching up"): progress, and what the summary counts */
  gboolean syncing;
  guint64 sync_fetched;       /* items applied since the catch-up began */
  GHashTable *sync_updated;   /* (owned) conversation ids that got messages during it */
  guint history_messages;     /* history messages the summary notification counts */
  GHashTable *history_conversations; /* (owned) their conversations → how many in each */
  SdOwnAvatar *own_avatar;    /* (owned) (nullable) sd-account-avatar.c, while online */
  SdGroupAvatarKeeper *group_avatars; /* (owned) (nullable) sd-account-group-avatar.c, online */
};

/* announces what a store batch changed, as for the poller's batches */
void sd_account_apply_changes (SdAccount *self, SdStoreChanges *changes);
/* network time when we have a network, else the local clock (ms) */
gint64 sd_account_now_ms (SdAccount *self);
/* NoAccount unless there is one */
gboolean sd_account_require (SdAccount *self, GError **error);
/* a user Session ID, as given over the bus: InvalidSessionId otherwise */
gboolean sd_account_check_session_id (const gchar *id, GError **error);
/* sd-account-groups.c: a group's UserGroups entry written again from the store */
void sd_account_sync_group (SdAccount *self, const gchar *group_id);
/* shows or clears @id's typing indicator (it clears itself after its TTL) */
void sd_account_set_peer_typing (SdAccount *self, const gchar *id, gboolean typing);
/* conversation-changed with @id's current state */
void sd_account_emit_conversation (SdAccount *self, const gchar *id);
/* lastProfileUpdateSeconds of our own profile */
guint64 sd_account_profile_updated (SdAccount *self);
/* display names and nicknames (sd_display_name_check): InvalidArgument naming the rule */
gboolean sd_account_check_display_name (const gchar *name, GError **error);
/* InvalidArgument when one more conversation we start would pass SD_ACCOUNT_MAX_STARTED */
gboolean sd_account_check_can_start (SdAccount *self, const gchar *id, GError **error);
/* the same cap for a conversation that cannot exist yet (a group we create) */
gboolean sd_account_check_can_start_new (SdAccount *self, GError **error);
/* a message body: 1 to SD_BODY_MAX UTF-16 code units of valid UTF-8 */
gboolean sd_account_check_body (const gchar *body, GError **error);
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

/* ---- our other devices (sd-account-config.c) ---- */

/* creates SdConfigSync and connects it to the poller and the account; go_online() starts it */
void sd_account_config_setup (SdAccount *self);
/* our avatar in the settings changed (UserProfile from another device): send and fetch it */
void sd_account_own_avatar_changed (SdAccount *self);
/* our avatar in the settings to the sender (URL and profile key, or none) */
void sd_account_load_own_avatar (SdAccount *self);

/* ---- the pictures of groups we administer kept on the file server
 * (sd-account-group-avatar.c) ---- */

/* with the network: plans the next renewal from the settings; stop cancels it */
void sd_account_group_avatar_keeper_start (SdAccount *self);
void sd_account_group_avatar_keeper_stop (SdAccount *self);
/* SetGroupAvatar uploaded @url for @group_id, kept until @expires (0: not said) */
void sd_account_group_avatar_keeper_uploaded (SdAccount *self, const gchar *group_id,
                                              const gchar *url, gint64 expires);

/* ---- our avatar kept on the file server (sd-account-avatar.c) ---- */

/* with the network: plans the next renewal from the settings; stop cancels it */
void sd_account_avatar_keeper_start (SdAccount *self);
void sd_account_avatar_keeper_stop (SdAccount *self);
/* SetAvatar uploaded @url, which the server keeps until @expires (0: not said) */
void sd_account_avatar_keeper_uploaded (SdAccount *self, const gchar *url, gint64 expires);
/* our avatar changed otherwise (removed, or set on another device): planned again */
void sd_account_avatar_keeper_changed (SdAccount *self);
/* fetching our avatar set on another device failed / succeeded: tried again with backoff
 * (5 attempts, as a contact's) when the failure may pass */
void sd_account_own_avatar_fetch_failed (SdAccount *self, const gchar *url, const GError *error);
void sd_account_own_avatar_fetched (SdAccount *self);
/* before a tick's changes are announced: synced read positions, Note to Self, hidden ones */
void sd_account_config_apply_changes (SdAccount *self, SdStoreChanges *changes);
/* MarkRead up to @up_to: the shared read position moves, "marked unread" ends */
void sd_account_config_read (SdAccount *self, SdConversation *existing, gint64 newest_read);
/* a local change to conversation @id's settings: recorded in the user configs for our other
 * devices (sd-config-sync.c) */
void sd_account_config_contact_changed (SdAccount *self, const gchar *id);
/* conversation @id was created here (sd_config_sync_conversation_created) */
void sd_account_config_conversation_created (SdAccount *self, const gchar *id);

G_END_DECLS
