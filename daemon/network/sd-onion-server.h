/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-network.h"
#include "sd-onion-v4.h"

G_BEGIN_DECLS

/*
 * One onion request v4 to a server that is not a snode (the file server, community servers)
 * through the network's onion paths (protocol-network.md §6.3, §6.5), tried again on other
 * paths when the path fails. What the server answers — its status and body — is the caller's
 * to judge; only a path failure or an unreadable reply is an error here.
 */

/* @headers: name, value, …, NULL (nullable); @body (nullable); @timeout_ms 0: the
 * network's limit. The result is the server's status and body (empty when it sent none) */
void sd_onion_server_request_async (SdNetwork *network,
                                    const SdOnionServer *server,
                                    const gchar *method,
                                    const gchar *endpoint,
                                    const gchar *const *headers,
                                    GBytes *body,
                                    guint timeout_ms,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
/* the same with a body of @body_len bytes that @fill writes straight into the onion request
 * (sd-onion-request.h), once for each attempt: a large upload is never held twice.
 * @fill_destroy frees @fill_data when the request is over */
void sd_onion_server_request_filled_async (SdNetwork *network,
                                           const SdOnionServer *server,
                                           const gchar *method,
                                           const gchar *endpoint,
                                           const gchar *const *headers,
                                           gsize body_len,
                                           SdOnionFillFunc fill,
                                           gpointer fill_data,
                                           GDestroyNotify fill_destroy,
                                           guint timeout_ms,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
/* sd_onion_server_request_filled_async with @progress (nullable) told of each attempt's bytes
 * as they go to the guard and come back (sd_transport_post_progress_async: the sizes are the
 * onion request's and reply's, a little larger than the body); a retry starts again from 0 */
void sd_onion_server_request_progress_async (SdNetwork *network,
                                             const SdOnionServer *server,
                                             const gchar *method,
                                             const gchar *endpoint,
                                             const gchar *const *headers,
                                             gsize body_len,
                                             SdOnionFillFunc fill,
                                             gpointer fill_data,
                                             GDestroyNotify fill_destroy,
                                             guint timeout_ms,
                                             SdTransportProgress progress,
                                             gpointer progress_data,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
GBytes *sd_onion_server_request_finish (SdNetwork *network,
                                        GAsyncResult *result,
                                        guint *status,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
