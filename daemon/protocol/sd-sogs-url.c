/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-sogs-url.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-protocol-error.h"

#define LEGACY_HOST "116.203.70.33"
#define LEGACY_BASE "https://open.getsession.org"
/* a join URL is typed or pasted by people; anything this long is not one */
#define MAX_URL 512

void
sd_sogs_url_clear (SdSogsUrl *url)
{
  if (url == NULL)
    return;
  g_clear_pointer (&url->base_url, g_free);
  g_clear_pointer (&url->room, g_free);
  memset (url->server_pk, 0, sizeof url->server_pk);
}

gboolean
sd_sogs_room_token_valid (const gchar *room)
{
  gsize len = room != NULL ? strlen (room) : 0;

  if (len == 0 || len > SD_SOGS_ROOM_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (room[i]) && room[i] != '_' && room[i] != '-')
      return FALSE;
  }
  return TRUE;
}

/* a DNS name or an IP literal, nothing GUri would let through beyond that */
static gboolean
host_valid (const gchar *host)
{
  gsize len = host != NULL ? strlen (host) : 0;
  gboolean ipv6 = host != NULL && strchr (host, ':') != NULL;

  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    gchar c = host[i];

    if (ipv6 ? !(g_ascii_isxdigit (c) || c == ':' || c == '.')
             : !(g_ascii_isalnum (c) || c == '.' || c == '-'))
      return FALSE;
  }
  return host[0] != '.' && host[0] != '-';
}

static gboolean
fail (GError **error, const gchar *why)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL,
               "not a community URL (https://host/room?public_key=<64 hex digits>): %s", why);
  return FALSE;
}

gboolean
sd_sogs_url_parse (const gchar *text, SdSogsUrl *out, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree gchar *host = NULL;
  const gchar *scheme, *path, *query;
  gint port;

  memset (out, 0, sizeof *out);
  if (text == NULL || strlen (text) > MAX_URL)
    return fail (error, "empty or too long");
  for (const gchar *p = text; *p != '\0'; p++) {
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f)
      return fail (error, "spaces or non-ASCII characters");
    /* no part of a join URL needs an escape, and GUri would undo some */
    if (*p == '%')
      return fail (error, "%-escapes");
  }
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return fail (error, "not a URL");
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    return fail (error, "the scheme must be http or https");
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return fail (error, "user info or a fragment");
  if (!host_valid (g_uri_get_host (uri)))
    return fail (error, "bad host");
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);

  path = g_uri_get_path (uri);
  if (path[0] != '/' || !sd_sogs_room_token_valid (path + 1))
    return fail (error, "the path must be one room token of letters, digits, _ or -");

  query = g_uri_get_query (uri);
  if (query == NULL || !g_str_has_prefix (query, "public_key=") ||
      strlen (query) != strlen ("public_key=") + 64 ||
      !sd_hex_decode_exact (query + strlen ("public_key="), out->server_pk, 32, NULL))
    return fail (error, "the query must be public_key= and the server's 64-hex-digit key");

  if (strcmp (host, LEGACY_HOST) == 0)
    out->base_url = g_strdup (LEGACY_BASE);
  else if (strchr (host, ':') != NULL)
    out->base_url = port > 0 ? g_strdup_printf ("%s://[%s]:%d", scheme, host, port)
                             : g_strdup_printf ("%s://[%s]", scheme, host);
  else
    out->base_url = port > 0 ? g_strdup_printf ("%s://%s:%d", scheme, host, port)
                             : g_strdup_printf ("%s://%s", scheme, host);
  {
    g_autofree gchar *lower = g_ascii_strdown (out->base_url, -1);

    g_free (out->base_url);
    out->base_url = g_steal_pointer (&lower);
  }
  out->room = g_strdup (path + 1);
  return TRUE;
}

gchar *
sd_sogs_url_format (const SdSogsUrl *url)
{
  g_autofree gchar *key = sd_hex_encode (url->server_pk, 32);

  return g_strdup_printf ("%s/%s?public_key=%s", url->base_url, url->room, key);
}

gchar *
sd_sogs_room_file_url (const gchar *base_url, const gchar *room, gint64 file_id)
{
  return g_strdup_printf ("%s/room/%s/file/%" G_GINT64_FORMAT, base_url, room, file_id);
}

gint64
sd_sogs_room_file_id (const gchar *base_url, const gchar *room, const gchar *url)
{
  g_autofree gchar *prefix = NULL;
  const gchar *rest;
  gint64 id = 0;

  if (base_url == NULL || room == NULL || url == NULL)
    return 0;
  prefix = g_strdup_printf ("%s/room/%s/file/", base_url, room);
  if (!g_str_has_prefix (url, prefix))
    return 0;
  rest = url + strlen (prefix);
  /* 18 digits always fit a gint64 */
  if (*rest == '\0' || strlen (rest) > 18)
    return 0;
  for (const gchar *p = rest; *p != '\0'; p++) {
    if (!g_ascii_isdigit (*p))
      return 0;
    id = id * 10 + (*p - '0');
  }
  return id;
}
