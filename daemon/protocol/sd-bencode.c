/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bencode as used by onion v4 replies and OxenMQ/QUIC requests: the
 * decoder accepts only the canonical form, so that decode → encode gives
 * back the same bytes (signatures and hashes may cover them) */
#define G_LOG_DOMAIN "SdBencode"

#include "config.h"

#include "sd-bencode.h"

#include <string.h>

#include "sd-protocol-error.h"

/* decoded input is untrusted and both the decoder and the destructor
 * recurse once per level */
#define BENCODE_MAX_DEPTH 64

typedef struct {
  guint8 *key;       /* (owned) NUL-terminated for convenience */
  gsize key_len;
  SdBencode *value;  /* (owned) */
} DictEntry;

struct _SdBencode {
  gatomicrefcount ref_count;
  SdBencodeKind kind;
  union {
    gint64 integer;
    struct {
      guint8 *data;  /* (owned) NUL-terminated for convenience */
      gsize len;
    } bytes;
    GPtrArray *list; /* (owned) (element-type SdBencode) */
    GArray *dict;    /* (owned) (element-type DictEntry) sorted by key bytes */
  } v;
};

static SdBencode *
bencode_alloc (SdBencodeKind kind)
{
  SdBencode *value = g_new0 (SdBencode, 1);

  g_atomic_ref_count_init (&value->ref_count);
  value->kind = kind;
  return value;
}

static guint8 *
dup_bytes (const guint8 *data, gsize len)
{
  guint8 *copy = g_malloc (len + 1);

  if (len > 0)
    memcpy (copy, data, len);
  copy[len] = '\0';
  return copy;
}

static void
dict_entry_clear (gpointer data)
{
  DictEntry *entry = data;

  g_free (entry->key);
  sd_bencode_unref (entry->value);
}

/* raw byte order, a prefix sorting first, as bencode requires */
static gint
key_compare (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  gint c = memcmp (a, b, MIN (a_len, b_len));

  if (c != 0)
    return c;
  return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* index of @key in @dict, or where it would be inserted */
static guint
dict_find (const SdBencode *dict, const guint8 *key, gsize key_len, gboolean *found)
{
  guint lo = 0, hi = dict->v.dict->len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const DictEntry *entry = &g_array_index (dict->v.dict, DictEntry, mid);
    gint c = key_compare (entry->key, entry->key_len, key, key_len);

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

SdBencode *
sd_bencode_new_int (gint64 value)
{
  SdBencode *self = bencode_alloc (SD_BENCODE_INT);

  self->v.integer = value;
  return self;
}

SdBencode *
sd_bencode_new_bytes (const guint8 *data, gsize len)
{
  SdBencode *self;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  self = bencode_alloc (SD_BENCODE_BYTES);
  self->v.bytes.data = dup_bytes (data, len);
  self->v.bytes.len = len;
  return self;
}

SdBencode *
sd_bencode_new_string (const gchar *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return sd_bencode_new_bytes ((const guint8 *) text, strlen (text));
}

SdBencode *
sd_bencode_new_list (void)
{
  SdBencode *self = bencode_alloc (SD_BENCODE_LIST);

  self->v.list = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_bencode_unref);
  return self;
}

SdBencode *
sd_bencode_new_dict (void)
{
  SdBencode *self = bencode_alloc (SD_BENCODE_DICT);

  self->v.dict = g_array_new (FALSE, FALSE, sizeof (DictEntry));
  g_array_set_clear_func (self->v.dict, dict_entry_clear);
  return self;
}

void
sd_bencode_list_append (SdBencode *list, SdBencode *item)
{
  g_return_if_fail (list != NULL && list->kind == SD_BENCODE_LIST);
  g_return_if_fail (item != NULL);

  g_ptr_array_add (list->v.list, item);
}

void
sd_bencode_dict_set (SdBencode *dict, const gchar *key, SdBencode *value)
{
  gsize key_len;
  gboolean found;
  guint idx;

  g_return_if_fail (dict != NULL && dict->kind == SD_BENCODE_DICT);
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  key_len = strlen (key);
  idx = dict_find (dict, (const guint8 *) key, key_len, &found);
  if (found) {
    DictEntry *entry = &g_array_index (dict->v.dict, DictEntry, idx);

    sd_bencode_unref (entry->value);
    entry->value = value;
  } else {
    DictEntry entry = { dup_bytes ((const guint8 *) key, key_len), key_len, value };

    g_array_insert_val (dict->v.dict, idx, entry);
  }
}

SdBencode *
sd_bencode_ref (SdBencode *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  g_atomic_ref_count_inc (&value->ref_count);
  return value;
}

void
sd_bencode_unref (SdBencode *value)
{
  g_return_if_fail (value != NULL);

  if (!g_atomic_ref_count_dec (&value->ref_count))
    return;
  switch (value->kind) {
  case SD_BENCODE_INT:
    break;
  case SD_BENCODE_BYTES:
    g_free (value->v.bytes.data);
    break;
  case SD_BENCODE_LIST:
    g_ptr_array_unref (value->v.list);
    break;
  case SD_BENCODE_DICT:
    g_array_unref (value->v.dict);
    break;
  default:
    g_assert_not_reached ();
  }
  g_free (value);
}

SdBencodeKind
sd_bencode_kind (const SdBencode *value)
{
  g_return_val_if_fail (value != NULL, SD_BENCODE_INT);

  return value->kind;
}

gint64
sd_bencode_get_int (const SdBencode *value)
{
  g_return_val_if_fail (value != NULL && value->kind == SD_BENCODE_INT, 0);

  return value->v.integer;
}

/* the returned bytes are followed by a NUL that is not counted in @len */
const guint8 *
sd_bencode_get_bytes (const SdBencode *value, gsize *len)
{
  g_return_val_if_fail (value != NULL && value->kind == SD_BENCODE_BYTES, NULL);

  if (len != NULL)
    *len = value->v.bytes.len;
  return value->v.bytes.data;
}

gsize
sd_bencode_list_length (const SdBencode *list)
{
  g_return_val_if_fail (list != NULL && list->kind == SD_BENCODE_LIST, 0);

  return list->v.list->len;
}

SdBencode *
sd_bencode_list_get (const SdBencode *list, gsize index)
{
  g_return_val_if_fail (list != NULL && list->kind == SD_BENCODE_LIST, NULL);
  g_return_val_if_fail (index < list->v.list->len, NULL);

  return g_ptr_array_index (list->v.list, index);
}

/* NULL when @key is absent */
SdBencode *
sd_bencode_dict_get (const SdBencode *dict, const gchar *key)
{
  gboolean found;
  guint idx;

  g_return_val_if_fail (dict != NULL && dict->kind == SD_BENCODE_DICT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  idx = dict_find (dict, (const guint8 *) key, strlen (key), &found);
  if (!found)
    return NULL;
  return g_array_index (dict->v.dict, DictEntry, idx).value;
}

static void
encode_bytes (GByteArray *out, const guint8 *data, gsize len)
{
  gchar prefix[32];
  gint n = g_snprintf (prefix, sizeof prefix, "%" G_GSIZE_FORMAT ":", len);

  g_byte_array_append (out, (const guint8 *) prefix, (guint) n);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

static void
encode_into (GByteArray *out, const SdBencode *value)
{
  switch (value->kind) {
  case SD_BENCODE_INT: {
    gchar buf[32];
    gint n = g_snprintf (buf, sizeof buf, "i%" G_GINT64_FORMAT "e", value->v.integer);

    g_byte_array_append (out, (const guint8 *) buf, (guint) n);
    break;
  }
  case SD_BENCODE_BYTES:
    encode_bytes (out, value->v.bytes.data, value->v.bytes.len);
    break;
  case SD_BENCODE_LIST:
    g_byte_array_append (out, (const guint8 *) "l", 1);
    for (guint i = 0; i < value->v.list->len; i++)
      encode_into (out, g_ptr_array_index (value->v.list, i));
    g_byte_array_append (out, (const guint8 *) "e", 1);
    break;
  case SD_BENCODE_DICT:
    g_byte_array_append (out, (const guint8 *) "d", 1);
    for (guint i = 0; i < value->v.dict->len; i++) {
      const DictEntry *entry = &g_array_index (value->v.dict, DictEntry, i);

      encode_bytes (out, entry->key, entry->key_len);
      encode_into (out, entry->value);
    }
    g_byte_array_append (out, (const guint8 *) "e", 1);
    break;
  default:
    g_assert_not_reached ();
  }
}

/**
 * sd_bencode_encode:
 * @value: a value
 *
 * Returns: (transfer full): the canonical encoding of @value
 */
GBytes *
sd_bencode_encode (const SdBencode *value)
{
  GByteArray *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_byte_array_new ();
  encode_into (out, value);
  return g_byte_array_free_to_bytes (out);
}

typedef struct {
  const guint8 *start; /* (unowned) */
  const guint8 *p;     /* (unowned) */
  const guint8 *end;   /* (unowned) */
} Reader;

static gsize
reader_offset (const Reader *r)
{
  return (gsize) (r->p - r->start);
}

static void
set_truncated (const Reader *r, GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
               "bencode input ends inside %s (offset %" G_GSIZE_FORMAT ")",
               what, reader_offset (r));
}

static void
set_malformed (const Reader *r, GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
               "bencode: %s at offset %" G_GSIZE_FORMAT, what, reader_offset (r));
}

/* "i" [-] digits "e"; the caller saw the 'i' */
static SdBencode *
decode_int (Reader *r, GError **error)
{
  gboolean negative = FALSE;
  guint64 magnitude = 0;
  guint64 limit;

  r->p++;
  if (r->p < r->end && *r->p == '-') {
    negative = TRUE;
    r->p++;
  }
  if (r->p >= r->end) {
    set_truncated (r, error, "an integer");
    return NULL;
  }
  if (!g_ascii_isdigit (*r->p)) {
    set_malformed (r, error, "integer without digits");
    return NULL;
  }
  if (*r->p == '0' && (negative || (r->p + 1 < r->end && g_ascii_isdigit (r->p[1])))) {
    set_malformed (r, error, negative ? "negative zero" : "integer with a leading zero");
    return NULL;
  }
  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  while (r->p < r->end && g_ascii_isdigit (*r->p)) {
    guint d = (guint) (*r->p - '0');

    if (magnitude > (limit - d) / 10) {
      set_malformed (r, error, "integer out of 64-bit range");
      return NULL;
    }
    magnitude = magnitude * 10 + d;
    r->p++;
  }
  if (r->p >= r->end) {
    set_truncated (r, error, "an integer");
    return NULL;
  }
  if (*r->p != 'e') {
    set_malformed (r, error, "integer not closed by 'e'");
    return NULL;
  }
  r->p++;

  if (!negative)
    return sd_bencode_new_int ((gint64) magnitude);
  /* -(2^63) has no positive counterpart */
  if (magnitude == (guint64) G_MAXINT64 + 1)
    return sd_bencode_new_int (G_MININT64);
  return sd_bencode_new_int (-(gint64) magnitude);
}

/* length ":" bytes; the caller saw a digit; @data points into the input */
static gboolean
decode_string (Reader *r, const guint8 **data, gsize *len, GError **error)
{
  gsize n = 0;

  if (*r->p == '0' && r->p + 1 < r->end && g_ascii_isdigit (r->p[1])) {
    set_malformed (r, error, "string length with a leading zero");
    return FALSE;
  }
  while (r->p < r->end && g_ascii_isdigit (*r->p)) {
    n = n * 10 + (gsize) (*r->p - '0');
    r->p++;
    /* checked per digit, so n stays below the input size and the
     * multiplication above cannot overflow */
    if (n > (gsize) (r->end - r->p)) {
      set_truncated (r, error, "a byte string (its length is beyond the input)");
      return FALSE;
    }
  }
  if (r->p >= r->end) {
    set_truncated (r, error, "a byte string length");
    return FALSE;
  }
  if (*r->p != ':') {
    set_malformed (r, error, "string length not followed by ':'");
    return FALSE;
  }
  r->p++;
  if (n > (gsize) (r->end - r->p)) {
    set_truncated (r, error, "a byte string (its length is beyond the input)");
    return FALSE;
  }
  *data = r->p;
  *len = n;
  r->p += n;
  return TRUE;
}

/* @depth counts the lists and dicts around this value */
static SdBencode *
decode_value (Reader *r, guint depth, GError **error)
{
  if (r->p >= r->end) {
    set_truncated (r, error, "a value");
    return NULL;
  }

  switch (*r->p) {
  case 'i':
    return decode_int (r, error);

  case 'l': {
    g_autoptr(SdBencode) list = NULL;

    if (depth >= BENCODE_MAX_DEPTH) {
      set_malformed (r, error, "nested deeper than 64 levels");
      return NULL;
    }
    r->p++;
    list = sd_bencode_new_list ();
    for (;;) {
      SdBencode *item;

      if (r->p >= r->end) {
        set_truncated (r, error, "a list");
        return NULL;
      }
      if (*r->p == 'e')
        break;
      item = decode_value (r, depth + 1, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (list->v.list, item);
    }
    r->p++;
    return g_steal_pointer (&list);
  }

  case 'd': {
    g_autoptr(SdBencode) dict = NULL;

    if (depth >= BENCODE_MAX_DEPTH) {
      set_malformed (r, error, "nested deeper than 64 levels");
      return NULL;
    }
    r->p++;
    dict = sd_bencode_new_dict ();
    for (;;) {
      const guint8 *key = NULL;
      gsize key_len = 0;
      DictEntry entry;

      if (r->p >= r->end) {
        set_truncated (r, error, "a dictionary");
        return NULL;
      }
      if (*r->p == 'e')
        break;
      if (!g_ascii_isdigit (*r->p)) {
        set_malformed (r, error, "dictionary key is not a byte string");
        return NULL;
      }
      if (!decode_string (r, &key, &key_len, error))
        return NULL;
      if (dict->v.dict->len > 0) {
        const DictEntry *last = &g_array_index (dict->v.dict, DictEntry,
                                                dict->v.dict->len - 1);
        gint c = key_compare (last->key, last->key_len, key, key_len);

        if (c >= 0) {
          set_malformed (r, error, c == 0 ? "duplicate dictionary key"
                                          : "dictionary keys not in sorted order");
          return NULL;
        }
      }
      entry.value = decode_value (r, depth + 1, error);
      if (entry.value == NULL)
        return NULL;
      entry.key = dup_bytes (key, key_len);
      entry.key_len = key_len;
      g_array_append_val (dict->v.dict, entry);
    }
    r->p++;
    return g_steal_pointer (&dict);
  }

  default:
    if (g_ascii_isdigit (*r->p)) {
      const guint8 *data = NULL;
      gsize len = 0;

      if (!decode_string (r, &data, &len, error))
        return NULL;
      return sd_bencode_new_bytes (data, len);
    }
    set_malformed (r, error, "unexpected byte");
    return NULL;
  }
}

/**
 * sd_bencode_decode:
 * @data: (array length=len): the encoded value
 * @len: its length
 * @error: return location for a #GError
 *
 * Strict: only the canonical encoding is accepted (no leading zeros, no
 * "-0", dictionary keys strictly ascending), @data must hold exactly one
 * value and lists and dictionaries nest at most 64 deep.
 *
 * Returns: (transfer full): the value, or %NULL with
 *   %SD_PROTOCOL_ERROR_TRUNCATED (input ends early, or a length points
 *   beyond it) or %SD_PROTOCOL_ERROR_MALFORMED
 */
SdBencode *
sd_bencode_decode (const guint8 *data, gsize len, GError **error)
{
  Reader r;
  g_autoptr(SdBencode) value = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                         "empty bencode input");
    return NULL;
  }
  r.start = r.p = data;
  r.end = data + len;
  value = decode_value (&r, 0, error);
  if (value == NULL)
    return NULL;
  if (r.p != r.end) {
    set_malformed (&r, error, "trailing data after the value");
    return NULL;
  }
  return g_steal_pointer (&value);
}
