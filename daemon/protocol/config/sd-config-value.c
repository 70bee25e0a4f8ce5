/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the mutable bencode tree of config messages: data, diffs and the outer
 * dict all use it. Tokens are read and written by the one bencode codec
 * (sd-bencode.c), which is strict, so that the hash of what we re-encode is
 * the hash other clients computed. */
#define G_LOG_DOMAIN "SdConfigValue"

#include "config.h"

#include "sd-config-value.h"

#include <string.h>

#include "sd-bencode.h"
#include "sd-config-scan.h"
#include "sd-config-view.h"
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
  gsize chunk;    /* the size of a new chunk */
} Arena;

/* Views: a received config is read in place. A list or dict node may be a
 * view of checked bytes (sd-config-scan.c) that becomes a tree, one level
 * at a time, only when something looks inside it; its children are views
 * in turn. The merge thus builds only the paths its diffs touch, and a
 * view is encoded by copying its bytes. The bytes are shared by all views
 * into them. */
typedef struct {
  gint ref;
  GBytes *bytes;           /* (owned) */
  /* where the keys of large dicts are (sd-config-scan.h), so that they
   * become trees without being scanned again */
  const guint8 *base;      /* (unowned) the start of @bytes */
  GArray *keys;            /* (owned) (nullable) */
  GArray *dicts;           /* (owned) (nullable) */
} Source;

static const guint32 *
source_index (const Source *source, const guint8 *dict, guint *n)
{
  if (source->dicts == NULL || source->dicts->len == 0)
    return NULL;
  return sd_config_index_find ((const SdConfigIndexedDict *) (gpointer) source->dicts->data,
                               source->dicts->len, (const guint32 *) (gpointer) source->keys->data,
                               (guint32) (dict - source->base), n);
}

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
  guint8 is_view; /* an unread list or dict: v.view, not v.items */
  guint8 clean;   /* checked data: no empty set or dict below it */
  Arena *arena;   /* (nullable) where the node lives; NULL = heap */
  union {
    gint64 integer;
    struct {
      guint8 *data; /* (unowned) inline, after the node; NUL-terminated, not counted */
      gsize len;
    } str;
    Items items; /* (owned) SdConfigValue for a list, Entry for a dict */
    struct {
      const guint8 *data; /* (unowned) in source->bytes */
      gsize len;
      Source *source;     /* (owned) a reference */
    } view;
  } v;
};

static void view_expand (SdConfigValue *value);

/* a view is read before anything looks inside it */
static inline void
ensure_read (const SdConfigValue *value)
{
  if (G_UNLIKELY (value->is_view))
    view_expand ((SdConfigValue *) value);
}

static Source *
source_ref (Source *source)
{
  g_atomic_int_inc (&source->ref);
  return source;
}

static void
source_unref (Source *source)
{
  if (!g_atomic_int_dec_and_test (&source->ref))
    return;
  g_bytes_unref (source->bytes);
  g_clear_pointer (&source->keys, g_array_unref);
  g_clear_pointer (&source->dicts, g_array_unref);
  g_free (source);
}

static Arena *
arena_new (void)
{
  Arena *arena = g_new0 (Arena, 1);

  arena->live = 1;
  arena->chunk = ARENA_CHUNK;
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
    gsize n = MAX (arena->chunk, size);

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
  if (value->is_view) {
    source_unref (value->v.view.source);
  } else if (value->kind == SD_CONFIG_VALUE_LIST || value->kind == SD_CONFIG_VALUE_DICT) {
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
    if (value->is_view) {
      /* the same bytes: nothing to copy */
      copy->is_view = TRUE;
      copy->clean = value->clean;
      copy->v.view = value->v.view;
      source_ref (copy->v.view.source);
      return copy;
    }
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

  /* a scalar or a view is not worth an arena */
  if (sd_config_value_is_scalar (value) || value->is_view)
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

  ensure_read (value);
  return value->v.items.len;
}

SdConfigValue *
sd_config_value_list_get (const SdConfigValue *list, guint index)
{
  g_return_val_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST, NULL);
  ensure_read (list);
  g_return_val_if_fail (index < list->v.items.len, NULL);

  return list->v.items.pdata[index];
}

void
sd_config_value_list_append (SdConfigValue *list, SdConfigValue *item)
{
  g_return_if_fail (list != NULL && list->kind == SD_CONFIG_VALUE_LIST);
  g_return_if_fail (item != NULL);

  ensure_read (list);
  items_add (&list->v.items, item);
}

/* binary search from @lo on (every key before @lo sorts before @key): the
 * index of @key, or where it belongs */
static guint
dict_find_from (const SdConfigValue *dict, guint lo, const guint8 *key, gsize len,
                gboolean *found)
{
  guint hi;

  ensure_read (dict);
  hi = dict->v.items.len;
  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const Entry *entry = dict->v.items.pdata[mid];
    gint c = sd_bencode_key_compare (entry->key, entry->key_len, key, len);

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

static guint
dict_find (const SdConfigValue *dict, const guint8 *key, gsize len, gboolean *found)
{
  return dict_find_from (dict, 0, key, len, found);
}

const guint8 *
sd_config_value_dict_key (const SdConfigValue *dict, guint index, gsize *len)
{
  const Entry *entry;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  ensure_read (dict);
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
  ensure_read (dict);
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
sd_config_value_dict_lookup_from (const SdConfigValue *dict, const guint8 *key, gsize len,
                                  guint *from)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_CONFIG_VALUE_DICT, NULL);
  g_return_val_if_fail (from != NULL, NULL);

  ensure_read (dict);
  idx = MIN (*from, dict->v.items.len);
  /* a diff usually names the very next key: one comparison, no search */
  if (idx < dict->v.items.len) {
    const Entry *entry = dict->v.items.pdata[idx];
    gint c = sd_bencode_key_compare (entry->key, entry->key_len, key, len);

    if (c == 0) {
      *from = idx + 1;
      return entry->value;
    }
    if (c > 0)
      return NULL;
    idx++;
  }
  idx = dict_find_from (dict, idx, key, len, &found);
  if (!found) {
    *from = idx;
    return NULL;
  }
  *from = idx + 1;
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
  ensure_read (dict);
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
  ensure_read (list);
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
  return sd_bencode_key_compare (a->v.str.data, a->v.str.len, b->v.str.data, b->v.str.len);
}

static guint
set_find (const SdConfigValue *set, const SdConfigValue *item, gboolean *found)
{
  guint lo = 0, hi;

  ensure_read (set);
  hi = set->v.items.len;
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
  /* canonical bytes: equal values, equal bytes */
  if (a->is_view && b->is_view)
    return a->v.view.len == b->v.view.len &&
           (a->v.view.data == b->v.view.data ||
            memcmp (a->v.view.data, b->v.view.data, a->v.view.len) == 0);
  if (a->kind == SD_CONFIG_VALUE_LIST || a->kind == SD_CONFIG_VALUE_DICT) {
    ensure_read (a);
    ensure_read (b);
  }
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

      if (sd_bencode_key_compare (ea->key, ea->key_len, eb->key, eb->key_len) != 0 ||
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

  if (value->kind != SD_CONFIG_VALUE_DICT || (value->is_view && value->clean))
    return FALSE;
  ensure_read (value);
  for (guint i = value->v.items.len; i > 0; i--) {
    Entry *entry = value->v.items.pdata[i - 1];
    SdConfigValue *child = entry->value;

    if (child->kind == SD_CONFIG_VALUE_DICT && sd_config_value_prune (child))
      removed = TRUE;
    if ((child->kind == SD_CONFIG_VALUE_DICT || child->kind == SD_CONFIG_VALUE_LIST) &&
        (child->is_view ? child->v.view.len == 2 : child->v.items.len == 0)) {
      entry_free (items_take (&value->v.items, i - 1));
      removed = TRUE;
    }
  }
  return removed;
}

static gboolean
check_data (const SdConfigValue *dict, gboolean top, GError **error)
{
  if (dict->is_view && dict->clean)
    return TRUE;
  ensure_read (dict);
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
      if (child->is_view && child->clean)
        continue;
      ensure_read (child);
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

/* one pass sizes the output exactly, a second writes it */
static gsize
encoded_size (const SdConfigValue *value)
{
  gsize n;

  if (value->is_view)
    return value->v.view.len;
  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    return sd_bencode_int_size (value->v.integer);
  case SD_CONFIG_VALUE_STRING:
    return sd_bencode_bytes_size (value->v.str.len);
  case SD_CONFIG_VALUE_LIST:
    n = 2;
    for (guint i = 0; i < value->v.items.len; i++)
      n += encoded_size (value->v.items.pdata[i]);
    return n;
  case SD_CONFIG_VALUE_DICT:
    n = 2;
    for (guint i = 0; i < value->v.items.len; i++) {
      const Entry *entry = value->v.items.pdata[i];

      n += sd_bencode_bytes_size (entry->key_len) + encoded_size (entry->value);
    }
    return n;
  default:
    g_assert_not_reached ();
  }
}

static guint8 *
write_value (guint8 *p, const SdConfigValue *value)
{
  if (value->is_view) {
    memcpy (p, value->v.view.data, value->v.view.len);
    return p + value->v.view.len;
  }
  switch (value->kind) {
  case SD_CONFIG_VALUE_INT:
    return sd_bencode_write_int (p, value->v.integer);
  case SD_CONFIG_VALUE_STRING:
    return sd_bencode_write_bytes (p, value->v.str.data, value->v.str.len);
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

      p = sd_bencode_write_bytes (p, entry->key, entry->key_len);
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

  if (value->is_view) {
    const Source *source = value->v.view.source;

    return g_bytes_new_from_bytes (source->bytes,
                                   (gsize) (value->v.view.data -
                                            (const guint8 *) g_bytes_get_data (source->bytes, NULL)),
                                   value->v.view.len);
  }
  n = encoded_size (value);
  buf = g_malloc (n);
  if (write_value (buf, value) != buf + n)
    g_assert_not_reached ();
  return g_bytes_new_take (buf, n);
}

/* decoding state: children of the containers being read wait on @stack
 * until their container is complete, so that each gets an exactly sized
 * array from the arena */
typedef struct {
  SdBencodeReader reader;
  GError **error;
  Arena *arena;
  Items stack;      /* list items and dict entries; an entry has its low bit set */
} Cursor;

static SdConfigValue *read_value (Cursor *c, guint depth);

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

/* the items or entries of the list or dict at the reader, onto the stack */
static gboolean
read_items (Cursor *c, gboolean is_dict, guint depth)
{
  SdBencodeReader *r = &c->reader;
  const guint8 *prev = NULL;
  gsize prev_len = 0;
  gint next;

  while ((next = sd_bencode_reader_peek (r, is_dict ? "a dictionary" : "a list",
                                         c->error)) != 'e') {
    SdConfigValue *item;
    const guint8 *key;
    gsize key_len;

    if (next < 0)
      return FALSE;
    if (!is_dict) {
      item = read_value (c, depth + 1);
      if (item == NULL)
        return FALSE;
      stack_push (c, item, FALSE);
      continue;
    }
    if (!sd_bencode_reader_key (r, prev, prev_len, &key, &key_len, c->error))
      return FALSE;
    prev = key;
    prev_len = key_len;
    item = read_value (c, depth + 1);
    if (item == NULL)
      return FALSE;
    stack_push (c, entry_new_in (c->arena, key, key_len, item), TRUE);
  }
  sd_bencode_reader_leave (r);
  return TRUE;
}

static SdConfigValue *
read_value (Cursor *c, guint depth)
{
  SdBencodeReader *r = &c->reader;
  SdConfigValue *value;
  gint next = sd_bencode_reader_peek (r, "a value", c->error);

  if (next == 'i') {
    gint64 integer;

    if (!sd_bencode_reader_int (r, &integer, c->error))
      return NULL;
    value = node_new (c->arena, SD_CONFIG_VALUE_INT, 0);
    value->v.integer = integer;
    return value;
  }
  if (next == 'l' || next == 'd') {
    gboolean is_dict = next == 'd';
    guint base = c->stack.len;

    if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, c->error))
      return NULL;
    if (!read_items (c, is_dict, depth)) {
      stack_drop (c, base);
      return NULL;
    }
    value = node_new (c->arena, is_dict ? SD_CONFIG_VALUE_DICT : SD_CONFIG_VALUE_LIST, 0);
    if (is_dict)
      for (guint i = base; i < c->stack.len; i++)
        c->stack.pdata[i] = (gpointer) ((guintptr) c->stack.pdata[i] & ~(guintptr) 1);
    items_set (&value->v.items, c->arena, c->stack.pdata + base, c->stack.len - base);
    c->stack.len = base;
    return value;
  }
  if (next >= 0 && g_ascii_isdigit (next)) {
    const guint8 *str;
    gsize str_len;

    if (!sd_bencode_reader_bytes (r, &str, &str_len, c->error))
      return NULL;
    return node_new_string (c->arena, str, str_len);
  }
  if (next >= 0)
    sd_bencode_reader_unexpected (r, c->error);
  return NULL;
}

SdConfigValue *
sd_config_value_decode (const guint8 *data, gsize len, GError **error)
{
  Cursor c = { { NULL, NULL, NULL }, error, NULL, { NULL, 0, 0, FALSE } };
  SdConfigValue *value;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  sd_bencode_reader_init (&c.reader, data, len);
  c.arena = arena_new ();
  value = read_value (&c, 0);
  if (value != NULL && !sd_bencode_reader_finish (&c.reader, error))
    g_clear_pointer (&value, sd_config_value_free);
  stack_drop (&c, 0);
  g_free (c.stack.pdata);
  arena_release (c.arena);
  return value;
}

/* a child read from a view: scalars become nodes, lists and dicts views */
static SdConfigValue *
child_from_view (Arena *arena, Source *source, gboolean clean, const guint8 *p, gsize len)
{
  SdConfigValue *value;
  const guint8 *end;

  if (*p == 'i') {
    value = node_new (arena, SD_CONFIG_VALUE_INT, 0);
    value->v.integer = sd_config_view_int (p, &end);
    return value;
  }
  if (*p == 'l' || *p == 'd') {
    value = node_new (arena, *p == 'd' ? SD_CONFIG_VALUE_DICT : SD_CONFIG_VALUE_LIST, 0);
    value->is_view = TRUE;
    value->clean = clean;
    value->v.view.data = p;
    value->v.view.len = len;
    value->v.view.source = source_ref (source);
    return value;
  }
  {
    gsize str_len;
    const guint8 *str = sd_config_view_string (p, &str_len, &end);

    return node_new_string (arena, str, str_len);
  }
}

/* one level: the view becomes a list or dict whose children are views */
static void
view_expand (SdConfigValue *value)
{
  const guint8 *p = value->v.view.data;
  gsize len = value->v.view.len;
  Source *source = value->v.view.source;
  gboolean is_dict = value->kind == SD_CONFIG_VALUE_DICT;
  gboolean clean = value->clean;
  Items items = { NULL, 0, 0, FALSE };
  Arena *arena = arena_new ();
  const guint32 *index = NULL;
  guint n_index = 0;

  /* about what the nodes of the level take, for a small dict or list */
  arena->chunk = MIN (ARENA_CHUNK, len * 4 + 256);
  if (is_dict)
    index = source_index (source, p, &n_index);
  if (index != NULL) {
    items_reserve (&items, n_index);
    for (guint i = 0; i < n_index; i++) {
      const guint8 *vstart, *vend;
      gsize klen;
      const guint8 *key = sd_config_view_string (p + index[i], &klen, &vstart);

      vend = p + index[i + 1];
      items.pdata[items.len++] =
        entry_new_in (arena, key, klen,
                      child_from_view (arena, source, clean, vstart, (gsize) (vend - vstart)));
    }
  } else {
    SdConfigViewIter it;
    const guint8 *key = NULL, *v;
    gsize klen = 0, vlen;

    sd_config_view_iter_init (&it, p);
    while (sd_config_view_next (&it, is_dict ? &key : NULL, &klen, &v, &vlen)) {
      SdConfigValue *child = child_from_view (arena, source, clean, v, vlen);

      items_add (&items, is_dict ? (gpointer) entry_new_in (arena, key, klen, child) : child);
    }
  }
  value->is_view = FALSE;
  value->v.items = items;
  source_unref (source);
  arena_release (arena);
}

SdConfigValue *
sd_config_value_new_view (GBytes *bytes, gsize offset, gsize len, gboolean clean,
                          SdConfigIndex *index)
{
  Source *source;
  const guint8 *data;
  SdConfigValue *value;
  gsize total;

  g_return_val_if_fail (bytes != NULL, NULL);
  data = g_bytes_get_data (bytes, &total);
  g_return_val_if_fail (offset + len <= total && len >= 2, NULL);
  g_return_val_if_fail (data[offset] == 'd' || data[offset] == 'l', NULL);

  source = g_new0 (Source, 1);
  source->ref = 1;
  source->bytes = g_bytes_ref (bytes);
  source->base = data;
  if (index != NULL) {
    g_return_val_if_fail (index->base == data, NULL);
    source->keys = g_steal_pointer (&index->keys);
    source->dicts = g_steal_pointer (&index->dicts);
  }
  value = child_from_view (NULL, source, clean, data + offset, len);
  source_unref (source);
  return value;
}

SdConfigValue *
sd_config_value_new_subview (const SdConfigValue *view, const guint8 *data, gsize len)
{
  g_return_val_if_fail (view != NULL && view->is_view, NULL);
  g_return_val_if_fail (data >= view->v.view.data &&
                        data + len <= view->v.view.data + view->v.view.len, NULL);

  return child_from_view (NULL, view->v.view.source, view->clean, data, len);
}

gboolean
sd_config_value_get_view (const SdConfigValue *value, const guint8 **data, gsize *len)
{
  g_return_val_if_fail (value != NULL, FALSE);

  if (!value->is_view)
    return FALSE;
  *data = value->v.view.data;
  *len = value->v.view.len;
  return TRUE;
}

const guint32 *
sd_config_value_view_index (const SdConfigValue *view, const guint8 *dict, guint *n)
{
  g_return_val_if_fail (view != NULL && view->is_view, NULL);

  return source_index (view->v.view.source, dict, n);
}
