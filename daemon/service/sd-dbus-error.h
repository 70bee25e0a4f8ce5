/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sessiond-contract.h"

G_BEGIN_DECLS

#define SD_DBUS_ERROR (sd_dbus_error_quark ())

/* the errors callers of the D-Bus API see, as org.sessiond.Daemon1.Error.<Name>: the one
 * domain the daemon registers, made from the contract's list so the client library (which
 * uses the same list) gets the same names back */
#define SD_DBUS_ERROR_ENUMERATOR(code, name) SD_DBUS_ERROR_##code,
typedef enum { SESSIOND_DBUS_ERRORS (SD_DBUS_ERROR_ENUMERATOR) } SdDbusError;
#undef SD_DBUS_ERROR_ENUMERATOR

GQuark sd_dbus_error_quark (void);

/* the one place where an error of any component (account, store, protocol, network,
 * keystore) becomes what a D-Bus caller sees; called once, at the D-Bus boundary. An
 * SD_DBUS_ERROR is copied as it is; anything unknown becomes Failed with the same message */
GError *sd_dbus_error_convert (const GError *error) G_GNUC_WARN_UNUSED_RESULT;

/* returns @error, converted, as the reply to @invocation */
void sd_dbus_error_return (GDBusMethodInvocation *invocation, const GError *error);

G_END_DECLS
