/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(__SESSIOND_H_INSIDE__) && !defined(SESSIOND_COMPILATION)
#error "Only <sessiond.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * SESSIOND_CLIENT_ERROR:
 *
 * The error domain of libsessiond-client. Errors the daemon returns over
 * D-Bus come back in this domain with the matching [enum@ClientError] code.
 *
 * Since: 0.1
 */
#define SESSIOND_CLIENT_ERROR (sessiond_client_error_quark ())

/**
 * SessiondClientError:
 * @SESSIOND_CLIENT_ERROR_FAILED: something else went wrong
 * @SESSIOND_CLIENT_ERROR_INVALID_SESSION_ID: not a valid Session ID
 * @SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT: an argument was not acceptable
 * @SESSIOND_CLIENT_ERROR_NO_ACCOUNT: the daemon has no account yet
 * @SESSIOND_CLIENT_ERROR_ACCOUNT_EXISTS: the daemon already has an account
 * @SESSIOND_CLIENT_ERROR_INVALID_MNEMONIC: the recovery phrase is not valid
 * @SESSIOND_CLIENT_ERROR_NOT_FOUND: no such conversation, message or cookie
 * @SESSIOND_CLIENT_ERROR_MESSAGE_TOO_LONG: the message body is too long
 * @SESSIOND_CLIENT_ERROR_NETWORK: the Session network could not be reached
 * @SESSIOND_CLIENT_ERROR_KEYRING_UNAVAILABLE: there is no Secret Service
 * @SESSIOND_CLIENT_ERROR_KEY_NOT_FOUND: the account's key is missing
 * @SESSIOND_CLIENT_ERROR_BAD_PASSPHRASE: the key file passphrase is wrong
 * @SESSIOND_CLIENT_ERROR_KEY_CORRUPT: the stored key is damaged
 * @SESSIOND_CLIENT_ERROR_KEY_EXISTS: a key is already stored
 * @SESSIOND_CLIENT_ERROR_KEYSTORE_FAILED: the key store failed otherwise
 * @SESSIOND_CLIENT_ERROR_NOT_RUNNING: the daemon is not running and could
 *   not be started
 * @SESSIOND_CLIENT_ERROR_NOT_AUTHOR: only the author of a message may do
 *   that (for example unsend it)
 * @SESSIOND_CLIENT_ERROR_ACCESS_DENIED: the caller may not do that: a
 *   program in a Flatpak or Snap sandbox asked for the recovery phrase, or
 *   to create or restore the account
 * @SESSIOND_CLIENT_ERROR_ATTACHMENT_TOO_LARGE: an attachment has more than
 *   10,000,000 bytes
 * @SESSIOND_CLIENT_ERROR_ATTACHMENT_UNREADABLE: an attachment's fd is not a
 *   readable regular file
 * @SESSIOND_CLIENT_ERROR_TOO_MANY_ATTACHMENTS: more than 32 attachments in
 *   one message
 * @SESSIOND_CLIENT_ERROR_ATTACHMENT_NOT_AVAILABLE: the attachment's file is
 *   not here (not downloaded, failed or expired)
 * @SESSIOND_CLIENT_ERROR_IMAGE_NOT_SUPPORTED: an image whose metadata sessiond
 *   cannot remove (a type exiv2 does not read or write); it is not sent
 * @SESSIOND_CLIENT_ERROR_UPLOADS_FULL: too many bytes of attachments
 *   wait for upload; try again later
 * @SESSIOND_CLIENT_ERROR_INVALID_COMMUNITY_URL: not a community join URL
 *   (`http(s)://host[:port]/room?public_key=<64 hex>`)
 * @SESSIOND_CLIENT_ERROR_ONS_NOT_FOUND: no ONS name like this is registered
 * @SESSIOND_CLIENT_ERROR_ONS_DISAGREEMENT: the nodes asked for an ONS name
 *   did not all give the same answer
 * @SESSIOND_CLIENT_ERROR_NOT_FAILED: only a failed message of ours can be
 *   sent again
 *
 * Error codes of the %SESSIOND_CLIENT_ERROR domain. Except for
 * %SESSIOND_CLIENT_ERROR_NOT_RUNNING each is registered as the D-Bus error
 * `org.sessiond.Daemon1.Error.<Name>`.
 *
 * Since: 0.1
 */
typedef enum {
  SESSIOND_CLIENT_ERROR_FAILED,
  SESSIOND_CLIENT_ERROR_INVALID_SESSION_ID,
  SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT,
  SESSIOND_CLIENT_ERROR_NO_ACCOUNT,
  SESSIOND_CLIENT_ERROR_ACCOUNT_EXISTS,
  SESSIOND_CLIENT_ERROR_INVALID_MNEMONIC,
  SESSIOND_CLIENT_ERROR_NOT_FOUND,
  SESSIOND_CLIENT_ERROR_MESSAGE_TOO_LONG,
  SESSIOND_CLIENT_ERROR_NETWORK,
  SESSIOND_CLIENT_ERROR_KEYRING_UNAVAILABLE,
  SESSIOND_CLIENT_ERROR_KEY_NOT_FOUND,
  SESSIOND_CLIENT_ERROR_BAD_PASSPHRASE,
  SESSIOND_CLIENT_ERROR_KEY_CORRUPT,
  SESSIOND_CLIENT_ERROR_KEY_EXISTS,
  SESSIOND_CLIENT_ERROR_KEYSTORE_FAILED,
  SESSIOND_CLIENT_ERROR_NOT_RUNNING,
  SESSIOND_CLIENT_ERROR_NOT_AUTHOR,
  SESSIOND_CLIENT_ERROR_ACCESS_DENIED,
  SESSIOND_CLIENT_ERROR_ATTACHMENT_TOO_LARGE,
  SESSIOND_CLIENT_ERROR_ATTACHMENT_UNREADABLE,
  SESSIOND_CLIENT_ERROR_TOO_MANY_ATTACHMENTS,
  SESSIOND_CLIENT_ERROR_ATTACHMENT_NOT_AVAILABLE,
  SESSIOND_CLIENT_ERROR_IMAGE_NOT_SUPPORTED,
  SESSIOND_CLIENT_ERROR_UPLOADS_FULL,
  SESSIOND_CLIENT_ERROR_INVALID_COMMUNITY_URL,
  SESSIOND_CLIENT_ERROR_ONS_NOT_FOUND,
  SESSIOND_CLIENT_ERROR_ONS_DISAGREEMENT,
  SESSIOND_CLIENT_ERROR_NOT_FAILED,
} SessiondClientError;

GQuark sessiond_client_error_quark (void);

gboolean sessiond_session_id_is_valid (const gchar *session_id);

G_END_DECLS
