/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* where a D-Bus caller runs, found as xdg-desktop-portal finds it: the bus's credentials of
 * the connection give a pid, and /proc of that pid tells a Flatpak (/.flatpak-info in its
 * root) or a Snap (a snap.* cgroup or AppArmor label) apart from a program of the host */
typedef enum {
  SD_DBUS_CALLER_HOST,    /* not in a sandbox we know */
  SD_DBUS_CALLER_FLATPAK,
  SD_DBUS_CALLER_SNAP,
  SD_DBUS_CALLER_UNKNOWN, /* no pid, or its /proc could not be read: treated as sandboxed */
} SdDbusCallerKind;

const gchar *sd_dbus_caller_kind_to_string (SdDbusCallerKind kind);

/* looks at /proc/@pid only (@security_label: the bus's LinuxSecurityLabel, or NULL) */
SdDbusCallerKind sd_dbus_caller_kind_for_pid (guint32 pid, const gchar *security_label);

/* asks the bus for @sender's credentials, then looks at /proc; checks afterwards that the
 * connection still has that pid, so a pid reused after the caller left is not believed */
void sd_dbus_caller_lookup_async (GDBusConnection *connection,
                                  const gchar *sender,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
SdDbusCallerKind sd_dbus_caller_lookup_finish (GAsyncResult *result, GError **error);

G_END_DECLS
