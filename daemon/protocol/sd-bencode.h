/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

typedef enum {
  SD_BENCODE_INT,
  SD_BENCODE_BYTES,
  SD_BENCODE_LIST,
  SD_BENCODE_DICT,
} SdBencodeKind;

/* a decoded bencode value (immutable once built, reference counted) */
typedef struct _SdBencode SdBencode;

SdBencode *sd_bencode_new_int (gint64 value);
SdBencode *sd_bencode_new_bytes (const guint8 *data, gsize len);
SdBencode *sd_bencode_new_string (const gchar *text);
SdBencode *sd_bencode_new_list (void);
SdBencode *sd_bencode_new_dict (void);
/* takes ownership of @item */
void sd_bencode_list_append (SdBencode *list, SdBencode *item);
/* takes ownership of @value; keys are kept sorted as bencode requires */
void sd_bencode_dict_set (SdBencode *dict, const gchar *key, SdBencode *value);

SdBencode *sd_bencode_ref (SdBencode *value);
void sd_bencode_unref (SdBencode *value);

SdBencodeKind sd_bencode_kind (const SdBencode *value);
gint64 sd_bencode_get_int (const SdBencode *value);
const guint8 *sd_bencode_get_bytes (const SdBencode *value, gsize *len);
gsize sd_bencode_list_length (const SdBencode *list);
SdBencode *sd_bencode_list_get (const SdBencode *list, gsize index); /* (transfer none) */
SdBencode *sd_bencode_dict_get (const SdBencode *dict, const gchar *key); /* (transfer none) */

GBytes *sd_bencode_encode (const SdBencode *value) G_GNUC_WARN_UNUSED_RESULT;
/* the whole input must be one value; nesting is bounded */
SdBencode *sd_bencode_decode (const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The one bencode codec: the token reader and writer below serve both
 * trees, SdBencode here and the mutable SdConfigValue of config data
 * (config/sd-config-value.c), so both accept exactly the canonical form. */

/* raw byte order, a prefix sorting first, as dict keys are ordered;
 * inline, as the config engine's lookups and set operations call it in
 * their inner loops */
static inline gint
sd_bencode_key_compare (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  gint c = (a_len > 0 && b_len > 0) ? memcmp (a, b, MIN (a_len, b_len)) : 0;

  if (c != 0)
    return c;
  return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* writing: the pieces of an encoding, appended to @out */
void sd_bencode_append_int (GByteArray *out, gint64 value);
void sd_bencode_append_bytes (GByteArray *out, const guint8 *data, gsize len);
/* the same for writers that size their output first: the encoded size,
 * and a write at @p returning the end */
gsize sd_bencode_int_size (gint64 value);
gsize sd_bencode_bytes_size (gsize len);
guint8 *sd_bencode_write_int (guint8 *p, gint64 value);
guint8 *sd_bencode_write_bytes (guint8 *p, const guint8 *data, gsize len);

/* reading untrusted input, canonical form only; every failure sets
 * SD_PROTOCOL_ERROR_TRUNCATED (input ends early, or a length points
 * beyond it) or SD_PROTOCOL_ERROR_MALFORMED. A value is read by peeking at
 * its first byte, then calling the reader for that kind: the readers below
 * expect the byte sd_bencode_reader_peek returned to be there. A list or
 * dict is entered, read item by item until peek returns 'e', then left. */
typedef struct {
  const guint8 *start; /* (unowned) */
  const guint8 *p;     /* (unowned) */
  const guint8 *end;   /* (unowned) */
} SdBencodeReader;

void sd_bencode_reader_init (SdBencodeReader *r, const guint8 *data, gsize len);
/* the next byte, not consumed; -1 (TRUNCATED, "ends inside @what") at the end */
gint sd_bencode_reader_peek (SdBencodeReader *r, const gchar *what, GError **error);
/* "i…e"; the reader is at the 'i' */
gboolean sd_bencode_reader_int (SdBencodeReader *r, gint64 *value, GError **error);
/* "n:…"; the reader is at a digit; @data points into the input */
gboolean sd_bencode_reader_bytes (SdBencodeReader *r, const guint8 **data, gsize *len,
                                  GError **error);
/* steps into the list or dict at the reader, @depth containers deep
 * already; refuses to go deeper than @max_depth */
gboolean sd_bencode_reader_enter (SdBencodeReader *r, guint depth, guint max_depth,
                                  GError **error);
/* steps over the 'e' that peek found at the end of a list or dict */
void sd_bencode_reader_leave (SdBencodeReader *r);
/* a dict key: a byte string strictly after @prev (NULL before the first) */
gboolean sd_bencode_reader_key (SdBencodeReader *r, const guint8 *prev, gsize prev_len,
                                const guint8 **key, gsize *len, GError **error);
/* MALFORMED for a byte that starts no value */
void sd_bencode_reader_unexpected (const SdBencodeReader *r, GError **error);
/* after the one value: MALFORMED if anything follows it */
gboolean sd_bencode_reader_finish (const SdBencodeReader *r, GError **error);

/* the same readers with an inline path for the common case (short,
 * well-formed tokens), for scanners that read every token of a large
 * input; anything else takes the full reader, which reports the error */
static inline gboolean
sd_bencode_reader_bytes_inline (SdBencodeReader *r, const guint8 **data, gsize *len,
                                GError **error)
{
  const guint8 *p = r->p;
  gsize n = 0;
  guint digits = 0;

  if (*p != '0' || (p + 1 < r->end && p[1] == ':')) {
    while (digits < 6 && p < r->end && *p >= '0' && *p <= '9') {
      n = n * 10 + (gsize) (*p++ - '0');
      digits++;
    }
    if (digits > 0 && digits < 6 && p < r->end && *p == ':' && n <= (gsize) (r->end - p - 1)) {
      *data = p + 1;
      *len = n;
      r->p = p + 1 + n;
      return TRUE;
    }
  }
  return sd_bencode_reader_bytes (r, data, len, error);
}

static inline gboolean
sd_bencode_reader_int_inline (SdBencodeReader *r, gint64 *value, GError **error)
{
  const guint8 *p = r->p + 1;
  gboolean negative = p < r->end && *p == '-';
  gint64 n = 0;
  guint digits = 0;

  p += negative ? 1 : 0;
  /* at most 18 digits fit without an overflow check */
  if (p < r->end && *p != '0') {
    while (digits < 18 && p < r->end && *p >= '0' && *p <= '9') {
      n = n * 10 + (*p++ - '0');
      digits++;
    }
    if (digits > 0 && digits < 18 && p < r->end && *p == 'e') {
      *value = negative ? -n : n;
      r->p = p + 1;
      return TRUE;
    }
  }
  return sd_bencode_reader_int (r, value, error);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdBencode, sd_bencode_unref)

G_END_DECLS
