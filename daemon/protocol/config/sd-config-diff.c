/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config diffs: recorded on local change, replayed by the merge */
#define G_LOG_DOMAIN "SdConfigDiff"

#include "config.h"

#include "sd-config-diff.h"

#include <string.h>

#include "sd-config-view.h"
#include "sd-protocol-error.h"

/* scalars, sets and dicts: a change between these is a new value */
typedef enum { CATEGORY_SCALAR, CATEGORY_SET, CATEGORY_DICT } Category;

static Category
category (const SdConfigValue *value)
{
  switch (sd_config_value_kind (value)) {
  case SD_CONFIG_VALUE_LIST:
    return CATEGORY_SET;
  case SD_CONFIG_VALUE_DICT:
    return CATEGORY_DICT;
  default:
    return CATEGORY_SCALAR;
  }
}

/* [added, removed], or NULL when both are empty; either set may be NULL */
static SdConfigValue *
diff_set (const SdConfigValue *old, const SdConfigValue *new_)
{
  g_autoptr(SdConfigValue) added = sd_config_value_new_list ();
  g_autoptr(SdConfigValue) removed = sd_config_value_new_list ();
  guint n_old = old != NULL ? sd_config_value_length (old) : 0;
  guint n_new = new_ != NULL ? sd_config_value_length (new_) : 0;
  guint i = 0, j = 0;
  SdConfigValue *pair;

  /* both sorted: one merge walk */
  while (i < n_old || j < n_new) {
    const SdConfigValue *o = i < n_old ? sd_config_value_list_get (old, i) : NULL;
    const SdConfigValue *n = j < n_new ? sd_config_value_list_get (new_, j) : NULL;
    gint c = o == NULL ? 1 : n == NULL ? -1 : sd_config_value_scalar_compare (o, n);

    if (c > 0) {
      sd_config_value_list_append (added, sd_config_value_copy (n));
      j++;
    } else if (c < 0) {
      sd_config_value_list_append (removed, sd_config_value_copy (o));
      i++;
    } else {
      i++;
      j++;
    }
  }
  if (sd_config_value_length (added) == 0 && sd_config_value_length (removed) == 0)
    return NULL;
  pair = sd_config_value_new_list ();
  sd_config_value_list_append (pair, g_steal_pointer (&added));
  sd_config_value_list_append (pair, g_steal_pointer (&removed));
  return pair;
}

static SdConfigValue *diff_dict (const SdConfigValue *old, const SdConfigValue *new_);

/* the diff entry for a value that appears (or is replaced by another kind) */
static SdConfigValue *
diff_added (const SdConfigValue *value)
{
  switch (category (value)) {
  case CATEGORY_SET:
    return diff_set (NULL, value);
  case CATEGORY_DICT:
    return diff_dict (NULL, value);
  default:
    return sd_config_value_new_text ("");
  }
}

static SdConfigValue *
diff_removed (const SdConfigValue *value)
{
  switch (category (value)) {
  case CATEGORY_SET:
    return diff_set (value, NULL);
  case CATEGORY_DICT:
    return diff_dict (value, NULL);
  default:
    return sd_config_value_new_text ("-");
  }
}

/* NULL when nothing changed; either side may be NULL (= empty) */
static SdConfigValue *
diff_dict (const SdConfigValue *old, const SdConfigValue *new_)
{
  g_autoptr(SdConfigValue) out = sd_config_value_new_dict ();
  guint n_old = old != NULL ? sd_config_value_length (old) : 0;
  guint n_new = new_ != NULL ? sd_config_value_length (new_) : 0;
  guint i = 0, j = 0;

  while (i < n_old || j < n_new) {
    const guint8 *ko = NULL, *kn = NULL;
    gsize lo = 0, ln = 0;
    gint c;
    SdConfigValue *entry = NULL;

    if (i < n_old)
      ko = sd_config_value_dict_key (old, i, &lo);
    if (j < n_new)
      kn = sd_config_value_dict_key (new_, j, &ln);
    if (ko == NULL)
      c = 1;
    else if (kn == NULL)
      c = -1;
    else {
      c = (lo > 0 && ln > 0) ? memcmp (ko, kn, MIN (lo, ln)) : 0;
      if (c == 0)
        c = lo < ln ? -1 : lo > ln ? 1 : 0;
    }

    if (c < 0) {
      entry = diff_removed (sd_config_value_dict_value (old, i));
      if (entry != NULL)
        sd_config_value_dict_set (out, ko, lo, entry);
      i++;
      continue;
    }
    if (c > 0) {
      entry = diff_added (sd_config_value_dict_value (new_, j));
      if (entry != NULL)
        sd_config_value_dict_set (out, kn, ln, entry);
      j++;
      continue;
    }

    {
      const SdConfigValue *o = sd_config_value_dict_value (old, i);
      const SdConfigValue *n = sd_config_value_dict_value (new_, j);

      if (category (o) != category (n))
        entry = diff_added (n); /* a new kind replaces the old value */
      else if (category (o) == CATEGORY_DICT)
        entry = diff_dict (o, n);
      else if (category (o) == CATEGORY_SET)
        entry = diff_set (o, n);
      else if (!sd_config_value_equal (o, n))
        entry = sd_config_value_new_text ("");
      if (entry != NULL)
        sd_config_value_dict_set (out, kn, ln, entry);
      i++;
      j++;
    }
  }
  if (sd_config_value_length (out) == 0)
    return NULL;
  return g_steal_pointer (&out);
}

SdConfigValue *
sd_config_diff_compute (const SdConfigValue *old, const SdConfigValue *new_)
{
  SdConfigValue *diff;

  g_return_val_if_fail (old != NULL && new_ != NULL, NULL);

  diff = diff_dict (old, new_);
  return diff != NULL ? diff : sd_config_value_new_dict ();
}

static gboolean
check_sorted_scalars (const SdConfigValue *list, GError **error)
{
  if (sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "set diff: expected two lists");
    return FALSE;
  }
  for (guint i = 0; i < sd_config_value_length (list); i++) {
    const SdConfigValue *item = sd_config_value_list_get (list, i);

    if (!sd_config_value_is_scalar (item) ||
        (i > 0 && sd_config_value_scalar_compare (sd_config_value_list_get (list, i - 1),
                                                  item) >= 0)) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "set diff: elements not sorted unique scalars");
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
sd_config_diff_check (const SdConfigValue *diff, GError **error)
{
  g_return_val_if_fail (diff != NULL, FALSE);

  if (sd_config_value_kind (diff) != SD_CONFIG_VALUE_DICT) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "config diff is not a dict");
    return FALSE;
  }
  for (guint i = 0; i < sd_config_value_length (diff); i++) {
    const SdConfigValue *v = sd_config_value_dict_value (diff, i);

    switch (sd_config_value_kind (v)) {
    case SD_CONFIG_VALUE_STRING:
      if (!sd_config_value_is_text (v, "") && !sd_config_value_is_text (v, "-")) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                             "config diff: a scalar change must be \"\" or \"-\"");
        return FALSE;
      }
      break;
    case SD_CONFIG_VALUE_LIST:
      if (sd_config_value_length (v) != 2) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                             "config diff: a set change must be [added, removed]");
        return FALSE;
      }
      if (!check_sorted_scalars (sd_config_value_list_get (v, 0), error) ||
          !check_sorted_scalars (sd_config_value_list_get (v, 1), error))
        return FALSE;
      break;
    case SD_CONFIG_VALUE_DICT:
      if (!sd_config_diff_check (v, error))
        return FALSE;
      break;
    default:
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "config diff holds an integer");
      return FALSE;
    }
  }
  return TRUE;
}

typedef SdConfigViewSeeker Seeker;

static void
seeker_init (Seeker *s, const SdConfigValue *owner, const guint8 *dict)
{
  guint n = 0;
  const guint32 *index = owner != NULL ? sd_config_value_view_index (owner, dict, &n) : NULL;

  sd_config_view_seeker_init (s, dict, index, n);
}

#define seeker_find sd_config_view_seeker_find

/* the category of the value at @p, from its first byte */
static Category
view_category (const guint8 *p)
{
  return *p == 'd' ? CATEGORY_DICT : *p == 'l' ? CATEGORY_SET : CATEGORY_SCALAR;
}

/* is the scalar change at @p "-" (rather than "")? */
static gboolean
view_is_removal (const guint8 *p)
{
  return p[0] == '1';
}

/* every item of the set @items (at its 'l') is (@want TRUE) or is not in
 * the set @set; both are sorted */
static gboolean
view_set_check (const guint8 *items, const guint8 *set, gboolean want)
{
  SdConfigViewIter it, st;
  const guint8 *item, *member = NULL;
  gsize len, member_len;
  gboolean have_member;

  sd_config_view_iter_init (&it, items);
  sd_config_view_iter_init (&st, set);
  have_member = sd_config_view_next (&st, NULL, NULL, &member, &member_len);
  while (sd_config_view_next (&it, NULL, NULL, &item, &len)) {
    gint c = 1;

    while (have_member && (c = sd_config_view_scalar_compare (member, item)) < 0)
      have_member = sd_config_view_next (&st, NULL, NULL, &member, &member_len);
    if ((have_member && c == 0) != want)
      return FALSE;
  }
  return TRUE;
}

/* a key at *@p, read in place; *@p moves past it. Field names are one
 * byte long: their common form is read without a loop */
static inline const guint8 *
view_key (const guint8 **p, gsize *len)
{
  const guint8 *q = *p;

  if (q[1] == ':') {
    *len = (gsize) (q[0] - '0');
    *p = q + 2 + *len;
    return q + 2;
  }
  return sd_config_view_string (q, len, p);
}

/* the end of the value at @p, scalars without the general loop */
static inline const guint8 *
view_skip_value (const guint8 *p)
{
  if (*p >= '0' && *p <= '9') {
    gsize len;
    const guint8 *end;

    if (p[1] == ':')
      return p + 2 + (p[0] - '0');
    sd_config_view_string (p, &len, &end);
    return end;
  }
  if (*p == 'i') {
    while (*p != 'e')
      p++;
    return p + 1;
  }
  return sd_config_view_skip (p);
}

/* sd_bencode_key_compare, one-byte keys compared directly */
static inline gint
view_key_order (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  if (a_len == 1 && b_len == 1)
    return (gint) a[0] - (gint) b[0];
  return sd_bencode_key_compare (a, a_len, b, b_len);
}

/* Would replaying @diff with values from @source change data that equals
 * @source? Usually not: the message whose data starts the merge also
 * carries the diffs that made it. Diff and source are walked side by
 * side (both sorted), each read once; the end of @diff is returned when
 * the replay changes nothing, else NULL */
static const guint8 *
view_apply_noop_end (const guint8 *diff, const guint8 *source, const SdConfigValue *owner)
{
  guint n_index = 0;
  const guint32 *index = owner != NULL ? sd_config_value_view_index (owner, source, &n_index)
                                       : NULL;
  Seeker seeker;
  const guint8 *d = diff + 1, *s = source + 1;

  if (index != NULL)
    sd_config_view_seeker_init (&seeker, source, index, n_index);
  while (*d != 'e') {
    gsize dk_len, src_len;
    const guint8 *dk = view_key (&d, &dk_len);
    const guint8 *change = d, *src = NULL;
    Category want = view_category (change);

    if (index != NULL) {
      if (!seeker_find (&seeker, dk, dk_len, &src, &src_len))
        src = NULL;
    } else {
      while (*s != 'e') {
        const guint8 *at = s, *sk, *value;
        gsize sk_len;
        gint c;

        sk = view_key (&s, &sk_len);
        c = view_key_order (sk, sk_len, dk, dk_len);
        if (c > 0) {
          s = at;
          break;
        }
        value = s;
        s = view_skip_value (s);
        if (c == 0) {
          src = value;
          break;
        }
      }
    }
    /* removed from data that does not hold it: nothing */
    if (src != NULL && view_category (src) != want)
      return NULL;
    switch (want) {
    case CATEGORY_SCALAR:
      if (src != NULL && view_is_removal (change))
        return NULL;
      d = view_skip_value (change);
      break;
    case CATEGORY_DICT:
      d = src != NULL ? view_apply_noop_end (change, src, owner) : sd_config_view_skip (change);
      if (d == NULL)
        return NULL;
      break;
    case CATEGORY_SET: {
      SdConfigViewIter parts;
      const guint8 *added = NULL, *removed = NULL;
      gsize alen, rlen;

      sd_config_view_iter_init (&parts, change);
      sd_config_view_next (&parts, NULL, NULL, &added, &alen);
      sd_config_view_next (&parts, NULL, NULL, &removed, &rlen);
      if (src != NULL &&
          (!view_set_check (added, src, TRUE) || !view_set_check (removed, src, FALSE)))
        return NULL;
      d = sd_config_view_skip (change);
      break;
    }
    }
  }
  return d + 1;
}

static gboolean
view_apply_is_noop (const guint8 *diff, const guint8 *source, const SdConfigValue *owner)
{
  return view_apply_noop_end (diff, source, owner) != NULL;
}

/* the replay, reading the diff and the source in place (both views of
 * checked or self-encoded bytes; @owner is the view @source lies in) */
static void
view_apply (SdConfigValue *data, const guint8 *diff, const guint8 *source, gsize source_len,
            const SdConfigValue *owner)
{
  SdConfigViewIter d;
  Seeker s;
  const guint8 *key, *change, *src, *raw;
  gsize klen, clen, slen, raw_len;

  /* data still as read, equal to the source: often nothing to do, and
   * then nothing of it needs to be read */
  if (sd_config_value_get_view (data, &raw, &raw_len) && raw_len == source_len &&
      (raw == source || memcmp (raw, source, raw_len) == 0) && view_apply_is_noop (diff, source, owner))
    return;

  sd_config_view_iter_init (&d, diff);
  seeker_init (&s, owner, source);
  while (sd_config_view_next (&d, &key, &klen, &change, &clen)) {
    Category want = view_category (change);

    /* gone from the source, or changed kind there: a later diff removes it
     * or replaces it, and removing it now keeps an old dict from being
     * merged into a new one */
    if (!seeker_find (&s, key, klen, &src, &slen) || view_category (src) != want) {
      sd_config_value_dict_remove (data, key, klen);
      continue;
    }

    if (want == CATEGORY_SCALAR) {
      if (view_is_removal (change))
        sd_config_value_dict_remove (data, key, klen);
      else
        sd_config_value_dict_set (data, key, klen, sd_config_value_new_subview (owner, src, slen));
    } else if (want == CATEGORY_DICT) {
      SdConfigValue *child = sd_config_value_dict_child (data, key, klen);

      view_apply (child, change, src, slen, owner);
    } else {
      SdConfigValue *set = sd_config_value_dict_lookup (data, key, klen);
      SdConfigViewIter parts, items;
      const guint8 *part = NULL, *item;
      gsize plen, ilen;

      if (set == NULL || sd_config_value_kind (set) != SD_CONFIG_VALUE_LIST) {
        set = sd_config_value_new_list ();
        sd_config_value_dict_set (data, key, klen, set);
      }
      sd_config_view_iter_init (&parts, change);
      for (guint half = 0; half < 2; half++) {
        sd_config_view_next (&parts, NULL, NULL, &part, &plen);
        sd_config_view_iter_init (&items, part);
        while (sd_config_view_next (&items, NULL, NULL, &item, &ilen)) {
          const guint8 *end;
          SdConfigValue *value;

          if (*item == 'i') {
            value = sd_config_value_new_int (sd_config_view_int (item, &end));
          } else {
            gsize len;
            const guint8 *str = sd_config_view_string (item, &len, &end);

            value = sd_config_value_new_string (str, len);
          }
          if (half == 0) {
            sd_config_value_set_insert (set, value);
          } else {
            sd_config_value_set_remove (set, value);
            sd_config_value_free (value);
          }
        }
      }
    }
  }
}

/* @value as a view: itself, or (@copy, or not a view) a view of its
 * encoding, kept in *@temp */
static const SdConfigValue *
as_view (const SdConfigValue *value, gboolean copy, SdConfigValue **temp)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;

  *temp = NULL;
  if (!copy && sd_config_value_get_view (value, &data, &len))
    return value;
  bytes = sd_config_value_to_bytes (value);
  *temp = sd_config_value_new_view (bytes, 0, g_bytes_get_size (bytes), FALSE, NULL);
  return *temp;
}

void
sd_config_diff_apply (SdConfigValue *data, const SdConfigValue *diff, const SdConfigValue *source)
{
  g_autoptr(SdConfigValue) diff_temp = NULL;
  g_autoptr(SdConfigValue) source_temp = NULL;
  const SdConfigValue *diff_view, *source_view;
  const guint8 *d, *s;
  gsize d_len, s_len;

  g_return_if_fail (data != NULL && diff != NULL && source != NULL);
  g_return_if_fail (sd_config_value_kind (diff) == SD_CONFIG_VALUE_DICT &&
                    sd_config_value_kind (source) == SD_CONFIG_VALUE_DICT);

  /* a merge replays received diffs with received data, read in place;
   * trees (local changes) are encoded first to take the same path */
  diff_view = as_view (diff, diff == data, &diff_temp);
  /* data changing as it is read from would be read wrong */
  source_view = as_view (source, source == data, &source_temp);
  sd_config_value_get_view (diff_view, &d, &d_len);
  sd_config_value_get_view (source_view, &s, &s_len);
  view_apply (data, d, s, s_len, source_view);
}
