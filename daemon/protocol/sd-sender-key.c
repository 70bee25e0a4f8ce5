/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-sender-key.h"

#include <sodium.h>
#include <string.h>

/* libsodium's Ed25519 → X25519 conversion includes a prime-order subgroup
 * check that costs as much as the signature check itself; messages come
 * from a handful of contacts (a group poll: its few members), so recent conversions are
 * remembered, one slot per first key byte */
#define SENDER_CACHE_SIZE 256

typedef struct {
  gboolean valid;
  guint8 ed25519_pk[32];
  guint8 x25519_pk[32];
} SenderCacheEntry;

static SenderCacheEntry sender_cache[SENDER_CACHE_SIZE];
static GMutex sender_cache_lock;

gboolean
sd_sender_x25519 (const guint8 ed25519_pk[32], guint8 x25519_pk[32])
{
  /* public keys are uniformly distributed: a byte is a fine index */
  SenderCacheEntry *entry = &sender_cache[ed25519_pk[0] % SENDER_CACHE_SIZE];
  gboolean hit;

  g_mutex_lock (&sender_cache_lock);
  hit = entry->valid && memcmp (entry->ed25519_pk, ed25519_pk, 32) == 0;
  if (hit)
    memcpy (x25519_pk, entry->x25519_pk, 32);
  g_mutex_unlock (&sender_cache_lock);
  if (hit)
    return TRUE;

  if (crypto_sign_ed25519_pk_to_curve25519 (x25519_pk, ed25519_pk) != 0)
    return FALSE;
  g_mutex_lock (&sender_cache_lock);
  memcpy (entry->ed25519_pk, ed25519_pk, 32);
  memcpy (entry->x25519_pk, x25519_pk, 32);
  entry->valid = TRUE;
  g_mutex_unlock (&sender_cache_lock);
  return TRUE;
}
