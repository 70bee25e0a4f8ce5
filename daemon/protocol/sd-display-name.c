/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdDisplayName"

#include "sd-display-name.h"

#include <string.h>

#include "sd-protocol-error.h"

gboolean
sd_display_name_char_allowed (gunichar c)
{
  switch (g_unichar_type (c)) {
  case G_UNICODE_CONTROL:
  case G_UNICODE_FORMAT:
  case G_UNICODE_LINE_SEPARATOR:
  case G_UNICODE_PARAGRAPH_SEPARATOR:
  case G_UNICODE_SURROGATE:
    return FALSE;
  default:
    /* noncharacters are never text */
    return (c & 0xFFFE) != 0xFFFE && !(c >= 0xFDD0 && c <= 0xFDEF);
  }
}

gchar *
sd_display_name_clean (const gchar *name)
{
  g_autoptr(GString) out = NULL;
  gsize end;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;
  out = g_string_sized_new (MIN (strlen (name), SD_DISPLAY_NAME_MAX_BYTES) + 1);
  for (const gchar *p = name; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    gchar utf8[6];
    gint len;

    if (!sd_display_name_char_allowed (c) || (out->len == 0 && g_unichar_isspace (c)))
      continue;
    len = g_unichar_to_utf8 (c, utf8);
    /* a whole character or none */
    if (out->len + (gsize) len > SD_DISPLAY_NAME_MAX_BYTES)
      break;
    g_string_append_len (out, utf8, len);
  }
  /* trailing white space, one character at a time */
  end = out->len;
  while (end > 0) {
    const gchar *last = g_utf8_find_prev_char (out->str, out->str + end);

    if (last == NULL || !g_unichar_isspace (g_utf8_get_char (last)))
      break;
    end = (gsize) (last - out->str);
  }
  g_string_truncate (out, end);
  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
sd_display_name_check (const gchar *name, GError **error)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (!g_utf8_validate (name, -1, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a name must be valid UTF-8");
    return FALSE;
  }
  if (strlen (name) > SD_DISPLAY_NAME_MAX_BYTES) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a name is at most %d bytes of UTF-8 (%" G_GSIZE_FORMAT " given)",
                 SD_DISPLAY_NAME_MAX_BYTES, strlen (name));
    return FALSE;
  }
  for (const gchar *p = name; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (!sd_display_name_char_allowed (c)) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                   "a name cannot contain control, format (bidi, zero-width) or separator "
                   "characters (U+%04X at character %ld)",
                   c, g_utf8_pointer_to_offset (name, p) + 1);
      return FALSE;
    }
  }
  return TRUE;
}
