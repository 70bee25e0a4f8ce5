/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the most a reply body may hold: the storage server refuses requests over 10 MiB (413), and
 * its largest answers (a 3.9 MB retrieve page, base64 inside an onion layer) stay well below */
#define SD_TRANSPORT_MAX_REPLY (10 * 1024 * 1024)

/* the bytes of one request moved so far, on the caller's main context: @sending while the
 * body goes (@total its size), then while the reply is read (@total its Content-Length, 0 when
 * not announced). Only between the post and its callback; never after the callback ran */
typedef void (*SdTransportProgress) (gboolean sending, guint64 done, guint64 total,
                                     gpointer user_data);

/* how the network layer sends one HTTP POST; libsoup in the daemon, a fake
 * in unit tests */
#define SD_TYPE_TRANSPORT (sd_transport_get_type ())
G_DECLARE_INTERFACE (SdTransport, sd_transport, SD, TRANSPORT, GObject)

struct _SdTransportInterface {
  GTypeInterface parent_iface;

  void (*post_async) (SdTransport *self,
                      const gchar *url,
                      GBytes *body,
                      guint timeout_ms,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data);
  GBytes *(*post_finish) (SdTransport *self,
                          GAsyncResult *result,
                          guint *status,
                          GError **error);
  /* (optional) post_async that also reports the bytes as they go; finished by post_finish */
  void (*post_progress_async) (SdTransport *self,
                               const gchar *url,
                               GBytes *body,
                               guint timeout_ms,
                               SdTransportProgress progress,
                               gpointer progress_data,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
};

void sd_transport_post_async (SdTransport *self,
                              const gchar *url,
                              GBytes *body,
                              guint timeout_ms,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);

/* sd_transport_post_async with @progress (nullable) told of the bytes as they go; a transport
 * that cannot tell never calls it */
void sd_transport_post_progress_async (SdTransport *self,
                                       const gchar *url,
                                       GBytes *body,
                                       guint timeout_ms,
                                       SdTransportProgress progress,
                                       gpointer progress_data,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);

/* the response body and HTTP status; an error only when no HTTP answer
 * arrived (connection refused, TLS failure, timeout: SD_NETWORK_ERROR_TIMEOUT) */
GBytes *sd_transport_post_finish (SdTransport *self,
                                  GAsyncResult *result,
                                  guint *status,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
