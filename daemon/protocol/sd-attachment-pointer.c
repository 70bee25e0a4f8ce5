/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AttachmentPointer → SdAttachmentPointer with every field bounded */
#define G_LOG_DOMAIN "SdAttachmentPointer"

#include "config.h"

#include "sd-attachment-pointer.h"

#include <sodium.h>
#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"

/* a pointer is small; anything bigger is not one */
#define POINTER_WIRE_MAX (64 * 1024)

void
sd_attachment_pointer_free (SdAttachmentPointer *pointer)
{
  if (pointer == NULL)
    return;
  g_free (pointer->url);
  g_free (pointer->server_pubkey);
  g_free (pointer->content_type);
  g_free (pointer->file_name);
  g_free (pointer->caption);
  g_clear_pointer (&pointer->key, g_bytes_unref);
  g_clear_pointer (&pointer->digest, g_bytes_unref);
  g_free (pointer);
}

static gboolean
take_text (const gchar *field, const gchar *value, gsize max, gchar **out, GError **error)
{
  gsize len;

  if (value == NULL || *value == '\0')
    return TRUE;
  len = strnlen (value, max + 1);
  if (len > max) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment %s is longer than %" G_GSIZE_FORMAT " bytes", field, max);
    return FALSE;
  }
  if (!g_utf8_validate_len (value, len, NULL)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "attachment %s is not UTF-8", field);
    return FALSE;
  }
  *out = g_strndup (value, len);
  return TRUE;
}

static gboolean
is_hex64 (const gchar *s, gsize len)
{
  if (len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* `#p=<hex>&d`, in any order; unknown parts are ignored as desktop does */
static gboolean
parse_fragment (const gchar *frag, SdAttachmentPointer *p, gboolean *det_flag, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (frag, "&", 8);

  for (guint i = 0; parts[i] != NULL; i++) {
    const gchar *part = parts[i];

    if (g_str_equal (part, "d")) {
      *det_flag = TRUE;
    } else if (g_str_has_prefix (part, "p=")) {
      if (!is_hex64 (part + 2, strlen (part + 2))) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                             "attachment URL names a file server key that is not 64 hex digits");
        return FALSE;
      }
      g_free (p->server_pubkey);
      p->server_pubkey = g_ascii_strdown (part + 2, -1);
    }
  }
  return TRUE;
}

/**
 * sd_attachment_pointer_from_pb:
 * @pb: an unpacked AttachmentPointer
 * @error: return location for a #GError
 *
 * Rejects pointers that cannot be downloaded or decrypted: no http(s)
 * URL, a key that fits neither scheme, a digest of the wrong size,
 * texts over their limits or not UTF-8, a size over the attachment cap.
 *
 * Returns: (transfer full): the pointer, or %NULL
 */
SdAttachmentPointer *
sd_attachment_pointer_from_pb (const SessionProtos__AttachmentPointer *pb, GError **error)
{
  g_autoptr(SdAttachmentPointer) p = g_new0 (SdAttachmentPointer, 1);
  g_autofree gchar *url = NULL;
  gboolean det_flag = FALSE;
  gchar *hash;

  g_return_val_if_fail (pb != NULL, NULL);

  if (!take_text ("url", pb->url, SD_ATTACHMENT_URL_MAX, &url, error) ||
      !take_text ("content type", pb->contenttype, SD_ATTACHMENT_CONTENT_TYPE_MAX,
                  &p->content_type, error) ||
      !take_text ("file name", pb->filename, SD_ATTACHMENT_FILE_NAME_MAX, &p->file_name, error) ||
      !take_text ("caption", pb->caption, SD_ATTACHMENT_CAPTION_MAX, &p->caption, error))
    return NULL;

  if (url == NULL ||
      (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "attachment has no http or https URL");
    return NULL;
  }
  hash = strchr (url, '#');
  if (hash != NULL) {
    *hash = '\0';
    if (!parse_fragment (hash + 1, p, &det_flag, error))
      return NULL;
  }
  p->url = g_steal_pointer (&url);

  if (!pb->has_key ||
      (pb->key.len != SD_ATTACHMENT_LEGACY_KEY_LEN && pb->key.len != SD_ATTACHMENT_DET_KEY_LEN)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "attachment key of %" G_GSIZE_FORMAT " bytes fits neither scheme",
                 pb->has_key ? pb->key.len : 0);
    return NULL;
  }
  if (pb->has_digest && pb->digest.len > 0 && pb->digest.len != SD_ATTACHMENT_DIGEST_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "attachment digest of %" G_GSIZE_FORMAT " bytes is not SHA-256",
                 pb->digest.len);
    return NULL;
  }
  /* desktop's rule: a key without a digest is deterministic */
  if (pb->has_digest && pb->digest.len > 0) {
    if (pb->key.len != SD_ATTACHMENT_LEGACY_KEY_LEN) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "attachment has a digest but a 32-byte key");
      return NULL;
    }
    p->scheme = SD_ATTACHMENT_SCHEME_LEGACY;
    p->digest = g_bytes_new (pb->digest.data, pb->digest.len);
  } else {
    if (pb->key.len != SD_ATTACHMENT_DET_KEY_LEN) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "legacy attachment has no digest");
      return NULL;
    }
    p->scheme = SD_ATTACHMENT_SCHEME_DETERMINISTIC;
  }
  (void) det_flag; /* the key and digest already decide; the flag is advisory */
  p->key = g_bytes_new (pb->key.data, pb->key.len);

  p->size = -1;
  if (pb->has_size) {
    if (pb->size > SD_ATTACHMENT_DET_MAX_SIZE) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                   "attachment size %u is over the limit", pb->size);
      return NULL;
    }
    p->size = pb->size;
  }
  p->voice_message = pb->has_flags &&
                     (pb->flags & SESSION_PROTOS__ATTACHMENT_POINTER__FLAGS__VOICE_MESSAGE) != 0;
  if (pb->has_width && pb->width <= SD_ATTACHMENT_DIMENSION_MAX)
    p->width = pb->width;
  if (pb->has_height && pb->height <= SD_ATTACHMENT_DIMENSION_MAX)
    p->height = pb->height;
  return g_steal_pointer (&p);
}

/**
 * sd_attachment_pointer_decode:
 * @data: (array length=len): a serialised AttachmentPointer
 * @len: its size
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the pointer, or %NULL
 */
SdAttachmentPointer *
sd_attachment_pointer_decode (const guint8 *data, gsize len, GError **error)
{
  SessionProtos__AttachmentPointer *pb;
  SdAttachmentPointer *p;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > POINTER_WIRE_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment pointer of %" G_GSIZE_FORMAT " bytes is too large", len);
    return NULL;
  }
  pb = session_protos__attachment_pointer__unpack (NULL, len, data);
  if (pb == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "attachment pointer is not a valid protobuf");
    return NULL;
  }
  p = sd_attachment_pointer_from_pb (pb, error);
  session_protos__attachment_pointer__free_unpacked (pb, NULL);
  return p;
}

/**
 * sd_attachment_pointer_locate:
 * @pointer: a decoded pointer
 * @protocol: (out) (transfer full): "http" or "https"
 * @host: (out) (transfer full): the host, without port
 * @port: (out): the port, 0 when the URL has none
 * @endpoint: (out) (transfer full): the path, e.g. "/file/<id>"
 * @server_x25519: (out caller-allocates): the key to seal v4 requests for
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the file can be requested through onion requests v4
 */
gboolean
sd_attachment_pointer_locate (const SdAttachmentPointer *pointer,
                              gchar **protocol,
                              gchar **host,
                              guint16 *port,
                              gchar **endpoint,
                              guint8 server_x25519[32],
                              GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar *ed_hex;
  const gchar *path;
  guint8 ed[32];
  gint uri_port;

  g_return_val_if_fail (pointer != NULL && pointer->url != NULL, FALSE);
  g_return_val_if_fail (protocol != NULL && host != NULL && port != NULL, FALSE);
  g_return_val_if_fail (endpoint != NULL && server_x25519 != NULL, FALSE);

  uri = g_uri_parse (pointer->url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "attachment URL is not a plain http(s) URL with a host");
    return FALSE;
  }
  path = g_uri_get_path (uri);
  if (path == NULL || path[0] != '/') {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "attachment URL has no path");
    return FALSE;
  }

  ed_hex = pointer->server_pubkey;
  if (ed_hex == NULL) {
    if (g_ascii_strcasecmp (g_uri_get_host (uri), SD_FILE_SERVER_DEFAULT_HOST) != 0) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                           "attachment is on an unknown file server without its key");
      return FALSE;
    }
    ed_hex = SD_FILE_SERVER_DEFAULT_ED25519;
  }
  if (!sd_hex_decode_exact (ed_hex, ed, sizeof ed, error))
    return FALSE;
  if (!sd_ed25519_pk_to_x25519 (ed, server_x25519)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "file server key is not a valid Ed25519 key");
    return FALSE;
  }

  uri_port = g_uri_get_port (uri);
  *protocol = g_strdup (g_uri_get_scheme (uri));
  *host = g_strdup (g_uri_get_host (uri));
  *port = uri_port > 0 && uri_port <= 65535 ? (guint16) uri_port : 0;
  *endpoint = g_strdup (path);
  return TRUE;
}

/**
 * sd_attachment_pointer_encode:
 * @pointer: a pointer
 *
 * Returns: (transfer full): the serialised AttachmentPointer
 */
GBytes *
sd_attachment_pointer_encode (const SdAttachmentPointer *pointer)
{
  SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
  g_autoptr(GString) url = NULL;
  gsize len;
  guint8 *buf;

  g_return_val_if_fail (pointer != NULL && pointer->url != NULL && pointer->key != NULL, NULL);

  url = g_string_new (pointer->url);
  if (pointer->server_pubkey != NULL)
    g_string_append_printf (url, "#p=%s", pointer->server_pubkey);
  if (pointer->scheme == SD_ATTACHMENT_SCHEME_DETERMINISTIC)
    g_string_append (url, pointer->server_pubkey != NULL ? "&d" : "#d");

  /* desktop writes 0; the field is required on the wire */
  pb.deprecated_id = 0;
  pb.url = url->str;
  pb.contenttype = pointer->content_type;
  pb.filename = pointer->file_name;
  pb.caption = pointer->caption;
  pb.has_key = TRUE;
  pb.key.data = (guint8 *) g_bytes_get_data (pointer->key, &pb.key.len);
  if (pointer->digest != NULL) {
    pb.has_digest = TRUE;
    pb.digest.data = (guint8 *) g_bytes_get_data (pointer->digest, &pb.digest.len);
  }
  if (pointer->size >= 0) {
    pb.has_size = TRUE;
    pb.size = (guint32) pointer->size;
  }
  if (pointer->voice_message) {
    pb.has_flags = TRUE;
    pb.flags = SESSION_PROTOS__ATTACHMENT_POINTER__FLAGS__VOICE_MESSAGE;
  }
  if (pointer->width > 0) {
    pb.has_width = TRUE;
    pb.width = pointer->width;
  }
  if (pointer->height > 0) {
    pb.has_height = TRUE;
    pb.height = pointer->height;
  }

  len = session_protos__attachment_pointer__get_packed_size (&pb);
  buf = g_malloc (len + 1);
  session_protos__attachment_pointer__pack (&pb, buf);
  return g_bytes_new_take (buf, len);
}
