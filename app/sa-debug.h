/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

guint sa_debug_export (GtkApplication *app,
                       GDBusConnection *connection,
                       const gchar *object_path,
                       GError **error);

G_END_DECLS
