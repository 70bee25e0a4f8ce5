/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-transport.h"

G_BEGIN_DECLS

#define SD_TYPE_SOUP_TRANSPORT (sd_soup_transport_get_type ())
G_DECLARE_FINAL_TYPE (SdSoupTransport, sd_soup_transport, SD, SOUP_TRANSPORT, GObject)

/* reply bodies are read in pieces of this size, up to the transport's limit */
#define SD_SOUP_TRANSPORT_CHUNK (64 * 1024)

/* HTTPS to service nodes accepts their self-signed certificates (as the
 * official clients do: the onion layers carry the real protection). Seeds
 * are different: a seed URL registered with a pin must present a
 * certificate with that SHA-256 fingerprint; with @seed_ca_file, seeds must
 * chain to that CA instead. */
SdSoupTransport *sd_soup_transport_new (const gchar *seed_ca_file,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* @fingerprint: SHA-256 of the certificate's DER, 32 bytes */
void sd_soup_transport_pin_seed (SdSoupTransport *self,
                                 const gchar *seed_url,
                                 const guint8 fingerprint[32]);

/* registers a seed that must pass normal verification (or @seed_ca_file) */
void sd_soup_transport_add_seed (SdSoupTransport *self, const gchar *seed_url);

/* a reply body longer than @max_reply bytes (default SD_TRANSPORT_MAX_REPLY) fails with
 * SD_NETWORK_ERROR_BAD_REPLY, unread past the limit; for tests */
void sd_soup_transport_set_max_reply (SdSoupTransport *self, gsize max_reply);

G_END_DECLS
