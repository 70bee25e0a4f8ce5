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
