/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* a diff mirrors the data dict: "" = scalar assigned, "-" = scalar removed,
 * a dict = changes inside that dict, [added, removed] = changes to a set */

/* the diff from @old to @new (both pruned data dicts); an empty dict when
 * nothing changed */
SdConfigValue *sd_config_diff_compute (const SdConfigValue *old,
                                       const SdConfigValue *new_) G_GNUC_WARN_UNUSED_RESULT;

/* checks a received diff: only "", "-", sub-diffs, and pairs of sorted
 * scalar lists */
gboolean sd_config_diff_check (const SdConfigValue *diff, GError **error);

/* replays @diff onto @data, taking assigned values from @source (the data
 * of the message that carries the diff); a key whose source value is gone
 * or of another kind is removed. Empty sets and dicts are left for the
 * caller to prune */
void sd_config_diff_apply (SdConfigValue *data,
                           const SdConfigValue *diff,
                           const SdConfigValue *source);

G_END_DECLS
