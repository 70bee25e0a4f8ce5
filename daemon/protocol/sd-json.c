/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON from the network: checked against the strict grammar before
 * json-glib, which is lenient and recurses once per nesting level */
#define G_LOG_DOMAIN "SdJson"

#include "config.h"

#include "sd-json.h"

#include <string.h>

#include "sd-protocol-error.h"

/* real layers and replies nest a handful of levels; json-glib recurses
 * per level, so hostile nesting must be stopped before it gets there */
#define JSON_MAX_DEPTH 64

typedef struct {
  const gchar *start; /* (unowned) */
  const gchar *p;     /* (unowned) */
  const gchar *end;   /* (unowned) */
  const gchar *why;   /* (unowned) static reason of the first failure */
} JsonCursor;

static gboolean
json_fail (JsonCursor *c, const gchar *why)
{
  if (c->why == NULL)
    c->why = why;
  return FALSE;
}

static void
json_skip_ws (JsonCursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gint
json_hex4 (const gchar *p)
{
  gint v = 0;

  for (guint i = 0; i < 4; i++) {
    gint d = g_ascii_xdigit_value (p[i]);

    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static gboolean
json_scan_string (JsonCursor *c)
{
  /* the caller saw the opening quote */
  c->p++;
  while (c->p < c->end) {
    guchar ch = (guchar) *c->p;

    if (ch == '"') {
      c->p++;
      return TRUE;
    }
    if (ch < 0x20)
      return json_fail (c, "control character in a string");
    if (ch != '\\') {
      /* UTF-8 was validated for the whole text up front */
      c->p++;
      continue;
    }
    c->p++;
    if (c->p >= c->end)
      break;
    switch (*c->p) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      c->p++;
      break;
    case 'u': {
      gint cp;

      if (c->end - c->p < 5 || (cp = json_hex4 (c->p + 1)) < 0)
        return json_fail (c, "bad \\u escape");
      c->p += 5;
      /* json-glib would turn these into NULs inside C strings or into
       * invalid UTF-8, and callers rely on text being UTF-8 */
      if (cp == 0)
        return json_fail (c, "\\u0000 in a string");
      if (cp >= 0xdc00 && cp <= 0xdfff)
        return json_fail (c, "unpaired low surrogate");
      if (cp >= 0xd800 && cp <= 0xdbff) {
        gint lo;

        if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
            (lo = json_hex4 (c->p + 2)) < 0xdc00 || lo > 0xdfff)
          return json_fail (c, "unpaired high surrogate");
        c->p += 6;
      }
      break;
    }
    default:
      return json_fail (c, "bad escape in a string");
    }
  }
  return json_fail (c, "unterminated string");
}

static gboolean
json_scan_digits (JsonCursor *c)
{
  const gchar *first = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;
  return c->p > first;
}

/* an integer json-glib can hold: int64, or uint64 (swarm ids), whose bits it keeps */
static gboolean
json_integer_fits (const gchar *start, const gchar *end)
{
  gchar text[24];
  gsize n = (gsize) (end - start);

  if (n >= sizeof text)
    return FALSE;
  memcpy (text, start, n);
  text[n] = '\0';
  return text[0] == '-'
    ? g_ascii_string_to_signed (text, 10, G_MININT64, 0, NULL, NULL)
    : g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, NULL, NULL);
}

static gboolean
json_scan_number (JsonCursor *c)
{
  const gchar *start = c->p;
  gboolean integer = TRUE;

  if (*c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !json_scan_digits (c))
    return json_fail (c, "bad number");
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    integer = FALSE;
    if (!json_scan_digits (c))
      return json_fail (c, "bad number fraction");
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    integer = FALSE;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!json_scan_digits (c))
      return json_fail (c, "bad number exponent");
  }
  /* json-glib would wrap a bigger one silently */
  if (integer && !json_integer_fits (start, c->p))
    return json_fail (c, "an integer out of range");
  return TRUE;
}

static gboolean
json_scan_literal (JsonCursor *c, const gchar *word)
{
  gsize n = strlen (word);

  if ((gsize) (c->end - c->p) < n || memcmp (c->p, word, n) != 0)
    return json_fail (c, "unexpected character");
  c->p += n;
  return TRUE;
}

static gboolean json_scan_value (JsonCursor *c, guint depth);

static gboolean
json_scan_container (JsonCursor *c, guint depth)
{
  gboolean is_object = *c->p == '{';
  gchar close = is_object ? '}' : ']';

  if (depth >= JSON_MAX_DEPTH)
    return json_fail (c, "nested too deeply");
  c->p++;
  json_skip_ws (c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    return TRUE;
  }
  for (;;) {
    if (is_object) {
      json_skip_ws (c);
      if (c->p >= c->end || *c->p != '"')
        return json_fail (c, "expected a string as object key");
      if (!json_scan_string (c))
        return FALSE;
      json_skip_ws (c);
      if (c->p >= c->end || *c->p != ':')
        return json_fail (c, "expected ':' after an object key");
      c->p++;
    }
    if (!json_scan_value (c, depth + 1))
      return FALSE;
    json_skip_ws (c);
    if (c->p >= c->end)
      return json_fail (c, "unexpected end of text");
    if (*c->p == close) {
      c->p++;
      return TRUE;
    }
    if (*c->p != ',')
      return json_fail (c, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    c->p++;
  }
}

/* @depth counts the containers around this value */
static gboolean
json_scan_value (JsonCursor *c, guint depth)
{
  json_skip_ws (c);
  if (c->p >= c->end)
    return json_fail (c, "unexpected end of text");
  switch (*c->p) {
  case '{':
  case '[':
    return json_scan_container (c, depth);
  case '"':
    return json_scan_string (c);
  case 't':
    return json_scan_literal (c, "true");
  case 'f':
    return json_scan_literal (c, "false");
  case 'n':
    return json_scan_literal (c, "null");
  default:
    if (*c->p == '-' || g_ascii_isdigit (*c->p))
      return json_scan_number (c);
    return json_fail (c, "unexpected character");
  }
}

/* any JSON value from @len bytes of untrusted text (need not be
 * NUL-terminated): strict RFC 8259 grammar, UTF-8, nesting bounded, so
 * that json-glib's lenient and recursive parser never sees hostile input */
JsonNode *
sd_json_parse (const gchar *text, gsize len, GError **error)
{
  JsonCursor c = { NULL, NULL, NULL, NULL };
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *copy = NULL;
  JsonNode *root;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "empty JSON text");
    return NULL;
  }
  /* also rejects NUL bytes, which would cut the text short below */
  if (!g_utf8_validate (text, (gssize) len, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "JSON text is not valid UTF-8");
    return NULL;
  }
  c.start = c.p = text;
  c.end = text + len;
  json_skip_ws (&c);
  if (json_scan_value (&c, 0))
    json_skip_ws (&c);
  if (c.why == NULL && c.p != c.end)
    c.why = "trailing data after the value";
  if (c.why != NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
                 (gsize) (c.p - c.start), c.why);
    return NULL;
  }

  copy = g_strndup (text, len);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, copy, (gssize) len, &local_error)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "invalid JSON: %s", local_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "empty JSON text");
    return NULL;
  }
  return json_node_copy (root);
}

JsonObject *
sd_json_parse_object (const gchar *text, gsize len, GError **error)
{
  g_autoptr(JsonNode) root = sd_json_parse (text, len, error);

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "JSON text is not an object");
    return NULL;
  }
  return json_object_ref (json_node_get_object (root));
}

static JsonNode *
member_value (JsonObject *object, const gchar *member, GType type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const gchar *
sd_json_get_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = member_value (object, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gint64
sd_json_get_int (JsonObject *object, const gchar *member, gint64 fallback)
{
  JsonNode *node = member_value (object, member, G_TYPE_INT64);

  return node != NULL ? json_node_get_int (node) : fallback;
}

gboolean
sd_json_get_bool (JsonObject *object, const gchar *member, gboolean fallback)
{
  JsonNode *node = member_value (object, member, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

JsonArray *
sd_json_get_array (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
sd_json_get_object (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonObject *
sd_json_array_get_object (JsonArray *array, guint index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}
