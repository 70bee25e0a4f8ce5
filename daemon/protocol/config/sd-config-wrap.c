/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libsession still wraps every user config it pushes (field 11 of Content,
 * which desktop reserves), so we send it wrapped and accept it either way */
#define G_LOG_DOMAIN "SdConfigWrap"

#include "config.h"

#include "sd-config-wrap.h"

#include <string.h>

#include "config-wrapper.pb-c.h"
#include "sd-padding.h"
#include "sd-protobuf.h"
#include "sd-protocol-error.h"
#include "sd-session-crypto.h"
#include "sd-wire.h"

static void
config_content_free (SessionConfig__ConfigContent *content)
{
  session_config__config_content__free_unpacked (content, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessionConfig__ConfigContent, config_content_free)

GBytes *
sd_config_wrap (const SdIdentity *identity, SdConfigKind kind, gint64 seqno, const guint8 *blob,
                gsize len)
{
  SessionConfig__SharedConfigMessage shared = SESSION_CONFIG__SHARED_CONFIG_MESSAGE__INIT;
  SessionConfig__ConfigContent content = SESSION_CONFIG__CONFIG_CONTENT__INIT;
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  g_autofree guint8 *inner = NULL;
  g_autoptr(GBytes) sealed = NULL;
  gsize inner_len;

  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (blob != NULL || len == 0, NULL);

  shared.kind = (SessionConfig__SharedConfigMessage__Kind) sd_config_kind_wrapper_kind (kind);
  shared.seqno = seqno;
  shared.data.data = (guint8 *) blob;
  shared.data.len = len;
  content.sharedconfigmessage = &shared;
  inner_len = session_config__config_content__get_packed_size (&content);
  inner = g_malloc (inner_len + 1);
  session_config__config_content__pack (&content, inner);
  /* the blob is already padded: only the mandatory 0x80 is added */
  inner[inner_len] = 0x80;

  sealed = sd_session_encrypt_deterministic (identity, identity->x25519_pk, inner, inner_len + 1);
  if (sealed == NULL)
    return NULL;

  envelope.has_type = TRUE;
  envelope.type = SESSION_PROTOS__ENVELOPE__TYPE__SESSION_MESSAGE;
  /* old clients unwrapping by themselves need a non-zero timestamp */
  envelope.timestamp = 1;
  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (sealed, &envelope.content.len);
  return sd_wire_frame (&envelope);
}

static gboolean
malformed (GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
               "config wrapper: %s", what);
  return FALSE;
}

GBytes *
sd_config_unwrap (const SdIdentity *identity, SdConfigKind kind, const guint8 *data, gsize len,
                  gint64 *seqno, GError **error)
{
  g_autoptr(SessionProtos__Envelope) envelope = NULL;
  g_autoptr(SessionConfig__ConfigContent) content = NULL;
  g_autoptr(GBytes) padded = NULL;
  guint8 sender[32];
  const guint8 *plain;
  gsize plain_len;
  SessionConfig__SharedConfigMessage *shared;

  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  envelope = sd_wire_unframe (data, len, error);
  if (envelope == NULL)
    return NULL;
  padded = sd_session_decrypt (identity, envelope->content.data, envelope->content.len, sender,
                               NULL, error);
  if (padded == NULL)
    return NULL;
  if (memcmp (sender, identity->ed25519_pk, sizeof sender) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "config wrapper was not sealed by this account");
    return NULL;
  }

  plain = g_bytes_get_data (padded, &plain_len);
  if (!sd_unpad_strict (plain, plain_len, &plain_len)) {
    malformed (error, "bad padding");
    return NULL;
  }

  content = session_config__config_content__unpack (NULL, plain_len, plain);
  if (content == NULL || content->sharedconfigmessage == NULL) {
    malformed (error, "no SharedConfigMessage in the Content");
    return NULL;
  }
  shared = content->sharedconfigmessage;
  if ((gint) shared->kind != sd_config_kind_wrapper_kind (kind)) {
    malformed (error, "SharedConfigMessage of another kind");
    return NULL;
  }
  if (seqno != NULL)
    *seqno = shared->seqno;
  return g_bytes_new (shared->data.data, shared->data.len);
}
