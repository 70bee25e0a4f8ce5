/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* AttachmentPointer (protocol-advanced.md §6.4) decoded into plain,
 * bounded values: the scheme follows from key and digest, the URL
 * fragment gives the file server key and the deterministic flag */

#include <glib.h>

#include "session-messages.pb-c.h"

G_BEGIN_DECLS

#define SD_ATTACHMENT_URL_MAX          2048
/* attachments in one message, ours and theirs (as the official clients send at most) */
#define SD_ATTACHMENT_MAX_COUNT        32
#define SD_ATTACHMENT_CONTENT_TYPE_MAX 255
#define SD_ATTACHMENT_FILE_NAME_MAX    1024
#define SD_ATTACHMENT_CAPTION_MAX      4096
#define SD_ATTACHMENT_DIMENSION_MAX    65535

/* protocol-advanced.md §6.1: the default file server; pointers to any
 * other carry its Ed25519 key as `#p=` */
#define SD_FILE_SERVER_DEFAULT_HOST    "filev2.getsession.org"
#define SD_FILE_SERVER_DEFAULT_ED25519 \
  "b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371"

typedef enum {
  SD_ATTACHMENT_SCHEME_LEGACY,        /* 64-byte key and a digest */
  SD_ATTACHMENT_SCHEME_DETERMINISTIC, /* 32-byte key, no digest */
} SdAttachmentScheme;

typedef struct {
  gchar *url;           /* (owned) without its fragment; http or https */
  gchar *server_pubkey; /* (owned) (nullable) `p=` of the fragment, 64 hex */
  gchar *content_type;  /* (owned) (nullable) */
  gchar *file_name;     /* (owned) (nullable) as sent: not a safe path */
  gchar *caption;       /* (owned) (nullable) */
  GBytes *key;          /* (owned) 32 or 64 bytes */
  GBytes *digest;       /* (owned) (nullable) 32 bytes for legacy */
  SdAttachmentScheme scheme;
  gint64 size;          /* plaintext size, -1 when absent */
  gboolean voice_message;
  guint32 width;        /* 0 when absent or out of range */
  guint32 height;
} SdAttachmentPointer;

void sd_attachment_pointer_free (SdAttachmentPointer *pointer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdAttachmentPointer, sd_attachment_pointer_free)

static inline void
sd_attachment_pointer_pb_free (SessionProtos__AttachmentPointer *pb)
{
  session_protos__attachment_pointer__free_unpacked (pb, NULL);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessionProtos__AttachmentPointer, sd_attachment_pointer_pb_free)

SdAttachmentPointer *sd_attachment_pointer_from_pb (const SessionProtos__AttachmentPointer *pb,
                                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

SdAttachmentPointer *sd_attachment_pointer_decode (const guint8 *data,
                                                   gsize len,
                                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* where to download from: the URL's scheme, host, port (0: default) and
 * path, and the server's onion key (X25519, converted from `p=` or the
 * default server's Ed25519 key); an unknown host without `p=` cannot be
 * reached through onion requests */
gboolean sd_attachment_pointer_locate (const SdAttachmentPointer *pointer,
                                       gchar **protocol,
                                       gchar **host,
                                       guint16 *port,
                                       gchar **endpoint,
                                       guint8 server_x25519[32],
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the wire form; url gets its fragment back */
GBytes *sd_attachment_pointer_encode (const SdAttachmentPointer *pointer);

G_END_DECLS
