/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GdkTexture *sa_qr_texture_new (const gchar *text, guint module_px) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
