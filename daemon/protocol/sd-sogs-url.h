/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a community join URL: http(s)://host[:port]/<room>?public_key=<64 hex>
 * (protocol-advanced.md §5.1) */

#define SD_SOGS_ROOM_MAX 64

typedef struct {
  gchar *base_url;  /* "https://host[:port]", lower-case host, no trailing / */
  gchar *room;      /* [0-9a-zA-Z_-]{1,64} */
  guint8 server_pk[32]; /* X25519: onion encryption and blinding */
} SdSogsUrl;

void sd_sogs_url_clear (SdSogsUrl *url);

/* strict: nothing but scheme, host, optional port, one room segment and
 * the one query parameter; anything else → SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL.
 * The legacy address 116.203.70.33 becomes https://open.getsession.org */
gboolean sd_sogs_url_parse (const gchar *text,
                            SdSogsUrl *out,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the canonical join URL of @url */
gchar *sd_sogs_url_format (const SdSogsUrl *url) G_GNUC_WARN_UNUSED_RESULT;

/* [0-9a-zA-Z_-]{1,64} */
gboolean sd_sogs_room_token_valid (const gchar *room);

/* a room's file (an attachment or the room's image): {base_url}/room/{room}/file/{id} */
gchar *sd_sogs_room_file_url (const gchar *base_url,
                              const gchar *room,
                              gint64 file_id) G_GNUC_WARN_UNUSED_RESULT;
/* the id of @url when it is exactly one of that room's files (1 to 18 digits), else 0: a
 * post's pointer elsewhere is not ours to fetch */
gint64 sd_sogs_room_file_id (const gchar *base_url, const gchar *room, const gchar *url);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdSogsUrl, sd_sogs_url_clear)

G_END_DECLS
