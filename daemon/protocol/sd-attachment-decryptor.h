/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* the deterministic attachment scheme decrypted as it downloads: feed
 * the blob in pieces of any size, plaintext goes to a sink chunk by
 * chunk (at most 32 KiB held), the padding never reaches it */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SdAttachmentDecryptor SdAttachmentDecryptor;

/* receives plaintext in order; FALSE with @error stops decryption */
typedef gboolean (*SdAttachmentSink) (const guint8 *data,
                                      gsize len,
                                      gpointer user_data,
                                      GError **error);

/* @max_blob bounds the bytes fed (SD_ATTACHMENT_DET_MAX_BLOB normally) */
SdAttachmentDecryptor *sd_attachment_decryptor_new (const guint8 *key,
                                                    gsize key_len,
                                                    gsize max_blob,
                                                    SdAttachmentSink sink,
                                                    gpointer user_data,
                                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean sd_attachment_decryptor_update (SdAttachmentDecryptor *decryptor,
                                         const guint8 *data,
                                         gsize len,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* after the last piece: TRUE only if the stream ended with its FINAL chunk */
gboolean sd_attachment_decryptor_finish (SdAttachmentDecryptor *decryptor,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

void sd_attachment_decryptor_free (SdAttachmentDecryptor *decryptor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdAttachmentDecryptor, sd_attachment_decryptor_free)

G_END_DECLS
