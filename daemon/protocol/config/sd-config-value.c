/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the mutable bencode tree of config messages: data, diffs and the outer
 * dict all use it; the decoder is strict, so that the hash of what we
 * re-encode is the hash other clients computed */
#define G_LOG_DOMAIN "SdConfigValue"

#include "config.h"

#include "sd-config-value.h"

#include <string.h>

#include "sd-protocol-error.h"

/* Decoded and copied trees live in an arena: one 64 kB block instead of
 * tens of thousands of mallocs for a 500-contact config. Nodes made by the
 * setters are plain heap nodes, and the two kinds mix freely in a tree:
 * each node and entry knows where it came from, and the arena goes when
 * its last node does. Trees are not shared between threads. */
typedef struct {
  guint live;     /* arena nodes and entries not yet freed, + 1 while building */
  GSList *chunks; /* (owned) */
  guint8 *next;
  gsize left;
} Arena;

#define ARENA_CHUNK 65536

/* one allocation per entry, the key inline */
typedef struct {
  SdConfigValue *value; /* (owned) */
  Arena *arena;         /* (nullable) where the entry lives; NULL = heap */
  gsize key_len;
  guint8 key[];         /* NUL-terminated, not counted */
} Entry;

/* a pointer array embedded in its node */
typedef struct {
  gpointer *pdata;
  guint len;
  guint cap;
  gboolean in_arena; /* pdata belongs to the arena: copied out before it grows */
} Items;

struct _SdConfigValue {
  SdConfigValueKind kind;
  Arena *arena; /* (nullable) where the node lives; NULL = heap */
  union {
    gint64 integer;
    struct {
      guint8 *data; /* (unowned) inline, after the node; NUL-terminated, not counted */
      gsize len;
    } str;
    Items items; /* (owned) SdConfigValue for a list, Entry for a dict */
  } v;
};

static Arena *
arena_new (void)
{
  Arena *arena = g_new0 (Arena, 1);

  arena->live = 1;
  return arena;
}

static void
arena_release (Arena *arena)
{
  if (--arena->live > 0)
    return;
  g_slist_free_full (arena->chunks, g_free);
  g_free (arena);
}

static gpointer
arena_alloc (Arena *arena, gsize size)
{
  gpointer p;

  size = (size + 7) & ~(gsize) 7;
  if (size > arena->left) {
    gsize n = MAX (ARENA_CHUNK, size);

    arena->next = g_malloc (n);
    arena->left = n;
    arena->chunks = g_slist_prepend (arena->chunks, arena->next);
  }
  p = arena->next;
  arena->next += size;
  arena->left -= size;
  return p;
}

/* a node or entry of @size bytes, from @arena or (NULL) the heap */
static gpointer
object_alloc (Arena *arena, gsize size)
{
  if (arena == NULL)
    return g_malloc (size);
  arena->live++;
  return arena_alloc (arena, size);
}

static void
object_free (Arena *arena, gpointer object)
{
  if (arena == NULL)
    g_free (object);
  else
    arena_release (arena);
}

static SdConfigValue *
node_new (Arena *arena, SdConfigValueKind kind, gsize extra)
{
  SdConfigValue *value = object_alloc (arena, sizeof (SdConfigValue) + extra);

  memset (value, 0, sizeof *value);
  value->kind = kind;
  value->arena = arena;
  return value;
}

static SdConfigValue *
node_new_string (Arena *arena, const guint8 *data, gsize len)
{
  SdConfigValue *value = node_new (arena, SD_CONFIG_VALUE_STRING, len + 1);

  value->v.str.data = (guint8 *) (value + 1);
  if (len > 0)
    memcpy (value->v.str.data, data, len);
  value->v.str.data[len] = '\0';
  value->v.str.len = len;
  return value;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  sd_config_value_free (entry->value);
  object_free (entry->arena, entry);
}

static Entry *
entry_new_in (Arena *arena, const guint8 *key, gsize len, SdConfigValue *value)
{
  Entry *entry = object_alloc (arena, sizeof (Entry) + len + 1);

  if (len > 0)
    memcpy (entry->key, key, len);
  entry->key[len] = '\0';
  entry->key_len = len;
  entry->value = value;
  entry->arena = arena;
  return entry;
}

static Entry *
entry_new (const guint8 *key, gsize len, SdConfigValue *value)
{
  return entry_new_in (NULL, key, len, value);
}

static void
items_reserve (Items *items, guint extra)
{
  gpointer *grown;

  if (items->len + extra <= items->cap)
    return;
  items->cap = MAX (items->cap * 2, MAX (items->len + extra, 4));
  if (!items->in_arena) {
    items->pdata = g_renew (gpointer, items->pdata, items->cap);
    return;
  }
  grown = g_new (gpointer, items->cap);
  if (items->len > 0)
    memcpy (grown, items->pdata, items->len * sizeof (gpointer));
  items->pdata = grown;
  items->in_arena = FALSE;
}

/* exactly @n pointers from @arena (or the heap) */
static void
items_set (Items *items, Arena *arena, gpointer *from, guint n)
{
  if (n == 0)
    return;
  if (arena != NULL) {
    items->pdata = arena_alloc (arena, n * sizeof (gpointer));
    items->in_arena = TRUE;
  } else {
    items->pdata = g_new (gpointer, n);
  }
  memcpy (items->pdata, from, n * sizeof (gpointer));
  items->len = items->cap = n;
}

static void
items_add (Items *items, gpointer item)
{
  items_reserve (items, 1);
  items->pdata[items->len++] = item;
}

static void
items_insert (Items *items, guint index, gpointer item)
{
  items_reserve (items, 1);
  memmove (items->pdata + index + 1, items->pdata + index,
           (items->len - index) * sizeof (gpointer));
  items->pdata[index] = item;
  items->len++;
}

/* removes without freeing */
static gpointer
items_take (Items *items, guint index)
{
  gpointer item = items->pdata[index];

  memmove (items->pdata + index, items->pdata + index + 1,
           (items->len - index - 1) * sizeof (gpointer));
  items->len--;
  return item;
}

static SdConfigValue *
value_alloc (SdConfigValueKind kind)
{
  return node_new (NULL, kind, 0);
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

  value = node_new_string (NULL, data, len);
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
  return value_alloc (SD_CONFIG_VALUE_LIST);
}

SdConfigValue *
sd_config_value_new_dict (void)
{
  return value_alloc (SD_CONFIG_VALUE_DICT);
}

void
sd_config_value_free (SdConfigValue *value)
{
  if (value == NULL)
    return;
  if (value->kind == SD_CONFIG_VALUE_LIST || value->kind == SD_CONFIG_VALUE_DICT) {
    for (guint i = 0; i < value->v.items.len; i++) {
      if (value->kind == SD_CONFIG_VALUE_LIST)
        sd_config_value_free (value->v.items.pdata[i]);
      else
        entry_free (value->v.items.pdata[i]);
    }
    if (!value->v.items.in_arena)
      g_free (value->v.items.pdata);
  }
  object_free (value->arena, value);
}

static SdConfigValue *
copy_into (Arena *arena, const SdConfigValue *value)
{
  SdConfigValue *copy;
  guint n;

  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    copy = node_new (arena, SD_CONFIG_VALUE_INT, 0);
    copy->v.integer = value->v.integer;
    return copy;
  case SD_CONFIG_VALUE_STRING:
    return node_new_string (arena, value->v.str.data, value->v.str.len);
  case SD_CONFIG_VALUE_LIST:
  case SD_CONFIG_VALUE_DICT:
    copy = node_new (arena, value->kind, 0);
    n = value->v.items.len;
    if (n == 0)
      return copy;
    /* fill in place: the array is exactly the size of the original */
    items_set (&copy->v.items, arena, value->v.items.pdata, n);
    for (guint i = 0; i < n; i++) {
      if (value->kind == SD_CONFIG_VALUE_LIST) {
        copy->v.items.pdata[i] = copy_into (arena, value->v.items.pdata[i]);
      } else {
        const Entry *entry = value->v.items.pdata[i];

        copy->v.items.pdata[i] = entry_new_in (arena, entry->key, entry->key_len,
                                               copy_into (arena, entry->value));
      }
    }
    return copy;
  default:
    g_assert_not_reached ();
  }
}

SdConfigValue *
sd_config_value_copy (const SdConfigValue *value)
{
  Arena *arena;
  SdConfigValue *copy;

  g_return_val_if_fail (value != NULL, NULL);

  /* a scalar is not worth an arena */
  if (sd_config_value_is_scalar (value))
    return copy_into (NULL, value);
  arena = arena_new ();
  copy = copy_into (arena, value);
  arena_release (arena);
  return copy;
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

  return value->v.items.len;
}

SdConfigValue *
sd_config_value_list_get (const SdConfigValue *list, guint index)
{
  g_return_val_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST, NULL);
  g_return_val_if_fail (index < list->v.items.len, NULL);

  return list->v.items.pdata[index];
}

void
sd_config_value_list_append (SdConfigValue *list, SdConfigValue *item)
{
  g_return_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST);
  g_return_if_fail (item != NULL);

  items_add (&list->v.items, item);
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
  guint lo = 0, hi = dict->v.items.len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const Entry *entry = dict->v.items.pdata[mid];
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
  g_return_val_if_fail (index < dict->v.items.len, NULL);

  entry = dict->v.items.pdata[index];
  *len = entry->key_len;
  return entry->key;
}

SdConfigValue *
sd_config_value_dict_value (const SdConfigValue *dict, guint index)
{
  const Entry *entry;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  g_return_val_if_fail (index < dict->v.items.len, NULL);

  entry = dict->v.items.pdata[index];
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
  return ((Entry *) dict->v.items.pdata[idx])->value;
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
    entry = dict->v.items.pdata[idx];
    sd_config_value_free (entry->value);
    entry->value = value;
    return;
  }
  items_insert (&dict->v.items, idx, entry_new (key, len, value));
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
    entry_free (items_take (&dict->v.items, idx));
  return found;
}

SdConfigValue *
sd_config_value_dict_steal (SdConfigValue *dict, guint index)
{
  Entry *entry;
  SdConfigValue *value;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  g_return_val_if_fail (index < dict->v.items.len, NULL);

  entry = dict->v.items.pdata[index];
  value = entry->value;
  entry->value = sd_config_value_new_int (0);
  return value;
}

SdConfigValue *
sd_config_value_list_steal (SdConfigValue *list, guint index)
{
  SdConfigValue *value;

  g_return_val_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST, NULL);
  g_return_val_if_fail (index < list->v.items.len, NULL);

  value = list->v.items.pdata[index];
  list->v.items.pdata[index] = sd_config_value_new_int (0);
  return value;
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
  guint lo = 0, hi = set->v.items.len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    gint c = sd_config_value_scalar_compare (set->v.items.pdata[mid], item);

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
  items_insert (&set->v.items, idx, item);
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
    sd_config_value_free (items_take (&set->v.items, idx));
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
    if (a->v.items.len != b->v.items.len)
      return FALSE;
    for (guint i = 0; i < a->v.items.len; i++)
      if (!sd_config_value_equal (a->v.items.pdata[i],
                                  b->v.items.pdata[i]))
        return FALSE;
    return TRUE;
  case SD_CONFIG_VALUE_DICT:
    if (a->v.items.len != b->v.items.len)
      return FALSE;
    for (guint i = 0; i < a->v.items.len; i++) {
      const Entry *ea = a->v.items.pdata[i];
      const Entry *eb = b->v.items.pdata[i];

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
  for (guint i = value->v.items.len; i > 0; i--) {
    Entry *entry = value->v.items.pdata[i - 1];
    SdConfigValue *child = entry->value;

    if (child->kind == SD_CONFIG_VALUE_DICT && sd_config_value_prune (child))
      removed = TRUE;
    if ((child->kind == SD_CONFIG_VALUE_DICT || child->kind == SD_CONFIG_VALUE_LIST) &&
        child->v.items.len == 0) {
      entry_free (items_take (&value->v.items, i - 1));
      removed = TRUE;
    }
  }
  return removed;
}

static gboolean
check_data (const SdConfigValue *dict, gboolean top, GError **error)
{
  if (!top && dict->v.items.len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "config data holds an empty dict");
    return FALSE;
  }
  for (guint i = 0; i < dict->v.items.len; i++) {
    const SdConfigValue *child = ((const Entry *) dict->v.items.pdata[i])->value;

    if (child->kind == SD_CONFIG_VALUE_DICT) {
      if (!check_data (child, FALSE, error))
        return FALSE;
    } else if (child->kind == SD_CONFIG_VALUE_LIST) {
      if (child->v.items.len == 0) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                             "config data holds an empty set");
        return FALSE;
      }
      for (guint j = 0; j < child->v.items.len; j++) {
        const SdConfigValue *item = child->v.items.pdata[j];

        if (!sd_config_value_is_scalar (item)) {
          g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                               "config set holds a list or dict");
          return FALSE;
        }
        if (j > 0 && sd_config_value_scalar_compare (child->v.items.pdata[j - 1],
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

/* decimal digits without printf: encoding is on the hot path of a merge */
static void
put_number (GByteArray *out, gchar lead, gint64 value, gchar trail)
{
  gchar buf[24];
  gint pos = sizeof buf;
  guint64 mag = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  if (trail != 0)
    buf[--pos] = trail;
  do {
    buf[--pos] = (gchar) ('0' + mag % 10);
    mag /= 10;
  } while (mag > 0);
  if (value < 0)
    buf[--pos] = '-';
  if (lead != 0)
    buf[--pos] = lead;
  g_byte_array_append (out, (const guint8 *) buf + pos, (guint) (sizeof buf - pos));
}

void
sd_config_value_encode_int (GByteArray *out, gint64 value)
{
  put_number (out, 'i', value, 'e');
}

void
sd_config_value_encode_string (GByteArray *out, const guint8 *data, gsize len)
{
  put_number (out, 0, (gint64) len, ':');
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

/* encoding is on the hot path of every merge and push: one pass sizes the
 * output exactly, a second writes it with plain pointer stores */
static gsize
digits (guint64 n)
{
  gsize d = 1;

  while (n >= 10) {
    n /= 10;
    d++;
  }
  return d;
}

static gsize
int_size (gint64 value)
{
  return value < 0 ? 3 + digits ((guint64) 0 - (guint64) value) : 2 + digits ((guint64) value);
}

static gsize
string_size (gsize len)
{
  return digits (len) + 1 + len;
}

static gsize
encoded_size (const SdConfigValue *value)
{
  gsize n;

  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    return int_size (value->v.integer);
  case SD_CONFIG_VALUE_STRING:
    return string_size (value->v.str.len);
  case SD_CONFIG_VALUE_LIST:
    n = 2;
    for (guint i = 0; i < value->v.items.len; i++)
      n += encoded_size (value->v.items.pdata[i]);
    return n;
  case SD_CONFIG_VALUE_DICT:
    n = 2;
    for (guint i = 0; i < value->v.items.len; i++) {
      const Entry *entry = value->v.items.pdata[i];

      n += string_size (entry->key_len) + encoded_size (entry->value);
    }
    return n;
  default:
    g_assert_not_reached ();
  }
}

/* writes the decimal digits of @n ending just before @end; returns the start */
static guint8 *
write_digits_back (guint8 *end, guint64 n)
{
  do {
    *--end = (guint8) ('0' + n % 10);
    n /= 10;
  } while (n > 0);
  return end;
}

static guint8 *
write_string (guint8 *p, const guint8 *data, gsize len)
{
  gsize d = digits (len);

  write_digits_back (p + d, len);
  p += d;
  *p++ = ':';
  if (len > 0)
    memcpy (p, data, len);
  return p + len;
}

static guint8 *
write_value (guint8 *p, const SdConfigValue *value)
{
  switch (value->kind) {
  case SD_CONFIG_VALUE_INT: {
    gint64 v = value->v.integer;
    guint64 mag = v < 0 ? (guint64) 0 - (guint64) v : (guint64) v;
    gsize d = digits (mag);

    *p++ = 'i';
    if (v < 0)
      *p++ = '-';
    write_digits_back (p + d, mag);
    p += d;
    *p++ = 'e';
    return p;
  }
  case SD_CONFIG_VALUE_STRING:
    return write_string (p, value->v.str.data, value->v.str.len);
  case SD_CONFIG_VALUE_LIST:
    *p++ = 'l';
    for (guint i = 0; i < value->v.items.len; i++)
      p = write_value (p, value->v.items.pdata[i]);
    *p++ = 'e';
    return p;
  case SD_CONFIG_VALUE_DICT:
    *p++ = 'd';
    for (guint i = 0; i < value->v.items.len; i++) {
      const Entry *entry = value->v.items.pdata[i];

      p = write_string (p, entry->key, entry->key_len);
      p = write_value (p, entry->value);
    }
    *p++ = 'e';
    return p;
  default:
    g_assert_not_reached ();
  }
}

void
sd_config_value_encode (const SdConfigValue *value, GByteArray *out)
{
  gsize start = out->len;
  gsize n = encoded_size (value);
  guint8 *end;

  g_byte_array_set_size (out, (guint) (start + n));
  end = write_value (out->data + start, value);
  g_assert (end == out->data + start + n);
}

GBytes *
sd_config_value_to_bytes (const SdConfigValue *value)
{
  gsize n;
  guint8 *buf;

  g_return_val_if_fail (value != NULL, NULL);

  n = encoded_size (value);
  buf = g_malloc (n);
  if (write_value (buf, value) != buf + n)
    g_assert_not_reached ();
  return g_bytes_new_take (buf, n);
}

/* a cursor over untrusted input; children of the containers being read
 * wait on @stack until their container is complete, so that each gets an
 * exactly sized array from the arena */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  GError **error;
  Arena *arena;
  Items stack;      /* list items and dict entries; an entry has its low bit set */
} Cursor;

static void
stack_push (Cursor *c, gpointer item, gboolean is_entry)
{
  items_add (&c->stack, is_entry ? (gpointer) ((guintptr) item | 1) : item);
}

/* frees what is left on the stack from @base on (after an error) */
static void
stack_drop (Cursor *c, guint base)
{
  for (guint i = c->stack.len; i > base; i--) {
    guintptr p = (guintptr) c->stack.pdata[i - 1];

    if (p & 1)
      entry_free ((gpointer) (p & ~(guintptr) 1));
    else
      sd_config_value_free ((gpointer) p);
  }
  c->stack.len = base;
}

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
  SdConfigValue *value;
  const guint8 *str;
  gsize str_len;
  gint64 integer;
  guint base;

  if (c->pos >= c->len) {
    fail (c, "input ends before a value");
    return NULL;
  }
  switch (c->data[c->pos]) {
  case 'i':
    c->pos++;
    if (!read_number (c, 'e', TRUE, &integer))
      return NULL;
    value = node_new (c->arena, SD_CONFIG_VALUE_INT, 0);
    value->v.integer = integer;
    return value;
  case 'l':
  case 'd': {
    gboolean is_dict = c->data[c->pos] == 'd';
    const guint8 *last_key = NULL;
    gsize last_len = 0;

    if (depth >= SD_CONFIG_MAX_DEPTH) {
      fail (c, "nested too deep");
      return NULL;
    }
    c->pos++;
    base = c->stack.len;
    while (c->pos < c->len && c->data[c->pos] != 'e') {
      SdConfigValue *item;

      if (!is_dict) {
        item = read_value (c, depth + 1);
        if (item == NULL) {
          stack_drop (c, base);
          return NULL;
        }
        stack_push (c, item, FALSE);
        continue;
      }
      if (!g_ascii_isdigit (c->data[c->pos])) {
        fail (c, "dict key is not a string");
        stack_drop (c, base);
        return NULL;
      }
      if (!read_string (c, &str, &str_len)) {
        stack_drop (c, base);
        return NULL;
      }
      if (last_key != NULL && bytes_compare (last_key, last_len, str, str_len) >= 0) {
        fail (c, "dict keys not strictly ascending");
        stack_drop (c, base);
        return NULL;
      }
      last_key = str;
      last_len = str_len;
      item = read_value (c, depth + 1);
      if (item == NULL) {
        stack_drop (c, base);
        return NULL;
      }
      stack_push (c, entry_new_in (c->arena, str, str_len, item), TRUE);
    }
    if (c->pos >= c->len) {
      fail (c, "unterminated list or dict");
      stack_drop (c, base);
      return NULL;
    }
    c->pos++;
    value = node_new (c->arena, is_dict ? SD_CONFIG_VALUE_DICT : SD_CONFIG_VALUE_LIST, 0);
    if (is_dict)
      for (guint i = base; i < c->stack.len; i++)
        c->stack.pdata[i] = (gpointer) ((guintptr) c->stack.pdata[i] & ~(guintptr) 1);
    items_set (&value->v.items, c->arena, c->stack.pdata + base, c->stack.len - base);
    c->stack.len = base;
    return value;
  }
  default:
    if (!g_ascii_isdigit (c->data[c->pos])) {
      fail (c, "unexpected byte");
      return NULL;
    }
    if (!read_string (c, &str, &str_len))
      return NULL;
    return node_new_string (c->arena, str, str_len);
  }
}

SdConfigValue *
sd_config_value_decode (const guint8 *data, gsize len, GError **error)
{
  Cursor c = { data, len, 0, error, NULL, { NULL, 0, 0, FALSE } };
  SdConfigValue *value;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  c.arena = arena_new ();
  value = read_value (&c, 0);
  if (value != NULL && c.pos != len) {
    fail (&c, "trailing bytes after the value");
    g_clear_pointer (&value, sd_config_value_free);
  }
  stack_drop (&c, 0);
  g_free (c.stack.pdata);
  arena_release (c.arena);
  return value;
}
