/* SPDX-License-Identifier: GPL-3.0-or-later */
/* multi-recipient encryption: one nonce, one XChaCha20-Poly1305 copy per
 * recipient, each under its own X25519-derived key (libsession
 * multi_encrypt.cpp describes the scheme; this is our implementation) */
#define G_LOG_DOMAIN "SdMultiEncrypt"

#include "config.h"

#include "sd-multi-encrypt.h"

#include <sodium.h>
#include <string.h>

#include "sd-bencode.h"
#include "sd-config-value.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

gboolean
sd_multi_encrypt_key (guint8 key[32], const guint8 own_sk[32], const guint8 own_pk[32],
                      const guint8 other_pk[32], gboolean encrypting, const gchar *domain)
{
  guint8 shared[32];
  crypto_generichash_state st;
  gsize domain_len = strlen (domain);

  sd_sodium_init ();
  if (crypto_scalarmult_curve25519 (shared, own_sk, other_pk) != 0)
    return FALSE;
  /* the hash takes sender then recipient, whichever side we are */
  crypto_generichash_init (&st, (const guint8 *) domain, MIN (domain_len, 64), 32);
  crypto_generichash_update (&st, shared, sizeof shared);
  crypto_generichash_update (&st, encrypting ? own_pk : other_pk, 32);
  crypto_generichash_update (&st, encrypting ? other_pk : own_pk, 32);
  crypto_generichash_final (&st, key, 32);
  sodium_memzero (shared, sizeof shared);
  return TRUE;
}

void
sd_multi_encrypt_copy (guint8 *out, const guint8 *message, gsize len, const guint8 key[32],
                       const guint8 nonce[SD_MULTI_NONCE_LEN])
{
  sd_sodium_init ();
  crypto_aead_xchacha20poly1305_ietf_encrypt (out, NULL, message, len, NULL, 0, NULL, nonce, key);
}

gboolean
sd_multi_decrypt_copy (guint8 *out, const guint8 *copy, gsize len, const guint8 key[32],
                       const guint8 nonce[SD_MULTI_NONCE_LEN])
{
  sd_sodium_init ();
  if (len < SD_MULTI_OVERHEAD)
    return FALSE;
  return crypto_aead_xchacha20poly1305_ietf_decrypt (out, NULL, NULL, copy, len, NULL, 0, nonce,
                                                     key) == 0;
}

GBytes *
sd_multi_encrypt_simple (GPtrArray *messages, const guint8 (*recipients)[32], guint n_recipients,
                         const guint8 sender_sk[32], const guint8 sender_pk[32],
                         const gchar *domain, const guint8 *nonce)
{
  guint8 random_nonce[SD_MULTI_NONCE_LEN];
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *copy = NULL;
  gsize max = 0;

  g_return_val_if_fail (messages != NULL && domain != NULL, NULL);
  g_return_val_if_fail (messages->len == 1 || messages->len == n_recipients, NULL);

  sd_sodium_init ();
  if (nonce == NULL) {
    randombytes_buf (random_nonce, sizeof random_nonce);
    nonce = random_nonce;
  }
  for (guint i = 0; i < messages->len; i++)
    max = MAX (max, g_bytes_get_size (g_ptr_array_index (messages, i)));
  copy = g_malloc (max + SD_MULTI_OVERHEAD);

  g_byte_array_append (out, (const guint8 *) "d", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "#", 1);
  sd_bencode_append_bytes (out, nonce, SD_MULTI_NONCE_LEN);
  sd_bencode_append_bytes (out, (const guint8 *) "e", 1);
  g_byte_array_append (out, (const guint8 *) "l", 1);
  for (guint i = 0; i < n_recipients; i++) {
    GBytes *m = g_ptr_array_index (messages, messages->len == 1 ? 0 : i);
    gsize len;
    const guint8 *data = g_bytes_get_data (m, &len);
    guint8 key[32];

    if (!sd_multi_encrypt_key (key, sender_sk, sender_pk, recipients[i], TRUE, domain))
      continue;
    sd_multi_encrypt_copy (copy, data, len, key, nonce);
    sodium_memzero (key, sizeof key);
    sd_bencode_append_bytes (out, copy, len + SD_MULTI_OVERHEAD);
  }
  g_byte_array_append (out, (const guint8 *) "ee", 2);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
sd_multi_encrypt_simple_ed25519 (GPtrArray *messages, const guint8 (*recipients)[32],
                                 guint n_recipients, const guint8 ed25519_sk[64],
                                 const gchar *domain)
{
  guint8 x_sk[32], x_pk[32];
  GBytes *out;

  g_return_val_if_fail (ed25519_sk != NULL, NULL);

  crypto_sign_ed25519_sk_to_curve25519 (x_sk, ed25519_sk);
  if (crypto_sign_ed25519_pk_to_curve25519 (x_pk, ed25519_sk + 32) != 0) {
    sodium_memzero (x_sk, sizeof x_sk);
    g_return_val_if_reached (NULL);
  }
  out = sd_multi_encrypt_simple (messages, recipients, n_recipients, x_sk, x_pk, domain, NULL);
  sodium_memzero (x_sk, sizeof x_sk);
  return out;
}

GBytes *
sd_multi_decrypt_simple (const guint8 *encoded, gsize len, const guint8 own_sk[32],
                         const guint8 own_pk[32], const guint8 sender_pk[32],
                         const gchar *domain, GError **error)
{
  g_autoptr(SdConfigValue) dict = NULL;
  const SdConfigValue *nonce_v, *list;
  const guint8 *nonce;
  gsize nonce_len = 0;
  guint8 key[32];

  g_return_val_if_fail (encoded != NULL || len == 0, NULL);

  dict = sd_config_value_decode (encoded, len, error);
  if (dict == NULL)
    return NULL;
  if (sd_config_value_kind (dict) != SD_CONFIG_VALUE_DICT ||
      (nonce_v = sd_config_value_dict_get (dict, "#")) == NULL ||
      sd_config_value_kind (nonce_v) != SD_CONFIG_VALUE_STRING ||
      (nonce = sd_config_value_get_string (nonce_v, &nonce_len), nonce_len != SD_MULTI_NONCE_LEN) ||
      (list = sd_config_value_dict_get (dict, "e")) == NULL ||
      sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "multi-encrypted message needs a 24-byte \"#\" nonce and an \"e\" list");
    return NULL;
  }
  if (sd_config_value_length (list) > SD_MULTI_MAX_COPIES) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "multi-encrypted message holds too many copies");
    return NULL;
  }
  if (!sd_multi_encrypt_key (key, own_sk, own_pk, sender_pk, FALSE, domain)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "sender key is not usable");
    return NULL;
  }
  for (guint i = 0; i < sd_config_value_length (list); i++) {
    const SdConfigValue *item = sd_config_value_list_get (list, i);
    const guint8 *copy;
    gsize copy_len;
    g_autofree guint8 *plain = NULL;

    if (sd_config_value_kind (item) != SD_CONFIG_VALUE_STRING)
      continue;
    copy = sd_config_value_get_string (item, &copy_len);
    if (copy_len < SD_MULTI_OVERHEAD)
      continue;
    plain = g_malloc (copy_len - SD_MULTI_OVERHEAD + 1);
    if (sd_multi_decrypt_copy (plain, copy, copy_len, key, nonce)) {
      sodium_memzero (key, sizeof key);
      return g_bytes_new_take (g_steal_pointer (&plain), copy_len - SD_MULTI_OVERHEAD);
    }
  }
  sodium_memzero (key, sizeof key);
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                       "no copy of the multi-encrypted message is for us");
  return NULL;
}
