/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-bencode.h"

G_BEGIN_DECLS

/* Checking the parts of a received config message in one pass over its
 * bytes, building nothing: strict bencode plus the rules of each part.
 * What passes may be read in place (sd-config-view.h, views in
 * sd-config-value.h). Each scanner starts at the value's first byte,
 * @depth containers deep, and leaves the reader after it. */

/* any value */
gboolean sd_config_scan_value (SdBencodeReader *r, guint depth, GError **error);

/* the data dict: also sd_config_value_check_data's rules (sets of sorted
 * unique scalars, no empty set or dict below the top). @index (nullable,
 * element-type guint32) receives the offset of each key from the 'd' */
gboolean sd_config_scan_data (SdBencodeReader *r, guint depth, GArray *index, GError **error);

/* a diff dict: sd_config_diff_check's rules */
gboolean sd_config_scan_diff (SdBencodeReader *r, guint depth, GError **error);

G_END_DECLS
