/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A QR code of a Session ID, drawn at whole pixels per module so it stays
 * sharp; dark on white with the four-module quiet zone scanners need, in
 * light and dark style alike. Built only with libqrencode. */
#define G_LOG_DOMAIN "SaQr"

#include "config.h"

#include <qrencode.h>

#include "sa-qr.h"

#define QUIET_ZONE 4

GdkTexture *
sa_qr_texture_new (const gchar *text, guint module_px)
{
  QRcode *code;
  gsize side, stride;
  g_autofree guint8 *pixels = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (text != NULL && *text != '\0', NULL);
  g_return_val_if_fail (module_px > 0 && module_px <= 32, NULL);
  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    return NULL;
  side = ((gsize) code->width + 2 * QUIET_ZONE) * module_px;
  stride = side * 4;
  pixels = g_malloc (stride * side);
  memset (pixels, 0xff, stride * side);
  for (gint y = 0; y < code->width; y++) {
    for (gint x = 0; x < code->width; x++) {
      /* bit 0 of each byte is the module's colour, 1 = dark */
      if ((code->data[y * code->width + x] & 1) == 0)
        continue;
      for (guint dy = 0; dy < module_px; dy++) {
        guint8 *row = pixels + ((QUIET_ZONE + y) * module_px + dy) * stride;

        for (guint dx = 0; dx < module_px; dx++) {
          guint8 *p = row + ((QUIET_ZONE + x) * module_px + dx) * 4;

          p[0] = p[1] = p[2] = 0;
        }
      }
    }
  }
  QRcode_free (code);
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), stride * side);
  return gdk_memory_texture_new ((int) side, (int) side, GDK_MEMORY_R8G8B8A8, bytes, stride);
}
