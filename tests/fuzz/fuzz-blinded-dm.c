/* SPDX-License-Identifier: GPL-3.0-or-later */
/* community DM decryption as an inbox poller meets it. Byte 0 picks the
 * path: the rest encrypted by a fixed sender to a fixed recipient (must
 * come back whole, then goes through unpadding and the Content parser),
 * the rest taken as wire bytes (nothing unauthenticated may decrypt), or
 * the rest XORed into a real message (only the untouched one decrypts) */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-blinded-dm.h"
#include "sd-blinding.h"
#include "sd-padding.h"
#include "sd-protobuf.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint8 server_pk[32] = { 0xab, 0xcd, 0xef, 0x01 };

static void
key (guint8 fill, guint8 sk[64])
{
  guint8 seed[32], pk[32];

  memset (seed, fill, sizeof seed);
  crypto_sign_ed25519_seed_keypair (pk, sk, seed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 alice[64], bob[64], sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];
  SdBlindedKeyPair ba, bb;

  if (sodium_init () < 0)
    abort ();
  if (size < 1 || size > SD_BLINDED_DM_MAX)
    return 0;
  key (0x11, alice);
  key (0x22, bob);
  if (!sd_blind15_key_pair (alice, server_pk, &ba) || !sd_blind15_key_pair (bob, server_pk, &bb))
    abort ();

  switch (data[0] % 3) {
  case 0: {
    g_autoptr(GBytes) wire = sd_blinded_dm_encrypt (alice, server_pk, bb.pk, data + 1, size - 1,
                                                    NULL, NULL);
    g_autoptr(GBytes) plain = NULL;
    g_autoptr(SessionProtos__Content) content = NULL;
    const guint8 *p;
    gsize len;

    if (wire == NULL)
      break; /* over the size limit */
    plain = sd_blinded_dm_decrypt (bob, server_pk, ba.pk, FALSE, g_bytes_get_data (wire, NULL),
                                   g_bytes_get_size (wire), sender_ed, sender_id, NULL);
    if (plain == NULL || g_bytes_get_size (plain) != size - 1 ||
        (size > 1 && memcmp (g_bytes_get_data (plain, NULL), data + 1, size - 1) != 0) ||
        memcmp (sender_ed, alice + 32, 32) != 0)
      abort ();
    p = g_bytes_get_data (plain, &len);
    content = session_protos__content__unpack (NULL, sd_unpadded_length (p, len), p);
    break;
  }
  case 1: {
    g_autoptr(GBytes) plain = sd_blinded_dm_decrypt (bob, server_pk, ba.pk, FALSE, data + 1,
                                                     size - 1, sender_ed, sender_id, NULL);

    if (plain != NULL)
      abort ();
    break;
  }
  default: {
    const guint8 msg[] = "a message worth tampering with";
    guint8 nonce[24] = { 7 };
    g_autoptr(GBytes) wire = sd_blinded_dm_encrypt (alice, server_pk, bb.pk, msg, sizeof msg,
                                                    nonce, NULL);
    gsize len = g_bytes_get_size (wire);
    g_autofree guint8 *w = g_memdup2 (g_bytes_get_data (wire, NULL), len);
    g_autoptr(GBytes) plain = NULL;
    gboolean touched = FALSE;

    for (gsize i = 1; i < size && i - 1 < len; i++) {
      w[i - 1] ^= data[i];
      touched |= data[i] != 0;
    }
    plain = sd_blinded_dm_decrypt (bob, server_pk, ba.pk, FALSE, w, len, sender_ed, sender_id,
                                   NULL);
    if ((plain != NULL) == touched)
      abort ();
    break;
  }
  }
  return 0;
}
