/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-transport.h"

G_BEGIN_DECLS

#define SD_SEED_ATTEMPTS 4
#define SD_SEED_TIMEOUT_MS 5000

/* the real network's seeds (desktop's list) with their certificate pins */
typedef struct {
  const gchar *url;
  guint8 fingerprint[32]; /* SHA-256 of the certificate DER */
} SdSeedPin;

extern const SdSeedPin sd_mainnet_seeds[3];

/* asks every seed at once for the node list (get_n_service_nodes); the
 * first usable answer wins; the whole round is tried SD_SEED_ATTEMPTS
 * times with doubling pauses from @first_backoff_ms */
void sd_seed_fetch_async (SdTransport *transport,
                          const gchar *const *seed_urls,
                          guint first_backoff_ms,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);

/* (element-type SdSnode) (transfer container) */
GPtrArray *sd_seed_fetch_finish (GAsyncResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* parses a seed's JSON-RPC answer; exposed for tests and fuzzing */
GPtrArray *sd_seed_parse_reply (GBytes *body, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
