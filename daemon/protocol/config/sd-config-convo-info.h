/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* ConvoInfoVolatile config (namespace 4): read positions. Only the 1:1
 * part (data["1"][33-byte Session ID] = {r, u}) has a typed view so far;
 * communities ("o"), groups ("g") and legacy groups ("C") are kept as they
 * are */

/* entries older than this are not added, and ... */
#define SD_CONFIG_CONVO_PRUNE_LOW_MS (G_GINT64_CONSTANT (30) * 24 * 3600 * 1000)
/* ... older than this are pruned before a push, unless marked unread */
#define SD_CONFIG_CONVO_PRUNE_HIGH_MS (G_GINT64_CONSTANT (45) * 24 * 3600 * 1000)

typedef struct {
  gchar session_id[67];
  gint64 last_read_ms; /* 0 = never */
  gboolean unread;     /* marked unread by hand */
} SdConfigConvo;

/* FALSE (no error) when absent */
gboolean sd_config_convo_info_get (const SdConfigValue *data,
                                   const gchar *session_id,
                                   SdConfigConvo *out,
                                   GError **error);

/* a newer read position older than @now_ms - 30 days is not recorded (an
 * older one always is: it may undo a deletion) */
gboolean sd_config_convo_info_set (SdConfigValue *data,
                                   const SdConfigConvo *convo,
                                   gint64 now_ms,
                                   GError **error);

gboolean sd_config_convo_info_remove (SdConfigValue *data, const gchar *session_id);

/* drops 1:1 entries read before @now_ms - 45 days and not marked unread;
 * returns how many */
guint sd_config_convo_info_prune (SdConfigValue *data, gint64 now_ms);

G_END_DECLS
