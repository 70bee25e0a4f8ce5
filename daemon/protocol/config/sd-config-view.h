/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Reading config bencode in place, without building a tree. Only for bytes
 * that sd-config-scan.c (or our own encoder) has already checked: there
 * are no bounds or form checks here, which is what makes the merge's walk
 * over a 100 kB config cheap. */

#include <glib.h>

#include "sd-bencode.h"

G_BEGIN_DECLS

/* a byte string at @p: its data, *@end after it */
static inline const guint8 *
sd_config_view_string (const guint8 *p, gsize *len, const guint8 **end)
{
  gsize n = 0;

  while (*p != ':')
    n = n * 10 + (gsize) (*p++ - '0');
  *len = n;
  *end = p + 1 + n;
  return p + 1;
}

/* an integer at @p (the 'i'); *@end after it */
static inline gint64
sd_config_view_int (const guint8 *p, const guint8 **end)
{
  gboolean negative = p[1] == '-';
  guint64 n = 0;

  p += negative ? 2 : 1;
  while (*p != 'e')
    n = n * 10 + (guint64) (*p++ - '0');
  *end = p + 1;
  /* the checked range is that of gint64 */
  return negative ? (gint64) (0 - n) : (gint64) n;
}

/* the end of the value at @p */
static inline const guint8 *
sd_config_view_skip (const guint8 *p)
{
  guint depth = 0;

  do {
    switch (*p) {
    case 'i':
      while (*p != 'e')
        p++;
      p++;
      break;
    case 'l':
    case 'd':
      depth++;
      p++;
      break;
    case 'e':
      depth--;
      p++;
      break;
    default: {
      gsize len;

      sd_config_view_string (p, &len, &p);
      break;
    }
    }
  } while (depth > 0);
  return p;
}

/* a dict's entries, from the 'd' on */
typedef struct {
  const guint8 *p;
} SdConfigViewIter;

static inline void
sd_config_view_iter_init (SdConfigViewIter *it, const guint8 *container)
{
  it->p = container + 1;
}

/* the next entry of a dict (or, with @key NULL, item of a list): FALSE at
 * the end */
static inline gboolean
sd_config_view_next (SdConfigViewIter *it, const guint8 **key, gsize *key_len,
                     const guint8 **value, gsize *value_len)
{
  const guint8 *end;

  if (*it->p == 'e')
    return FALSE;
  if (key != NULL)
    *key = sd_config_view_string (it->p, key_len, &it->p);
  end = sd_config_view_skip (it->p);
  *value = it->p;
  *value_len = (gsize) (end - it->p);
  it->p = end;
  return TRUE;
}

/* looks @key up in a dict, onward from the iterator (keys asked for in
 * ascending order); the iterator stays before the first larger key */
static inline gboolean
sd_config_view_seek (SdConfigViewIter *it, const guint8 *key, gsize key_len,
                     const guint8 **value, gsize *value_len)
{
  while (*it->p != 'e') {
    gsize len;
    const guint8 *after;
    const guint8 *k = sd_config_view_string (it->p, &len, &after);
    gint c = sd_bencode_key_compare (k, len, key, key_len);

    if (c > 0)
      return FALSE;
    *value = after;
    it->p = sd_config_view_skip (after);
    *value_len = (gsize) (it->p - after);
    if (c == 0)
      return TRUE;
  }
  return FALSE;
}

/* looking keys up in ascending order in a dict: onward from the previous
 * one, through the key offsets when the dict has them (a large data dict:
 * no value is stepped over to find the next key) */
typedef struct {
  SdConfigViewIter it;
  const guint8 *dict;
  /* (nullable) offsets of the keys from @dict, then of its closing 'e' */
  const guint32 *index;
  guint n, at;
} SdConfigViewSeeker;

static inline void
sd_config_view_seeker_init (SdConfigViewSeeker *s, const guint8 *dict, const guint32 *index,
                            guint n)
{
  sd_config_view_iter_init (&s->it, dict);
  s->dict = dict;
  s->index = index;
  s->n = n;
  s->at = 0;
}

static inline gboolean
sd_config_view_seeker_find (SdConfigViewSeeker *s, const guint8 *key, gsize klen,
                            const guint8 **value, gsize *len)
{
  guint lo, hi;

  if (s->index == NULL)
    return sd_config_view_seek (&s->it, key, klen, value, len);
  /* the next key is usually the one asked for */
  lo = s->at;
  hi = s->n;
  while (lo < hi) {
    guint mid = lo == s->at ? lo : lo + (hi - lo) / 2;
    gsize kl;
    const guint8 *after;
    const guint8 *k = sd_config_view_string (s->dict + s->index[mid], &kl, &after);
    gint c = sd_bencode_key_compare (k, kl, key, klen);

    if (c == 0) {
      const guint8 *end = s->dict + s->index[mid + 1];

      *value = after;
      *len = (gsize) (end - after);
      s->at = mid + 1;
      return TRUE;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  s->at = lo;
  return FALSE;
}

/* the order of set items, as sd_config_value_scalar_compare: integers
 * first, ascending, then strings in byte order */
static inline gint
sd_config_view_scalar_compare (const guint8 *a, const guint8 *b)
{
  const guint8 *end;

  if ((*a == 'i') != (*b == 'i'))
    return *a == 'i' ? -1 : 1;
  if (*a == 'i') {
    gint64 x = sd_config_view_int (a, &end), y = sd_config_view_int (b, &end);

    return x < y ? -1 : x > y ? 1 : 0;
  } else {
    gsize la, lb;
    const guint8 *da = sd_config_view_string (a, &la, &end);
    const guint8 *db = sd_config_view_string (b, &lb, &end);

    return sd_bencode_key_compare (da, la, db, lb);
  }
}

G_END_DECLS
