/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-group-identity.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* Keys (namespace 12): the group's shared encryption keys, one per
 * generation. Not a merging config: every message is one signed key
 * announcement. Admins issue a new generation ("rekey", on every member
 * removal) or hand older keys to new members ("supplement"); members find
 * their copy among the per-member entries. */

/* the per-member entries are padded with junk to a multiple of this */
#define SD_GROUP_KEYS_MULTIPLE 75
/* a key is dropped once a newer generation has existed this long */
#define SD_GROUP_KEY_EXPIRY_MS (60LL * 24 * 3600 * 1000)
/* a stored item is at most this large */
#define SD_GROUP_KEYS_MAX_MESSAGE 76800
/* more keys than this are not kept (the oldest go first) */
#define SD_GROUP_KEYS_MAX_KEYS 256
/* more members than this are not rekeyed for in one message */
#define SD_GROUP_KEYS_MAX_MEMBERS 1500

typedef guint8 SdGroupKeyBytes[32];

typedef struct {
  gint64 generation;
  gint64 timestamp_ms; /* the swarm's timestamp of the message (or the supplement's) */
  SdGroupKeyBytes key;
} SdGroupKey;

typedef struct _SdGroupKeys SdGroupKeys;

/* @group says whether we are an admin; @user is our account */
SdGroupKeys *sd_group_keys_new (const SdGroupIdentity *group, const SdIdentity *user);
void sd_group_keys_free (SdGroupKeys *keys);

gboolean sd_group_keys_is_admin (const SdGroupKeys *keys);
/* a promotion: the group seed handed over; refused unless it is this
 * group's (%SD_PROTOCOL_ERROR_SIGNATURE) */
gboolean sd_group_keys_promote (SdGroupKeys *keys, const guint8 seed[32], GError **error);

/**
 * sd_group_keys_load_message:
 * @hash: the swarm hash of the message (kept to know which messages matter)
 * @timestamp_ms: the swarm's timestamp of the message
 * @found: (out) (optional): TRUE when the message gave us a key
 *
 * Checks the group signature and the layout of the whole message (also the
 * entries that are not ours, so that every client rejects the same
 * messages), then takes our key(s). A message for a generation we have no
 * copy in is remembered but gives no key. On error nothing changes.
 */
gboolean sd_group_keys_load_message (SdGroupKeys *keys,
                                     const gchar *hash,
                                     const guint8 *data,
                                     gsize len,
                                     gint64 timestamp_ms,
                                     gboolean *found,
                                     GError **error);

/* admins: a new generation for @member_ids (every member's "05…" id,
 * admins included): deterministic, so two admins rekeying the same members
 * at the same generation publish the same bytes. The new key is pending
 * (already used to encrypt) until the message comes back from the swarm */
GBytes *sd_group_keys_rekey (SdGroupKeys *keys,
                             GPtrArray *member_ids,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* admins: every key we hold, for new members invited with history */
GBytes *sd_group_keys_supplement (SdGroupKeys *keys,
                                  GPtrArray *member_ids,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* (nullable) the rekey message not yet seen back from the swarm */
GBytes *sd_group_keys_get_pending_message (const SdGroupKeys *keys);

/* the key to encrypt with: the pending one, else the newest; FALSE if we
 * have none */
gboolean sd_group_keys_get_current (const SdGroupKeys *keys,
                                    SdGroupKeyBytes key,
                                    gint64 *generation);
/* every key for decrypting, the current one first; valid until the next
 * change */
const SdGroupKeyBytes *sd_group_keys_list (SdGroupKeys *keys, guint *n_keys);
/* the kept keys, oldest first */
guint sd_group_keys_get_n_keys (const SdGroupKeys *keys);
const SdGroupKey *sd_group_keys_get_key (const SdGroupKeys *keys, guint index);

/* two keys share the newest generation (two admins rekeyed at once): an
 * admin should rekey again */
gboolean sd_group_keys_needs_rekey (const SdGroupKeys *keys);

/* (transfer full) (element-type utf8) hashes of the messages that still
 * matter; the others may be deleted from the swarm */
GPtrArray *sd_group_keys_active_hashes (const SdGroupKeys *keys) G_GNUC_WARN_UNUSED_RESULT;

/* the state to keep on disk (holds key material: store it as secret):
 * keys, the pending rekey and the active hashes, in our own bencode */
GBytes *sd_group_keys_dump (const SdGroupKeys *keys) G_GNUC_WARN_UNUSED_RESULT;
/* replaces the state with a dump; on error nothing changes */
gboolean sd_group_keys_load_dump (SdGroupKeys *keys,
                                  const guint8 *data,
                                  gsize len,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdGroupKeys, sd_group_keys_free)

G_END_DECLS
