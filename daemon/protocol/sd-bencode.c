/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bencode: the token reader and writer (shared with the config tree,
 * config/sd-config-value.c) and the immutable tree of onion v4 replies and
 * OxenMQ/QUIC requests. The reader accepts only the canonical form, so that
 * decode → encode gives back the same bytes (signatures and hashes may
 * cover them). */
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

/* index of @key in @dict, or where it would be inserted */
static guint
dict_find (const SdBencode *dict, const guint8 *key, gsize key_len, gboolean *found)
{
  guint lo = 0, hi = dict->v.dict->len;

  *found = FALSE;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const DictEntry *entry = &g_array_index (dict->v.dict, DictEntry, mid);
    gint c = sd_bencode_key_compare (entry->key, entry->key_len, key, key_len);

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

/* Writing. Encoding is on the hot path of every config merge and push, so
 * the pieces are written with plain stores into output sized beforehand. */

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

static guint64
magnitude_of (gint64 value)
{
  return value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;
}

/* the decimal digits of @n, @d of them, from @p on */
static guint8 *
write_digits (guint8 *p, guint64 n, gsize d)
{
  guint8 *end = p + d;

  do {
    *--end = (guint8) ('0' + n % 10);
    n /= 10;
  } while (n > 0);
  return p + d;
}

gsize
sd_bencode_int_size (gint64 value)
{
  return (value < 0 ? 3 : 2) + digits (magnitude_of (value));
}

gsize
sd_bencode_bytes_size (gsize len)
{
  return digits (len) + 1 + len;
}

guint8 *
sd_bencode_write_int (guint8 *p, gint64 value)
{
  guint64 mag = magnitude_of (value);

  *p++ = 'i';
  if (value < 0)
    *p++ = '-';
  p = write_digits (p, mag, digits (mag));
  *p++ = 'e';
  return p;
}

guint8 *
sd_bencode_write_bytes (guint8 *p, const guint8 *data, gsize len)
{
  p = write_digits (p, len, digits (len));
  *p++ = ':';
  if (len > 0)
    memcpy (p, data, len);
  return p + len;
}

void
sd_bencode_append_int (GByteArray *out, gint64 value)
{
  guint start = out->len;

  g_byte_array_set_size (out, start + (guint) sd_bencode_int_size (value));
  sd_bencode_write_int (out->data + start, value);
}

void
sd_bencode_append_bytes (GByteArray *out, const guint8 *data, gsize len)
{
  guint start = out->len;

  g_byte_array_set_size (out, start + (guint) sd_bencode_bytes_size (len));
  sd_bencode_write_bytes (out->data + start, data, len);
}

static gsize
encoded_size (const SdBencode *value)
{
  gsize n;

  switch (value->kind) {
  case SD_BENCODE_INT:
    return sd_bencode_int_size (value->v.integer);
  case SD_BENCODE_BYTES:
    return sd_bencode_bytes_size (value->v.bytes.len);
  case SD_BENCODE_LIST:
    n = 2;
    for (guint i = 0; i < value->v.list->len; i++)
      n += encoded_size (g_ptr_array_index (value->v.list, i));
    return n;
  case SD_BENCODE_DICT:
    n = 2;
    for (guint i = 0; i < value->v.dict->len; i++) {
      const DictEntry *entry = &g_array_index (value->v.dict, DictEntry, i);

      n += sd_bencode_bytes_size (entry->key_len) + encoded_size (entry->value);
    }
    return n;
  default:
    g_assert_not_reached ();
  }
}

static guint8 *
write_value (guint8 *p, const SdBencode *value)
{
  switch (value->kind) {
  case SD_BENCODE_INT:
    return sd_bencode_write_int (p, value->v.integer);
  case SD_BENCODE_BYTES:
    return sd_bencode_write_bytes (p, value->v.bytes.data, value->v.bytes.len);
  case SD_BENCODE_LIST:
    *p++ = 'l';
    for (guint i = 0; i < value->v.list->len; i++)
      p = write_value (p, g_ptr_array_index (value->v.list, i));
    *p++ = 'e';
    return p;
  case SD_BENCODE_DICT:
    *p++ = 'd';
    for (guint i = 0; i < value->v.dict->len; i++) {
      const DictEntry *entry = &g_array_index (value->v.dict, DictEntry, i);

      p = sd_bencode_write_bytes (p, entry->key, entry->key_len);
      p = write_value (p, entry->value);
    }
    *p++ = 'e';
    return p;
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
  gsize n;
  guint8 *buf;

  g_return_val_if_fail (value != NULL, NULL);

  n = encoded_size (value);
  buf = g_malloc (n);
  if (write_value (buf, value) != buf + n)
    g_assert_not_reached ();
  return g_bytes_new_take (buf, n);
}

/* Reading */

static gsize
reader_offset (const SdBencodeReader *r)
{
  return (gsize) (r->p - r->start);
}

static void
set_truncated (const SdBencodeReader *r, GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
               "bencode input ends inside %s (offset %" G_GSIZE_FORMAT ")",
               what, reader_offset (r));
}

static void
set_malformed (const SdBencodeReader *r, GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
               "bencode: %s at offset %" G_GSIZE_FORMAT, what, reader_offset (r));
}

void
sd_bencode_reader_init (SdBencodeReader *r, const guint8 *data, gsize len)
{
  r->start = r->p = data;
  r->end = len > 0 ? data + len : data;
}

gint
sd_bencode_reader_peek (SdBencodeReader *r, const gchar *what, GError **error)
{
  if (r->p >= r->end) {
    set_truncated (r, error, what);
    return -1;
  }
  return *r->p;
}

void
sd_bencode_reader_unexpected (const SdBencodeReader *r, GError **error)
{
  set_malformed (r, error, "unexpected byte");
}

gboolean
sd_bencode_reader_int (SdBencodeReader *r, gint64 *value, GError **error)
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
    return FALSE;
  }
  if (!g_ascii_isdigit (*r->p)) {
    set_malformed (r, error, "integer without digits");
    return FALSE;
  }
  if (*r->p == '0' && (negative || (r->p + 1 < r->end && g_ascii_isdigit (r->p[1])))) {
    set_malformed (r, error, negative ? "negative zero" : "integer with a leading zero");
    return FALSE;
  }
  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  while (r->p < r->end && g_ascii_isdigit (*r->p)) {
    guint d = (guint) (*r->p - '0');

    if (magnitude > (limit - d) / 10) {
      set_malformed (r, error, "integer out of 64-bit range");
      return FALSE;
    }
    magnitude = magnitude * 10 + d;
    r->p++;
  }
  if (r->p >= r->end) {
    set_truncated (r, error, "an integer");
    return FALSE;
  }
  if (*r->p != 'e') {
    set_malformed (r, error, "integer not closed by 'e'");
    return FALSE;
  }
  r->p++;

  if (!negative)
    *value = (gint64) magnitude;
  else if (magnitude == (guint64) G_MAXINT64 + 1) /* -(2^63) has no positive counterpart */
    *value = G_MININT64;
  else
    *value = -(gint64) magnitude;
  return TRUE;
}

gboolean
sd_bencode_reader_bytes (SdBencodeReader *r, const guint8 **data, gsize *len, GError **error)
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

gboolean
sd_bencode_reader_enter (SdBencodeReader *r, guint depth, guint max_depth, GError **error)
{
  if (depth >= max_depth) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "bencode: nested deeper than %u levels at offset %" G_GSIZE_FORMAT,
                 max_depth, reader_offset (r));
    return FALSE;
  }
  r->p++;
  return TRUE;
}

void
sd_bencode_reader_leave (SdBencodeReader *r)
{
  g_return_if_fail (r->p < r->end && *r->p == 'e');

  r->p++;
}

gboolean
sd_bencode_reader_key (SdBencodeReader *r, const guint8 *prev, gsize prev_len,
                       const guint8 **key, gsize *len, GError **error)
{
  gint c;

  if (!g_ascii_isdigit (*r->p)) {
    set_malformed (r, error, "dictionary key is not a byte string");
    return FALSE;
  }
  if (!sd_bencode_reader_bytes (r, key, len, error))
    return FALSE;
  if (prev == NULL)
    return TRUE;
  c = sd_bencode_key_compare (prev, prev_len, *key, *len);
  if (c >= 0) {
    set_malformed (r, error, c == 0 ? "duplicate dictionary key"
                                    : "dictionary keys not in sorted order");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_bencode_reader_finish (const SdBencodeReader *r, GError **error)
{
  if (r->p != r->end) {
    set_malformed (r, error, "trailing data after the value");
    return FALSE;
  }
  return TRUE;
}

/* @depth counts the lists and dicts around this value */
static SdBencode *
decode_value (SdBencodeReader *r, guint depth, GError **error)
{
  gint c = sd_bencode_reader_peek (r, "a value", error);

  if (c == 'i') {
    gint64 integer;

    if (!sd_bencode_reader_int (r, &integer, error))
      return NULL;
    return sd_bencode_new_int (integer);
  }
  if (c == 'l' || c == 'd') {
    gboolean is_dict = c == 'd';
    g_autoptr(SdBencode) container = is_dict ? sd_bencode_new_dict () : sd_bencode_new_list ();
    const guint8 *prev = NULL;
    gsize prev_len = 0;

    if (!sd_bencode_reader_enter (r, depth, BENCODE_MAX_DEPTH, error))
      return NULL;
    while ((c = sd_bencode_reader_peek (r, is_dict ? "a dictionary" : "a list", error)) != 'e') {
      DictEntry entry;
      const guint8 *key;
      gsize key_len;

      if (c < 0)
        return NULL;
      if (!is_dict) {
        SdBencode *item = decode_value (r, depth + 1, error);

        if (item == NULL)
          return NULL;
        g_ptr_array_add (container->v.list, item);
        continue;
      }
      if (!sd_bencode_reader_key (r, prev, prev_len, &key, &key_len, error))
        return NULL;
      prev = key;
      prev_len = key_len;
      entry.value = decode_value (r, depth + 1, error);
      if (entry.value == NULL)
        return NULL;
      entry.key = dup_bytes (key, key_len);
      entry.key_len = key_len;
      g_array_append_val (container->v.dict, entry);
    }
    sd_bencode_reader_leave (r);
    return g_steal_pointer (&container);
  }
  if (c >= 0 && g_ascii_isdigit (c)) {
    const guint8 *data = NULL;
    gsize len = 0;

    if (!sd_bencode_reader_bytes (r, &data, &len, error))
      return NULL;
    return sd_bencode_new_bytes (data, len);
  }
  if (c >= 0)
    sd_bencode_reader_unexpected (r, error);
  return NULL;
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
  SdBencodeReader r;
  g_autoptr(SdBencode) value = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  sd_bencode_reader_init (&r, data, len);
  value = decode_value (&r, 0, error);
  if (value == NULL || !sd_bencode_reader_finish (&r, error))
    return NULL;
  return g_steal_pointer (&value);
}
