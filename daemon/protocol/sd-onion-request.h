/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-onion-crypto.h"

G_BEGIN_DECLS

#define SD_ONION_HOPS 3

/* a node as the onion builder needs it */
typedef struct {
  guint8 ed25519_pk[32];
  guint8 x25519_pk[32];
} SdOnionNode;

/* a built request: the HTTP body for the guard's /onion_req/v2 and the
 * destination layer key needed to read the reply */
typedef struct {
  GBytes *body;                       /* (owned) */
  SdOnionCipher cipher;
  guint8 reply_key[SD_ONION_KEY_LEN]; /* wiped by _clear */
} SdOnionRequest;

void sd_onion_request_clear (SdOnionRequest *request);

/* memory for a large onion request or reply body of @len bytes, freed with g_free (so a GBytes
 * may take it and give it back without a copy). From SD_ONION_BUFFER_HUGE up it is aligned
 * to and advised as transparent huge pages where the kernel offers them: a 10 MB file in
 * 4 KiB pages is 2,500 page faults, each zeroing and accounting its page (a few ms of CPU) */
#define SD_ONION_BUFFER_HUGE (2 * 1024 * 1024)
guint8 *sd_onion_buffer_new (gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* wraps the storage RPC JSON @rpc_json for @destination through @hops
 * (guard first, n_hops >= 1), each layer with a fresh ephemeral key */
gboolean sd_onion_request_build (SdOnionCipher cipher,
                                 const SdOnionNode *hops,
                                 gsize n_hops,
                                 const SdOnionNode *destination,
                                 const gchar *rpc_json,
                                 SdOnionRequest *out,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the last relay's control JSON for a destination that is not a snode,
 * given the ephemeral key the destination layer was sealed with */
typedef gchar *(*SdOnionExitJsonFunc) (const guint8 ephemeral_pk[32],
                                       SdOnionCipher cipher,
                                       gpointer user_data);

/* the general form behind sd_onion_request_build(): @payload sealed for
 * @dest_x25519, the last relay told either @dest_ed25519 or @exit_json */
gboolean sd_onion_request_build_full (SdOnionCipher cipher,
                                      const SdOnionNode *hops,
                                      gsize n_hops,
                                      const guint8 dest_x25519[32],
                                      const guint8 *dest_ed25519,
                                      SdOnionExitJsonFunc exit_json,
                                      gpointer user_data,
                                      GBytes *payload,
                                      SdOnionRequest *out,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* writes the destination's plaintext, exactly @len bytes, into @dst; called once per build */
typedef gboolean (*SdOnionFillFunc) (guint8 *dst, gsize len, gpointer user_data, GError **error);

/* sd_onion_request_build_full without copies: every layer is laid out in the one buffer that
 * becomes the HTTP body, @fill writes the @payload_len bytes of the innermost one in place and
 * each layer is encrypted where it lies (a 10 MB attachment is held once, not once a layer) */
gboolean sd_onion_request_build_filled (SdOnionCipher cipher,
                                        const SdOnionNode *hops,
                                        gsize n_hops,
                                        const guint8 dest_x25519[32],
                                        const guint8 *dest_ed25519,
                                        SdOnionExitJsonFunc exit_json,
                                        gpointer user_data,
                                        gsize payload_len,
                                        SdOnionFillFunc fill,
                                        gpointer fill_data,
                                        SdOnionRequest *out,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* reads the guard's 200 reply (base64 of the encrypted
 * {"status":n,"body":...}); @body receives the body as text (a JSON
 * string body is unquoted, an object is serialized) */
gboolean sd_onion_response_decode (const SdOnionRequest *request,
                                   const gchar *reply,
                                   gsize reply_len,
                                   guint *status,
                                   gchar **body,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdOnionRequest, sd_onion_request_clear)

G_END_DECLS
