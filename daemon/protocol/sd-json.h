/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* a JSON value from @len bytes of untrusted text (need not be
 * NUL-terminated): strict RFC 8259 grammar, valid UTF-8, no NUL, nesting
 * at most 64; anything else is SD_PROTOCOL_ERROR_MALFORMED */
JsonNode *sd_json_parse (const gchar *text, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same, requiring an object */
JsonObject *sd_json_parse_object (const gchar *text,
                                  gsize len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

G_BEGIN_DECLS

/* typed member access that never warns: a missing member or one of another
 * type gives NULL or @fallback (json-glib's accessors emit criticals) */
const gchar *sd_json_get_string (JsonObject *object, const gchar *member);
gint64 sd_json_get_int (JsonObject *object, const gchar *member, gint64 fallback);
gboolean sd_json_get_bool (JsonObject *object, const gchar *member, gboolean fallback);
JsonArray *sd_json_get_array (JsonObject *object, const gchar *member);
JsonObject *sd_json_get_object (JsonObject *object, const gchar *member);
/* the object at @index of @array, or NULL */
JsonObject *sd_json_array_get_object (JsonArray *array, guint index);

G_END_DECLS
