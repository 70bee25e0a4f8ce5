/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-attachment-pointer.h"
#include "sd-file-server.h"
#include "sd-store.h"

G_BEGIN_DECLS

#define SD_ATTACHMENTS_ERROR (sd_attachments_error_quark ())

typedef enum {
  SD_ATTACHMENTS_ERROR_TOO_LARGE,   /* over the official 10 MB limit */
  SD_ATTACHMENTS_ERROR_UNREADABLE,  /* the fd is not a readable regular file */
  SD_ATTACHMENTS_ERROR_TOO_MANY,    /* more than SD_ATTACHMENT_MAX_COUNT per message */
  SD_ATTACHMENTS_ERROR_IMAGE_UNSUPPORTED, /* an image whose metadata cannot be removed */
  SD_ATTACHMENTS_ERROR_UPLOADS_FULL, /* too many bytes waiting for upload */
  SD_ATTACHMENTS_ERROR_NOT_AVAILABLE, /* OpenAttachment: not downloaded (yet) */
} SdAttachmentsError;

GQuark sd_attachments_error_quark (void);

/* desktop's limit for one attachment, and ours */
#define SD_ATTACHMENTS_MAX_SIZE 10000000
/* attachments of one message */
/* the default of the auto-download-max setting: incoming attachments up to this size are
 * fetched without being asked, from approved contacts only (docs/attachments.md) */
#define SD_ATTACHMENTS_AUTO_DOWNLOAD_MAX SD_ATTACHMENTS_MAX_SIZE
#define SD_ATTACHMENTS_MAX_ATTEMPTS 8
/* prepares (read, strip, write) in worker threads at once; more wait in a queue */
#define SD_ATTACHMENTS_PREPARES_MAX 2
/* bytes of our attachments waiting for upload, past which Send refuses more */
#define SD_ATTACHMENTS_UPLOADING_MAX ((gint64) 200 * 1000 * 1000)

/* the transfers of the account's attachments: ours are read, stripped of metadata and kept
 * in <data dir>/attachments, then encrypted and uploaded before their message is due; theirs
 * are downloaded, verified and decrypted there. The work lives in the store, so a restart
 * finishes it */
#define SD_TYPE_ATTACHMENTS (sd_attachments_get_type ())
G_DECLARE_FINAL_TYPE (SdAttachments, sd_attachments, SD, ATTACHMENTS, GObject)

SdAttachments *sd_attachments_new (SdStore *store,
                                   SdFileServer *file_server,
                                   const gchar *data_dir) G_GNUC_WARN_UNUSED_RESULT;

/* one attachment handed to us for sending */
typedef struct {
  gint fd;                  /* read, never closed here */
  const gchar *file_name;   /* (nullable) */
  const gchar *content_type; /* (nullable) guessed when absent */
  const gchar *caption;     /* (nullable) */
  gboolean voice;
} SdAttachmentSource;

/* reads each source (a regular file of at most SD_ATTACHMENTS_MAX_SIZE bytes), strips an
 * image's metadata (EXIF with GPS, XMP, IPTC, comments; the orientation stays), notes type,
 * size and dimensions and keeps the result in the data dir. @out (element-type
 * SdOutgoingAttachment, its strings and secret owned by the array) is what
 * sd_store_queue_outgoing_full() takes. On an error nothing is left behind */
gboolean sd_attachments_prepare (SdAttachments *self,
                                 const SdAttachmentSource *sources,
                                 guint n_sources,
                                 GArray **out,
                                 GError **error);
/* the same in a worker thread; the fds are duplicated at once (the caller may close them) */
void sd_attachments_prepare_async (SdAttachments *self,
                                   const SdAttachmentSource *sources,
                                   guint n_sources,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
GArray *sd_attachments_prepare_finish (SdAttachments *self,
                                       GAsyncResult *result,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* frees what prepare() gave; @remove_files when the message was not queued after all */
/* moves the prepared files to where the sweep sees them: call in the same main-loop turn as
 * storing the rows that name them */
gboolean sd_attachments_prepared_keep (SdAttachments *self, GArray *prepared, GError **error);
void sd_attachments_prepared_free (SdAttachments *self, GArray *prepared, gboolean remove_files);

/* fetches a pointer (wire form) that is not the file server's: a community's room file, in
 * plaintext (docs/communities.md). FALSE when the pointer is not its own; otherwise
 * @callback gets a GTask whose result is the file (GBytes, at most @max_bytes), or an error
 * (G_IO_ERROR_NOT_FOUND: gone; SD_NETWORK_ERROR_REJECTED: refused) */
typedef gboolean (*SdAttachmentsPlainFetch) (GBytes *pointer,
                                             gsize max_bytes,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer callback_data,
                                             gpointer user_data);
/* keeps @data as a new file under <data dir>/attachments, written in a worker thread;
 * _finish gives its name in @out_file, and it must be named by a stored row in the same
 * main-loop turn, or the sweep removes it */
void sd_attachments_store_file_async (SdAttachments *self,
                                      GBytes *data,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean sd_attachments_store_file_finish (SdAttachments *self,
                                           GAsyncResult *result,
                                           gchar **out_file,
                                           GError **error);
/* where a prepared file is until sd_attachments_prepared_keep(), to read it before then */
gchar *sd_attachments_prepared_path (SdAttachments *self, const gchar *file);
void sd_attachments_set_plain_fetch (SdAttachments *self,
                                     SdAttachmentsPlainFetch fetch,
                                     gpointer user_data);

/* 0: nothing is fetched by itself */
/* the cap of SD_ATTACHMENTS_UPLOADING_MAX, for tests */
void sd_attachments_set_uploading_max (SdAttachments *self, gint64 max_bytes);
void sd_attachments_set_auto_download_max (SdAttachments *self, guint max_bytes);

void sd_attachments_start (SdAttachments *self);
void sd_attachments_stop (SdAttachments *self);
/* looks at the work now */
void sd_attachments_kick (SdAttachments *self);

/* a new incoming message: its attachments up to the size limit are fetched when
 * @from_contact (an approved, unblocked conversation) */
void sd_attachments_consider (SdAttachments *self, const SdMessage *message, gboolean from_contact);

/* fetches attachment @index of @message_id (again, after a failure); NOT_FOUND unless the
 * message is in @conversation */
gboolean sd_attachments_download (SdAttachments *self,
                                  const gchar *conversation,
                                  const gchar *message_id,
                                  guint index,
                                  GError **error);

/* a new read-only fd of the file at @path, never through a symlink; NOT_AVAILABLE when gone */
gint sd_attachments_open_file (const gchar *path, GError **error);

/* a new read-only fd of the decrypted (or our own) file */
gint sd_attachments_open (SdAttachments *self,
                          const gchar *conversation,
                          const gchar *message_id,
                          guint index,
                          GError **error);

/* @conversation was approved (or unblocked): what its requests brought is downloaded now, by
 * the automatic-download rule (auto-download-max) */
void sd_attachments_conversation_approved (SdAttachments *self, const gchar *conversation);

/* an image for our avatar: read from @fd like an attachment (same limits), metadata
 * stripped; InvalidArgument unless it is an image */
void sd_attachments_read_image_async (SdAttachments *self,
                                      gint fd,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
GBytes *sd_attachments_read_image_finish (SdAttachments *self,
                                          GAsyncResult *result,
                                          GError **error);

/* uploads @blob to the file server; the result is its URL */
void sd_attachments_upload_async (SdAttachments *self,
                                  GBytes *blob,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gchar *sd_attachments_upload_finish (SdAttachments *self,
                                     GAsyncResult *result,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* the same, with the file's expiry as the server gave it (unix seconds, 0: not said) */
gchar *sd_attachments_upload_finish_full (SdAttachments *self,
                                          GAsyncResult *result,
                                          gint64 *out_expires,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* keeps the file at @url (ours) for another lifetime (sd_file_server_extend_async): the
 * result is its new expiry (0: not said) */
void sd_attachments_extend_async (SdAttachments *self,
                                  const gchar *url,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gint64 sd_attachments_extend_finish (SdAttachments *self, GAsyncResult *result, GError **error);

/* fetches @conversation's avatar when its profile names one not fetched yet; "avatar-changed"
 * tells when it is there. Failures wait for the next profile or start */
/* whether @plain may be kept as a profile picture: a PNG, JPEG, GIF or WebP (by its bytes) of
 * at most 2,000,000 bytes and 4096 × 4096 pixels */
gboolean sd_attachments_check_avatar (GBytes *plain, GError **error);
void sd_attachments_fetch_avatar (SdAttachments *self, const gchar *conversation);
/* downloads and decrypts the avatar at @url with the profile @key (32 bytes): our own, set
 * on another device; the result is the picture */
void sd_attachments_download_avatar_async (SdAttachments *self,
                                           const gchar *url,
                                           GBytes *key,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
GBytes *sd_attachments_download_avatar_finish (SdAttachments *self,
                                               GAsyncResult *result,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* a read-only fd of @conversation's fetched avatar */
gint sd_attachments_open_avatar (SdAttachments *self, const gchar *conversation, GError **error);

/* removes files no attachment row names any more (after messages went) */
void sd_attachments_sweep (SdAttachments *self);

/* signals:
 *   "changed" (const gchar *message_id): an attachment's state changed
 *   "ready" (const gchar *message_id): the last upload of our message is done, it is due
 *   "avatar-changed" (const gchar *conversation): its avatar was fetched */

G_END_DECLS
