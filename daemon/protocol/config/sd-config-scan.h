/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-bencode.h"
#include "sd-config-value.h"

G_BEGIN_DECLS

/* Checking the parts of a received config message in one pass over its
 * bytes, building nothing: strict bencode plus the rules of each part.
 * What passes may be read in place (sd-config-view.h, views in
 * sd-config-value.h). Each scanner starts at the value's first byte,
 * @depth containers deep, and leaves the reader after it. */

/* any value */
gboolean sd_config_scan_value (SdBencodeReader *r, guint depth, GError **error);

/* where the keys of the large dicts of config data are (Contacts keeps
 * hundreds of contacts in one dict, under a top dict of one key): a view
 * of such a dict is read, and looked up in, without stepping over every
 * value before a key. A dict is large with this many entries, or bytes */
#define SD_CONFIG_INDEX_MIN_ENTRIES 16
#define SD_CONFIG_INDEX_MIN_BYTES 1024

typedef struct {
  guint32 dict;  /* offset of the dict's 'd' from the start of the bytes */
  guint32 first; /* its first key in @keys */
  guint32 n;     /* its number of keys */
} SdConfigIndexedDict;

struct _SdConfigIndex {
  const guint8 *base;
  /* (element-type guint32) offsets of keys from their dict's 'd', each dict's
   * followed by the offset of its closing 'e' (where its last value ends) */
  GArray *keys;
  GArray *dicts; /* (element-type SdConfigIndexedDict) sorted by @dict once scanned */
  struct {
    guint32 *data;
    guint len, cap;
  } stack;       /* work space */
};

void sd_config_index_init (SdConfigIndex *index, const guint8 *base);
void sd_config_index_clear (SdConfigIndex *index);
/* the key offsets of the dict at @dict, or NULL if it is not indexed */
const guint32 *sd_config_index_find (const SdConfigIndexedDict *dicts, guint n_dicts,
                                     const guint32 *keys, guint32 dict, guint *n);

/* the data dict: also sd_config_value_check_data's rules (sets of sorted
 * unique scalars, no empty set or dict below the top). @index (nullable)
 * receives where the keys of its large dicts are. @counterpart (nullable):
 * the checked data view of another message of the same merge; a value
 * whose bytes equal the value at the same path there is not checked again
 * (competing messages share nearly all their data) */
gboolean sd_config_scan_data (SdBencodeReader *r, guint depth, SdConfigIndex *index,
                              const SdConfigValue *counterpart, GError **error);

/* a diff dict: sd_config_diff_check's rules */
gboolean sd_config_scan_diff (SdBencodeReader *r, guint depth, GError **error);

G_END_DECLS
