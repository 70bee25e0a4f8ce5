/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_MESSAGE_HASH_LEN 43 /* unpadded base64 of 32 bytes */

/* the storage server's message hash: BLAKE2b-256 over
 * account_id(33) || namespace text ("" for 0) || data, unpadded base64 */
gchar *sd_message_hash (const guint8 account_id[33],
                        gint namespace_,
                        const guint8 *data,
                        gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* "" for namespace 0, else its decimal form */
gchar *sd_namespace_text (gint namespace_) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
