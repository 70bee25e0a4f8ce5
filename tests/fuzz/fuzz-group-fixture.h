/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* the fixed keys of the group fuzz targets and of make-group-corpus, so
 * that the seed corpus holds messages the targets can really open */

#include <string.h>

#include "sd-group-identity.h"
#include "sd-group-keys.h"
#include "sd-keys.h"

#define FUZZ_GROUP_SEED_BYTE 0x07
#define FUZZ_ADMIN_SEED_BYTE 0x09
#define FUZZ_MEMBER_SEED_BYTE 0x08
#define FUZZ_KEY_BYTE 0x5a

static inline void
fuzz_group_fixture (SdGroupIdentity *admin_group, SdGroupIdentity *member_group,
                    SdIdentity *admin, SdIdentity *member)
{
  guint8 seed[32];

  memset (seed, FUZZ_GROUP_SEED_BYTE, sizeof seed);
  g_assert (sd_group_identity_from_seed (admin_group, seed, NULL));
  g_assert (sd_group_identity_from_id (member_group, admin_group->id, NULL));
  memset (seed, FUZZ_ADMIN_SEED_BYTE, sizeof seed);
  sd_identity_from_seed (admin, seed);
  memset (seed, FUZZ_MEMBER_SEED_BYTE, sizeof seed);
  sd_identity_from_seed (member, seed);
}

/* the fixture of one run, its group secret wiped on the way out */
typedef struct {
  SdGroupIdentity admin_group;
  SdGroupIdentity member_group;
  SdIdentity admin;
  SdIdentity member;
} FuzzGroup;

static inline void
fuzz_group_clear (FuzzGroup *f)
{
  sd_group_identity_clear (&f->admin_group);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FuzzGroup, fuzz_group_clear)
