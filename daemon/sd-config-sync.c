/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdConfigSync"

#include "sd-config-sync.h"

#include <string.h>

#include <sodium.h>

#include "sd-backoff.h"
#include "sd-blinding.h"
#include "sd-communities.h"
#include "sd-config-blinded-contacts.h"
#include "sd-config-communities.h"
#include "sd-config-contacts.h"
#include "sd-config-diff.h"
#include "sd-config-convo-info.h"
#include "sd-config-kind.h"
#include "sd-config-merge.h"
#include "sd-config-message.h"
#include "sd-config-push.h"
#include "sd-config-fields.h"
#include "sd-config-user-groups.h"
#include "sd-config-user-profile.h"
#include "sd-display-name.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-sogs-url.h"
#include "sd-storage-rpc.h"

const gint sd_config_sync_namespaces[4] = { 2, 3, 4, 5 };

/* the obsolete items one push deletes at most (a namespace holds a handful) */
#define MAX_SWARM_HASHES 48
#define PUSH_MAX_BACKOFF_MS 60000
#define SETTING_SYNCED "config-synced"
/* "pending" or "done": the one-time entry of older conversations into Contacts */
#define SETTING_CONTACTS_MIGRATION "config-contacts-migration"
/* entries of one config applied at most (the account bounds what it starts the same way) */
#define MAX_SYNCED_ENTRIES 10000

typedef struct {
  SdConfigMessage *current;   /* (owned) (nullable) the merged state */
  GPtrArray *swarm_hashes;    /* (owned) (element-type utf8) stored items it includes */
  gchar *pushed_hash;         /* (owned) (nullable) our item holding it */
  gboolean dirty;             /* to be pushed */
  gboolean retrieved;         /* retrieved to the end in this run */
  gboolean in_flight;
  /* (owned) (nullable) the data before the local changes made while not yet synced: what
   * they changed is replayed on top of what arrives (rebase_local_changes) */
  SdConfigValue *local_base;
} ConfigState;

struct _SdConfigSync {
  GObject parent_instance;

  SdNetwork *network;         /* (owned) (nullable) */
  SdStore *store;             /* (owned) */
  const SdIdentity *identity; /* (unowned) owned by the account */
  ConfigState configs[SD_CONFIG_N_KINDS];
  gboolean synced;
  gboolean migrate_contacts;  /* conversations from before config sync still to enter Contacts */
  gboolean running;
  guint push_id;
  guint failures;
  GCancellable *cancellable;  /* (owned) */
};

enum {
  SIGNAL_CONVERSATION_CHANGED,
  SIGNAL_CONVERSATION_REMOVED,
  SIGNAL_PROFILE_CHANGED,
  SIGNAL_SYNCED_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdConfigSync, sd_config_sync, G_TYPE_OBJECT)

static void schedule_push (SdConfigSync *self, guint delay_ms);
static SdConfigValue *current_data (SdConfigSync *self, SdConfigKind kind);

static gboolean
kind_for_namespace (gint namespace_, SdConfigKind *out_kind)
{
  for (gint kind = 0; kind < SD_CONFIG_N_KINDS; kind++) {
    if (sd_config_kind_namespace (kind) == namespace_) {
      *out_kind = kind;
      return TRUE;
    }
  }
  return FALSE;
}

static void
add_swarm_hash (ConfigState *state, const gchar *hash)
{
  if (hash == NULL || g_strcmp0 (hash, state->pushed_hash) == 0)
    return;
  for (guint i = 0; i < state->swarm_hashes->len; i++)
    if (g_str_equal (g_ptr_array_index (state->swarm_hashes, i), hash))
      return;
  /* beyond the bound the oldest is forgotten: it expires on the swarm by itself */
  if (state->swarm_hashes->len >= MAX_SWARM_HASHES)
    g_ptr_array_remove_index (state->swarm_hashes, 0);
  g_ptr_array_add (state->swarm_hashes, g_strdup (hash));
}

/* ---- persistence ---- */

static gboolean
write_state (SdConfigSync *self, SdConfigKind kind, GError **error)
{
  ConfigState *state = &self->configs[kind];
  g_auto(SdStoreUserConfig) row = { 0 };

  if (state->current == NULL)
    return TRUE;
  row.message = sd_config_message_serialize (state->current);
  row.seqno = sd_config_message_get_seqno (state->current);
  row.swarm_hashes = g_new0 (gchar *, state->swarm_hashes->len + 1);
  for (guint i = 0; i < state->swarm_hashes->len; i++)
    row.swarm_hashes[i] = g_strdup (g_ptr_array_index (state->swarm_hashes, i));
  row.dirty = state->dirty;
  row.pushed_hash = g_strdup (state->pushed_hash);
  return sd_store_save_user_config (self->store, kind, &row, error);
}

static void
save_state (SdConfigSync *self, SdConfigKind kind)
{
  g_autoptr(GError) error = NULL;

  if (!write_state (self, kind, &error))
    g_warning ("could not save config %s: %s", sd_config_kind_domain (kind), error->message);
}

static void
load_state (SdConfigSync *self, SdConfigKind kind)
{
  ConfigState *state = &self->configs[kind];
  g_auto(SdStoreUserConfig) row = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  gsize len = 0;
  const guint8 *data;

  if (!sd_store_load_user_config (self->store, kind, &row, &found, &error)) {
    g_warning ("could not load config %s: %s", sd_config_kind_domain (kind), error->message);
    return;
  }
  if (!found)
    return;
  data = g_bytes_get_data (row.message, &len);
  state->current = sd_config_message_parse (data, len, SD_CONFIG_DEFAULT_LAG, &error);
  if (state->current == NULL) {
    g_autoptr(GError) forget_error = NULL;

    /* what the swarm holds brings it back: retrieve the namespace from its start */
    g_warning ("stored config %s does not parse: %s", sd_config_kind_domain (kind),
               error->message);
    if (!sd_store_forget_last_hashes (self->store, sd_config_kind_namespace (kind),
                                      &forget_error))
      g_warning ("could not retrieve config %s again: %s", sd_config_kind_domain (kind),
                 forget_error->message);
    return;
  }
  for (guint i = 0; row.swarm_hashes != NULL && row.swarm_hashes[i] != NULL; i++)
    add_swarm_hash (state, row.swarm_hashes[i]);
  state->pushed_hash = g_strdup (row.pushed_hash);
  state->dirty = row.dirty;
}

/* the base of the local changes made before the first sync is kept across restarts, in a
 * setting per config (NULL: none) */
#define SETTING_LOCAL_BASE "config-local-base-"
#define LOCAL_BASE_MAX_B64 (2 * 1024 * 1024)

static gboolean
write_local_base (SdConfigSync *self, SdConfigKind kind, GError **error)
{
  g_autofree gchar *key = g_strconcat (SETTING_LOCAL_BASE, sd_config_kind_domain (kind), NULL);
  SdConfigValue *base = self->configs[kind].local_base;
  g_autoptr(GBytes) bytes = base != NULL ? sd_config_value_to_bytes (base) : NULL;
  g_autofree gchar *b64 = bytes != NULL ? g_base64_encode (g_bytes_get_data (bytes, NULL),
                                                           g_bytes_get_size (bytes))
                                        : NULL;

  return sd_store_set_setting (self->store, key, b64, error);
}

static void
load_local_base (SdConfigSync *self, SdConfigKind kind)
{
  g_autofree gchar *key = g_strconcat (SETTING_LOCAL_BASE, sd_config_kind_domain (kind), NULL);
  g_autofree gchar *b64 = sd_store_get_setting (self->store, key, NULL);
  g_autofree guchar *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (b64 == NULL || strlen (b64) > LOCAL_BASE_MAX_B64)
    return;
  data = g_base64_decode (b64, &len);
  self->configs[kind].local_base = sd_config_value_decode (data, len, &error);
  if (self->configs[kind].local_base != NULL &&
      sd_config_value_kind (self->configs[kind].local_base) != SD_CONFIG_VALUE_DICT)
    g_clear_pointer (&self->configs[kind].local_base, sd_config_value_free);
  if (error != NULL)
    g_debug ("stored base of local config changes left: %s", error->message);
}

/* back to what the store holds (after a receive whose transaction did not commit) */
static void
reload_state (SdConfigSync *self, SdConfigKind kind)
{
  ConfigState *state = &self->configs[kind];

  g_clear_pointer (&state->current, sd_config_message_free);
  g_clear_pointer (&state->pushed_hash, g_free);
  g_ptr_array_set_size (state->swarm_hashes, 0);
  state->dirty = FALSE;
  load_state (self, kind);
}

/* ---- applying the merged configs to the store ---- */

static gint64
seconds_to_ms (gint64 seconds)
{
  if (seconds <= 0)
    return 0;
  if (seconds >= G_MAXINT64 / 1000)
    return G_MAXINT64;
  return seconds * 1000;
}

static gint64
ms_to_seconds (gint64 ms)
{
  return ms == G_MAXINT64 ? G_MAXINT64 / 1000 : MAX (ms, 0) / 1000;
}

static const gchar *
expiration_name (SdConfigExpiration expiration)
{
  switch (expiration) {
  case SD_CONFIG_EXPIRATION_AFTER_SEND:
    return "after-send";
  case SD_CONFIG_EXPIRATION_AFTER_READ:
    return "after-read";
  default:
    return "off";
  }
}

static SdConfigExpiration
expiration_from_name (const gchar *name)
{
  if (g_strcmp0 (name, "after-send") == 0)
    return SD_CONFIG_EXPIRATION_AFTER_SEND;
  if (g_strcmp0 (name, "after-read") == 0)
    return SD_CONFIG_EXPIRATION_AFTER_READ;
  return SD_CONFIG_EXPIRATION_NONE;
}

static void
emit_changed_ids (SdConfigSync *self, GPtrArray *ids)
{
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, g_ptr_array_index (ids, i));
}

/* whether a received Contacts entry's picture replaces the one stored. The stored one came
 * from a dated profile in a message or from an earlier config; the config's entry is newer
 * only where it changed since the state we had (another device saw a newer profile or a
 * removal). An entry new to us only fills a gap: a picture we already have came with a
 * dated profile, which every device of the account received as well */
static gboolean
contact_avatar_applies (SdConfigSync *self, SdConfigValue *before, const SdConfigContact *contact)
{
  g_auto(SdConfigContact) old = { 0 };
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;

  sd_config_contact_init (&old, contact->session_id);
  if (before != NULL && sd_config_contacts_get (before, contact->session_id, &old, NULL))
    return g_strcmp0 (old.avatar_url, contact->avatar_url) != 0 ||
           (contact->avatar_url != NULL && memcmp (old.avatar_key, contact->avatar_key, 32) != 0);
  return contact->avatar_url != NULL &&
         !sd_store_get_avatar (self->store, contact->session_id, &url, &key, &file, NULL);
}

static gboolean
apply_contacts (SdConfigSync *self, SdConfigValue *data, SdConfigValue *before, GError **error)
{
  g_autoptr(GPtrArray) ids = sd_config_contacts_list (data);
  g_autoptr(GArray) contacts = g_array_new (FALSE, TRUE, sizeof (SdConfigContact));
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (SdStoreSyncedContact));
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  gboolean ok;

  for (guint i = 0; i < ids->len && i < MAX_SYNCED_ENTRIES; i++) {
    SdConfigContact contact;

    if (g_str_equal (g_ptr_array_index (ids, i), self->identity->session_id))
      continue;
    sd_config_contact_init (&contact, g_ptr_array_index (ids, i));
    if (!sd_config_contacts_get (data, g_ptr_array_index (ids, i), &contact, NULL)) {
      sd_config_contact_clear (&contact);
      continue;
    }
    g_array_append_val (contacts, contact);
  }
  for (guint i = 0; i < contacts->len; i++) {
    SdConfigContact *contact = &g_array_index (contacts, SdConfigContact, i);
    /* another client's values, checked as ours would be: names made showable (a name of
     * only bidi overrides is none), a picture only with a URL we would fetch */
    gchar *name = sd_display_name_clean (contact->name);
    gchar *nickname = sd_display_name_clean (contact->nickname);
    gboolean avatar_ok = contact->avatar_url == NULL ||
                         sd_config_avatar_url_valid (contact->avatar_url);
    SdStoreSyncedContact row = {
      .id = contact->session_id,
      .name = name,
      .nickname = nickname,
      .approved = contact->approved,
      .they_approved = contact->approved_me,
      .blocked = contact->blocked,
      .muted_until = seconds_to_ms (contact->mute_until),
      .priority = contact->priority,
      .notify_mode = CLAMP ((gint) contact->notifications, 0, 3),
      .expiration_mode = expiration_name (contact->expiration),
      .expiration_timer = contact->expiration == SD_CONFIG_EXPIRATION_NONE
                            ? 0 : CLAMP (contact->expiration_seconds, 0, G_MAXUINT32),
      .set_avatar = avatar_ok && contact_avatar_applies (self, before, contact),
      .avatar_url = contact->avatar_url,
      .avatar_key = contact->avatar_key,
      .created_at = seconds_to_ms (contact->created),
    };

    g_ptr_array_add (names, name);
    g_ptr_array_add (names, nickname);
    g_array_append_val (rows, row);
  }
  ok = sd_store_apply_synced_contacts (self->store, (const SdStoreSyncedContact *) rows->data,
                                       rows->len, &changed, error);
  for (guint i = 0; i < contacts->len; i++)
    sd_config_contact_clear (&g_array_index (contacts, SdConfigContact, i));
  emit_changed_ids (self, changed);
  return ok;
}

/* the rooms' read positions (ConvoInfoVolatile "o"), for the rooms joined here */
static gboolean
apply_community_reads (SdConfigSync *self, SdConfigValue *data, GError **error)
{
  g_autoptr(GArray) reads = sd_config_community_reads_list (data);
  g_autoptr(GPtrArray) rooms = NULL;

  if (reads->len == 0)
    return TRUE;
  rooms = sd_store_list_communities (self->store, NULL);
  for (guint i = 0; rooms != NULL && i < rooms->len; i++) {
    const SdCommunity *room = g_ptr_array_index (rooms, i);
    g_autoptr(SdConversation) conversation = NULL;
    const SdConfigCommunityRead *read = NULL;
    gboolean changed = FALSE;

    /* the config keys rooms by their lower-case token */
    for (guint j = 0; j < reads->len && j < MAX_SYNCED_ENTRIES && read == NULL; j++) {
      const SdConfigCommunityRead *r = &g_array_index (reads, SdConfigCommunityRead, j);

      if (g_str_equal (r->base_url, room->base_url) &&
          g_ascii_strcasecmp (r->room, room->room) == 0)
        read = r;
    }
    if (read == NULL || (conversation = sd_store_get_conversation (self->store, room->id,
                                                                   NULL)) == NULL)
      continue;
    if (!sd_store_set_read_state (self->store, room->id, read->last_read_ms, read->unread,
                                  &changed, error))
      return FALSE;
    if (read->last_read_ms > 0 && conversation->unread > 0) {
      if (!sd_store_mark_read (self->store, room->id, read->last_read_ms, NULL, NULL, error))
        return FALSE;
      changed = TRUE;
    }
    if (changed)
      g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, room->id);
  }
  return TRUE;
}

static gboolean
apply_convo_info (SdConfigSync *self, SdConfigValue *data, GError **error)
{
  SdConfigValue *one_to_one = sd_config_value_dict_get (data, "1");
  guint n;

  if (!apply_community_reads (self, data, error))
    return FALSE;
  if (one_to_one == NULL || sd_config_value_kind (one_to_one) != SD_CONFIG_VALUE_DICT)
    return TRUE;
  n = MIN (sd_config_value_length (one_to_one), MAX_SYNCED_ENTRIES);
  for (guint i = 0; i < n; i++) {
    gsize len = 0;
    const guint8 *key = sd_config_value_dict_key (one_to_one, i, &len);
    gchar id[SD_SESSION_ID_LEN + 1];
    g_autoptr(SdConversation) conversation = NULL;
    SdConfigConvo convo = { 0 };
    gboolean changed = FALSE;

    if (len != 33 || key[0] != 0x05)
      continue;
    sd_account_id_format (key[0], key + 1, id);
    if (!sd_config_convo_info_get (data, id, &convo, NULL))
      continue;
    conversation = sd_store_get_conversation (self->store, id, NULL);
    if (conversation == NULL)
      continue;
    if (!sd_store_set_read_state (self->store, id, MAX (convo.last_read_ms, 0), convo.unread,
                                  &changed, error))
      return FALSE;
    if (convo.last_read_ms > 0 && conversation->unread > 0) {
      if (!sd_store_mark_read (self->store, id, convo.last_read_ms, NULL, NULL, error))
        return FALSE;
      changed = TRUE;
    }
    if (changed)
      g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, id);
  }
  return TRUE;
}

/* Note to Self's priority and disappearing timer (after send), when it exists */
static void
apply_note_to_self (SdConfigSync *self, SdConfigValue *data)
{
  g_autoptr(SdConversation) nts = sd_store_get_conversation (self->store,
                                                             self->identity->session_id, NULL);
  gint64 priority = sd_config_user_profile_get_nts_priority (data);
  gint64 expiry = sd_config_user_profile_get_nts_expiry (data);
  gboolean changed = FALSE;

  if (nts == NULL)
    return;
  if (nts->priority != priority) {
    sd_store_set_priority (self->store, nts->id, priority, NULL);
    changed = TRUE;
  }
  if (expiry >= 0 && expiry <= G_MAXUINT32) {
    gboolean timer_changed = FALSE;

    sd_store_set_expiration_setting (self->store, nts->id, expiry > 0 ? "after-send" : "off",
                                     expiry, &timer_changed, NULL);
    changed = changed || timer_changed;
  }
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, nts->id);
}

static gboolean
apply_user_profile (SdConfigSync *self, SdConfigValue *data, GError **error)
{
  g_autofree gchar *name = sd_config_user_profile_get_name (data);
  g_autofree gchar *stored = sd_store_get_setting (self->store, "display-name", NULL);
  g_autofree gchar *url = NULL;
  g_autofree gchar *stored_url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *stored_key = sd_store_get_setting (self->store, "avatar-key", NULL);
  g_autofree gchar *clean = sd_display_name_clean (name);
  g_autofree gchar *key_hex = NULL;
  const gchar *new_name = NULL;
  gboolean set_avatar = FALSE;
  guint8 key[32];
  gint requests;

  /* as a local SetDisplayName would take it; a name with nothing showable left is none */
  if (clean != NULL && sd_display_name_check (clean, NULL) && g_strcmp0 (clean, stored) != 0)
    new_name = clean;
  if (sd_config_user_profile_get_avatar (data, &url, key)) {
    key_hex = sd_hex_encode (key, sizeof key);
    sodium_memzero (key, sizeof key);
    /* stored, fetched and sent in our profile: only a URL we would accept locally; another
     * one leaves the picture we have */
    set_avatar = sd_config_avatar_url_valid (url) &&
                 (g_strcmp0 (url, stored_url) != 0 || g_strcmp0 (key_hex, stored_key) != 0);
  } else if (stored_url != NULL && *stored_url != '\0') {
    /* removed elsewhere (RemoveAvatar here stores "") */
    g_clear_pointer (&url, g_free);
    g_clear_pointer (&key_hex, g_free);
    set_avatar = TRUE;
  }
  /* name, picture and the profile's time together, as SetDisplayName and SetAvatar write
   * them: peers take a profile only when it is newer than the one they have */
  if ((new_name != NULL || set_avatar) &&
      !sd_store_set_own_profile (self->store, new_name, set_avatar, set_avatar ? url : NULL,
                                 set_avatar ? key_hex : NULL,
                                 (guint64) (g_get_real_time () / G_USEC_PER_SEC), NULL, error))
    return FALSE;
  requests = sd_config_user_profile_get_blinded_msgreqs (data);
  if (!sd_store_set_setting (self->store, "community-message-requests",
                             requests < 0 ? NULL : requests ? "1" : "0", error))
    return FALSE;
  apply_note_to_self (self, data);
  if (new_name != NULL || set_avatar)
    g_signal_emit (self, signals[SIGNAL_PROFILE_CHANGED], 0);
  return TRUE;
}

/* a conversation another device removed goes here too (gone already is fine) */
static gboolean
remove_synced (SdConfigSync *self, const gchar *id, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!sd_store_delete_conversation (self->store, id, &local_error)) {
    if (g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_REMOVED], 0, id);
  return TRUE;
}

/* contacts another device removed (deleted the conversation): the conversation goes here
 * too. Only what the previous state had and the new one lacks, so conversations that were
 * never in the config (message requests, older ones) stay */
static gboolean
remove_dropped_contacts (SdConfigSync *self, GPtrArray *before, GError **error)
{
  SdConfigValue *data = sd_config_message_get_data (self->configs[SD_CONFIG_KIND_CONTACTS].current);

  for (guint i = 0; before != NULL && i < before->len; i++) {
    const gchar *id = g_ptr_array_index (before, i);
    g_auto(SdConfigContact) contact = { 0 };

    sd_config_contact_init (&contact, id);
    if (sd_config_contacts_get (data, id, &contact, NULL))
      continue;
    if (!remove_synced (self, id, error))
      return FALSE;
  }
  return TRUE;
}

/* a group entry's conversation settings (priority: pinned or hidden, mute, notify mode)
 * applied to the group's conversation; TRUE when one changed */
static gboolean
apply_group_settings (SdConfigSync *self, const SdConfigGroup *entry)
{
  g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store, entry->id,
                                                                      NULL);
  gint64 muted_until = entry->mute_until > 0 ? seconds_to_ms (entry->mute_until) : 0;
  gint notify = CLAMP ((gint) entry->notifications, 0, 3);
  gboolean changed = FALSE;

  if (conversation == NULL || conversation->kind != SD_CONVERSATION_KIND_GROUP)
    return FALSE;
  if (conversation->priority != entry->priority &&
      sd_store_set_priority (self->store, entry->id, entry->priority, NULL))
    changed = TRUE;
  if (conversation->muted_until != muted_until &&
      sd_store_set_muted_until (self->store, entry->id, muted_until, NULL))
    changed = TRUE;
  if (conversation->notify_mode != notify &&
      sd_store_set_notify_mode (self->store, entry->id, notify, NULL))
    changed = TRUE;
  return changed;
}

/* groups v2 our other devices joined or made: a group we do not know yet is stored with the
 * seed (admin) or grant the entry holds, and the group poller reads it from then on; a group
 * we know keeps its state (Info and Members say more than the entry) and takes the entry's
 * priority, mute and notify mode (docs/groups.md) */
static void
apply_user_groups (SdConfigSync *self, SdConfigValue *data)
{
  g_autoptr(GPtrArray) ids = sd_config_user_groups_list (data);

  for (guint i = 0; i < ids->len && i < MAX_SYNCED_ENTRIES; i++) {
    const gchar *id = g_ptr_array_index (ids, i);
    g_auto(SdConfigGroup) entry = { 0 };
    g_autoptr(SdStoreGroup) existing = sd_store_get_group (self->store, id, NULL);
    g_autoptr(GError) error = NULL;
    SdStoreGroup row = { 0 };

    if (!sd_config_user_groups_get (data, id, &entry, NULL))
      continue;
    if (existing != NULL) {
      if (apply_group_settings (self, &entry))
        g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, id);
      continue;
    }
    /* kicked (neither seed nor grant), removed or destroyed: nothing to read */
    if ((!entry.is_admin && !entry.has_auth_data) || entry.removed_status != 0 ||
        entry.destroyed)
      continue;
    row.id = (gchar *) id;
    row.seed = entry.is_admin ? entry.admin_seed : NULL;
    row.auth_data = entry.has_auth_data
                      ? g_bytes_new (entry.auth_data, SD_CONFIG_GROUP_AUTH_LEN) : NULL;
    row.pending = entry.invited;
    if (!sd_store_save_group (self->store, &row,
                              entry.name != NULL && *entry.name != '\0' ? entry.name : NULL,
                              &error))
      g_debug ("a synced group was not stored: %s", error->message);
    else
      apply_group_settings (self, &entry);
    g_clear_pointer (&row.auth_data, g_bytes_unref);
  }
}

/* a community entry as a join URL would give it (checked as strictly), and its id; FALSE for
 * an entry we would not join */
static gboolean
community_entry_parse (const SdConfigCommunity *entry, SdSogsUrl *out, gchar **out_id)
{
  gchar pk_hex[65];
  g_autofree gchar *url = NULL;

  sodium_bin2hex (pk_hex, sizeof pk_hex, entry->pubkey, 32);
  url = g_strdup_printf ("%s/%s?public_key=%s", entry->base_url, entry->room, pk_hex);
  if (!sd_sogs_url_parse (url, out, NULL))
    return FALSE;
  *out_id = sd_communities_id_for (out->base_url, out->room);
  return TRUE;
}

/* communities our other devices joined (UserGroups "o"): joined here too, with their
 * priority; those the previous state had and this one lacks were left there, and are left
 * here (docs/communities.md) */
static gboolean
apply_communities (SdConfigSync *self, SdConfigValue *data, SdConfigValue *before,
                   GError **error)
{
  g_autoptr(GArray) entries = sd_config_communities_list (data);
  g_autoptr(GArray) old = before != NULL ? sd_config_communities_list (before) : NULL;
  g_autoptr(GHashTable) now_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < entries->len && i < MAX_SYNCED_ENTRIES; i++) {
    const SdConfigCommunity *entry = &g_array_index (entries, SdConfigCommunity, i);
    g_auto(SdSogsUrl) parsed = { 0 };
    g_autofree gchar *id = NULL;
    g_autoptr(SdConversation) conversation = NULL;
    gboolean created = FALSE, changed = FALSE;
    gchar pk_hex[65];

    if (!community_entry_parse (entry, &parsed, &id))
      continue;
    g_hash_table_add (now_ids, g_strdup (id));
    conversation = sd_store_get_conversation (self->store, id, NULL);
    if (conversation == NULL) {
      sodium_bin2hex (pk_hex, sizeof pk_hex, parsed.server_pk, 32);
      if (!sd_store_add_community (self->store, id, parsed.base_url, parsed.room, pk_hex,
                                   entry->joined_at > 0 ? seconds_to_ms (entry->joined_at)
                                                        : g_get_real_time () / 1000,
                                   &created, error))
        return FALSE;
      changed = TRUE;
    }
    if ((conversation == NULL ? 0 : conversation->priority) != entry->priority) {
      if (!sd_store_set_priority (self->store, id, entry->priority, error))
        return FALSE;
      changed = TRUE;
    }
    if (changed)
      g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, id);
  }
  for (guint i = 0; old != NULL && i < old->len && i < MAX_SYNCED_ENTRIES; i++) {
    g_auto(SdSogsUrl) parsed = { 0 };
    g_autofree gchar *id = NULL;

    if (!community_entry_parse (&g_array_index (old, SdConfigCommunity, i), &parsed, &id) ||
        g_hash_table_contains (now_ids, id) || !sd_store_is_community_id (id))
      continue;
    if (!remove_synced (self, id, error))
      return FALSE;
  }
  return TRUE;
}

/* is blinded id @id on server @pk one of our 1:1 conversations' peers? */
static gboolean
blinded_is_known (SdConfigSync *self, const gchar *id, const guint8 pk[32])
{
  g_autoptr(GPtrArray) all = sd_store_list_conversations (self->store, NULL);

  for (guint i = 0; all != NULL && i < all->len; i++) {
    SdConversation *c = g_ptr_array_index (all, i);

    if (c->kind == SD_CONVERSATION_KIND_DIRECT && sd_store_is_session_id (c->id) &&
        sd_blinded_id_matches (id, c->id, pk))
      return TRUE;
  }
  return FALSE;
}

/* the blinded contacts (Contacts "b") of our other devices: their community DMs to people we
 * know only by a blinded id. A missing conversation is created (unless its peer turned out to
 * be one of our 1:1 contacts: merged already), and the priority follows. Entries that go are
 * left here: a merge happens on every device by itself, and a deletion stays local
 * (docs/communities.md) */
static gboolean
apply_blinded_contacts (SdConfigSync *self, SdConfigValue *data, GError **error)
{
  g_autoptr(GArray) entries = sd_config_blinded_contacts_list (data);

  for (guint i = 0; i < entries->len && i < MAX_SYNCED_ENTRIES; i++) {
    const SdConfigBlindedContact *entry = &g_array_index (entries, SdConfigBlindedContact, i);
    g_autoptr(SdConversation) conversation = NULL;
    g_autoptr(SdBlindedConversation) peer = NULL;
    g_auto(SdSogsUrl) parsed = { 0 };
    g_autofree gchar *url = NULL;
    gchar pk_hex[65];
    gboolean changed = FALSE;

    /* we talk 15 only; the server as strictly as a join URL */
    if (entry->blinded_id[0] != '1')
      continue;
    sodium_bin2hex (pk_hex, sizeof pk_hex, entry->pubkey, 32);
    url = g_strdup_printf ("%s/r?public_key=%s", entry->base_url, pk_hex);
    if (!sd_sogs_url_parse (url, &parsed, NULL))
      continue;
    conversation = sd_store_get_conversation (self->store, entry->blinded_id, NULL);
    if (conversation == NULL) {
      if (blinded_is_known (self, entry->blinded_id, parsed.server_pk))
        continue;
      if (!sd_store_add_blinded_conversation (self->store, entry->blinded_id, parsed.base_url,
                                              pk_hex,
                                              entry->created > 0 ? seconds_to_ms (entry->created)
                                                                 : g_get_real_time () / 1000,
                                              NULL, error))
        return FALSE;
      changed = TRUE;
    } else if ((peer = sd_store_get_blinded_conversation (self->store, entry->blinded_id,
                                                          NULL)) == NULL) {
      continue;
    }
    if ((conversation == NULL ? 0 : conversation->priority) != entry->priority) {
      if (!sd_store_set_priority (self->store, entry->blinded_id, entry->priority, error))
        return FALSE;
      changed = TRUE;
    }
    if (changed)
      g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, entry->blinded_id);
  }
  return TRUE;
}

/* @previous: the state this one replaces, NULL if none. FALSE when the store failed: the
 * caller's transaction is then rolled back */
static gboolean
apply (SdConfigSync *self, SdConfigKind kind, SdConfigMessage *previous, GError **error)
{
  SdConfigValue *data;

  if (self->configs[kind].current == NULL)
    return TRUE;
  data = sd_config_message_get_data (self->configs[kind].current);
  switch (kind) {
  case SD_CONFIG_KIND_USER_PROFILE:
    return apply_user_profile (self, data, error);
  case SD_CONFIG_KIND_CONTACTS:
    return apply_contacts (self, data,
                           previous != NULL ? sd_config_message_get_data (previous) : NULL,
                           error) &&
           apply_blinded_contacts (self, data, error);
  case SD_CONFIG_KIND_CONVO_INFO_VOLATILE:
    return apply_convo_info (self, data, error);
  case SD_CONFIG_KIND_USER_GROUPS:
    /* groups v2 and communities; legacy groups are kept and round-tripped */
    apply_user_groups (self, data);
    return apply_communities (self, data,
                              previous != NULL ? sd_config_message_get_data (previous) : NULL,
                              error);
  default:
    /* kept and round-tripped; shown once groups and communities are supported */
    return TRUE;
  }
}

/* ---- receiving ---- */

/* A change made here before the first sync (a freshly restored device) sits on a seqno
 * counted from an empty config; once the swarm is 5 or more ahead the merge drops it and its
 * apply would overwrite the user's change. So what the local changes altered (their data
 * against the data they started from) is replayed onto the state that arrived when that
 * state does not include them, as a new local change. TRUE if it changed the state */
static gboolean
rebase_local_changes (SdConfigSync *self, SdConfigKind kind, SdConfigMessage *previous)
{
  ConfigState *state = &self->configs[kind];
  g_autoptr(SdConfigValue) diff = NULL;
  SdConfigValue *previous_data;
  SdConfigMessage *next;
  guint8 hash[SD_CONFIG_HASH_LEN];
  gboolean included;

  if (state->local_base == NULL || previous == NULL)
    return FALSE;
  previous_data = sd_config_message_get_data (previous);
  diff = sd_config_diff_compute (state->local_base, previous_data);
  sd_config_message_get_hash (previous, hash);
  included = sd_config_message_includes (state->current, sd_config_message_get_seqno (previous),
                                         hash);
  /* what arrived is the new base of the local changes */
  sd_config_value_free (state->local_base);
  state->local_base = sd_config_value_copy (sd_config_message_get_data (state->current));
  /* merged as any message is (within the lag): nothing was lost */
  if (included || sd_config_value_length (diff) == 0)
    return FALSE;
  next = sd_config_message_increment (state->current);
  sd_config_diff_apply (sd_config_message_get_data (next), diff, previous_data);
  sd_config_value_prune (sd_config_message_get_data (next));
  if (sd_config_value_equal (sd_config_message_get_data (next),
                             sd_config_message_get_data (state->current))) {
    sd_config_message_free (next);
    return FALSE;
  }
  sd_config_message_free (state->current);
  state->current = next;
  state->dirty = TRUE;
  g_debug ("config %s: local changes from before the first sync kept",
           sd_config_kind_domain (kind));
  return TRUE;
}

static void
set_synced (SdConfigSync *self)
{
  if (self->synced)
    return;
  self->synced = TRUE;
  sd_store_set_setting (self->store, SETTING_SYNCED, "1", NULL);
  /* from now on local changes build on what the swarm has */
  for (gint k = 0; k < SD_CONFIG_N_KINDS; k++) {
    if (self->configs[k].local_base == NULL)
      continue;
    g_clear_pointer (&self->configs[k].local_base, sd_config_value_free);
    write_local_base (self, k, NULL);
  }
  g_signal_emit (self, signals[SIGNAL_SYNCED_CHANGED], 0);
  /* what was changed here before could not be pushed until now */
  if (sd_config_sync_has_pending (self))
    schedule_push (self, SD_CONFIG_SYNC_DEBOUNCE_MS);
}

static gboolean
is_migrated_contact (SdConfigSync *self, const SdConversation *conversation)
{
  return conversation->kind == SD_CONVERSATION_KIND_DIRECT &&
         sd_store_is_session_id (conversation->id) &&
         g_strcmp0 (conversation->id, self->identity->session_id) != 0;
}

/* Conversations from before config sync (or from a version that added a contact only on its
 * first change) enter Contacts once, as soon as what the swarm holds is merged: before that
 * they could hide a removal made on another device. A contact already there is left as the
 * swarm has it. */
static void
maybe_migrate_contacts (SdConfigSync *self)
{
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;
  gint64 now_ms = g_get_real_time () / 1000;
  guint added = 0;

  if (!self->migrate_contacts || !self->synced || !self->configs[SD_CONFIG_KIND_CONTACTS].retrieved)
    return;
  conversations = sd_store_list_conversations (self->store, &error);
  if (conversations == NULL) {
    g_warning ("could not list conversations for the Contacts config: %s", error->message);
    return;
  }
  for (guint i = 0; i < conversations->len && added < MAX_SYNCED_ENTRIES; i++) {
    const SdConversation *conversation = g_ptr_array_index (conversations, i);
    g_auto(SdConfigContact) existing = { 0 };

    if (!is_migrated_contact (self, conversation))
      continue;
    sd_config_contact_init (&existing, conversation->id);
    data = current_data (self, SD_CONFIG_KIND_CONTACTS);
    if (data != NULL && sd_config_contacts_get (data, conversation->id, &existing, NULL))
      continue;
    sd_config_sync_contact_changed (self, conversation->id, now_ms);
    added++;
  }
  g_debug ("%u conversation(s) from before config sync entered the Contacts config", added);
  self->migrate_contacts = FALSE;
  if (!sd_store_set_setting (self->store, SETTING_CONTACTS_MIGRATION, "done", &error))
    g_warning ("could not record the Contacts migration: %s", error->message);
}

void
sd_config_sync_receive (SdConfigSync *self, const SdIngestCursor *cursor, GPtrArray *items,
                        gboolean complete)
{
  gint namespace_ = cursor->namespace_;
  SdConfigKind kind;
  ConfigState *state;
  g_autoptr(GPtrArray) plaintexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new (); /* (element-type utf8) borrowed */
  g_autoptr(SdConfigMessage) merged = NULL;
  g_autoptr(GError) error = NULL;
  guint offset = 0;
  gint unmerged = -1;
  gboolean must_push = FALSE;
  guint n_taken;
  g_autoptr(GPtrArray) contacts_before = NULL;
  g_autoptr(SdConfigMessage) previous = NULL;
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdConfigValue) base_before = NULL;
  gboolean ok = TRUE;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (!kind_for_namespace (namespace_, &kind))
    return;
  state = &self->configs[kind];
  if (state->local_base != NULL)
    base_before = sd_config_value_copy (state->local_base);
  if (state->current != NULL) {
    g_ptr_array_add (plaintexts, sd_config_message_serialize (state->current));
    g_ptr_array_add (hashes, NULL);
    offset = 1;
  }
  /* one merge takes so many; the rest of the page comes with the next poll, from the last
   * item taken */
  for (n_taken = 0; n_taken < items->len && plaintexts->len < SD_CONFIG_MERGE_MAX_MESSAGES;
       n_taken++) {
    SdRetrieveItem *item = g_ptr_array_index (items, n_taken);
    g_autoptr(GError) local_error = NULL;
    gsize len = 0;
    g_autofree guchar *blob = g_base64_decode (item->data_b64, &len);
    GBytes *plaintext;

    if (g_strcmp0 (item->hash, state->pushed_hash) == 0)
      continue; /* our own push coming back: already the current state */
    plaintext = len > 0 ? sd_config_push_decode (self->identity, kind, blob, len, &local_error)
                        : NULL;
    if (plaintext == NULL) {
      g_debug ("config item in namespace %d left out: %s", namespace_,
               local_error != NULL ? local_error->message : "empty");
      continue;
    }
    g_ptr_array_add (plaintexts, plaintext);
    g_ptr_array_add (hashes, item->hash);
  }
  if (n_taken < items->len)
    complete = FALSE;
  /* one transaction: the items seen, the cursor, the merged state and what it changes in the
   * store are written together or not at all. A cursor that moved without the state would lose
   * the items for good; a state without the cursor is merged again harmlessly */
  tx = sd_store_transaction_begin (self->store, &error);
  if (tx == NULL) {
    g_warning ("could not take in config items: %s", error->message);
    return;
  }
  if (n_taken > 0) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->store);
    SdRetrieveItem *last = g_ptr_array_index (items, n_taken - 1);
    gint64 now_ms = g_get_real_time () / 1000;

    /* seen, as 1:1 items are: the poller tells a member that did not know the cursor by
     * a first item already seen */
    for (guint i = 0; i < n_taken; i++) {
      SdRetrieveItem *item = g_ptr_array_index (items, i);

      sd_store_batch_add_seen (batch, item->hash, sd_ingest_seen_expiry (item->expiration,
                                                                         now_ms));
    }
    for (guint k = 0; k < G_N_ELEMENTS (cursor->keys) && cursor->keys[k] != NULL; k++)
      sd_store_batch_set_last_hash (batch, cursor->keys[k], namespace_, last->hash);
    for (guint k = 0; n_taken == items->len && k < G_N_ELEMENTS (cursor->end_keys) &&
                      cursor->end_keys[k] != NULL; k++)
      sd_store_batch_set_last_hash (batch, cursor->end_keys[k], namespace_, last->hash);
    if (!sd_store_apply_batch (self->store, batch, NULL, &error)) {
      g_warning ("could not record the last config hash: %s", error->message);
      return; /* rolled back; the next poll brings the items again */
    }
  }
  if (kind == SD_CONFIG_KIND_CONTACTS && state->current != NULL)
    contacts_before = sd_config_contacts_list (sd_config_message_get_data (state->current));
  if (plaintexts->len > offset) {
    merged = sd_config_merge (plaintexts, SD_CONFIG_DEFAULT_LAG, &unmerged, NULL, &error);
    if (merged == NULL) {
      g_debug ("no config message of namespace %d parsed: %s", namespace_,
               error != NULL ? error->message : "none");
      g_clear_error (&error);
    } else {
      /* every received item is now included in the state, or replaced by it */
      for (guint i = offset; i < hashes->len; i++)
        if ((gint) i != unmerged)
          add_swarm_hash (state, g_ptr_array_index (hashes, i));
      if (unmerged == 0 && offset == 1) {
        /* what we have already includes all of it */
      } else if (unmerged >= (gint) offset) {
        previous = g_steal_pointer (&state->current);
        state->current = g_steal_pointer (&merged);
        g_free (state->pushed_hash);
        state->pushed_hash = g_strdup (g_ptr_array_index (hashes, unmerged));
        state->dirty = FALSE;
        if (rebase_local_changes (self, kind, previous))
          must_push = TRUE;
        ok = apply (self, kind, previous, &error) &&
             (kind != SD_CONFIG_KIND_CONTACTS ||
              remove_dropped_contacts (self, contacts_before, &error));
      } else {
        previous = g_steal_pointer (&state->current);
        state->current = g_steal_pointer (&merged);
        state->dirty = TRUE;
        must_push = TRUE;
        rebase_local_changes (self, kind, previous);
        ok = apply (self, kind, previous, &error) &&
             (kind != SD_CONFIG_KIND_CONTACTS ||
              remove_dropped_contacts (self, contacts_before, &error));
      }
      ok = ok && write_state (self, kind, &error) &&
           (base_before == NULL || write_local_base (self, kind, &error));
      g_debug ("config %s now at seqno %" G_GINT64_FORMAT "%s", sd_config_kind_domain (kind),
               sd_config_message_get_seqno (state->current), state->dirty ? " (to push)" : "");
    }
  }
  if (!ok || !sd_store_transaction_commit (tx, &error)) {
    g_warning ("could not take in config %s: %s", sd_config_kind_domain (kind), error->message);
    g_clear_pointer (&tx, sd_store_transaction_end);
    /* nothing of it was written: the state is the stored one and the cursor did not move, so
     * the next poll brings the same items again */
    reload_state (self, kind);
    g_clear_pointer (&state->local_base, sd_config_value_free);
    state->local_base = g_steal_pointer (&base_before);
    return;
  }
  if (complete && !state->retrieved) {
    state->retrieved = TRUE;
    /* a change left from before (a crash, an offline period) can go now */
    if (state->dirty)
      must_push = TRUE;
  }
  if (!self->synced) {
    gboolean all = TRUE;

    for (gint k = 0; k < SD_CONFIG_N_KINDS; k++)
      all = all && self->configs[k].retrieved;
    if (all)
      set_synced (self);
  }
  maybe_migrate_contacts (self);
  /* a merge goes out at once (every device computes the same one); local changes wait for
   * their debounce */
  if (must_push)
    schedule_push (self, 0);
}

gboolean
sd_config_sync_get_synced (SdConfigSync *self)
{
  g_return_val_if_fail (SD_IS_CONFIG_SYNC (self), FALSE);
  return self->synced;
}

gboolean
sd_config_sync_has_pending (SdConfigSync *self)
{
  for (gint k = 0; k < SD_CONFIG_N_KINDS; k++)
    if (self->configs[k].dirty)
      return TRUE;
  return FALSE;
}

gint64
sd_config_sync_get_seqno (SdConfigSync *self, gint kind)
{
  g_return_val_if_fail (kind >= 0 && kind < SD_CONFIG_N_KINDS, -1);
  return self->configs[kind].current != NULL
           ? sd_config_message_get_seqno (self->configs[kind].current) : -1;
}

/* ---- local changes ---- */

/* the message a local change may edit: the current one while it is an unpushed local
 * change, otherwise its successor (a pushed or received seqno is never changed) */
static SdConfigValue *
begin_change (SdConfigSync *self, SdConfigKind kind)
{
  ConfigState *state = &self->configs[kind];

  /* before the first sync: remember where the local changes started */
  if (!self->synced && state->local_base == NULL) {
    g_autoptr(GError) error = NULL;

    state->local_base = state->current != NULL
                          ? sd_config_value_copy (sd_config_message_get_data (state->current))
                          : sd_config_value_new_dict ();
    /* before the state the change makes: a crash between leaves an empty replay */
    if (!write_local_base (self, kind, &error))
      g_warning ("could not keep the base of a local change: %s", error->message);
  }
  if (state->current == NULL) {
    g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);

    state->current = sd_config_message_increment (empty);
  } else if (!sd_config_message_is_mutable (state->current) || state->in_flight ||
             !state->dirty) {
    SdConfigMessage *next = sd_config_message_increment (state->current);

    sd_config_message_free (state->current);
    state->current = next;
  }
  return sd_config_message_get_data (state->current);
}

static void
end_change (SdConfigSync *self, SdConfigKind kind)
{
  self->configs[kind].dirty = TRUE;
  save_state (self, kind);
  schedule_push (self, SD_CONFIG_SYNC_DEBOUNCE_MS);
}

static SdConfigValue *
current_data (SdConfigSync *self, SdConfigKind kind)
{
  SdConfigMessage *current = self->configs[kind].current;

  return current != NULL ? sd_config_message_get_data (current) : NULL;
}

static gboolean
contact_equal (const SdConfigContact *a, const SdConfigContact *b)
{
  return g_strcmp0 (a->name, b->name) == 0 && g_strcmp0 (a->nickname, b->nickname) == 0 &&
         g_strcmp0 (a->avatar_url, b->avatar_url) == 0 &&
         memcmp (a->avatar_key, b->avatar_key, 32) == 0 && a->approved == b->approved &&
         a->approved_me == b->approved_me && a->blocked == b->blocked &&
         a->priority == b->priority && a->notifications == b->notifications &&
         a->mute_until == b->mute_until && a->expiration == b->expiration &&
         a->expiration_seconds == b->expiration_seconds && a->created == b->created;
}

/* our blinded conversation @id as its Contacts "b" entry (docs/communities.md) */
static void
blinded_contact_changed (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_autoptr(SdBlindedConversation) peer = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(SdConfigBlindedContact) want = { 0 };
  const SdConfigBlindedContact *old = NULL;
  guint stale = 0;
  SdConfigValue *data;

  peer = sd_store_get_blinded_conversation (self->store, id, NULL);
  conversation = peer != NULL ? sd_store_get_conversation (self->store, id, NULL) : NULL;
  if (conversation == NULL)
    return;
  data = current_data (self, SD_CONFIG_KIND_CONTACTS);
  entries = data != NULL ? sd_config_blinded_contacts_list (data) : NULL;
  /* the entry under our server's URL; one under another spelling of it (another client's) is
   * stale, and goes */
  for (guint i = 0; entries != NULL && i < entries->len; i++) {
    const SdConfigBlindedContact *entry = &g_array_index (entries, SdConfigBlindedContact, i);

    if (!g_str_equal (entry->blinded_id, id))
      continue;
    if (g_str_equal (entry->base_url, peer->base_url))
      old = entry;
    else
      stale++;
  }
  want.base_url = g_strdup (peer->base_url);
  g_strlcpy (want.blinded_id, id, sizeof want.blinded_id);
  if (!sd_hex_decode_exact (peer->server_pk, want.pubkey, 32, NULL))
    return;
  want.name = g_strdup (conversation->name != NULL ? conversation->name
                                                  : old != NULL ? old->name : "");
  want.priority = conversation->priority;
  want.created = old != NULL ? old->created : now_ms / 1000;
  if (old != NULL && stale == 0 && memcmp (old->pubkey, want.pubkey, 32) == 0 &&
      g_str_equal (old->name, want.name) && old->priority == want.priority)
    return;
  data = begin_change (self, SD_CONFIG_KIND_CONTACTS);
  for (guint i = 0; stale > 0 && i < entries->len; i++) {
    const SdConfigBlindedContact *entry = &g_array_index (entries, SdConfigBlindedContact, i);

    if (g_str_equal (entry->blinded_id, id) && !g_str_equal (entry->base_url, peer->base_url))
      sd_config_blinded_contacts_remove (data, entry->base_url, id);
  }
  if (!sd_config_blinded_contacts_set (data, &want, &error))
    g_warning ("could not record a blinded contact in the config: %s", error->message);
  end_change (self, SD_CONFIG_KIND_CONTACTS);
}

/* blinded id @id is no longer a conversation here (merged or deleted): its entries go */
static void
blinded_contact_removed (SdConfigSync *self, const gchar *id)
{
  SdConfigValue *data = current_data (self, SD_CONFIG_KIND_CONTACTS);
  g_autoptr(GArray) entries = data != NULL ? sd_config_blinded_contacts_list (data) : NULL;
  gboolean changing = FALSE;

  for (guint i = 0; entries != NULL && i < entries->len; i++) {
    const SdConfigBlindedContact *entry = &g_array_index (entries, SdConfigBlindedContact, i);

    if (!g_str_equal (entry->blinded_id, id))
      continue;
    if (!changing)
      data = begin_change (self, SD_CONFIG_KIND_CONTACTS);
    changing = TRUE;
    sd_config_blinded_contacts_remove (data, entry->base_url, id);
  }
  if (changing)
    end_change (self, SD_CONFIG_KIND_CONTACTS);
}

static void
group_settings_changed (SdConfigSync *self, const SdConversation *conversation)
{
  g_auto(SdConfigGroup) entry = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  gint64 mute_until = conversation->muted_until > 0 ? ms_to_seconds (conversation->muted_until)
                                                    : 0;
  gint notify = CLAMP (conversation->notify_mode, 0, 3);

  /* only a group that has an entry (written when it was made, joined or invited to) */
  if (data == NULL || !sd_config_user_groups_get (data, conversation->id, &entry, NULL))
    return;
  if (entry.priority == conversation->priority && entry.mute_until == mute_until &&
      (gint) entry.notifications == notify) {
    sodium_memzero (entry.admin_seed, sizeof (entry.admin_seed));
    return;
  }
  entry.priority = conversation->priority;
  entry.mute_until = mute_until;
  entry.notifications = (SdConfigNotify) notify;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  if (!sd_config_user_groups_set (data, &entry, &error))
    g_warning ("UserGroups entry of a group: %s", error->message);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
  sodium_memzero (entry.admin_seed, sizeof (entry.admin_seed));
}

void
sd_config_sync_group_destroyed (SdConfigSync *self, const gchar *id)
{
  g_auto(SdConfigGroup) entry = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  if (data == NULL || !sd_config_user_groups_get (data, id, &entry, NULL) || entry.destroyed) {
    sodium_memzero (entry.admin_seed, sizeof (entry.admin_seed));
    return;
  }
  entry.destroyed = TRUE;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  if (!sd_config_user_groups_set (data, &entry, &error))
    g_warning ("UserGroups entry of a group: %s", error->message);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
  sodium_memzero (entry.admin_seed, sizeof (entry.admin_seed));
}

void
sd_config_sync_contact_changed (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_autoptr(SdConversation) conversation = NULL;
  g_auto(SdConfigContact) old = { 0 };
  g_auto(SdConfigContact) want = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;
  gboolean found;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (sd_store_is_community_id (id)) {
    sd_config_sync_community_changed (self, id, now_ms);
    return;
  }
  if (sd_store_is_blinded_id (id)) {
    blinded_contact_changed (self, id, now_ms);
    return;
  }
  conversation = sd_store_get_conversation (self->store, id, NULL);
  if (conversation == NULL)
    return;
  /* a group is no contact: its priority, mute and notify mode are its UserGroups entry's */
  if (conversation->kind == SD_CONVERSATION_KIND_GROUP) {
    group_settings_changed (self, conversation);
    return;
  }
  if (conversation->kind == SD_CONVERSATION_KIND_NOTE_TO_SELF) {
    gint64 expiry = g_strcmp0 (conversation->expiration_mode, "after-send") == 0
                      ? conversation->expiration_timer : 0;

    data = current_data (self, SD_CONFIG_KIND_USER_PROFILE);
    if (data != NULL && sd_config_user_profile_get_nts_priority (data) == conversation->priority &&
        sd_config_user_profile_get_nts_expiry (data) == expiry)
      return;
    data = begin_change (self, SD_CONFIG_KIND_USER_PROFILE);
    sd_config_user_profile_set_nts_priority (data, conversation->priority);
    sd_config_user_profile_set_nts_expiry (data, expiry);
    end_change (self, SD_CONFIG_KIND_USER_PROFILE);
    return;
  }
  sd_config_contact_init (&old, id);
  data = current_data (self, SD_CONFIG_KIND_CONTACTS);
  found = data != NULL && sd_config_contacts_get (data, id, &old, NULL);
  sd_config_contact_init (&want, id);
  want.name = g_strdup (conversation->name != NULL ? conversation->name
                                                  : old.name != NULL ? old.name : "");
  want.nickname = g_strdup (conversation->nickname);
  /* the picture as the store has it (a profile from a message or a config), as the official
   * clients write the newest profile they saw into the contact */
  {
    g_autofree gchar *file = NULL;
    g_autoptr(GBytes) key = NULL;
    gchar *url = NULL;

    /* a URL longer than the config allows stays out of it (the old one is kept) */
    if (sd_store_get_avatar (self->store, id, &url, &key, &file, NULL) &&
        g_bytes_get_size (key) == 32 && strlen (url) <= SD_CONFIG_MAX_URL) {
      want.avatar_url = url;
      memcpy (want.avatar_key, g_bytes_get_data (key, NULL), 32);
    } else if (url != NULL) {
      g_free (url);
      want.avatar_url = g_strdup (old.avatar_url);
      memcpy (want.avatar_key, old.avatar_key, 32);
    }
  }
  want.approved = conversation->approved;
  want.approved_me = conversation->they_approved;
  want.blocked = conversation->blocked;
  want.priority = conversation->priority;
  want.notifications = CLAMP (conversation->notify_mode, 0, 3);
  want.mute_until = ms_to_seconds (conversation->muted_until);
  want.expiration = expiration_from_name (conversation->expiration_mode);
  want.expiration_seconds = want.expiration == SD_CONFIG_EXPIRATION_NONE
                              ? 0 : conversation->expiration_timer;
  want.created = found ? old.created : now_ms / 1000;
  if (found && contact_equal (&old, &want))
    return;
  data = begin_change (self, SD_CONFIG_KIND_CONTACTS);
  if (!sd_config_contacts_set (data, &want, &error)) {
    g_warning ("could not record a contact in the config: %s", error->message);
    return;
  }
  end_change (self, SD_CONFIG_KIND_CONTACTS);
}

void
sd_config_sync_contact_profile_changed (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_auto(SdConfigContact) old = { 0 };
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  /* only contacts already there: a profile is no user action that adds one */
  data = current_data (self, SD_CONFIG_KIND_CONTACTS);
  sd_config_contact_init (&old, id);
  if (data == NULL || !sd_config_contacts_get (data, id, &old, NULL))
    return;
  sd_config_sync_contact_changed (self, id, now_ms);
}

void
sd_config_sync_conversation_created (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (g_strcmp0 (id, self->identity->session_id) != 0) {
    sd_config_sync_contact_changed (self, id, now_ms);
    return;
  }
  /* Note to Self is not a contact: it takes what our devices agreed on */
  if (current_data (self, SD_CONFIG_KIND_USER_PROFILE) != NULL)
    apply_note_to_self (self, current_data (self, SD_CONFIG_KIND_USER_PROFILE));
}

void
sd_config_sync_contact_removed (SdConfigSync *self, const gchar *id)
{
  SdConfigValue *data;
  SdConfigConvo convo;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (sd_store_is_blinded_id (id)) {
    blinded_contact_removed (self, id);
    return;
  }
  data = current_data (self, SD_CONFIG_KIND_CONTACTS);
  if (data != NULL) {
    g_auto(SdConfigContact) old = { 0 };

    sd_config_contact_init (&old, id);
    if (sd_config_contacts_get (data, id, &old, NULL)) {
      data = begin_change (self, SD_CONFIG_KIND_CONTACTS);
      sd_config_contacts_remove (data, id);
      end_change (self, SD_CONFIG_KIND_CONTACTS);
    }
  }
  data = current_data (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  if (data != NULL && sd_config_convo_info_get (data, id, &convo, NULL)) {
    data = begin_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
    sd_config_convo_info_remove (data, id);
    end_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  }
}

/* a group we created, joined or were invited to (docs/groups.md): its UserGroups entry, the
 * seed only where we are admin, else the grant; the rest of the entry is kept */
void
sd_config_sync_group_changed (SdConfigSync *self, const SdStoreGroup *group, const gchar *name,
                              gint64 now_ms)
{
  g_auto(SdConfigGroup) entry = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  if (data == NULL || !sd_config_user_groups_get (data, group->id, &entry, NULL)) {
    sd_config_group_clear (&entry);
    sd_config_group_init (&entry, group->id);
    entry.joined_at = now_ms / 1000;
  }
  if (name != NULL) {
    g_free (entry.name);
    entry.name = g_strdup (name);
  }
  entry.is_admin = group->seed != NULL;
  if (entry.is_admin)
    memcpy (entry.admin_seed, group->seed, 32);
  entry.has_auth_data = !entry.is_admin && group->auth_data != NULL &&
                        g_bytes_get_size (group->auth_data) == SD_CONFIG_GROUP_AUTH_LEN;
  if (entry.has_auth_data)
    memcpy (entry.auth_data, g_bytes_get_data (group->auth_data, NULL), SD_CONFIG_GROUP_AUTH_LEN);
  entry.invited = group->pending;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  if (!sd_config_user_groups_set (data, &entry, &error))
    g_warning ("UserGroups entry of a group: %s", error->message);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
  sodium_memzero (entry.admin_seed, sizeof (entry.admin_seed));
}

void
sd_config_sync_group_removed (SdConfigSync *self, const gchar *id)
{
  g_auto(SdConfigGroup) old = { 0 };
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  if (data == NULL || !sd_config_user_groups_get (data, id, &old, NULL))
    return;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  sd_config_user_groups_remove (data, id);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
}

/* a room's read position and "marked unread" flag, as stored (ConvoInfoVolatile "o") */
static void
community_read_changed (SdConfigSync *self, const gchar *id)
{
  g_autoptr(SdCommunity) room = sd_store_get_community (self->store, id, NULL);
  g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store, id, NULL);
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;
  gint64 old_read = 0;
  gboolean old_unread = FALSE;
  guint8 pk[32];

  if (room == NULL || conversation == NULL ||
      !sd_hex_decode_exact (room->server_pk, pk, 32, NULL))
    return;
  data = current_data (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  if (data != NULL &&
      sd_config_community_read_get (data, room->base_url, room->room, &old_read, &old_unread) &&
      old_read == conversation->last_read_at && old_unread == conversation->marked_unread)
    return;
  data = begin_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  if (!sd_config_community_read_set (data, room->base_url, room->room, pk,
                                     conversation->last_read_at, conversation->marked_unread,
                                     &error))
    g_warning ("could not record a room's read position: %s", error->message);
  end_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
}

void
sd_config_sync_read_changed (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GError) error = NULL;
  SdConfigConvo old = { 0 };
  SdConfigConvo want = { 0 };
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (sd_store_is_community_id (id)) {
    community_read_changed (self, id);
    return;
  }
  conversation = sd_store_get_conversation (self->store, id, NULL);
  if (conversation == NULL || conversation->kind != SD_CONVERSATION_KIND_DIRECT)
    return;
  data = current_data (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  if (data != NULL && sd_config_convo_info_get (data, id, &old, NULL) &&
      old.last_read_ms == conversation->last_read_at && old.unread == conversation->marked_unread)
    return;
  g_strlcpy (want.session_id, id, sizeof want.session_id);
  want.last_read_ms = conversation->last_read_at;
  want.unread = conversation->marked_unread;
  data = begin_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
  if (!sd_config_convo_info_set (data, &want, now_ms, &error)) {
    g_warning ("could not record a read position in the config: %s", error->message);
    return;
  }
  /* positions older than 45 days and not marked unread go, as the other clients prune */
  sd_config_convo_info_prune (data, now_ms);
  end_change (self, SD_CONFIG_KIND_CONVO_INFO_VOLATILE);
}

void
sd_config_sync_profile_changed (SdConfigSync *self)
{
  g_autofree gchar *name = sd_store_get_setting (self->store, "display-name", NULL);
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  g_autofree gchar *old = NULL;
  g_autofree gchar *old_url = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[32] = { 0 };
  guint8 old_key[32] = { 0 };
  gboolean has_avatar;
  gboolean had_avatar = FALSE;
  gint64 now_s;
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  /* our picture (SetAvatar): URL and profile key, or none (RemoveAvatar stores "") */
  has_avatar = url != NULL && *url != '\0' && key_hex != NULL &&
               sd_hex_decode_exact (key_hex, key, sizeof key, NULL);
  data = current_data (self, SD_CONFIG_KIND_USER_PROFILE);
  old = data != NULL ? sd_config_user_profile_get_name (data) : NULL;
  if (data != NULL)
    had_avatar = sd_config_user_profile_get_avatar (data, &old_url, old_key);
  if (g_strcmp0 (old, name != NULL && *name != '\0' ? name : NULL) == 0 &&
      had_avatar == has_avatar &&
      (!has_avatar || (g_strcmp0 (old_url, url) == 0 && memcmp (old_key, key, 32) == 0))) {
    sodium_memzero (key, sizeof key);
    return;
  }
  data = begin_change (self, SD_CONFIG_KIND_USER_PROFILE);
  now_s = g_get_real_time () / G_USEC_PER_SEC;
  /* the name: "t" (or "T", whichever is newer) moves with it, as libsession-util does */
  if (g_strcmp0 (old, name != NULL && *name != '\0' ? name : NULL) != 0) {
    if (!sd_config_user_profile_set_name (data, name, &error)) {
      g_warning ("could not record our profile in the config: %s", error->message);
      sodium_memzero (key, sizeof key);
      return;
    }
    sd_config_user_profile_touch (data, now_s);
  }
  /* a picture other than the one in force is a new one ("p"/"q" and "t"); the same one
   * uploaded again is written by sd_config_sync_avatar_reuploaded */
  if ((had_avatar != has_avatar ||
       (has_avatar && (g_strcmp0 (old_url, url) != 0 || memcmp (old_key, key, 32) != 0))) &&
      !sd_config_user_profile_set_new_avatar (data, has_avatar ? url : NULL, key, now_s,
                                              &error)) {
    g_warning ("could not record our profile in the config: %s", error->message);
    sodium_memzero (key, sizeof key);
    return;
  }
  sodium_memzero (key, sizeof key);
  sodium_memzero (old_key, sizeof old_key);
  end_change (self, SD_CONFIG_KIND_USER_PROFILE);
}

void
sd_config_sync_avatar_reuploaded (SdConfigSync *self)
{
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  g_autoptr(GError) error = NULL;
  guint8 key[32];
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (url == NULL || *url == '\0' || key_hex == NULL ||
      !sd_hex_decode_exact (key_hex, key, sizeof key, NULL))
    return;
  data = current_data (self, SD_CONFIG_KIND_USER_PROFILE);
  if (data != NULL) {
    g_autofree gchar *old_url = NULL;
    guint8 old_key[32];
    gboolean same = sd_config_user_profile_get_avatar (data, &old_url, old_key) &&
                    g_str_equal (old_url, url) && memcmp (old_key, key, 32) == 0;

    sodium_memzero (old_key, sizeof old_key);
    if (same) {
      sodium_memzero (key, sizeof key);
      return;
    }
  }
  data = begin_change (self, SD_CONFIG_KIND_USER_PROFILE);
  if (!sd_config_user_profile_set_reuploaded_avatar (data, url, key,
                                                     g_get_real_time () / G_USEC_PER_SEC,
                                                     &error))
    g_message ("our re-uploaded avatar stays out of the config: %s", error->message);
  sodium_memzero (key, sizeof key);
  end_change (self, SD_CONFIG_KIND_USER_PROFILE);
}

/* a community joined here (or its priority changed): its UserGroups entry, the rest of which
 * is kept */
void
sd_config_sync_community_changed (SdConfigSync *self, const gchar *id, gint64 now_ms)
{
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_auto(SdConfigCommunity) entry = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;
  gboolean found;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  room = sd_store_get_community (self->store, id, NULL);
  conversation = sd_store_get_conversation (self->store, id, NULL);
  if (room == NULL || conversation == NULL)
    return;
  data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  found = data != NULL && sd_config_communities_get (data, room->base_url, room->room, &entry);
  if (found && entry.priority == conversation->priority) {
    guint8 pk[32];

    if (sd_hex_decode_exact (room->server_pk, pk, 32, NULL) && memcmp (pk, entry.pubkey, 32) == 0)
      return;
  }
  if (!found) {
    sd_config_community_clear (&entry);
    entry.base_url = g_strdup (room->base_url);
    entry.room = g_strdup (room->room);
    entry.joined_at = (room->joined_at > 0 ? room->joined_at : now_ms) / 1000;
  }
  if (!sd_hex_decode_exact (room->server_pk, entry.pubkey, 32, NULL))
    return;
  entry.priority = conversation->priority;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  if (!sd_config_communities_set (data, &entry, &error))
    g_warning ("UserGroups entry of a community: %s", error->message);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
}

void
sd_config_sync_community_removed (SdConfigSync *self, const gchar *base_url, const gchar *room)
{
  g_auto(SdConfigCommunity) old = { 0 };
  SdConfigValue *data;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  data = current_data (self, SD_CONFIG_KIND_USER_GROUPS);
  if (data == NULL || !sd_config_communities_get (data, base_url, room, &old))
    return;
  data = begin_change (self, SD_CONFIG_KIND_USER_GROUPS);
  sd_config_communities_remove (data, base_url, room);
  end_change (self, SD_CONFIG_KIND_USER_GROUPS);
}

void
sd_config_sync_message_requests_changed (SdConfigSync *self)
{
  g_autofree gchar *setting = NULL;
  SdConfigValue *data;
  gint value;

  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  setting = sd_store_get_setting (self->store, "community-message-requests", NULL);
  value = setting == NULL ? -1 : g_str_equal (setting, "1");
  data = current_data (self, SD_CONFIG_KIND_USER_PROFILE);
  if (data != NULL && sd_config_user_profile_get_blinded_msgreqs (data) == value)
    return;
  data = begin_change (self, SD_CONFIG_KIND_USER_PROFILE);
  sd_config_user_profile_set_blinded_msgreqs (data, value);
  end_change (self, SD_CONFIG_KIND_USER_PROFILE);
}

/* ---- pushing ---- */

typedef struct {
  SdConfigSync *self;   /* (owned) */
  SdConfigKind kind;
  gchar *data_b64;
  GStrv deletes;        /* (nullable) */
  GBytes *serialized;   /* what was pushed, to tell whether it is still current */
} PushRequest;

static void
push_request_free (PushRequest *request)
{
  g_object_unref (request->self);
  g_free (request->data_b64);
  g_strfreev (request->deletes);
  g_bytes_unref (request->serialized);
  g_free (request);
}

/* one `sequence`: the new blob, then the items it replaces. Not a `batch`, whose subrequests
 * may run in parallel: the delete must not run when the store failed, or the swarm would
 * hold neither the old items nor the new one */
static gchar *
build_push (const SdSnode *node, gint64 now, gpointer user_data)
{
  PushRequest *request = user_data;
  JsonNode *requests[2];
  guint n = 0;

  (void) node;
  requests[n++] = sd_storage_rpc_store_signed (request->self->identity,
                                               sd_config_kind_namespace (request->kind), now,
                                               SD_CONFIG_SYNC_TTL_MS, request->data_b64);
  if (request->deletes != NULL && request->deletes[0] != NULL)
    requests[n++] = sd_storage_rpc_delete (request->self->identity,
                                           (const gchar *const *) request->deletes);
  return sd_storage_rpc_to_string (sd_storage_rpc_sequence (requests, n));
}

static void push_due (SdConfigSync *self);

static void
on_pushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PushRequest *request = user_data;
  SdConfigSync *self = request->self;
  ConfigState *state = &self->configs[request->kind];
  g_autoptr(GError) error = NULL;
  g_autoptr(SdSnode) node = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         &node, &error);
  g_autofree gchar *hash = NULL;
  g_autoptr(GBytes) now_serialized = NULL;
  JsonNode *sub = NULL;
  gint64 code = 0;
  gboolean deleted = FALSE;

  state->in_flight = FALSE;
  if (body != NULL && status == 200 && sd_storage_rpc_batch_result (body, 0, &code, &sub))
    hash = sd_storage_rpc_parse_store ((guint) code, sub, &error);
  else if (error == NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "push answered status %u", status);
  if (hash == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      push_request_free (request);
      return;
    }
    self->failures++;
    g_debug ("config push failed (%u in a row): %s", self->failures, error->message);
    /* 2 s after the first failure, as before */
    schedule_push (self, (guint) sd_backoff_delay (2000, PUSH_MAX_BACKOFF_MS, self->failures));
    push_request_free (request);
    return;
  }
  self->failures = 0;
  deleted = request->deletes == NULL || request->deletes[0] == NULL ||
            (sd_storage_rpc_batch_result (body, 1, &code, NULL) && code == 200);
  if (deleted) {
    for (guint i = 0; request->deletes != NULL && request->deletes[i] != NULL; i++)
      for (guint j = 0; j < state->swarm_hashes->len; j++)
        if (g_str_equal (g_ptr_array_index (state->swarm_hashes, j), request->deletes[i])) {
          g_ptr_array_remove_index (state->swarm_hashes, j);
          break;
        }
  }
  now_serialized = state->current != NULL ? sd_config_message_serialize (state->current) : NULL;
  if (now_serialized != NULL && g_bytes_equal (now_serialized, request->serialized)) {
    gchar *previous = g_steal_pointer (&state->pushed_hash);

    state->pushed_hash = g_strdup (hash);
    state->dirty = FALSE;
    if (!deleted && previous != NULL)
      add_swarm_hash (state, previous);
    g_free (previous);
  } else {
    /* changed while in flight: the newer state replaces this item too */
    add_swarm_hash (state, hash);
  }
  save_state (self, request->kind);
  g_debug ("config %s pushed", sd_config_kind_domain (request->kind));
  push_request_free (request);
  if (sd_config_sync_has_pending (self))
    schedule_push (self, 0);
}

static void
push_one (SdConfigSync *self, SdConfigKind kind)
{
  ConfigState *state = &self->configs[kind];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) serialized = sd_config_message_serialize (state->current);
  g_autoptr(GBytes) blob = NULL;
  PushRequest *request;
  GPtrArray *deletes;

  if (!sd_config_message_check_limits (state->current, &error) ||
      (blob = sd_config_push_encode (self->identity, kind,
                                     sd_config_message_get_seqno (state->current),
                                     g_bytes_get_data (serialized, NULL),
                                     g_bytes_get_size (serialized), SD_CONFIG_PUSH_WRAPPED,
                                     &error)) == NULL) {
    /* never pushable as it is: keep it here, do not retry forever */
    g_warning ("config %s cannot be pushed: %s", sd_config_kind_domain (kind), error->message);
    state->dirty = FALSE;
    save_state (self, kind);
    return;
  }
  request = g_new0 (PushRequest, 1);
  request->self = g_object_ref (self);
  request->kind = kind;
  request->data_b64 = g_base64_encode (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  request->serialized = g_steal_pointer (&serialized);
  deletes = g_ptr_array_new ();
  for (guint i = 0; i < state->swarm_hashes->len; i++)
    g_ptr_array_add (deletes, g_strdup (g_ptr_array_index (state->swarm_hashes, i)));
  if (state->pushed_hash != NULL)
    g_ptr_array_add (deletes, g_strdup (state->pushed_hash));
  g_ptr_array_add (deletes, NULL);
  request->deletes = (GStrv) g_ptr_array_free (deletes, FALSE);
  state->in_flight = TRUE;
  sd_network_swarm_rpc_async (self->network, self->identity->session_id, build_push, request,
                              NULL, self->cancellable, on_pushed, request);
}

static void
push_due (SdConfigSync *self)
{
  /* before the first full retrieve a push could hide what the swarm already has; and each run
   * first merges what arrived while we were away, so what we push is never older than it */
  if (!self->running || self->network == NULL || !self->synced)
    return;
  for (gint kind = 0; kind < SD_CONFIG_N_KINDS; kind++) {
    ConfigState *state = &self->configs[kind];

    if (state->dirty && !state->in_flight && state->current != NULL && state->retrieved)
      push_one (self, kind);
  }
}

static gboolean
on_push_timer (gpointer user_data)
{
  SdConfigSync *self = user_data;

  self->push_id = 0;
  push_due (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_push (SdConfigSync *self, guint delay_ms)
{
  /* a pending timer is kept: changes within its window go out together */
  if (self->push_id != 0 && delay_ms > 0)
    return;
  g_clear_handle_id (&self->push_id, g_source_remove);
  if (self->running)
    self->push_id = g_timeout_add (delay_ms, on_push_timer, self);
}

void
sd_config_sync_start (SdConfigSync *self)
{
  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  if (self->running)
    return;
  self->running = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (sd_config_sync_has_pending (self))
    schedule_push (self, 0);
}

void
sd_config_sync_stop (SdConfigSync *self)
{
  g_return_if_fail (SD_IS_CONFIG_SYNC (self));
  self->running = FALSE;
  g_clear_handle_id (&self->push_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---- object ---- */

static void
sd_config_sync_dispose (GObject *object)
{
  sd_config_sync_stop (SD_CONFIG_SYNC (object));
  G_OBJECT_CLASS (sd_config_sync_parent_class)->dispose (object);
}

static void
sd_config_sync_finalize (GObject *object)
{
  SdConfigSync *self = SD_CONFIG_SYNC (object);

  for (gint kind = 0; kind < SD_CONFIG_N_KINDS; kind++) {
    g_clear_pointer (&self->configs[kind].current, sd_config_message_free);
    g_clear_pointer (&self->configs[kind].swarm_hashes, g_ptr_array_unref);
    g_clear_pointer (&self->configs[kind].pushed_hash, g_free);
    g_clear_pointer (&self->configs[kind].local_base, sd_config_value_free);
  }
  g_clear_object (&self->network);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (sd_config_sync_parent_class)->finalize (object);
}

static void
sd_config_sync_class_init (SdConfigSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_config_sync_dispose;
  object_class->finalize = sd_config_sync_finalize;
  signals[SIGNAL_CONVERSATION_CHANGED] =
    g_signal_new ("conversation-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CONVERSATION_REMOVED] =
    g_signal_new ("conversation-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_PROFILE_CHANGED] =
    g_signal_new ("profile-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SYNCED_CHANGED] =
    g_signal_new ("synced-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
sd_config_sync_init (SdConfigSync *self)
{
  for (gint kind = 0; kind < SD_CONFIG_N_KINDS; kind++)
    self->configs[kind].swarm_hashes = g_ptr_array_new_with_free_func (g_free);
}

SdConfigSync *
sd_config_sync_new (SdNetwork *network, SdStore *store, const SdIdentity *identity)
{
  SdConfigSync *self = g_object_new (SD_TYPE_CONFIG_SYNC, NULL);
  g_autofree gchar *synced = NULL;

  g_return_val_if_fail (SD_IS_STORE (store), NULL);
  self->network = network != NULL ? g_object_ref (network) : NULL;
  self->store = g_object_ref (store);
  self->identity = identity;
  for (gint kind = 0; kind < SD_CONFIG_N_KINDS; kind++)
    load_state (self, kind);
  synced = sd_store_get_setting (store, SETTING_SYNCED, NULL);
  self->synced = g_strcmp0 (synced, "1") == 0;
  {
    g_autofree gchar *migration = sd_store_get_setting (store, SETTING_CONTACTS_MIGRATION, NULL);

    if (migration == NULL) {
      /* the first start of this version: an account that starts empty (new, or restored
       * before anything arrived) has nothing from before */
      g_autoptr(GPtrArray) conversations = sd_store_list_conversations (store, NULL);
      gboolean any = FALSE;

      for (guint i = 0; conversations != NULL && i < conversations->len && !any; i++)
        any = is_migrated_contact (self, g_ptr_array_index (conversations, i));
      self->migrate_contacts = any;
      sd_store_set_setting (store, SETTING_CONTACTS_MIGRATION, any ? "pending" : "done", NULL);
    } else {
      self->migrate_contacts = g_strcmp0 (migration, "pending") == 0;
    }
  }
  for (gint kind = 0; kind < SD_CONFIG_N_KINDS && !self->synced; kind++)
    load_local_base (self, kind);
  return self;
}
