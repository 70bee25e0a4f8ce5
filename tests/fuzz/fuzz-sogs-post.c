/* SPDX-License-Identifier: GPL-3.0-or-later */
/* community posts as a poller reads them. Byte 0 picks the path: the raw
 * data parser (Content or Envelope), or the full decode with the rest
 * signed by a fixed blinded key first so the parser is reached through
 * base64 and the signature check, or an unsigned post that must fail */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-encoding.h"
#include "sd-sogs-post.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint8 server_pk[32] = { 0xab, 0xcd, 0xef, 0x01 };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (sodium_init () < 0)
    abort ();
  if (size < 1 || size > SD_SOGS_POST_MAX_DATA + 2)
    return 0;

  switch (data[0] % 3) {
  case 0: {
    g_auto(SdSogsPost) post = { 0 };
    g_autoptr(GError) error = NULL;

    if (sd_sogs_post_parse_data (data + 1, size - 1, &post, &error)) {
      if (post.content == NULL || post.parsed == NULL || error != NULL ||
          g_bytes_get_size (post.content) > size - 1)
        abort ();
    } else if (error == NULL || post.content != NULL || post.parsed != NULL) {
      abort ();
    }
    break;
  }
  case 1: {
    guint8 seed[32], ed_pk[32], ed_sk[64], sig[64];
    SdBlindedKeyPair kp;
    gchar id[SD_BLINDED_ID_LEN + 1];
    g_autofree gchar *b64 = NULL, *sig_b64 = NULL;
    g_auto(SdSogsPost) post = { 0 }, direct = { 0 };
    gboolean ok, direct_ok;

    memset (seed, 0x42, sizeof seed);
    crypto_sign_ed25519_seed_keypair (ed_pk, ed_sk, seed);
    if (!sd_blind15_key_pair (ed_sk, server_pk, &kp))
      abort ();
    sd_blinded_id_format (SD_BLINDING_15, kp.pk, id);
    sd_blind15_sign (ed_sk, server_pk, data + 1, size - 1, sig);
    b64 = sd_base64_encode (data + 1, size - 1, TRUE);
    sig_b64 = sd_base64_encode (sig, sizeof sig, TRUE);
    ok = sd_sogs_post_decode (id, b64, sig_b64, &post, NULL);
    direct_ok = sd_sogs_post_parse_data (data + 1, size - 1, &direct, NULL);
    /* a valid signature leaves the verdict to the parser alone */
    if (ok != direct_ok || (ok && !g_bytes_equal (post.content, direct.content)))
      abort ();
    break;
  }
  default: {
    g_autofree gchar *text = g_strndup ((const gchar *) data + 1, size - 1);
    g_auto(SdSogsPost) post = { 0 };
    const gchar *id = "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844";

    /* whatever the data, a made-up signature never verifies */
    if (sd_sogs_post_decode (id, text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", &post, NULL))
      abort ();
    break;
  }
  }
  return 0;
}
