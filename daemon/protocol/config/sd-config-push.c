/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a user config push, outer to inner: [wrapper] → encryption → padding →
 * [zstd] → bencoded message */
#define G_LOG_DOMAIN "SdConfigPush"

#include "config.h"

#include "sd-config-push.h"

#include "sd-config-crypto.h"
#include "sd-config-wrap.h"
#include "sd-protocol-error.h"

/* user configs are keyed by the Ed25519 seed: the first half of the
 * libsodium secret key */
#define KEY_BASE(identity) ((identity)->ed25519_sk)

/* the wrapper is optional, and an old client doubled it */
#define MAX_WRAPPERS 2

GBytes *
sd_config_push_encode (const SdIdentity *identity, SdConfigKind kind, gint64 seqno,
                       const guint8 *serialized, gsize len, SdConfigPushFlags flags,
                       GError **error)
{
  g_autoptr(GBytes) blob = NULL;

  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (serialized != NULL || len == 0, NULL);

  /* anything bigger cannot shrink below the limit by enough to matter,
   * and would make the compressor work for nothing */
  if (len > SD_CONFIG_MAX_PLAINTEXT) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "config of %" G_GSIZE_FORMAT " bytes is too large", len);
    return NULL;
  }
  blob = sd_config_seal (serialized, len, KEY_BASE (identity), sd_config_kind_domain (kind));
  if (flags & SD_CONFIG_PUSH_WRAPPED) {
    GBytes *wrapped = sd_config_wrap (identity, kind, seqno, g_bytes_get_data (blob, NULL),
                                      g_bytes_get_size (blob));

    if (wrapped == NULL) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                           "cannot seal the config wrapper to this account");
      return NULL;
    }
    g_bytes_unref (blob);
    blob = wrapped;
  }
  if (g_bytes_get_size (blob) > SD_CONFIG_MAX_MESSAGE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "config push of %" G_GSIZE_FORMAT " bytes exceeds the %d-byte limit",
                 g_bytes_get_size (blob), SD_CONFIG_MAX_MESSAGE);
    return NULL;
  }
  return g_steal_pointer (&blob);
}

GBytes *
sd_config_push_decode (const SdIdentity *identity, SdConfigKind kind, const guint8 *data,
                       gsize len, GError **error)
{
  g_autoptr(GBytes) unwrapped = NULL;
  const guint8 *blob = data;
  gsize blob_len = len;

  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > SD_CONFIG_MAX_MESSAGE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "config item of %" G_GSIZE_FORMAT " bytes exceeds the %d-byte limit", len,
                 SD_CONFIG_MAX_MESSAGE);
    return NULL;
  }
  /* a failed unwrap only means "not wrapped (again)" */
  for (guint depth = 0; depth < MAX_WRAPPERS; depth++) {
    GBytes *inner = sd_config_unwrap (identity, kind, blob, blob_len, NULL, NULL);

    if (inner == NULL)
      break;
    g_clear_pointer (&unwrapped, g_bytes_unref);
    unwrapped = inner;
    blob = g_bytes_get_data (unwrapped, &blob_len);
  }
  return sd_config_open (blob, blob_len, KEY_BASE (identity), sd_config_kind_domain (kind), error);
}
