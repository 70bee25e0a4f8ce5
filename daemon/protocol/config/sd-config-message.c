/* SPDX-License-Identifier: GPL-3.0-or-later */
/* one config message, outer dict: "#" seqno, "&" data, "<" lagged diffs,
 * "=" current diff, optional "~" signature last; other keys are kept and
 * written back in place, so a newer client's fields survive our edits */
#define G_LOG_DOMAIN "SdConfigMessage"

#include "config.h"

#include "sd-config-message.h"

#include <sodium.h>
#include <string.h>

#include "sd-bencode.h"
#include "sd-config-diff.h"
#include "sd-config-scan.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

typedef struct {
  gint64 seqno;
  guint8 hash[SD_CONFIG_HASH_LEN];
  SdConfigValue *diff; /* (owned) */
} Lagged;

struct _SdConfigMessage {
  gint64 seqno;
  guint lag;
  guint8 hash[SD_CONFIG_HASH_LEN];
  SdConfigValue *data;      /* (owned) */
  /* (owned) (nullable) the encoded data before local changes, NULL when
   * read-only; bytes rather than a tree: usually nothing changed, and
   * comparing encodings is much cheaper than keeping a second tree */
  GBytes *orig_data;
  /* the data was handed out by get_data() and may have changed since
   * @orig_data; until then the encoding is @orig_data itself */
  gboolean data_handed_out;
  SdConfigValue *diff;      /* (owned) */
  SdConfigValue *unknown;   /* (owned) top-level keys other than # & < = ~ */
  GArray *lagged;           /* (owned) (element-type Lagged) sorted by (seqno, hash) */
  /* signed configs (group Info and Members): the verified "~" of a parsed
   * message, written back so that its bytes and hash stay the same */
  guint8 *signature;        /* (owned) (nullable) 64 bytes */
  gboolean signature_verified; /* parsed as signed: the signature is written back */
  /* an admin's group key: a mutable message is signed when serialised */
  guint8 *signing_key;      /* (owned) (nullable) 64 bytes, libsodium layout */
};

static void
lagged_clear (gpointer data)
{
  Lagged *entry = data;

  sd_config_value_free (entry->diff);
}

static gint
seqno_hash_compare (gint64 sa, const guint8 *ha, gint64 sb, const guint8 *hb)
{
  if (sa != sb)
    return sa < sb ? -1 : 1;
  return memcmp (ha, hb, SD_CONFIG_HASH_LEN);
}

static SdConfigMessage *
message_alloc (gint64 seqno, guint lag)
{
  SdConfigMessage *message = g_new0 (SdConfigMessage, 1);

  message->seqno = seqno;
  message->lag = lag;
  message->diff = sd_config_value_new_dict ();
  message->unknown = sd_config_value_new_dict ();
  message->lagged = g_array_new (FALSE, FALSE, sizeof (Lagged));
  g_array_set_clear_func (message->lagged, lagged_clear);
  return message;
}

SdConfigMessage *
sd_config_message_new (gint64 seqno, guint lag)
{
  SdConfigMessage *message;

  g_return_val_if_fail (seqno >= 0 && seqno < G_MAXINT64, NULL);

  message = message_alloc (seqno, lag);
  message->data = sd_config_value_new_dict ();
  message->orig_data = g_bytes_new_static ("de", 2);
  return message;
}

SdConfigMessage *
sd_config_message_new_merged (gint64 seqno, guint lag, SdConfigValue *data)
{
  SdConfigMessage *message = message_alloc (seqno, lag);

  g_return_val_if_fail (data != NULL, NULL);

  message->data = data;
  message->orig_data = sd_config_value_to_bytes (data);
  return message;
}

void
sd_config_message_free (SdConfigMessage *message)
{
  if (message == NULL)
    return;
  sd_config_value_free (message->data);
  g_clear_pointer (&message->orig_data, g_bytes_unref);
  sd_config_value_free (message->diff);
  sd_config_value_free (message->unknown);
  g_array_unref (message->lagged);
  g_free (message->signature);
  if (message->signing_key != NULL)
    sodium_memzero (message->signing_key, 64);
  g_free (message->signing_key);
  g_free (message);
}

gint64
sd_config_message_get_seqno (const SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->seqno;
}

guint
sd_config_message_get_lag (const SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->lag;
}

gboolean
sd_config_message_is_mutable (const SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);
  return message->orig_data != NULL;
}

SdConfigValue *
sd_config_message_get_data (SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  if (message->orig_data != NULL)
    message->data_handed_out = TRUE;
  return message->data;
}

void
sd_config_message_add_lagged (SdConfigMessage *message,
                              gint64 seqno,
                              const guint8 hash[SD_CONFIG_HASH_LEN],
                              SdConfigValue *diff)
{
  guint lo = 0, hi;
  Lagged entry;

  g_return_if_fail (message != NULL && diff != NULL);

  hi = message->lagged->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const Lagged *at = &g_array_index (message->lagged, Lagged, mid);
    gint c = seqno_hash_compare (at->seqno, at->hash, seqno, hash);

    if (c == 0) {
      sd_config_value_free (diff);
      return;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  entry.seqno = seqno;
  memcpy (entry.hash, hash, SD_CONFIG_HASH_LEN);
  entry.diff = diff;
  g_array_insert_val (message->lagged, lo, entry);
}

SdConfigValue *
sd_config_message_steal_diff (SdConfigMessage *message, gint index)
{
  SdConfigValue **slot;
  SdConfigValue *diff;

  g_return_val_if_fail (message != NULL && index >= -1, NULL);
  g_return_val_if_fail (index < (gint) message->lagged->len, NULL);

  slot = index < 0 ? &message->diff : &g_array_index (message->lagged, Lagged, index).diff;
  diff = *slot;
  *slot = sd_config_value_new_dict ();
  return diff;
}

guint
sd_config_message_get_n_lagged (const SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->lagged->len;
}

const SdConfigValue *
sd_config_message_get_lagged (const SdConfigMessage *message,
                              guint index,
                              gint64 *seqno,
                              const guint8 **hash)
{
  const Lagged *entry;

  g_return_val_if_fail (message != NULL && index < message->lagged->len, NULL);

  entry = &g_array_index (message->lagged, Lagged, index);
  if (seqno != NULL)
    *seqno = entry->seqno;
  if (hash != NULL)
    *hash = entry->hash;
  return entry->diff;
}

gboolean
sd_config_message_includes (const SdConfigMessage *message,
                            gint64 seqno,
                            const guint8 hash[SD_CONFIG_HASH_LEN])
{
  g_return_val_if_fail (message != NULL, FALSE);

  for (guint i = 0; i < message->lagged->len; i++) {
    const Lagged *entry = &g_array_index (message->lagged, Lagged, i);

    if (seqno_hash_compare (entry->seqno, entry->hash, seqno, hash) == 0)
      return TRUE;
  }
  return FALSE;
}

/* a mutable message's diff follows its data; returns the encoded data
 * (NULL for a read-only message) */
static GBytes *
refresh_diff (SdConfigMessage *message)
{
  GBytes *encoded;
  g_autoptr(SdConfigValue) orig = NULL;

  if (message->orig_data == NULL)
    return NULL;
  if (!message->data_handed_out) {
    /* unchanged since it was encoded: not encoded again */
    if (sd_config_value_length (message->diff) > 0) {
      sd_config_value_free (message->diff);
      message->diff = sd_config_value_new_dict ();
    }
    return g_bytes_ref (message->orig_data);
  }
  sd_config_value_prune (message->data);
  encoded = sd_config_value_to_bytes (message->data);
  sd_config_value_free (message->diff);
  if (g_bytes_equal (encoded, message->orig_data)) {
    message->diff = sd_config_value_new_dict ();
    return encoded;
  }
  /* our own encoding: it decodes */
  orig = sd_config_value_decode (g_bytes_get_data (message->orig_data, NULL),
                                 g_bytes_get_size (message->orig_data), NULL);
  g_assert (orig != NULL);
  message->diff = sd_config_diff_compute (orig, message->data);
  return encoded;
}

const SdConfigValue *
sd_config_message_get_diff (SdConfigMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  g_autoptr(GBytes) encoded = NULL;

  encoded = refresh_diff (message);
  return message->diff;
}

static void
hash_bytes (GBytes *bytes, guint8 hash[SD_CONFIG_HASH_LEN])
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  sd_sodium_init ();
  crypto_generichash (hash, SD_CONFIG_HASH_LEN, data, len, NULL, 0);
}

/* writes the unknown top-level keys that sort before @key (all of them
 * for NULL), from *@next on */
static void
put_unknown_before (GByteArray *out, const SdConfigValue *unknown, guint *next, const gchar *key)
{
  while (*next < sd_config_value_length (unknown)) {
    gsize len;
    const guint8 *k = sd_config_value_dict_key (unknown, *next, &len);

    /* our keys are single bytes, so a (longer) unknown key starting with
     * the same byte sorts after it */
    if (key != NULL && len > 0 && k[0] >= (guint8) key[0])
      break;
    sd_bencode_append_bytes (out, k, len);
    sd_config_value_encode (sd_config_value_dict_value (unknown, *next), out);
    (*next)++;
  }
}

GBytes *
sd_config_message_serialize (SdConfigMessage *message)
{
  g_autoptr(GBytes) encoded = NULL;
  GByteArray *out;
  GBytes *bytes;
  guint next = 0;

  g_return_val_if_fail (message != NULL, NULL);

  encoded = refresh_diff (message);
  /* written directly, the unknown keys in their sorted places, rather
   * than by building (and copying the data into) an outer dict */
  out = g_byte_array_sized_new ((encoded != NULL ? (guint) g_bytes_get_size (encoded) : 0) + 4096);
  g_byte_array_append (out, (const guint8 *) "d", 1);
  put_unknown_before (out, message->unknown, &next, "#");
  sd_bencode_append_bytes (out, (const guint8 *) "#", 1);
  sd_bencode_append_int (out, message->seqno);
  put_unknown_before (out, message->unknown, &next, "&");
  sd_bencode_append_bytes (out, (const guint8 *) "&", 1);
  if (encoded != NULL)
    g_byte_array_append (out, g_bytes_get_data (encoded, NULL), (guint) g_bytes_get_size (encoded));
  else
    sd_config_value_encode (message->data, out);
  put_unknown_before (out, message->unknown, &next, "<");
  sd_bencode_append_bytes (out, (const guint8 *) "<", 1);
  g_byte_array_append (out, (const guint8 *) "l", 1);
  for (guint i = 0; i < message->lagged->len; i++) {
    const Lagged *entry = &g_array_index (message->lagged, Lagged, i);

    /* only the window (seqno - lag, seqno) is carried */
    if (entry->seqno <= message->seqno - (gint64) message->lag || entry->seqno >= message->seqno)
      continue;
    g_byte_array_append (out, (const guint8 *) "l", 1);
    sd_bencode_append_int (out, entry->seqno);
    sd_bencode_append_bytes (out, entry->hash, SD_CONFIG_HASH_LEN);
    sd_config_value_encode (entry->diff, out);
    g_byte_array_append (out, (const guint8 *) "e", 1);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  put_unknown_before (out, message->unknown, &next, "=");
  sd_bencode_append_bytes (out, (const guint8 *) "=", 1);
  sd_config_value_encode (message->diff, out);
  put_unknown_before (out, message->unknown, &next, NULL);
  if (message->orig_data == NULL && message->signature != NULL && message->signature_verified) {
    /* a received signed message comes back byte for byte */
    sd_bencode_append_bytes (out, (const guint8 *) "~", 1);
    sd_bencode_append_bytes (out, message->signature, 64);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);

  bytes = g_byte_array_free_to_bytes (out);
  if (message->orig_data != NULL && message->signing_key != NULL) {
    GBytes *signed_bytes = sd_config_message_sign (bytes, message->signing_key);

    g_bytes_unref (bytes);
    bytes = signed_bytes;
  }
  return bytes;
}

void
sd_config_message_get_hash (SdConfigMessage *message, guint8 hash[SD_CONFIG_HASH_LEN])
{
  g_return_if_fail (message != NULL);

  /* a mutable message's hash follows its data: worked out on demand, as
   * a 100 kB config takes as long to hash as to encode */
  if (message->orig_data != NULL) {
    g_autoptr(GBytes) bytes = sd_config_message_serialize (message);

    hash_bytes (bytes, message->hash);
  }
  memcpy (hash, message->hash, SD_CONFIG_HASH_LEN);
}

static gboolean
malformed (GError **error, const gchar *message)
{
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED, message);
  return FALSE;
}

/* a view of what the reader went over since @start */
static SdConfigValue *
view_since (GBytes *bytes, const guint8 *base, const guint8 *start, const SdBencodeReader *r,
            gboolean clean, SdConfigIndex *index)
{
  return sd_config_value_new_view (bytes, (gsize) (start - base), (gsize) (r->p - start), clean,
                                   index);
}

/* the bytes of the diff (@seqno, @hash) if an earlier message of the same
 * merge carries it: competing messages carry the same lagged diffs */
static gboolean
find_known_diff (SdConfigMessage *const *earlier, guint n_earlier, gint64 seqno,
                 const guint8 *hash, const guint8 **data, gsize *len)
{
  for (guint i = 0; i < n_earlier; i++) {
    const SdConfigMessage *m = earlier[i];

    if (m->seqno == seqno && memcmp (m->hash, hash, SD_CONFIG_HASH_LEN) == 0 &&
        m->orig_data == NULL)
      return sd_config_value_get_view (m->diff, data, len);
    for (guint k = 0; k < m->lagged->len; k++) {
      const Lagged *entry = &g_array_index (m->lagged, Lagged, k);

      if (entry->seqno == seqno && memcmp (entry->hash, hash, SD_CONFIG_HASH_LEN) == 0)
        return sd_config_value_get_view (entry->diff, data, len);
    }
  }
  return FALSE;
}

/* "<": [seqno, hash, diff] triples, the diffs kept as views */
static gboolean
parse_lagged (SdConfigMessage *message, GBytes *bytes, const guint8 *base, SdBencodeReader *r,
              SdConfigMessage *const *earlier, guint n_earlier, GError **error)
{
  gint next = sd_bencode_reader_peek (r, "a value", error);

  if (next < 0)
    return FALSE;
  if (next != 'l') {
    if (!sd_config_scan_value (r, 1, error))
      return FALSE;
    return malformed (error, "config lagged diffs are not a list");
  }
  if (!sd_bencode_reader_enter (r, 1, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, "a list", error)) != 'e') {
    const guint8 *hash, *diff_start;
    gsize hash_len;
    gint64 seqno;

    if (next < 0)
      return FALSE;
    if (next != 'l') {
      if (!sd_config_scan_value (r, 2, error))
        return FALSE;
      return malformed (error, "config lagged diff does not start with a seqno");
    }
    if (!sd_bencode_reader_enter (r, 2, SD_CONFIG_MAX_DEPTH, error))
      return FALSE;
    next = sd_bencode_reader_peek (r, "a list", error);
    if (next < 0)
      return FALSE;
    if (next != 'i')
      return malformed (error, "config lagged diff does not start with a seqno");
    if (!sd_bencode_reader_int (r, &seqno, error))
      return FALSE;
    if (seqno >= message->seqno)
      return malformed (error, "config lagged diff is not older than the message");
    /* too old for our window: dropped unread, as other clients do */
    if (seqno <= message->seqno - (gint64) message->lag) {
      while ((next = sd_bencode_reader_peek (r, "a list", error)) != 'e') {
        if (next < 0 || !sd_config_scan_value (r, 3, error))
          return FALSE;
      }
      sd_bencode_reader_leave (r);
      continue;
    }
    next = sd_bencode_reader_peek (r, "a list", error);
    if (next < 0)
      return FALSE;
    if (!g_ascii_isdigit (next))
      return malformed (error, "config lagged diff is not [seqno, 32-byte hash, diff]");
    if (!sd_bencode_reader_bytes (r, &hash, &hash_len, error))
      return FALSE;
    if (hash_len != SD_CONFIG_HASH_LEN)
      return malformed (error, "config lagged diff is not [seqno, 32-byte hash, diff]");
    next = sd_bencode_reader_peek (r, "a list", error);
    if (next < 0)
      return FALSE;
    if (next == 'e')
      return malformed (error, "config lagged diff is not [seqno, 32-byte hash, diff]");
    diff_start = r->p;
    {
      const guint8 *known;
      gsize known_len;

      /* the same bytes as a diff already checked: valid */
      if (find_known_diff (earlier, n_earlier, seqno, hash, &known, &known_len) &&
          known_len <= (gsize) (r->end - r->p) && memcmp (r->p, known, known_len) == 0)
        r->p += known_len;
      else if (!sd_config_scan_diff (r, 3, error))
        return FALSE;
    }
    next = sd_bencode_reader_peek (r, "a list", error);
    if (next < 0)
      return FALSE;
    if (next != 'e')
      return malformed (error, "config lagged diff is not [seqno, 32-byte hash, diff]");
    if (message->lagged->len > 0) {
      const Lagged *last = &g_array_index (message->lagged, Lagged, message->lagged->len - 1);

      if (seqno_hash_compare (last->seqno, last->hash, seqno, hash) >= 0)
        return malformed (error, "config lagged diffs are unsorted or repeated");
    }
    sd_config_message_add_lagged (message, seqno, hash,
                                  view_since (bytes, base, diff_start, r, FALSE, NULL));
    sd_bencode_reader_leave (r);
  }
  sd_bencode_reader_leave (r);
  return TRUE;
}

/* the message is read in one checking pass; its data and diffs stay views
 * of @bytes, read only where the merge or the caller looks */
static SdConfigMessage *
parse_bytes (GBytes *bytes, guint lag, SdConfigMessage *const *earlier, guint n_earlier,
             GError **error)
{
  g_autoptr(SdConfigMessage) message = NULL;
  SdBencodeReader reader, *r = &reader;
  gboolean have_data = FALSE;
  const guint8 *base, *key, *prev;
  gsize len, klen, prev_len;
  gint64 seqno;
  gint next;

  base = g_bytes_get_data (bytes, &len);
  sd_sodium_init ();
  sd_bencode_reader_init (r, base, len);
  next = sd_bencode_reader_peek (r, "a value", error);
  if (next < 0)
    return NULL;
  if (next != 'd') {
    if (sd_config_scan_value (r, 0, error) && sd_bencode_reader_finish (r, error))
      malformed (error, "config message does not start with the \"#\" seqno");
    return NULL;
  }
  if (!sd_bencode_reader_enter (r, 0, SD_CONFIG_MAX_DEPTH, error))
    return NULL;
  /* a key sorting before "#" marks a format we must not read */
  next = sd_bencode_reader_peek (r, "a dictionary", error);
  if (next < 0)
    return NULL;
  if (next == 'e' || !sd_bencode_reader_key (r, NULL, 0, &key, &klen, error) || klen != 1 ||
      key[0] != '#' || sd_bencode_reader_peek (r, "a value", NULL) != 'i') {
    if (error == NULL || *error == NULL)
      malformed (error, "config message does not start with the \"#\" seqno");
    return NULL;
  }
  if (!sd_bencode_reader_int (r, &seqno, error))
    return NULL;
  /* a seqno must be able to grow by one, and the lag window below it must
   * not overflow */
  if (seqno < 0 || seqno == G_MAXINT64) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "config seqno %" G_GINT64_FORMAT " out of range", seqno);
    return NULL;
  }
  message = message_alloc (seqno, lag);
  prev = key;
  prev_len = klen;
  while ((next = sd_bencode_reader_peek (r, "a dictionary", error)) != 'e') {
    const guint8 *start;

    if (next < 0 || !sd_bencode_reader_key (r, prev, prev_len, &key, &klen, error))
      return NULL;
    prev = key;
    prev_len = klen;
    start = r->p;
    if (klen == 1 && key[0] == '&') {
      SdConfigIndex index;
      gboolean ok;

      sd_config_index_init (&index, base);
      ok = sd_config_scan_data (r, 1, &index, n_earlier > 0 ? earlier[0]->data : NULL, error);
      if (ok)
        message->data = view_since (bytes, base, start, r, TRUE, &index);
      sd_config_index_clear (&index);
      if (!ok)
        return NULL;
      have_data = TRUE;
    } else if (klen == 1 && key[0] == '<') {
      if (!parse_lagged (message, bytes, base, r, earlier, n_earlier, error))
        return NULL;
    } else if (klen == 1 && key[0] == '=') {
      if (!sd_config_scan_diff (r, 1, error))
        return NULL;
      sd_config_value_free (message->diff);
      message->diff = view_since (bytes, base, start, r, FALSE, NULL);
    } else if (klen == 1 && key[0] == '~') {
      const guint8 *sig;
      gsize sig_len = 0;

      if (!g_ascii_isdigit (next = sd_bencode_reader_peek (r, "a value", error))) {
        if (next < 0 || !sd_config_scan_value (r, 1, error))
          return NULL;
        malformed (error, "config signature is not 64 bytes, or not the last key");
        return NULL;
      }
      if (!sd_bencode_reader_bytes (r, &sig, &sig_len, error))
        return NULL;
      next = sd_bencode_reader_peek (r, "a dictionary", error);
      if (next < 0)
        return NULL;
      if (sig_len != 64 || next != 'e') {
        malformed (error, "config signature is not 64 bytes, or not the last key");
        return NULL;
      }
      message->signature = g_memdup2 (sig, 64);
    } else if (key[0] > '~') {
      malformed (error, "config message has a key after the signature slot");
      return NULL;
    } else {
      /* a newer client's key: kept as a tree (they are small) */
      if (!sd_config_scan_value (r, 1, error))
        return NULL;
      sd_config_value_dict_set (message->unknown, key, klen,
                                sd_config_value_decode (start, (gsize) (r->p - start), NULL));
    }
  }
  sd_bencode_reader_leave (r);
  if (!sd_bencode_reader_finish (r, error))
    return NULL;
  if (!have_data) {
    malformed (error, "config message has no \"&\" data dict");
    return NULL;
  }
  crypto_generichash (message->hash, SD_CONFIG_HASH_LEN, base, len, NULL, 0);
  return g_steal_pointer (&message);
}

SdConfigMessage *
sd_config_message_parse (const guint8 *data, gsize len, guint lag, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* the message keeps views into its own copy */
  bytes = g_bytes_new (data, len);
  return parse_bytes (bytes, lag, NULL, 0, error);
}

SdConfigMessage *
sd_config_message_parse_bytes (GBytes *bytes, guint lag, SdConfigMessage *const *earlier,
                               guint n_earlier, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);

  for (guint i = 0; i < n_earlier; i++)
    g_return_val_if_fail (earlier[i] != NULL && earlier[i]->orig_data == NULL, NULL);
  return parse_bytes (bytes, lag, earlier, n_earlier, error);
}

SdConfigMessage *
sd_config_message_increment (SdConfigMessage *message)
{
  SdConfigMessage *next;
  guint8 hash[SD_CONFIG_HASH_LEN];

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (message->seqno < G_MAXINT64, NULL);

  sd_config_message_get_hash (message, hash); /* also refreshes a mutable diff */
  next = message_alloc (message->seqno + 1, message->lag);
  next->data = sd_config_value_copy (message->data);
  next->orig_data = sd_config_value_to_bytes (message->data);
  sd_config_value_free (next->unknown);
  next->unknown = sd_config_value_copy (message->unknown);
  for (guint i = 0; i < message->lagged->len; i++) {
    const Lagged *entry = &g_array_index (message->lagged, Lagged, i);

    /* keep (old seqno - lag, old seqno): the window of the new message
     * once the old message's own diff joins it */
    if (entry->seqno <= message->seqno - (gint64) message->lag || entry->seqno >= message->seqno)
      continue;
    sd_config_message_add_lagged (next, entry->seqno, entry->hash,
                                  sd_config_value_copy (entry->diff));
  }
  sd_config_message_add_lagged (next, message->seqno, hash, sd_config_value_copy (message->diff));
  if (message->signing_key != NULL)
    sd_config_message_set_signing_key (next, message->signing_key);
  return next;
}

void
sd_config_message_set_signing_key (SdConfigMessage *message, const guint8 secret_key[64])
{
  g_return_if_fail (message != NULL);

  if (message->signing_key != NULL)
    sodium_memzero (message->signing_key, 64);
  g_clear_pointer (&message->signing_key, g_free);
  if (secret_key != NULL)
    message->signing_key = g_memdup2 (secret_key, 64);
}

SdConfigMessage *
sd_config_message_parse_signed (const guint8 *data, gsize len, guint lag,
                                const guint8 public_key[32], GError **error)
{
  SdConfigMessage *message;

  g_return_val_if_fail (public_key != NULL, NULL);

  if (!sd_config_message_verify (data, len, public_key, error))
    return NULL;
  message = sd_config_message_parse (data, len, lag, error);
  if (message == NULL)
    return NULL;
  /* verify() found "1:~64:" + signature before the closing "e": it must
   * really be the "~" key, not the tail of another value */
  if (message->signature == NULL) {
    sd_config_message_free (message);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "config message has no \"~\" signature key");
    return NULL;
  }
  message->signature_verified = TRUE;
  return message;
}

#define SIG_SUFFIX "1:~64:"
#define SIG_SUFFIX_LEN 6

GBytes *
sd_config_message_sign (GBytes *serialized, const guint8 secret_key[64])
{
  gsize len;
  const guint8 *data = g_bytes_get_data (serialized, &len);
  GByteArray *out;
  guint8 sig[crypto_sign_BYTES];

  g_return_val_if_fail (len >= 2 && data[len - 1] == 'e', NULL);

  sd_sodium_init ();
  /* everything but the closing "e" is signed */
  crypto_sign_ed25519_detached (sig, NULL, data, len - 1, secret_key);
  out = g_byte_array_sized_new ((guint) (len + SIG_SUFFIX_LEN + sizeof sig));
  g_byte_array_append (out, data, (guint) len - 1);
  g_byte_array_append (out, (const guint8 *) SIG_SUFFIX, SIG_SUFFIX_LEN);
  g_byte_array_append (out, sig, sizeof sig);
  g_byte_array_append (out, (const guint8 *) "e", 1);
  return g_byte_array_free_to_bytes (out);
}

gboolean
sd_config_message_verify (const guint8 *data, gsize len, const guint8 public_key[32],
                          GError **error)
{
  gsize tail = SIG_SUFFIX_LEN + crypto_sign_BYTES + 1;

  sd_sodium_init ();
  if (len < tail + 1 || data[len - 1] != 'e' ||
      memcmp (data + len - tail, SIG_SUFFIX, SIG_SUFFIX_LEN) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "config message is not signed");
    return FALSE;
  }
  if (crypto_sign_ed25519_verify_detached (data + len - 1 - crypto_sign_BYTES, data, len - tail,
                                           public_key) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "config message signature does not verify");
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_limits (const SdConfigValue *value, GError **error)
{
  gsize len;

  switch (sd_config_value_kind (value)) {
  case SD_CONFIG_VALUE_STRING:
    sd_config_value_get_string (value, &len);
    if (len > SD_CONFIG_MAX_STRING_LEN) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                   "config string of %" G_GSIZE_FORMAT " bytes (at most %d)", len,
                   SD_CONFIG_MAX_STRING_LEN);
      return FALSE;
    }
    return TRUE;
  case SD_CONFIG_VALUE_LIST:
    for (guint i = 0; i < sd_config_value_length (value); i++)
      if (!check_limits (sd_config_value_list_get (value, i), error))
        return FALSE;
    return TRUE;
  case SD_CONFIG_VALUE_DICT:
    for (guint i = 0; i < sd_config_value_length (value); i++) {
      sd_config_value_dict_key (value, i, &len);
      if (len > SD_CONFIG_MAX_KEY_LEN) {
        g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                     "config key of %" G_GSIZE_FORMAT " bytes (at most %d)", len,
                     SD_CONFIG_MAX_KEY_LEN);
        return FALSE;
      }
      if (!check_limits (sd_config_value_dict_value (value, i), error))
        return FALSE;
    }
    return TRUE;
  default:
    return TRUE;
  }
}

gboolean
sd_config_message_check_limits (SdConfigMessage *message, GError **error)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return check_limits (message->data, error);
}
