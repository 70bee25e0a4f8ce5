/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the one pass that checks a received config message: the tokens are read
 * by the strict codec of sd-bencode.c, the config rules are checked on the
 * way, and nothing is allocated, so that the bytes can then be read in
 * place by the merge */
#define G_LOG_DOMAIN "SdConfigScan"

#include "config.h"

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

/* a scalar: an integer or a byte string */
static gboolean
scan_scalar (SdBencodeReader *r, gint next, GError **error)
{
  if (next == 'i') {
    gint64 ignored;

    return sd_bencode_reader_int (r, &ignored, error);
  }
  if (g_ascii_isdigit (next)) {
    const guint8 *data;
    gsize len;

    return sd_bencode_reader_bytes (r, &data, &len, error);
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
    if (is_dict && !sd_bencode_reader_key (r, prev, prev_len, &prev, &prev_len, error))
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

static gboolean
scan_data_dict (SdBencodeReader *r, guint depth, gboolean top, GArray *index, GError **error)
{
  const guint8 *start = r->p;
  const guint8 *prev = NULL;
  gsize prev_len = 0;
  guint n = 0;
  gint next;

  if (!sd_bencode_reader_enter (r, depth, SD_CONFIG_MAX_DEPTH, error))
    return FALSE;
  while ((next = sd_bencode_reader_peek (r, "a dictionary", error)) != 'e') {
    guint32 offset = (guint32) (r->p - start);
    gboolean ok;

    if (next < 0)
      return FALSE;
    if (!sd_bencode_reader_key (r, prev, prev_len, &prev, &prev_len, error))
      return FALSE;
    if (index != NULL)
      g_array_append_val (index, offset);
    n++;
    next = sd_bencode_reader_peek (r, "a value", error);
    if (next < 0)
      return FALSE;
    if (next == 'd')
      ok = scan_data_dict (r, depth + 1, FALSE, NULL, error);
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
  return TRUE;
}

gboolean
sd_config_scan_data (SdBencodeReader *r, guint depth, GArray *index, GError **error)
{
  gint next = sd_bencode_reader_peek (r, "a value", error);

  if (next < 0)
    return FALSE;
  if (next != 'd') {
    /* still a value, or the bencode error comes first */
    if (!sd_config_scan_value (r, depth, error))
      return FALSE;
    return malformed (error, "config data is not a dict");
  }
  return scan_data_dict (r, depth, TRUE, index, error);
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
    if (!sd_bencode_reader_key (r, prev, prev_len, &prev, &prev_len, error))
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
      if (!sd_bencode_reader_bytes (r, &data, &len, error))
        return FALSE;
      if (!(len == 0 || (len == 1 && data[0] == '-')))
        return malformed (error, "config diff: a scalar change must be \"\" or \"-\"");
    }
  }
  sd_bencode_reader_leave (r);
  return TRUE;
}
