/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* LE32(len) || blob || json — every onion layer and the HTTP body */
GBytes *sd_onion_layer_build (const guint8 *blob,
                              gsize blob_len,
                              const gchar *json) G_GNUC_WARN_UNUSED_RESULT;

/* splits a layer; @blob points into @data; @json receives the trailing
 * JSON object (an error if it is not an object) */
gboolean sd_onion_layer_parse (const guint8 *data,
                               gsize len,
                               const guint8 **blob,
                               gsize *blob_len,
                               JsonObject **json,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
