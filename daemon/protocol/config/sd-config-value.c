/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the mutable bencode tree of config messages: data, diffs and the outer
 * dict all use it; the decoder is strict, so that the hash of what we
 * re-encode is the hash other clients computed */
#define G_LOG_DOMAIN "SdConfigValue"

#include "config.h"

#include "sd-config-value.h"

#include <string.h>

#include "sd-protocol-error.h"

typedef struct {
  guint8 *key;          /* (owned) */
  gsize key_len;
  SdConfigValue *value; /* (owned) */
} Entry;

struct _SdConfigValue {
  SdConfigValueKind kind;
  union {
    gint64 integer;
    struct {
      guint8 *data; /* (owned) NUL-terminated, not counted */
      gsize len;
    } str;
    GPtrArray *items; /* (owned) (element-type SdConfigValue) list, or Entry for a dict */
  } v;
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->key);
  sd_config_value_free (entry->value);
  g_free (entry);
}

/* never NULL, even for the empty key */
static guint8 *
dup_key (const guint8 *key, gsize len)
{
  guint8 *copy = g_malloc (len + 1);

  if (len > 0)
    memcpy (copy, key, len);
  copy[len] = '\0';
  return copy;
}

static SdConfigValue *
value_alloc (SdConfigValueKind kind)
{
  SdConfigValue *value = g_new0 (SdConfigValue, 1);

  value->kind = kind;
  return value;
}

SdConfigValue *
sd_config_value_new_int (gint64 integer)
{
  SdConfigValue *value = value_alloc (SD_CONFIG_VALUE_INT);

  value->v.integer = integer;
  return value;
}

SdConfigValue *
sd_config_value_new_string (const guint8 *data, gsize len)
{
  SdConfigValue *value;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  value = value_alloc (SD_CONFIG_VALUE_STRING);
  value->v.str.data = g_malloc (len + 1);
  if (len > 0)
    memcpy (value->v.str.data, data, len);
  value->v.str.data[len] = '\0';
  value->v.str.len = len;
  return value;
}

SdConfigValue *
sd_config_value_new_text (const gchar *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return sd_config_value_new_string ((const guint8 *) text, strlen (text));
}

SdConfigValue *
sd_config_value_new_list (void)
{
  SdConfigValue *value = value_alloc (SD_CONFIG_VALUE_LIST);

  value->v.items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_config_value_free);
  return value;
}

SdConfigValue *
sd_config_value_new_dict (void)
{
  SdConfigValue *value = value_alloc (SD_CONFIG_VALUE_DICT);

  value->v.items = g_ptr_array_new_with_free_func (entry_free);
  return value;
}

void
sd_config_value_free (SdConfigValue *value)
{
  if (value == NULL)
    return;
  if (value->kind == SD_CONFIG_VALUE_STRING)
    g_free (value->v.str.data);
  else if (value->kind == SD_CONFIG_VALUE_LIST || value->kind == SD_CONFIG_VALUE_DICT)
    g_ptr_array_unref (value->v.items);
  g_free (value);
}

SdConfigValue *
sd_config_value_copy (const SdConfigValue *value)
{
  SdConfigValue *copy;

  g_return_val_if_fail (value != NULL, NULL);

  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    return sd_config_value_new_int (value->v.integer);
  case SD_CONFIG_VALUE_STRING:
    return sd_config_value_new_string (value->v.str.data, value->v.str.len);
  case SD_CONFIG_VALUE_LIST:
    copy = sd_config_value_new_list ();
    for (guint i = 0; i < value->v.items->len; i++)
      g_ptr_array_add (copy->v.items, sd_config_value_copy (g_ptr_array_index (value->v.items, i)));
    return copy;
  case SD_CONFIG_VALUE_DICT:
    copy = sd_config_value_new_dict ();
    for (guint i = 0; i < value->v.items->len; i++) {
      const Entry *entry = g_ptr_array_index (value->v.items, i);
      Entry *dup = g_new (Entry, 1);

      dup->key = dup_key (entry->key, entry->key_len);
      dup->key_len = entry->key_len;
      dup->value = sd_config_value_copy (entry->value);
      g_ptr_array_add (copy->v.items, dup);
    }
    return copy;
  default:
    g_assert_not_reached ();
  }
}

SdConfigValueKind
sd_config_value_kind (const SdConfigValue *value)
{
  g_return_val_if_fail (value != NULL, SD_CONFIG_VALUE_INT);

  return value->kind;
}

gboolean
sd_config_value_is_scalar (const SdConfigValue *value)
{
  return value != NULL &&
         (value->kind == SD_CONFIG_VALUE_INT || value->kind == SD_CONFIG_VALUE_STRING);
}

gint64
sd_config_value_get_int (const SdConfigValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == SD_CONFIG_VALUE_INT, 0);

  return value->v.integer;
}

const guint8 *
sd_config_value_get_string (const SdConfigValue *value, gsize *len)
{
  g_return_val_if_fail (value != NULL && value->kind == SD_CONFIG_VALUE_STRING, NULL);

  if (len != NULL)
    *len = value->v.str.len;
  return value->v.str.data;
}

gboolean
sd_config_value_is_text (const SdConfigValue *value, const gchar *text)
{
  gsize len = strlen (text);

  return value != NULL && value->kind == SD_CONFIG_VALUE_STRING && value->v.str.len == len &&
         memcmp (value->v.str.data, text, len) == 0;
}

guint
sd_config_value_length (const SdConfigValue *value)
{
  g_return_val_if_fail (value != NULL, 0);
  g_return_val_if_fail (value->kind == SD_CONFIG_VALUE_LIST ||
                        value->kind == SD_CONFIG_VALUE_DICT, 0);

  return value->v.items->len;
}

SdConfigValue *
sd_config_value_list_get (const SdConfigValue *list, guint index)
{
  g_return_val_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST, NULL);
  g_return_val_if_fail (index < list->v.items->len, NULL);

  return g_ptr_array_index (list->v.items, index);
}

void
sd_config_value_list_append (SdConfigValue *list, SdConfigValue *item)
{
  g_return_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST);
  g_return_if_fail (item != NULL);

  g_ptr_array_add (list->v.items, item);
}

static gint
bytes_compare (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  gint c = (a_len > 0 && b_len > 0) ? memcmp (a, b, MIN (a_len, b_len)) : 0;

  if (c != 0)
    return c;
  return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* binary search: the index of @key, or where it belongs */
static guint
dict_find (const SdConfigValue *dict, const guint8 *key, gsize len, gboolean *found)
{
  guint lo = 0, hi = dict->v.items->len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const Entry *entry = g_ptr_array_index (dict->v.items, mid);
    gint c = bytes_compare (entry->key, entry->key_len, key, len);

    if (c == 0) {
      *found = TRUE;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const guint8 *
sd_config_value_dict_key (const SdConfigValue *dict, guint index, gsize *len)
{
  const Entry *entry;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  g_return_val_if_fail (index < dict->v.items->len, NULL);

  entry = g_ptr_array_index (dict->v.items, index);
  *len = entry->key_len;
  return entry->key;
}

SdConfigValue *
sd_config_value_dict_value (const SdConfigValue *dict, guint index)
{
  const Entry *entry;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  g_return_val_if_fail (index < dict->v.items->len, NULL);

  entry = g_ptr_array_index (dict->v.items, index);
  return entry->value;
}

SdConfigValue *
sd_config_value_dict_lookup (const SdConfigValue *dict, const guint8 *key, gsize len)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);

  idx = dict_find (dict, key, len, &found);
  if (!found)
    return NULL;
  return ((Entry *) g_ptr_array_index (dict->v.items, idx))->value;
}

SdConfigValue *
sd_config_value_dict_get (const SdConfigValue *dict, const gchar *key)
{
  return sd_config_value_dict_lookup (dict, (const guint8 *) key, strlen (key));
}

void
sd_config_value_dict_set (SdConfigValue *dict, const guint8 *key, gsize len, SdConfigValue *value)
{
  gboolean found;
  guint idx;
  Entry *entry;

  g_return_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT);
  g_return_if_fail (value != NULL);

  idx = dict_find (dict, key, len, &found);
  if (found) {
    entry = g_ptr_array_index (dict->v.items, idx);
    sd_config_value_free (entry->value);
    entry->value = value;
    return;
  }
  entry = g_new (Entry, 1);
  entry->key = dup_key (key, len);
  entry->key_len = len;
  entry->value = value;
  g_ptr_array_insert (dict->v.items, (gint) idx, entry);
}

void
sd_config_value_dict_set_text (SdConfigValue *dict, const gchar *key, SdConfigValue *value)
{
  sd_config_value_dict_set (dict, (const guint8 *) key, strlen (key), value);
}

gboolean
sd_config_value_dict_remove (SdConfigValue *dict, const guint8 *key, gsize len)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, FALSE);

  idx = dict_find (dict, key, len, &found);
  if (found)
    g_ptr_array_remove_index (dict->v.items, idx);
  return found;
}

SdConfigValue *
sd_config_value_dict_child (SdConfigValue *dict, const guint8 *key, gsize len)
{
  SdConfigValue *child = sd_config_value_dict_lookup (dict, key, len);

  if (child != NULL && child->kind == SD_CONFIG_VALUE_DICT)
    return child;
  child = sd_config_value_new_dict ();
  sd_config_value_dict_set (dict, key, len, child);
  return child;
}

gint
sd_config_value_scalar_compare (const SdConfigValue *a, const SdConfigValue *b)
{
  g_return_val_if_fail (sd_config_value_is_scalar (a) && sd_config_value_is_scalar (b), 0);

  if (a->kind != b->kind)
    return a->kind == SD_CONFIG_VALUE_INT ? -1 : 1;
  if (a->kind == SD_CONFIG_VALUE_INT)
    return a->v.integer < b->v.integer ? -1 : a->v.integer > b->v.integer ? 1 : 0;
  return bytes_compare (a->v.str.data, a->v.str.len, b->v.str.data, b->v.str.len);
}

static guint
set_find (const SdConfigValue *set, const SdConfigValue *item, gboolean *found)
{
  guint lo = 0, hi = set->v.items->len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    gint c = sd_config_value_scalar_compare (g_ptr_array_index (set->v.items, mid), item);

    if (c == 0) {
      *found = TRUE;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

gboolean
sd_config_value_set_insert (SdConfigValue *set, SdConfigValue *item)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (set != NULL && set->kind == SD_CONFIG_VALUE_LIST, FALSE);
  g_return_val_if_fail (sd_config_value_is_scalar (item), FALSE);

  idx = set_find (set, item, &found);
  if (found) {
    sd_config_value_free (item);
    return FALSE;
  }
  g_ptr_array_insert (set->v.items, (gint) idx, item);
  return TRUE;
}

gboolean
sd_config_value_set_remove (SdConfigValue *set, const SdConfigValue *item)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (set != NULL && set->kind == SD_CONFIG_VALUE_LIST, FALSE);
  g_return_val_if_fail (sd_config_value_is_scalar (item), FALSE);

  idx = set_find (set, item, &found);
  if (found)
    g_ptr_array_remove_index (set->v.items, idx);
  return found;
}

gboolean
sd_config_value_set_contains (const SdConfigValue *set, const SdConfigValue *item)
{
  gboolean found;

  g_return_val_if_fail (set != NULL && set->kind == SD_CONFIG_VALUE_LIST, FALSE);
  g_return_val_if_fail (sd_config_value_is_scalar (item), FALSE);

  set_find (set, item, &found);
  return found;
}

gboolean
sd_config_value_equal (const SdConfigValue *a, const SdConfigValue *b)
{
  if (a->kind != b->kind)
    return FALSE;
  switch (a->kind) {
  case SD_CONFIG_VALUE_INT:
  case SD_CONFIG_VALUE_STRING:
    return sd_config_value_scalar_compare (a, b) == 0;
  case SD_CONFIG_VALUE_LIST:
    if (a->v.items->len != b->v.items->len)
      return FALSE;
    for (guint i = 0; i < a->v.items->len; i++)
      if (!sd_config_value_equal (g_ptr_array_index (a->v.items, i),
                                  g_ptr_array_index (b->v.items, i)))
        return FALSE;
    return TRUE;
  case SD_CONFIG_VALUE_DICT:
    if (a->v.items->len != b->v.items->len)
      return FALSE;
    for (guint i = 0; i < a->v.items->len; i++) {
      const Entry *ea = g_ptr_array_index (a->v.items, i);
      const Entry *eb = g_ptr_array_index (b->v.items, i);

      if (bytes_compare (ea->key, ea->key_len, eb->key, eb->key_len) != 0 ||
          !sd_config_value_equal (ea->value, eb->value))
        return FALSE;
    }
    return TRUE;
  default:
    g_assert_not_reached ();
  }
}

gboolean
sd_config_value_prune (SdConfigValue *value)
{
  gboolean removed = FALSE;

  g_return_val_if_fail (value != NULL, FALSE);

  if (value->kind != SD_CONFIG_VALUE_DICT)
    return FALSE;
  for (guint i = value->v.items->len; i > 0; i--) {
    Entry *entry = g_ptr_array_index (value->v.items, i - 1);
    SdConfigValue *child = entry->value;

    if (child->kind == SD_CONFIG_VALUE_DICT && sd_config_value_prune (child))
      removed = TRUE;
    if ((child->kind == SD_CONFIG_VALUE_DICT || child->kind == SD_CONFIG_VALUE_LIST) &&
        child->v.items->len == 0) {
      g_ptr_array_remove_index (value->v.items, i - 1);
      removed = TRUE;
    }
  }
  return removed;
}

static gboolean
check_data (const SdConfigValue *dict, gboolean top, GError **error)
{
  if (!top && dict->v.items->len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "config data holds an empty dict");
    return FALSE;
  }
  for (guint i = 0; i < dict->v.items->len; i++) {
    const SdConfigValue *child = ((const Entry *) g_ptr_array_index (dict->v.items, i))->value;

    if (child->kind == SD_CONFIG_VALUE_DICT) {
      if (!check_data (child, FALSE, error))
        return FALSE;
    } else if (child->kind == SD_CONFIG_VALUE_LIST) {
      if (child->v.items->len == 0) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                             "config data holds an empty set");
        return FALSE;
      }
      for (guint j = 0; j < child->v.items->len; j++) {
        const SdConfigValue *item = g_ptr_array_index (child->v.items, j);

        if (!sd_config_value_is_scalar (item)) {
          g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                               "config set holds a list or dict");
          return FALSE;
        }
        if (j > 0 && sd_config_value_scalar_compare (g_ptr_array_index (child->v.items, j - 1),
                                                     item) >= 0) {
          g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                               "config set is not sorted and unique");
          return FALSE;
        }
      }
    }
  }
  return TRUE;
}

gboolean
sd_config_value_check_data (const SdConfigValue *dict, GError **error)
{
  g_return_val_if_fail (dict != NULL, FALSE);

  if (dict->kind != SD_CONFIG_VALUE_DICT) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "config data is not a dict");
    return FALSE;
  }
  return check_data (dict, TRUE, error);
}

static void
put_string (GByteArray *out, const guint8 *data, gsize len)
{
  gchar head[24];
  gint n = g_snprintf (head, sizeof head, "%" G_GSIZE_FORMAT ":", len);

  g_byte_array_append (out, (const guint8 *) head, (guint) n);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

void
sd_config_value_encode (const SdConfigValue *value, GByteArray *out)
{
  gchar num[24];
  gint n;

  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    n = g_snprintf (num, sizeof num, "i%" G_GINT64_FORMAT "e", value->v.integer);
    g_byte_array_append (out, (const guint8 *) num, (guint) n);
    break;
  case SD_CONFIG_VALUE_STRING:
    put_string (out, value->v.str.data, value->v.str.len);
    break;
  case SD_CONFIG_VALUE_LIST:
    g_byte_array_append (out, (const guint8 *) "l", 1);
    for (guint i = 0; i < value->v.items->len; i++)
      sd_config_value_encode (g_ptr_array_index (value->v.items, i), out);
    g_byte_array_append (out, (const guint8 *) "e", 1);
    break;
  case SD_CONFIG_VALUE_DICT:
    g_byte_array_append (out, (const guint8 *) "d", 1);
    for (guint i = 0; i < value->v.items->len; i++) {
      const Entry *entry = g_ptr_array_index (value->v.items, i);

      put_string (out, entry->key, entry->key_len);
      sd_config_value_encode (entry->value, out);
    }
    g_byte_array_append (out, (const guint8 *) "e", 1);
    break;
  default:
    g_assert_not_reached ();
  }
}

GBytes *
sd_config_value_to_bytes (const SdConfigValue *value)
{
  GByteArray *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_byte_array_new ();
  sd_config_value_encode (value, out);
  return g_byte_array_free_to_bytes (out);
}

/* a cursor over untrusted input */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  GError **error;
} Cursor;

static gboolean
fail (Cursor *c, const gchar *what)
{
  g_set_error (c->error, SD_PROTOCOL_ERROR,
               c->pos >= c->len ? SD_PROTOCOL_ERROR_TRUNCATED : SD_PROTOCOL_ERROR_MALFORMED,
               "config bencode: %s at offset %" G_GSIZE_FORMAT, what, c->pos);
  return FALSE;
}

/* decimal digits up to @stop; canonical (no leading zero unless "0") */
static gboolean
read_number (Cursor *c, gchar stop, gboolean allow_sign, gint64 *out)
{
  gboolean negative = FALSE;
  gsize start;
  guint64 acc = 0;

  if (allow_sign && c->pos < c->len && c->data[c->pos] == '-') {
    negative = TRUE;
    c->pos++;
  }
  start = c->pos;
  while (c->pos < c->len && g_ascii_isdigit (c->data[c->pos])) {
    guint digit = c->data[c->pos] - '0';

    /* at most 2^63 in magnitude: only INT64_MIN needs the last step */
    if (acc > ((guint64) G_MAXINT64 + 1 - digit) / 10)
      return fail (c, "number out of 64-bit range");
    acc = acc * 10 + digit;
    c->pos++;
  }
  if (c->pos == start)
    return fail (c, "missing digits");
  if (c->data[start] == '0' && (c->pos - start > 1 || negative))
    return fail (c, "non-canonical number");
  if (c->pos >= c->len || c->data[c->pos] != (guint8) stop)
    return fail (c, "number not terminated");
  c->pos++;
  if (negative) {
    *out = acc == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) acc;
  } else {
    if (acc > (guint64) G_MAXINT64)
      return fail (c, "number out of 64-bit range");
    *out = (gint64) acc;
  }
  return TRUE;
}

static gboolean
read_string (Cursor *c, const guint8 **data, gsize *len)
{
  gint64 n;

  if (!read_number (c, ':', FALSE, &n))
    return FALSE;
  if ((guint64) n > c->len - c->pos)
    return fail (c, "string runs past the end");
  *data = c->data + c->pos;
  *len = (gsize) n;
  c->pos += (gsize) n;
  return TRUE;
}

static SdConfigValue *
read_value (Cursor *c, guint depth)
{
  g_autoptr(SdConfigValue) value = NULL;
  const guint8 *str;
  gsize str_len;
  gint64 integer;

  if (c->pos >= c->len) {
    fail (c, "input ends before a value");
    return NULL;
  }
  switch (c->data[c->pos]) {
  case 'i':
    c->pos++;
    if (!read_number (c, 'e', TRUE, &integer))
      return NULL;
    return sd_config_value_new_int (integer);
  case 'l':
  case 'd':
    if (depth >= SD_CONFIG_MAX_DEPTH) {
      fail (c, "nested too deep");
      return NULL;
    }
    value = c->data[c->pos] == 'l' ? sd_config_value_new_list () : sd_config_value_new_dict ();
    c->pos++;
    while (c->pos < c->len && c->data[c->pos] != 'e') {
      Entry *entry;
      SdConfigValue *item;

      if (value->kind == SD_CONFIG_VALUE_LIST) {
        item = read_value (c, depth + 1);
        if (item == NULL)
          return NULL;
        g_ptr_array_add (value->v.items, item);
        continue;
      }
      if (!g_ascii_isdigit (c->data[c->pos])) {
        fail (c, "dict key is not a string");
        return NULL;
      }
      if (!read_string (c, &str, &str_len))
        return NULL;
      if (value->v.items->len > 0) {
        const Entry *last = g_ptr_array_index (value->v.items, value->v.items->len - 1);

        if (bytes_compare (last->key, last->key_len, str, str_len) >= 0) {
          fail (c, "dict keys not strictly ascending");
          return NULL;
        }
      }
      item = read_value (c, depth + 1);
      if (item == NULL)
        return NULL;
      entry = g_new (Entry, 1);
      entry->key = dup_key (str, str_len);
      entry->key_len = str_len;
      entry->value = item;
      g_ptr_array_add (value->v.items, entry);
    }
    if (c->pos >= c->len) {
      fail (c, "unterminated list or dict");
      return NULL;
    }
    c->pos++;
    return g_steal_pointer (&value);
  default:
    if (!g_ascii_isdigit (c->data[c->pos])) {
      fail (c, "unexpected byte");
      return NULL;
    }
    if (!read_string (c, &str, &str_len))
      return NULL;
    return sd_config_value_new_string (str, str_len);
  }
}

SdConfigValue *
sd_config_value_decode (const guint8 *data, gsize len, GError **error)
{
  Cursor c = { data, len, 0, error };
  g_autoptr(SdConfigValue) value = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  value = read_value (&c, 0);
  if (value == NULL)
    return NULL;
  if (c.pos != len) {
    fail (&c, "trailing bytes after the value");
    return NULL;
  }
  return g_steal_pointer (&value);
}
