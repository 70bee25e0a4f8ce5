/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-request-sign.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-message-hash.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

gchar *
sd_signed_string_store (gint namespace_, guint64 sig_timestamp)
{
  g_autofree gchar *ns = sd_namespace_text (namespace_);

  return g_strdup_printf ("store%s%" G_GUINT64_FORMAT, ns, sig_timestamp);
}

gchar *
sd_signed_string_retrieve (gint namespace_, guint64 timestamp)
{
  g_autofree gchar *ns = sd_namespace_text (namespace_);

  return g_strdup_printf ("retrieve%s%" G_GUINT64_FORMAT, ns, timestamp);
}

static void
append_all (GString *out, const gchar *const *items)
{
  for (gsize i = 0; items != NULL && items[i] != NULL; i++)
    g_string_append (out, items[i]);
}

gchar *
sd_signed_string_delete (const gchar *const *hashes)
{
  GString *out = g_string_new ("delete");

  append_all (out, hashes);
  return g_string_free (out, FALSE);
}

gchar *
sd_signed_string_delete_all (const gchar *namespace_text, guint64 timestamp)
{
  return g_strdup_printf ("delete_all%s%" G_GUINT64_FORMAT, namespace_text, timestamp);
}

gchar *
sd_signed_string_expire (const gchar *mode, guint64 expiry, const gchar *const *hashes)
{
  GString *out = g_string_new ("expire");

  g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, mode != NULL ? mode : "", expiry);
  append_all (out, hashes);
  return g_string_free (out, FALSE);
}

gchar *
sd_signed_string_get_expiries (guint64 timestamp, const gchar *const *hashes)
{
  GString *out = g_string_new ("get_expiries");

  g_string_append_printf (out, "%" G_GUINT64_FORMAT, timestamp);
  append_all (out, hashes);
  return g_string_free (out, FALSE);
}

gchar *
sd_sign_bytes_base64 (const guint8 ed25519_sk[64], const guint8 *data, gsize len)
{
  guint8 sig[crypto_sign_BYTES];

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  sd_sodium_init ();
  crypto_sign_ed25519_detached (sig, NULL, data, len, ed25519_sk);
  return sd_base64_encode (sig, sizeof sig, TRUE);
}

gchar *
sd_sign_text_base64 (const guint8 ed25519_sk[64], const gchar *text)
{
  return sd_sign_bytes_base64 (ed25519_sk, (const guint8 *) text, strlen (text));
}

gboolean
sd_verify_bytes_base64 (const guint8 ed25519_pk[32],
                        const guint8 *data,
                        gsize len,
                        const gchar *signature_base64,
                        GError **error)
{
  guint8 sig[crypto_sign_BYTES];

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  sd_sodium_init ();
  if (!sd_base64_decode_exact (signature_base64, sig, sizeof sig, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "signature is not 64 bytes of base64");
    return FALSE;
  }
  if (crypto_sign_ed25519_verify_detached (sig, data, len, ed25519_pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "signature verification failed");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_verify_text_base64 (const guint8 ed25519_pk[32],
                       const gchar *text,
                       const gchar *signature_base64,
                       GError **error)
{
  return sd_verify_bytes_base64 (ed25519_pk, (const guint8 *) text, strlen (text),
                                 signature_base64, error);
}
