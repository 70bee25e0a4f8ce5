/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-daemon-error.h"

#include "sd-keystore.h"
#include "sd-network-error.h"
#include "sd-protocol-error.h"
#include "sd-store.h"

static const GDBusErrorEntry entries[] = {
  { SD_DAEMON_ERROR_FAILED, "org.sessiond.Daemon1.Error.Failed" },
  { SD_DAEMON_ERROR_INVALID_SESSION_ID, "org.sessiond.Daemon1.Error.InvalidSessionId" },
  { SD_DAEMON_ERROR_INVALID_ARGUMENT, "org.sessiond.Daemon1.Error.InvalidArgument" },
  { SD_DAEMON_ERROR_NO_ACCOUNT, "org.sessiond.Daemon1.Error.NoAccount" },
  { SD_DAEMON_ERROR_ACCOUNT_EXISTS, "org.sessiond.Daemon1.Error.AccountExists" },
  { SD_DAEMON_ERROR_INVALID_MNEMONIC, "org.sessiond.Daemon1.Error.InvalidMnemonic" },
  { SD_DAEMON_ERROR_NOT_FOUND, "org.sessiond.Daemon1.Error.NotFound" },
  { SD_DAEMON_ERROR_MESSAGE_TOO_LONG, "org.sessiond.Daemon1.Error.MessageTooLong" },
  { SD_DAEMON_ERROR_NETWORK, "org.sessiond.Daemon1.Error.Network" },
  { SD_DAEMON_ERROR_NOT_AUTHOR, "org.sessiond.Daemon1.Error.NotAuthor" },
};

GQuark
sd_daemon_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("sd-daemon-error-quark", &quark, entries,
                                      G_N_ELEMENTS (entries));
  return (GQuark) quark;
}

GError *
sd_daemon_error_convert (const GError *error)
{
  SdDaemonError code = SD_DAEMON_ERROR_FAILED;

  if (error->domain == SD_DAEMON_ERROR || error->domain == SD_KEYSTORE_ERROR)
    return g_error_copy (error);
  if (error->domain == SD_STORE_ERROR) {
    if (error->code == SD_STORE_ERROR_NOT_FOUND)
      code = SD_DAEMON_ERROR_NOT_FOUND;
    else if (error->code == SD_STORE_ERROR_INVALID)
      code = SD_DAEMON_ERROR_INVALID_ARGUMENT;
  } else if (error->domain == SD_PROTOCOL_ERROR) {
    switch (error->code) {
    case SD_PROTOCOL_ERROR_INVALID_SESSION_ID:
    case SD_PROTOCOL_ERROR_INVALID_HEX:
      code = SD_DAEMON_ERROR_INVALID_SESSION_ID;
      break;
    case SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT:
    case SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD:
    case SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM:
    case SD_PROTOCOL_ERROR_MNEMONIC_INVALID:
      code = SD_DAEMON_ERROR_INVALID_MNEMONIC;
      break;
    default:
      break;
    }
  } else if (error->domain == SD_NETWORK_ERROR) {
    code = SD_DAEMON_ERROR_NETWORK;
  }
  return g_error_new_literal (SD_DAEMON_ERROR, code, error->message);
}
