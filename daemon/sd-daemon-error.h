/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SD_DAEMON_ERROR (sd_daemon_error_quark ())

/* errors callers of the D-Bus API see, as org.sessiond.Daemon1.Error.<Name>
 * (keyring errors keep their own domain: see sd-keystore.h) */
typedef enum {
  SD_DAEMON_ERROR_FAILED,             /* Failed */
  SD_DAEMON_ERROR_INVALID_SESSION_ID, /* InvalidSessionId */
  SD_DAEMON_ERROR_INVALID_ARGUMENT,   /* InvalidArgument */
  SD_DAEMON_ERROR_NO_ACCOUNT,         /* NoAccount */
  SD_DAEMON_ERROR_ACCOUNT_EXISTS,     /* AccountExists */
  SD_DAEMON_ERROR_INVALID_MNEMONIC,   /* InvalidMnemonic */
  SD_DAEMON_ERROR_NOT_FOUND,          /* NotFound */
  SD_DAEMON_ERROR_MESSAGE_TOO_LONG,   /* MessageTooLong */
  SD_DAEMON_ERROR_NETWORK,            /* Network */
  SD_DAEMON_ERROR_NOT_AUTHOR,         /* NotAuthor: only the author may do this */
} SdDaemonError;

GQuark sd_daemon_error_quark (void);

/* folds an error of any component into what a D-Bus caller should see:
 * store NOT_FOUND → NotFound, protocol Session ID errors → InvalidSessionId,
 * mnemonic errors → InvalidMnemonic, network errors → Network, keystore
 * errors unchanged, anything else → Failed with the same message */
GError *sd_daemon_error_convert (const GError *error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
