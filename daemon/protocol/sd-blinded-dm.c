/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-blinded-dm.h"

#include <sodium.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define MIN_LEN (1 + TAG_LEN + 32 + NONCE_LEN)

/* both sides reach a·k·b·G: the sender as a·(kB), the recipient as b·(kA) */
static gboolean
shared_key (const guint8 ed25519_sk[64],
            const guint8 other_blinded_pk[32],
            const guint8 sender_blinded_pk[32],
            const guint8 recipient_blinded_pk[32],
            guint8 key[32])
{
  crypto_generichash_state st;
  guint8 a[32], s[32];
  gboolean ok;

  crypto_sign_ed25519_sk_to_curve25519 (a, ed25519_sk);
  ok = crypto_scalarmult_ed25519_noclamp (s, a, other_blinded_pk) == 0;
  sodium_memzero (a, sizeof a);
  if (!ok)
    return FALSE;
  crypto_generichash_init (&st, NULL, 0, 32);
  crypto_generichash_update (&st, s, 32);
  crypto_generichash_update (&st, sender_blinded_pk, 32);
  crypto_generichash_update (&st, recipient_blinded_pk, 32);
  crypto_generichash_final (&st, key, 32);
  sodium_memzero (s, sizeof s);
  return TRUE;
}

GBytes *
sd_blinded_dm_encrypt (const guint8 ed25519_sk[64],
                       const guint8 server_pk[32],
                       const guint8 recipient_blinded_pk[32],
                       const guint8 *message,
                       gsize message_len,
                       const guint8 *nonce,
                       GError **error)
{
  SdBlindedKeyPair me;
  guint8 key[32];
  g_autofree guint8 *plain = NULL;
  guint8 *out;
  gsize plain_len = message_len + 32;
  unsigned long long ct_len;

  sd_sodium_init ();
  if (message_len > SD_BLINDED_DM_MAX - MIN_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a community DM holds at most %d bytes", SD_BLINDED_DM_MAX - MIN_LEN);
    return NULL;
  }
  if (!sd_blind15_key_pair (ed25519_sk, server_pk, &me) ||
      !shared_key (ed25519_sk, recipient_blinded_pk, me.pk, recipient_blinded_pk, key)) {
    sodium_memzero (&me, sizeof me);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID,
                         "the recipient's blinded key is not a usable point");
    return NULL;
  }
  sodium_memzero (&me, sizeof me);

  plain = g_malloc (plain_len);
  if (message_len > 0)
    memcpy (plain, message, message_len);
  memcpy (plain + message_len, ed25519_sk + 32, 32);

  out = g_malloc (1 + plain_len + TAG_LEN + NONCE_LEN);
  out[0] = SD_BLINDED_DM_VERSION;
  if (nonce != NULL)
    memcpy (out + 1 + plain_len + TAG_LEN, nonce, NONCE_LEN);
  else
    randombytes_buf (out + 1 + plain_len + TAG_LEN, NONCE_LEN);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + 1, &ct_len, plain, plain_len, NULL, 0, NULL,
                                              out + 1 + plain_len + TAG_LEN, key);
  sodium_memzero (key, sizeof key);
  sodium_memzero (plain, plain_len);
  return g_bytes_new_take (out, 1 + ct_len + NONCE_LEN);
}

GBytes *
sd_blinded_dm_decrypt (const guint8 ed25519_sk[64],
                       const guint8 server_pk[32],
                       const guint8 other_blinded_pk[32],
                       gboolean outgoing,
                       const guint8 *data,
                       gsize len,
                       guint8 sender_ed25519_pk[32],
                       gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                       GError **error)
{
  SdBlindedKeyPair me;
  guint8 key[32], x25519_pk[32];
  g_autofree guint8 *plain = NULL;
  unsigned long long plain_len;
  const guint8 *sender_pk, *recipient_pk;
  gboolean ok;

  sd_sodium_init ();
  if (len < MIN_LEN || len > SD_BLINDED_DM_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "a community DM is %d to %d bytes, this is %" G_GSIZE_FORMAT,
                 MIN_LEN, SD_BLINDED_DM_MAX, len);
    return NULL;
  }
  if (data[0] != SD_BLINDED_DM_VERSION) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "community DM version %u", data[0]);
    return NULL;
  }
  if (!sd_blind15_key_pair (ed25519_sk, server_pk, &me)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "this server key cannot blind");
    return NULL;
  }
  sender_pk = outgoing ? me.pk : other_blinded_pk;
  recipient_pk = outgoing ? other_blinded_pk : me.pk;
  ok = shared_key (ed25519_sk, other_blinded_pk, sender_pk, recipient_pk, key);
  sodium_memzero (&me, sizeof me);
  if (!ok) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID,
                         "the other blinded key is not a usable point");
    return NULL;
  }

  plain = g_malloc (len);
  ok = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &plain_len, NULL, data + 1,
                                                   len - 1 - NONCE_LEN, NULL, 0,
                                                   data + len - NONCE_LEN, key) == 0;
  sodium_memzero (key, sizeof key);
  if (!ok || plain_len < 32) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "community DM does not decrypt");
    return NULL;
  }
  memcpy (sender_ed25519_pk, plain + plain_len - 32, 32);

  /* the embedded key must be the one behind the blinded sender */
  if (outgoing ? sodium_memcmp (sender_ed25519_pk, ed25519_sk + 32, 32) != 0
               : !sd_blind15_pk_matches_ed25519 (other_blinded_pk, sender_ed25519_pk,
                                                 server_pk)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "community DM's sender key does not match its blinded id");
    return NULL;
  }
  if (!sd_ed25519_pk_to_x25519 (sender_ed25519_pk, x25519_pk)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                         "community DM's sender key is not a valid point");
    return NULL;
  }
  sd_session_id_format (x25519_pk, sender_session_id);
  return g_bytes_new (plain, plain_len - 32);
}

GBytes *
sd_blinded_dm_seal_content (const guint8 ed25519_sk[64],
                            const guint8 server_pk[32],
                            const guint8 recipient_blinded_pk[32],
                            const guint8 *content,
                            gsize content_len,
                            GError **error)
{
  g_autoptr(GBytes) padded = NULL;

  if (content_len > SD_BLINDED_DM_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a community DM holds at most %d bytes", SD_BLINDED_DM_MAX);
    return NULL;
  }
  padded = sd_pad (content, content_len);
  return sd_blinded_dm_encrypt (ed25519_sk, server_pk, recipient_blinded_pk,
                                g_bytes_get_data (padded, NULL), g_bytes_get_size (padded), NULL,
                                error);
}

SessionProtos__Content *
sd_blinded_dm_open_content (const guint8 ed25519_sk[64],
                            const guint8 server_pk[32],
                            const guint8 other_blinded_pk[32],
                            gboolean outgoing,
                            const guint8 *data,
                            gsize len,
                            guint8 sender_ed25519_pk[32],
                            gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                            GError **error)
{
  g_autoptr(GBytes) plain = sd_blinded_dm_decrypt (ed25519_sk, server_pk, other_blinded_pk,
                                                   outgoing, data, len, sender_ed25519_pk,
                                                   sender_session_id, error);
  SessionProtos__Content *content;
  const guint8 *p;
  gsize plain_len;

  if (plain == NULL)
    return NULL;
  p = g_bytes_get_data (plain, &plain_len);
  content = session_protos__content__unpack (NULL, sd_unpadded_length (p, plain_len), p);
  if (content == NULL)
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "community DM is not a Content message");
  return content;
}
