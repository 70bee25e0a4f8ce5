/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Opens the configured front end (a desktop file id, e.g. "org.sessiond.App.desktop") at
 * @conversation (nullable). A D-Bus activatable front end (DBusActivatable=true) is asked
 * through org.freedesktop.Application.ActivateAction("open-conversation", [id]) so it shows
 * that conversation (and is started by D-Bus if needed); any other one is launched. Failures
 * are only logged at debug level: an uninstalled front end is not an error. */
void sd_front_end_open (GDBusConnection *connection, const gchar *desktop_id,
                        const gchar *conversation);

G_END_DECLS
