/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-attachment-pointer.h"
#include "sd-network.h"

G_BEGIN_DECLS

/* the mainnet file server (protocol-advanced.md §6.1) */
#define SD_FILE_SERVER_DEFAULT_URL "http://" SD_FILE_SERVER_DEFAULT_HOST
#define SD_FILE_SERVER_DEFAULT_X25519 \
  "09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34"

/* one file transfer at most (a 10 MB attachment encrypts to 10,223,616 bytes) */
#define SD_FILE_SERVER_MAX_FILE (10 * 1024 * 1024)
/* one transfer may take this long through a path (the other requests: the network's limit) */
#define SD_FILE_SERVER_TIMEOUT_MS 120000

/* the daemon's file server, reached only through onion requests v4 on the network's paths
 * (protocol-network.md §6.3, §6.5): uploads (POST /file) and downloads (GET /file/{id}) */
#define SD_TYPE_FILE_SERVER (sd_file_server_get_type ())
G_DECLARE_FINAL_TYPE (SdFileServer, sd_file_server, SD, FILE_SERVER, GObject)

/* @url: http(s)://host[:port] (a path is ignored); @x25519_hex: its onion key. NULL for
 * both: the mainnet server */
SdFileServer *sd_file_server_new (SdNetwork *network,
                                  const gchar *url,
                                  const gchar *x25519_hex,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the server's Ed25519 key (64 hex digits), which must be the one its X25519 key was
 * converted from: pointers to our uploads on a server other than the mainnet one name it in
 * their `#p=` fragment, so any client can reach the file (protocol-advanced.md §6.2) */
gboolean sd_file_server_set_ed25519_key (SdFileServer *self,
                                         const gchar *ed25519_hex,
                                         GError **error);

/* the `p=` of our pointers: NULL on the mainnet server (which every client knows) and when
 * no Ed25519 key was given */
const gchar *sd_file_server_get_pointer_key (SdFileServer *self);

/* the base URL pointers to our uploads start with ("http://host[:port]") */
const gchar *sd_file_server_get_url (SdFileServer *self);

/* whether @url (without fragment) names a file of @self, and its id */
gboolean sd_file_server_owns_url (SdFileServer *self, const gchar *url, gchar **out_id);

/* uploads @blob (at most SD_FILE_SERVER_MAX_FILE); the result is the file's URL */
void sd_file_server_upload_async (SdFileServer *self,
                                  GBytes *blob,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
/* the same for a blob of @blob_len bytes that @fill writes straight into the onion request
 * (once for each attempt, so it must write the same bytes each time): the file is read and
 * encrypted where it is sent from, never copied. Finished with sd_file_server_upload_finish.
 * @progress (nullable) is told of each attempt's bytes as they go and come back
 * (sd_onion_server_request_progress_async) */
void sd_file_server_upload_filled_async (SdFileServer *self,
                                         gsize blob_len,
                                         SdOnionFillFunc fill,
                                         gpointer fill_data,
                                         GDestroyNotify fill_destroy,
                                         SdTransportProgress progress,
                                         gpointer progress_data,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gchar *sd_file_server_upload_finish (SdFileServer *self,
                                     GAsyncResult *result,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* the same, with when the server will drop the file (unix seconds; 0 when its reply did not
 * say, or said something implausible) */
gchar *sd_file_server_upload_finish_full (SdFileServer *self,
                                          GAsyncResult *result,
                                          gint64 *out_expires,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* asks the server to keep the file at @url (one of ours, sd_file_server_owns_url) for another
 * full lifetime: POST /file/{id}/extend, which the official clients call (the server may not
 * have it: a 404 then means either that or that the file is gone; both want a new upload).
 * The result is the new expiry (unix seconds; 0 when the reply did not say, -1 with @error).
 * Another server's URL fails with SD_NETWORK_ERROR_REJECTED before any request */
void sd_file_server_extend_async (SdFileServer *self,
                                  const gchar *url,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gint64 sd_file_server_extend_finish (SdFileServer *self, GAsyncResult *result, GError **error);

/* downloads what @pointer names, at most @max_bytes: from our server with its key, from
 * another only when the pointer's fragment names that server's key (`p=`), or from the
 * mainnet server with its published key. A file the server does not have (404) fails with
 * G_IO_ERROR_NOT_FOUND; other refusals with SD_NETWORK_ERROR_REJECTED. @progress as for
 * uploads */
void sd_file_server_download_async (SdFileServer *self,
                                    const SdAttachmentPointer *pointer,
                                    gsize max_bytes,
                                    SdTransportProgress progress,
                                    gpointer progress_data,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
GBytes *sd_file_server_download_finish (SdFileServer *self,
                                        GAsyncResult *result,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- one percent over a whole transfer ---- */

/* the phases of a file transfer, in order. An upload: BUILD (its file read and encrypted,
 * then the onion layers) and SEND (the onion request's bytes; the short reply is not
 * counted). A download: RECEIVE (the onion reply's bytes; the short request is not counted)
 * and OPEN (the blob checked and decrypted to its file) */
typedef enum {
  SD_FILE_PHASE_BUILD,
  SD_FILE_PHASE_SEND,
  SD_FILE_PHASE_RECEIVE,
  SD_FILE_PHASE_OPEN,
} SdFilePhase;

/* the share of the percent each phase has: building is ~0.1 s of CPU for 10 MB while sending
 * it takes seconds on the real network; checking and decrypting ~0.05 s */
#define SD_FILE_PROGRESS_BUILD_END 10
#define SD_FILE_PROGRESS_RECEIVE_END 90

/* what a transfer has shown so far */
typedef struct {
  gboolean upload;
  guint percent; /* 0: nothing yet; then 1-99, growing */
} SdFileProgress;

void sd_file_progress_init (SdFileProgress *progress, gboolean upload);

/* the percent @done of @total (0: unknown, counted as nothing done) in @phase stands for:
 * 1-99, or 0 for a phase the transfer does not count (an upload's reply, a download's
 * request) */
guint sd_file_progress_percent (gboolean upload, SdFilePhase phase, guint64 done, guint64 total);

/* TRUE when @progress->percent grew: it never goes back (a retried attempt's bytes start
 * again from 0 and are shown once they pass what was shown), never reaches 100 (that is
 * `available`) */
gboolean sd_file_progress_update (SdFileProgress *progress,
                                  SdFilePhase phase,
                                  guint64 done,
                                  guint64 total);

/* the id of an upload reply `{"id": .., ...}`; FALSE unless it is a plausible file id
 * (1-128 url-safe base64 characters) */
gboolean sd_file_server_parse_upload_reply (const guint8 *body,
                                            gsize len,
                                            gchar **out_id,
                                            GError **error);
/* "expires" of an upload or extend reply (a number of seconds, fractions dropped): 0 when
 * absent, not a number, or not between @now_s and @now_s + 10 years */
gint64 sd_file_server_parse_expires (const guint8 *body, gsize len, gint64 now_s);

G_END_DECLS
