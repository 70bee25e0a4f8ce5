/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* The per-server layout that libsession uses for communities ("o" in UserGroups and
 * ConvoInfoVolatile) and for blinded contacts ("b" in Contacts). It is
 * data[@top][base URL] = {"#": the server's X25519 key (32 bytes), "R": {key → dict}}. */

/* a base URL longer than a config key may be is not stored */
#define SD_CONFIG_SERVER_URL_MAX 128

typedef void (*SdConfigServerEntryFunc) (const gchar *base_url,
                                         const guint8 pk[32],
                                         const guint8 *key,
                                         gsize key_len,
                                         const SdConfigValue *entry,
                                         gpointer user_data);

/* calls @func for each entry that is a dict, under a server whose URL is valid UTF-8 of at
 * most SD_CONFIG_SERVER_URL_MAX bytes and whose key is 32 bytes. Anything else is skipped */
void sd_config_server_entries_foreach (const SdConfigValue *data,
                                       const gchar *top,
                                       SdConfigServerEntryFunc func,
                                       gpointer user_data);
/* the entry dict @key under the server @base_url, created if needed, with the server's key
 * written. The caller checks @base_url (non-empty, at most SD_CONFIG_SERVER_URL_MAX) */
SdConfigValue *sd_config_server_entry_child (SdConfigValue *data,
                                             const gchar *top,
                                             const gchar *base_url,
                                             const guint8 pk[32],
                                             const guint8 *key,
                                             gsize key_len);
/* removes the entry, and the server's dict with its last entry. FALSE when absent */
gboolean sd_config_server_entry_remove (SdConfigValue *data,
                                        const gchar *top,
                                        const gchar *base_url,
                                        const guint8 *key,
                                        gsize key_len);

G_END_DECLS
