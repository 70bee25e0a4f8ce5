/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* config data is bencode with binary dict keys (Contacts are keyed by the
 * 33-byte Session ID, which may hold NUL bytes), so it has its own mutable
 * tree rather than SdBencode */
typedef enum {
  SD_CONFIG_VALUE_INT,
  SD_CONFIG_VALUE_STRING,
  SD_CONFIG_VALUE_LIST,
  SD_CONFIG_VALUE_DICT,
} SdConfigValueKind;

/* value rules of config data (docs/config-sync.md); checked by the
 * setters of the typed views, not on receive, so that we merge exactly what
 * other clients merge */
#define SD_CONFIG_MAX_KEY_LEN 128
#define SD_CONFIG_MAX_STRING_LEN 4096

/* nesting bound on untrusted input (config data nests 5 levels at most) */
#define SD_CONFIG_MAX_DEPTH 32

typedef struct _SdConfigValue SdConfigValue;

SdConfigValue *sd_config_value_new_int (gint64 value);
SdConfigValue *sd_config_value_new_string (const guint8 *data, gsize len);
SdConfigValue *sd_config_value_new_text (const gchar *text);
SdConfigValue *sd_config_value_new_list (void);
SdConfigValue *sd_config_value_new_dict (void);
void sd_config_value_free (SdConfigValue *value);
SdConfigValue *sd_config_value_copy (const SdConfigValue *value) G_GNUC_WARN_UNUSED_RESULT;

SdConfigValueKind sd_config_value_kind (const SdConfigValue *value);
gboolean sd_config_value_is_scalar (const SdConfigValue *value);
gint64 sd_config_value_get_int (const SdConfigValue *value);
const guint8 *sd_config_value_get_string (const SdConfigValue *value, gsize *len);
/* TRUE when @value is a string equal to @text */
gboolean sd_config_value_is_text (const SdConfigValue *value, const gchar *text);

/* items of a list, entries of a dict */
guint sd_config_value_length (const SdConfigValue *value);

SdConfigValue *sd_config_value_list_get (const SdConfigValue *list, guint index);
/* takes ownership of @item */
void sd_config_value_list_append (SdConfigValue *list, SdConfigValue *item);

/* entries in key order (raw bytes, shorter prefix first) */
const guint8 *sd_config_value_dict_key (const SdConfigValue *dict, guint index, gsize *len);
SdConfigValue *sd_config_value_dict_value (const SdConfigValue *dict, guint index);
SdConfigValue *sd_config_value_dict_lookup (const SdConfigValue *dict, const guint8 *key, gsize len);
/* the same for a caller looking up keys in ascending order: *@from (0 at
 * first) is where the previous lookup ended */
SdConfigValue *sd_config_value_dict_lookup_from (const SdConfigValue *dict, const guint8 *key,
                                                 gsize len, guint *from);
SdConfigValue *sd_config_value_dict_get (const SdConfigValue *dict, const gchar *key);
/* takes ownership of @value, replacing any old value */
void sd_config_value_dict_set (SdConfigValue *dict, const guint8 *key, gsize len,
                               SdConfigValue *value);
void sd_config_value_dict_set_text (SdConfigValue *dict, const gchar *key, SdConfigValue *value);
gboolean sd_config_value_dict_remove (SdConfigValue *dict, const guint8 *key, gsize len);
/* detaches the value at @index (leaving a placeholder integer behind):
 * for taking parts of a decoded tree without copying them */
SdConfigValue *sd_config_value_dict_steal (SdConfigValue *dict, guint index) G_GNUC_WARN_UNUSED_RESULT;
SdConfigValue *sd_config_value_list_steal (SdConfigValue *list, guint index) G_GNUC_WARN_UNUSED_RESULT;
/* the sub-dict at @key, created (replacing a value of another kind) if needed */
SdConfigValue *sd_config_value_dict_child (SdConfigValue *dict, const guint8 *key, gsize len);

/* sets are lists kept sorted and unique: integers first, ascending, then
 * strings in byte order */
gint sd_config_value_scalar_compare (const SdConfigValue *a, const SdConfigValue *b);
/* takes ownership of @item; FALSE (and @item freed) if already present */
gboolean sd_config_value_set_insert (SdConfigValue *set, SdConfigValue *item);
gboolean sd_config_value_set_remove (SdConfigValue *set, const SdConfigValue *item);
gboolean sd_config_value_set_contains (const SdConfigValue *set, const SdConfigValue *item);

gboolean sd_config_value_equal (const SdConfigValue *a, const SdConfigValue *b);

/* removes empty sets and dicts below @value, depth first; TRUE if
 * anything was removed */
gboolean sd_config_value_prune (SdConfigValue *value);

/* checks the data rules on received config data: sets hold only scalars,
 * strictly ascending, and neither sets nor dicts below the top are empty */
gboolean sd_config_value_check_data (const SdConfigValue *dict, GError **error);

void sd_config_value_encode (const SdConfigValue *value, GByteArray *out);
GBytes *sd_config_value_to_bytes (const SdConfigValue *value) G_GNUC_WARN_UNUSED_RESULT;
/* canonical bencode only (sorted unique keys, no leading zeros, int64
 * range), read by the one codec of sd-bencode.h, whose pieces
 * (sd_bencode_append_int/bytes) also serve writers of an outer dict; the
 * whole input must be one value */
SdConfigValue *sd_config_value_decode (const guint8 *data, gsize len,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Views: a list or dict read in place from checked bytes (see
 * sd-config-scan.h), which become a tree level by level only where
 * something looks inside; copying or encoding one copies no nodes. */

typedef struct _SdConfigIndex SdConfigIndex;

/* a view of the list or dict at @offset in @bytes (referenced); @clean:
 * checked as config data (no empty set or dict below it); @index
 * (nullable): where the keys of large dicts in @bytes are (its arrays are
 * taken) */
SdConfigValue *sd_config_value_new_view (GBytes *bytes, gsize offset, gsize len, gboolean clean,
                                         SdConfigIndex *index) G_GNUC_WARN_UNUSED_RESULT;
/* a value inside @view's bytes (a scalar is read into a node, a list or
 * dict is a view in turn) */
SdConfigValue *sd_config_value_new_subview (const SdConfigValue *view, const guint8 *data,
                                            gsize len) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE with the bytes of @value while it is an unread view */
gboolean sd_config_value_get_view (const SdConfigValue *value, const guint8 **data, gsize *len);

/* the key offsets of @dict (in @view's bytes) from its 'd', then the
 * offset of its closing 'e', when they were recorded (large dicts of
 * received data), else NULL; @n: the number of keys */
const guint32 *sd_config_value_view_index (const SdConfigValue *view, const guint8 *dict,
                                           guint *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdConfigValue, sd_config_value_free)

G_END_DECLS
