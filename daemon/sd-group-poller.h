/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-groups.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* polls every group we belong to (not pending invites): per group and tick one batch of the
 * five retrieves (−11, 11, 13, 14, then Keys in 12) against the group's swarm, signed as admin
 * or with our grant, handed to sd_groups_apply_poll (). One group at a time; separate from
 * SdPoller, which polls our own swarm */
#define SD_TYPE_GROUP_POLLER (sd_group_poller_get_type ())
G_DECLARE_FINAL_TYPE (SdGroupPoller, sd_group_poller, SD, GROUP_POLLER, GObject)

SdGroupPoller *sd_group_poller_new (SdNetwork *network, SdStore *store, SdGroups *groups,
                                    guint interval_ms) G_GNUC_WARN_UNUSED_RESULT;
void sd_group_poller_start (SdGroupPoller *self);
void sd_group_poller_stop (SdGroupPoller *self);
/* polls now (a group was created or accepted) */
void sd_group_poller_kick (SdGroupPoller *self);

G_END_DECLS
