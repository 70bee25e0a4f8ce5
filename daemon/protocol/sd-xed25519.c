/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-sodium.h"
#include "sd-xed25519.h"

#include <gmp.h>
#include <sodium.h>
#include <string.h>

/* GMP's arithmetic is variable-time; the inputs are public keys, so that is fine */
gboolean
sd_x25519_pk_to_ed25519 (const guint8 x25519_pk[32], guint8 ed25519_pk[32])
{
  guint8 u_bytes[32];
  mpz_t p, u, num, den;
  gboolean ok;
  size_t written = 0;

  sd_sodium_init ();
  memcpy (u_bytes, x25519_pk, 32);
  u_bytes[31] &= 0x7f; /* RFC 7748 ignores the top bit */
  mpz_inits (p, u, num, den, NULL);
  mpz_ui_pow_ui (p, 2, 255);
  mpz_sub_ui (p, p, 19);
  mpz_import (u, 32, -1, 1, 0, 0, u_bytes); /* little-endian */
  mpz_mod (u, u, p);
  mpz_add_ui (den, u, 1);
  ok = mpz_invert (den, den, p) != 0; /* u = p − 1 has no image */
  if (ok) {
    mpz_sub_ui (num, u, 1);
    mpz_mul (num, num, den);
    mpz_mod (num, num, p);
    memset (ed25519_pk, 0, 32);
    mpz_export (ed25519_pk, &written, -1, 1, 0, 0, num);
    /* y < p, so the sign bit is already clear: the positive of the two points */
    ok = crypto_core_ed25519_is_valid_point (ed25519_pk) == 1;
  }
  mpz_clears (p, u, num, den, NULL);
  return ok;
}
