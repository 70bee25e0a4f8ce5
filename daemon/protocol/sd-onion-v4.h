/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* onion requests v4 to a server that is not a snode (file server,
 * communities): protocol-network.md §6.3 (request) and §6.5 (reply) */

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sd-onion-request.h"

G_BEGIN_DECLS

/* the target the last relay POSTs the decrypted layer to */
#define SD_ONION_V4_TARGET     "/oxen/v4/lsrpc"
#define SD_ONION_V4_MAX_BODY   (12 * 1024 * 1024) /* a 10 MB attachment and more */
#define SD_ONION_V4_MAX_REPLY  (SD_ONION_V4_MAX_BODY + 64 * 1024)
#define SD_ONION_V4_MAX_ENDPOINT 2048
#define SD_ONION_V4_MAX_HEADERS 64

typedef struct {
  const gchar *host;     /* name or IPv4 address, no port */
  const gchar *protocol; /* "http" or "https" */
  guint16 port;          /* 0: 80 or 443 */
  guint8 x25519_pk[32];  /* the server's published onion key */
} SdOnionServer;

typedef struct {
  guint status;
  GHashTable *headers; /* (owned) lower-case name → value */
  GBytes *body;        /* (owned) (nullable) */
} SdOnionV4Response;

void sd_onion_v4_response_clear (SdOnionV4Response *response);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdOnionV4Response, sd_onion_v4_response_clear)

/* `l<len>:<info json>[<len>:<body>]e`; @headers is name, value, …, NULL */
GBytes *sd_onion_v4_payload_build (const gchar *method,
                                   const gchar *endpoint,
                                   const gchar *const *headers,
                                   const guint8 *body,
                                   gsize body_len,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the server's side of the same; @body is %NULL when there is none */
gboolean sd_onion_v4_payload_parse (const guint8 *data,
                                    gsize len,
                                    gchar **method,
                                    gchar **endpoint,
                                    JsonObject **headers,
                                    GBytes **body,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean sd_onion_v4_request_build (SdOnionCipher cipher,
                                    const SdOnionNode *hops,
                                    gsize n_hops,
                                    const SdOnionServer *server,
                                    const gchar *method,
                                    const gchar *endpoint,
                                    const gchar *const *headers,
                                    const guint8 *body,
                                    gsize body_len,
                                    SdOnionRequest *out,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same with a body of @body_len bytes that @fill writes in place (sd-onion-request.h);
 * @fill %NULL: no body item */
gboolean sd_onion_v4_request_build_filled (SdOnionCipher cipher,
                                           const SdOnionNode *hops,
                                           gsize n_hops,
                                           const SdOnionServer *server,
                                           const gchar *method,
                                           const gchar *endpoint,
                                           const gchar *const *headers,
                                           gsize body_len,
                                           SdOnionFillFunc fill,
                                           gpointer fill_data,
                                           SdOnionRequest *out,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the server's reply before encryption: `l<meta json>[<body>]e` with
 * meta {"code":n,"headers":{…}} */
GBytes *sd_onion_v4_reply_build (guint status,
                                 const gchar *const *headers,
                                 const guint8 *body,
                                 gsize body_len);

/* @reply is the raw HTTP 200 body (not base64) */
gboolean sd_onion_v4_response_decode (const SdOnionRequest *request,
                                      const guint8 *reply,
                                      gsize reply_len,
                                      SdOnionV4Response *out,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same, decrypting @reply where it lies: the body is a slice of it, nothing is copied
 * (when @reply has no other reference) */
gboolean sd_onion_v4_response_decode_owned (const SdOnionRequest *request,
                                            GBytes *reply,
                                            SdOnionV4Response *out,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
