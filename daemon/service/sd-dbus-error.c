/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdDbusError"

#include "sd-dbus-error.h"

#include "sd-account.h"
#include "sd-groups.h"
#include "sd-keystore.h"
#include "sd-network-error.h"
#include "sd-protocol-error.h"
#include "sd-store.h"

#define SD_DBUS_ERROR_ENTRY(code, name) { SD_DBUS_ERROR_##code, SESSIOND_DBUS_ERROR_PREFIX name },
static const GDBusErrorEntry entries[] = { SESSIOND_DBUS_ERRORS (SD_DBUS_ERROR_ENTRY) };
#undef SD_DBUS_ERROR_ENTRY

GQuark
sd_dbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("sd-dbus-error-quark", &quark, entries,
                                      G_N_ELEMENTS (entries));
  return (GQuark) quark;
}

static SdDbusError
from_account (gint code)
{
  switch ((SdAccountError) code) {
  case SD_ACCOUNT_ERROR_INVALID_SESSION_ID:
    return SD_DBUS_ERROR_INVALID_SESSION_ID;
  case SD_ACCOUNT_ERROR_INVALID_ARGUMENT:
    return SD_DBUS_ERROR_INVALID_ARGUMENT;
  case SD_ACCOUNT_ERROR_NO_ACCOUNT:
    return SD_DBUS_ERROR_NO_ACCOUNT;
  case SD_ACCOUNT_ERROR_ACCOUNT_EXISTS:
    return SD_DBUS_ERROR_ACCOUNT_EXISTS;
  case SD_ACCOUNT_ERROR_NOT_FOUND:
    return SD_DBUS_ERROR_NOT_FOUND;
  case SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG:
    return SD_DBUS_ERROR_MESSAGE_TOO_LONG;
  case SD_ACCOUNT_ERROR_NOT_AUTHOR:
    return SD_DBUS_ERROR_NOT_AUTHOR;
  case SD_ACCOUNT_ERROR_NOT_FAILED:
    return SD_DBUS_ERROR_NOT_FAILED;
  case SD_ACCOUNT_ERROR_FAILED:
  default:
    return SD_DBUS_ERROR_FAILED;
  }
}

static SdDbusError
from_keystore (gint code)
{
  switch ((SdKeystoreError) code) {
  case SD_KEYSTORE_ERROR_UNAVAILABLE:
    return SD_DBUS_ERROR_KEYRING_UNAVAILABLE;
  case SD_KEYSTORE_ERROR_NOT_FOUND:
    return SD_DBUS_ERROR_KEY_NOT_FOUND;
  case SD_KEYSTORE_ERROR_BAD_PASSPHRASE:
    return SD_DBUS_ERROR_BAD_PASSPHRASE;
  case SD_KEYSTORE_ERROR_CORRUPT:
    return SD_DBUS_ERROR_KEY_CORRUPT;
  case SD_KEYSTORE_ERROR_EXISTS:
    return SD_DBUS_ERROR_KEY_EXISTS;
  case SD_KEYSTORE_ERROR_FAILED:
  default:
    return SD_DBUS_ERROR_KEYSTORE_FAILED;
  }
}

static SdDbusError
from_protocol (gint code)
{
  switch (code) {
  case SD_PROTOCOL_ERROR_INVALID_SESSION_ID:
  case SD_PROTOCOL_ERROR_INVALID_HEX:
    return SD_DBUS_ERROR_INVALID_SESSION_ID;
  case SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT:
  case SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD:
  case SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM:
  case SD_PROTOCOL_ERROR_MNEMONIC_INVALID:
    return SD_DBUS_ERROR_INVALID_MNEMONIC;
  case SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL:
    return SD_DBUS_ERROR_INVALID_COMMUNITY_URL;
  case SD_PROTOCOL_ERROR_INVALID_ONS_NAME:
    return SD_DBUS_ERROR_INVALID_ARGUMENT;
  case SD_PROTOCOL_ERROR_ONS_NOT_FOUND:
    return SD_DBUS_ERROR_ONS_NOT_FOUND;
  case SD_PROTOCOL_ERROR_ONS_DISAGREEMENT:
    return SD_DBUS_ERROR_ONS_DISAGREEMENT;
  default:
    return SD_DBUS_ERROR_FAILED;
  }
}

GError *
sd_dbus_error_convert (const GError *error)
{
  SdDbusError code = SD_DBUS_ERROR_FAILED;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SD_DBUS_ERROR)
    return g_error_copy (error);
  if (error->domain == SD_ACCOUNT_ERROR)
    code = from_account (error->code);
  else if (error->domain == SD_KEYSTORE_ERROR)
    code = from_keystore (error->code);
  else if (error->domain == SD_STORE_ERROR && error->code == SD_STORE_ERROR_NOT_FOUND)
    code = SD_DBUS_ERROR_NOT_FOUND;
  else if (error->domain == SD_STORE_ERROR && error->code == SD_STORE_ERROR_INVALID)
    code = SD_DBUS_ERROR_INVALID_ARGUMENT;
  else if (error->domain == SD_PROTOCOL_ERROR)
    code = from_protocol (error->code);
  else if (error->domain == SD_NETWORK_ERROR)
    code = SD_DBUS_ERROR_NETWORK;
  else if (error->domain == SD_ATTACHMENTS_ERROR)
    code = error->code == SD_ATTACHMENTS_ERROR_TOO_LARGE ? SD_DBUS_ERROR_ATTACHMENT_TOO_LARGE
           : error->code == SD_ATTACHMENTS_ERROR_UNREADABLE ? SD_DBUS_ERROR_ATTACHMENT_UNREADABLE
           : error->code == SD_ATTACHMENTS_ERROR_TOO_MANY ? SD_DBUS_ERROR_TOO_MANY_ATTACHMENTS
           : error->code == SD_ATTACHMENTS_ERROR_IMAGE_UNSUPPORTED ? SD_DBUS_ERROR_IMAGE_NOT_SUPPORTED
           : error->code == SD_ATTACHMENTS_ERROR_UPLOADS_FULL ? SD_DBUS_ERROR_UPLOADS_FULL
                                                          : SD_DBUS_ERROR_ATTACHMENT_NOT_AVAILABLE;
  else if (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_INVALID_ARGUMENT)
    code = SD_DBUS_ERROR_INVALID_ARGUMENT;
  else if (error->domain == SD_GROUPS_ERROR)
    code = error->code == SD_GROUPS_ERROR_INVALID ? SD_DBUS_ERROR_INVALID_ARGUMENT
           : error->code == SD_GROUPS_ERROR_NOT_FOUND ? SD_DBUS_ERROR_NOT_FOUND
           : error->code == SD_GROUPS_ERROR_NOT_MEMBER ? SD_DBUS_ERROR_ACCESS_DENIED
           : error->code == SD_GROUPS_ERROR_NOT_ADMIN ? SD_DBUS_ERROR_ACCESS_DENIED
                                                       : SD_DBUS_ERROR_NETWORK;
  return g_error_new_literal (SD_DBUS_ERROR, code, error->message);
}

void
sd_dbus_error_return (GDBusMethodInvocation *invocation, const GError *error)
{
  g_autoptr(GError) converted = NULL;

  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_return_if_fail (error != NULL);

  converted = sd_dbus_error_convert (error);
  g_dbus_method_invocation_return_gerror (invocation, converted);
}
