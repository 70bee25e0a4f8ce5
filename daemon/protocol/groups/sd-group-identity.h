/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_GROUP_ID_LEN 66 /* "03" + 64 hex, without the NUL */

/* a groups v2 group: its Ed25519 key is its identity (id = "03" + hex of
 * the public key, and its own swarm). Admins hold the seed */
typedef struct {
  guint8 ed25519_pk[32];
  gboolean is_admin;
  guint8 ed25519_sk[64]; /* seed || pk, libsodium layout; zero unless admin */
  guint8 x25519_pk[32];  /* the key the per-member Keys copies are made with */
  gchar id[SD_GROUP_ID_LEN + 1];
} SdGroupIdentity;

/* a new group: a random seed */
void sd_group_identity_generate (SdGroupIdentity *group);
/* an admin's view: from the 32-byte seed (UserGroups "K", or a promotion) */
gboolean sd_group_identity_from_seed (SdGroupIdentity *group,
                                      const guint8 seed[32],
                                      GError **error);
/* a member's view: from the "03" id only */
gboolean sd_group_identity_from_id (SdGroupIdentity *group,
                                    const gchar *id,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE when @seed is the seed of @group's key (a promotion's check) */
gboolean sd_group_identity_seed_matches (const SdGroupIdentity *group, const guint8 seed[32]);

/* wipes the secret key */
void sd_group_identity_clear (SdGroupIdentity *group);

G_END_DECLS
