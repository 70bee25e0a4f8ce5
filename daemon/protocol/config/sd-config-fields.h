/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* field access shared by the typed views of the user configs. Setters
 * write only the field they are given: every other key of the dict (a
 * newer client's) is left as it is */

/* the string at @key, or NULL if absent or not a string */
const guint8 *sd_config_field_bytes (const SdConfigValue *dict, const gchar *key, gsize *len);
/* a copy of the string at @key as text, or NULL */
gchar *sd_config_field_text (const SdConfigValue *dict, const gchar *key) G_GNUC_WARN_UNUSED_RESULT;
/* the same, NULL also for "" (a name, a description) */
gchar *sd_config_field_nonempty_text (const SdConfigValue *dict,
                                      const gchar *key) G_GNUC_WARN_UNUSED_RESULT;
/* the integer at @key, or @fallback if absent or not an integer */
gint64 sd_config_field_int (const SdConfigValue *dict, const gchar *key, gint64 fallback);
/* the integer at @key when positive, else 0 (times and timers: positive or unset) */
gint64 sd_config_field_positive (const SdConfigValue *dict, const gchar *key);

void sd_config_field_set_text (SdConfigValue *dict, const gchar *key, const gchar *text);
/* removes the key for NULL or "" */
void sd_config_field_set_nonempty (SdConfigValue *dict, const gchar *key, const guint8 *data,
                                   gsize len);
/* the same for text, refused (%SD_PROTOCOL_ERROR_TOO_LARGE, naming @what) past @max bytes */
gboolean sd_config_field_set_bounded_text (SdConfigValue *dict, const gchar *key,
                                           const gchar *text, gsize max, const gchar *what,
                                           GError **error);
void sd_config_field_set_nonzero (SdConfigValue *dict, const gchar *key, gint64 value);
void sd_config_field_set_positive (SdConfigValue *dict, const gchar *key, gint64 value);
/* 1 or absent */
void sd_config_field_set_flag (SdConfigValue *dict, const gchar *key, gboolean value);

/* avatars: "p" URL and "q" 32-byte key, as UserProfile, group Info,
 * Contacts and group Members store them */
#define SD_CONFIG_MAX_URL 223

/* FALSE without a complete avatar (a non-empty URL and a 32-byte key);
 * @url and @key are set only on TRUE */
gboolean sd_config_field_get_avatar (const SdConfigValue *dict, gchar **url, guint8 key[32]);
/* NULL or "" removes both; %SD_PROTOCOL_ERROR_TOO_LARGE for a URL past
 * SD_CONFIG_MAX_URL, %SD_PROTOCOL_ERROR_MALFORMED for a URL without key */
gboolean sd_config_field_set_avatar (SdConfigValue *dict,
                                     const gchar *url,
                                     const guint8 key[32],
                                     GError **error);

/* whether a received avatar URL (another client's, unchecked by the config) may be stored
 * and sent as ours or a contact's: http or https, at most SD_CONFIG_MAX_URL bytes of UTF-8,
 * no control characters, a host */
gboolean sd_config_avatar_url_valid (const gchar *url);

/* the longest prefix of @text of at most @max bytes that ends on a UTF-8
 * character boundary */
gchar *sd_config_utf8_truncate (const gchar *text, gsize max) G_GNUC_WARN_UNUSED_RESULT;

/* the 33-byte keys of per-conversation dicts are account ids: see
 * sd_account_id_parse_with_prefix and sd_account_id_format (sd-keys.h) */

/* the per-conversation dicts, data[@section][33-byte id] (Contacts "c",
 * ConvoInfoVolatile "1" with 05 ids, UserGroups "g" with 03 ids): */
/* NULL if absent (or not a dict); an error only for a malformed @session_id */
SdConfigValue *sd_config_field_session_lookup (const SdConfigValue *data,
                                               guint8 prefix,
                                               const gchar *section,
                                               const gchar *session_id,
                                               GError **error);
/* created if absent */
SdConfigValue *sd_config_field_session_entry (SdConfigValue *data,
                                              guint8 prefix,
                                              const gchar *section,
                                              const gchar *session_id,
                                              GError **error);
/* the ids of the entries of data[@section] (their keys are @prefix ids); keys of another
 * shape are a newer client's, and left out */
GPtrArray *sd_config_field_session_ids (const SdConfigValue *data, guint8 prefix,
                                        const gchar *section);
/* FALSE if absent or malformed; an emptied section is pruned on serialise */
gboolean sd_config_field_session_remove (SdConfigValue *data,
                                         guint8 prefix,
                                         const gchar *section,
                                         const gchar *session_id);

G_END_DECLS
