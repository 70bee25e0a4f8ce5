/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the one pass that checks a received config message: the tokens are read
 * by the strict codec of sd-bencode.c, the config rules are checked on the
 * way, and nothing is allocated, so that the bytes can then be read in
 * place by the merge */
#define G_LOG_DOMAIN "SdConfigScan"

#include "config.h"

#include <string.h>

#include "sd-config-scan.h"

#include "sd-config-value.h"
#include "sd-config-view.h"
#include "sd-protocol-error.h"

static gboolean
malformed (GError **error, const gchar *message)
{
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED, message);
  return FALSE;
}

/* sd_bencode_reader_key, its common case inline */
static inline gboolean
scan_key (SdBencodeReader *r, const guint8 **prev, gsize *prev_len, GError **error)
{
  const guint8 *start = r->p;
  const guint8 *key;
  gsize len;

  if (*r->p >= '0' && *r->p <= '9' && sd_bencode_reader_bytes_inline (r, &key, &len, NULL) &&
      (*prev == NULL || sd_bencode_key_compare (*prev, *prev_len, key, len) < 0)) {
    *prev = key;
    *prev_len = len;
    return TRUE;
  }
  /* again with the full reader, for its error */
  r->p = start;
  return sd_bencode_reader_key (r, *prev, *prev_len, prev, prev_len, error);
}

/* a scalar: an integer or a byte string */
static gboolean
scan_scalar (SdBencodeReader *r, gint next, GError **error)
{
  if (next == 'i') {
    gint64 ignored;

    return sd_bencode_reader_int_inline (r, &ignored, error);
  }
  if (g_ascii_isdigit (next)) {
    const guint8 *data;
    gsize len;

    return sd_bencode_reader_bytes_inline (r, &data, &len, error);
  }
  sd_bencode_reader_unexpected (r, error);
  return FALSE;
}

gboolean
sd_config_scan_value (SdBencodeReader *r, guint depth, GError **error)
{
  gint next = sd_bencode_reader_peek (r, "a value", error);
  gboolean is_dict;
  const guint8 *prev = NULL;
  gsize prev_len = 0;

  if (next < 0)
    return FALSE;
  if (next != 'l' && next != 'd')
    return scan_scalar (r, next, error);
  is_dict = next == 'd';
  if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, is_dict ? "a dictionary" : "a list", error)) != 'e') {
    if (next < 0)
      return FALSE;
    if (is_dict && !scan_key (r, &prev, &prev_len, error))
      return FALSE;
    if (!sd_config_scan_value (r, depth + 1, error))
      return FALSE;
  }
  sd_bencode_reader_leave (r);
  return TRUE;
}

/* a set: a non-empty list of strictly ascending scalars; @diff_part: one
 * half of a set change, which may be empty */
static gboolean
scan_set (SdBencodeReader *r, guint depth, gboolean diff_part, GError **error)
{
  const guint8 *prev = NULL;
  gint next;

  if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, "a list", error)) != 'e') {
    const guint8 *at = r->p;

    if (next < 0)
      return FALSE;
    if (next == 'l' || next == 'd')
      return malformed (error, diff_part ? "set diff: elements not sorted unique scalars"
                                         : "config set holds a list or dict");
    if (!scan_scalar (r, next, error))
      return FALSE;
    if (prev != NULL && sd_config_view_scalar_compare (prev, at) >= 0)
      return malformed (error, diff_part ? "set diff: elements not sorted unique scalars"
                                         : "config set is not sorted and unique");
    prev = at;
  }
  sd_bencode_reader_leave (r);
  if (prev == NULL && !diff_part)
    return malformed (error, "config data holds an empty set");
  return TRUE;
}

void
sd_config_index_init (SdConfigIndex *index, const guint8 *base)
{
  index->base = base;
  index->keys = g_array_new (FALSE, FALSE, sizeof (guint32));
  index->dicts = g_array_new (FALSE, FALSE, sizeof (SdConfigIndexedDict));
  index->stack.data = NULL;
  index->stack.len = index->stack.cap = 0;
}

void
sd_config_index_clear (SdConfigIndex *index)
{
  g_clear_pointer (&index->keys, g_array_unref);
  g_clear_pointer (&index->dicts, g_array_unref);
  g_clear_pointer (&index->stack.data, g_free);
}

const guint32 *
sd_config_index_find (const SdConfigIndexedDict *dicts, guint n_dicts, const guint32 *keys,
                      guint32 dict, guint *n)
{
  guint lo = 0, hi = n_dicts;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;

    if (dicts[mid].dict == dict) {
      *n = dicts[mid].n;
      return keys + dicts[mid].first;
    }
    if (dicts[mid].dict < dict)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static gint
indexed_dict_compare (gconstpointer a, gconstpointer b)
{
  const SdConfigIndexedDict *x = a, *y = b;

  return x->dict < y->dict ? -1 : x->dict > y->dict ? 1 : 0;
}

static gboolean
scan_data_dict (SdBencodeReader *r, guint depth, gboolean top, SdConfigIndex *index,
                const SdConfigValue *cp_owner, const guint8 *cp_dict, GError **error)
{
  SdConfigViewSeeker cp = { { NULL }, NULL, NULL, 0, 0 };
  guint stack_base = index != NULL ? index->stack.len : 0;
  const guint8 *start = r->p;
  const guint8 *prev = NULL;
  gsize prev_len = 0;
  guint n = 0;
  gint next;

  if (cp_dict != NULL) {
    guint cp_n = 0;
    const guint32 *cp_index = sd_config_value_view_index (cp_owner, cp_dict, &cp_n);

    sd_config_view_seeker_init (&cp, cp_dict, cp_index, cp_n);
  }
  if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, "a dictionary", error)) != 'e') {
    guint32 offset = (guint32) (r->p - start);
    const guint8 *cv = NULL;
    gsize cv_len = 0;
    gboolean ok;

    if (next < 0)
      return FALSE;
    if (!scan_key (r, &prev, &prev_len, error))
      return FALSE;
    if (index != NULL) {
      if (index->stack.len == index->stack.cap) {
        index->stack.cap = MAX (64, index->stack.cap * 2);
        index->stack.data = g_renew (guint32, index->stack.data, index->stack.cap);
      }
      index->stack.data[index->stack.len++] = offset;
    }
    n++;
    if (cp_dict != NULL && sd_config_view_seeker_find (&cp, prev, prev_len, &cv, &cv_len)) {
      /* the same bytes as a checked value at the same path: valid */
      if (cv_len <= (gsize) (r->end - r->p) && memcmp (r->p, cv, cv_len) == 0) {
        r->p += cv_len;
        continue;
      }
    } else {
      cv = NULL;
    }
    next = sd_bencode_reader_peek (r, "a value", error);
    if (next < 0)
      return FALSE;
    if (next == 'd')
      ok = scan_data_dict (r, depth + 1, FALSE, index, cp_owner,
                           cv != NULL && *cv == 'd' ? cv : NULL, error);
    else if (next == 'l')
      ok = scan_set (r, depth + 1, FALSE, error);
    else
      ok = scan_scalar (r, next, error);
    if (!ok)
      return FALSE;
  }
  sd_bencode_reader_leave (r);
  if (n == 0 && !top)
    return malformed (error, "config data holds an empty dict");
  if (index != NULL) {
    if (n > 0 && (n >= SD_CONFIG_INDEX_MIN_ENTRIES ||
                  (gsize) (r->p - start) >= SD_CONFIG_INDEX_MIN_BYTES)) {
      SdConfigIndexedDict entry = { (guint32) (start - index->base), index->keys->len, n };
      guint32 end = (guint32) (r->p - 1 - start);

      g_array_append_val (index->dicts, entry);
      g_array_append_vals (index->keys, index->stack.data + stack_base, n);
      g_array_append_val (index->keys, end);
    }
    index->stack.len = stack_base;
  }
  return TRUE;
}

gboolean
sd_config_scan_data (SdBencodeReader *r, guint depth, SdConfigIndex *index,
                     const SdConfigValue *counterpart, GError **error)
{
  const guint8 *cp_dict = NULL;
  gsize cp_len = 0;

  gint next = sd_bencode_reader_peek (r, "a value", error);

  if (next < 0)
    return FALSE;
  if (next != 'd') {
    /* still a value, or the bencode error comes first */
    if (!sd_config_scan_value (r, depth, error))
      return FALSE;
    return malformed (error, "config data is not a dict");
  }
  if (counterpart != NULL && !sd_config_value_get_view (counterpart, &cp_dict, &cp_len))
    cp_dict = NULL;
  if (!scan_data_dict (r, depth, TRUE, index, counterpart, cp_dict, error))
    return FALSE;
  /* inner dicts were finished first */
  if (index != NULL)
    g_array_sort (index->dicts, indexed_dict_compare);
  return TRUE;
}

gboolean
sd_config_scan_diff (SdBencodeReader *r, guint depth, GError **error)
{
  const guint8 *prev = NULL;
  gsize prev_len = 0;
  gint next = sd_bencode_reader_peek (r, "a value", error);

  if (next < 0)
    return FALSE;
  if (next != 'd') {
    if (!sd_config_scan_value (r, depth, error))
      return FALSE;
    return malformed (error, "config diff is not a dict");
  }
  if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, "a dictionary", error)) != 'e') {
    if (next < 0)
      return FALSE;
    if (!scan_key (r, &prev, &prev_len, error))
      return FALSE;
    next = sd_bencode_reader_peek (r, "a value", error);
    if (next < 0)
      return FALSE;
    if (next == 'd') {
      if (!sd_config_scan_diff (r, depth + 1, error))
        return FALSE;
    } else if (next == 'l') {
      guint parts = 0;

      if (!sd_bencode_reader_enter (r, depth + 1, SD_CONFIG_MAX_DEPTH, error))
        return FALSE;
      while ((next = sd_bencode_reader_peek (r, "a list", error)) != 'e') {
        if (next < 0)
          return FALSE;
        if (parts == 2)
          return malformed (error, "config diff: a set change must be [added, removed]");
        if (next != 'l')
          return malformed (error, "set diff: expected two lists");
        if (!scan_set (r, depth + 2, TRUE, error))
          return FALSE;
        parts++;
      }
      sd_bencode_reader_leave (r);
      if (parts != 2)
        return malformed (error, "config diff: a set change must be [added, removed]");
    } else if (next == 'i') {
      return malformed (error, "config diff holds an integer");
    } else {
      const guint8 *data;
      gsize len;

      if (!g_ascii_isdigit (next)) {
        sd_bencode_reader_unexpected (r, error);
        return FALSE;
      }
      if (!sd_bencode_reader_bytes_inline (r, &data, &len, error))
        return FALSE;
      if (!(len == 0 || (len == 1 && data[0] == '-')))
        return malformed (error, "config diff: a scalar change must be \"\" or \"-\"");
    }
  }
  sd_bencode_reader_leave (r);
  return TRUE;
}
