/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-account.h"

G_BEGIN_DECLS

#define SD_DBUS_PATH "/org/sessiond/Daemon1"
#define SD_DBUS_CONVERSATIONS_PATH SD_DBUS_PATH "/conversations"

/* the objects on the bus: thin, it validates arguments, calls SdAccount and
 * maps errors; state changes arrive as SdAccount signals */
#define SD_TYPE_DBUS_SERVICE (sd_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (SdDbusService, sd_dbus_service, SD, DBUS_SERVICE, GObject)

SdDbusService *sd_dbus_service_new (GDBusConnection *connection,
                                    SdAccount *account,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the conversations go on the bus, without an InterfacesAdded each, when the account's
 * start-up is done ("started"), not as soon as the main loop runs: for a caller that requests
 * the bus name only after that */
void sd_dbus_service_attach_after_start (SdDbusService *self);

/* whether a client holds InhibitNotifications */
gboolean sd_dbus_service_notifications_inhibited (SdDbusService *self);

/* the object path of a conversation */
gchar *sd_dbus_conversation_path (const gchar *id) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
