/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-transport.h"

G_DEFINE_INTERFACE (SdTransport, sd_transport, G_TYPE_OBJECT)

static void
sd_transport_default_init (SdTransportInterface *iface)
{
}

void
sd_transport_post_async (SdTransport *self,
                         const gchar *url,
                         GBytes *body,
                         guint timeout_ms,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_return_if_fail (SD_IS_TRANSPORT (self));
  SD_TRANSPORT_GET_IFACE (self)->post_async (self, url, body, timeout_ms, cancellable, callback,
                                             user_data);
}

void
sd_transport_post_progress_async (SdTransport *self,
                                  const gchar *url,
                                  GBytes *body,
                                  guint timeout_ms,
                                  SdTransportProgress progress,
                                  gpointer progress_data,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  SdTransportInterface *iface;

  g_return_if_fail (SD_IS_TRANSPORT (self));
  iface = SD_TRANSPORT_GET_IFACE (self);
  if (progress != NULL && iface->post_progress_async != NULL)
    iface->post_progress_async (self, url, body, timeout_ms, progress, progress_data,
                                cancellable, callback, user_data);
  else
    iface->post_async (self, url, body, timeout_ms, cancellable, callback, user_data);
}

GBytes *
sd_transport_post_finish (SdTransport *self, GAsyncResult *result, guint *status, GError **error)
{
  g_return_val_if_fail (SD_IS_TRANSPORT (self), NULL);
  return SD_TRANSPORT_GET_IFACE (self)->post_finish (self, result, status, error);
}
