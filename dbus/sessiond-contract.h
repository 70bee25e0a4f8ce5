/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The parts of the D-Bus contract (org.sessiond.Daemon1.xml) that are plain strings: the
 * registered error names and the keys of the message dictionary. The daemon and the client
 * library both include this header, so the two sides cannot drift apart; a test checks the
 * error list against the XML.
 *
 * Header only, no GLib types: it is included from the daemon, the client library and tests.
 */

#define SESSIOND_DBUS_NAME "org.sessiond.Daemon1"
#define SESSIOND_DBUS_ERROR_PREFIX "org.sessiond.Daemon1.Error."

/* the interface of what reveals or replaces the identity (recovery phrase, create, restore):
 * refused to sandboxed callers, see docs/security.md */
#define SESSIOND_DBUS_ADMIN_INTERFACE "org.sessiond.AccountAdmin1"

/*
 * Every registered error, in the order of SessiondClientError (the client library's public,
 * ABI-stable enum; new errors go at the end). X (CODE, Name): CODE is the suffix of the C
 * enumerators (SESSIOND_CLIENT_ERROR_<CODE>, and the daemon's own), Name the last part of the
 * D-Bus error name. NOT_RUNNING is the client's own (the daemon cannot be reached) and has no
 * D-Bus name, so it is not listed here.
 */
#define SESSIOND_DBUS_ERRORS(X)                      \
  X (FAILED, "Failed")                               \
  X (INVALID_SESSION_ID, "InvalidSessionId")         \
  X (INVALID_ARGUMENT, "InvalidArgument")            \
  X (NO_ACCOUNT, "NoAccount")                        \
  X (ACCOUNT_EXISTS, "AccountExists")                \
  X (INVALID_MNEMONIC, "InvalidMnemonic")            \
  X (NOT_FOUND, "NotFound")                          \
  X (MESSAGE_TOO_LONG, "MessageTooLong")             \
  X (NETWORK, "Network")                             \
  X (KEYRING_UNAVAILABLE, "KeyringUnavailable")      \
  X (KEY_NOT_FOUND, "KeyNotFound")                   \
  X (BAD_PASSPHRASE, "BadPassphrase")                \
  X (KEY_CORRUPT, "KeyCorrupt")                      \
  X (KEY_EXISTS, "KeyExists")                        \
  X (KEYSTORE_FAILED, "KeystoreFailed")              \
  X (NOT_AUTHOR, "NotAuthor")                        \
  X (ACCESS_DENIED, "AccessDenied")                  \
  X (ATTACHMENT_TOO_LARGE, "AttachmentTooLarge")     \
  X (ATTACHMENT_UNREADABLE, "AttachmentUnreadable")  \
  X (TOO_MANY_ATTACHMENTS, "TooManyAttachments")     \
  X (ATTACHMENT_NOT_AVAILABLE, "AttachmentNotAvailable") \
  X (IMAGE_NOT_SUPPORTED, "ImageNotSupported")        \
  X (UPLOADS_FULL, "UploadsFull")                     \
  X (INVALID_COMMUNITY_URL, "InvalidCommunityUrl") \
  X (ONS_NOT_FOUND, "OnsNotFound")                   \
  X (ONS_DISAGREEMENT, "OnsDisagreement")            \
  X (NOT_FAILED, "NotFailed")

/* the keys of a message dictionary (a{sv}): MessageAdded, MessageChanged, GetMessages,
 * Search, MessageReceived. Types as in the XML. */
#define SESSIOND_MESSAGE_KEY_ID "id"                             /* s */
#define SESSIOND_MESSAGE_KEY_CONVERSATION "conversation"         /* s */
#define SESSIOND_MESSAGE_KEY_AUTHOR "author"                     /* s */
#define SESSIOND_MESSAGE_KEY_OUTGOING "outgoing"                 /* b */
#define SESSIOND_MESSAGE_KEY_BODY "body"                         /* s */
#define SESSIOND_MESSAGE_KEY_SENT_AT "sent-at"                   /* x, ms */
#define SESSIOND_MESSAGE_KEY_RECEIVED_AT "received-at"           /* x, ms */
#define SESSIOND_MESSAGE_KEY_STATUS "status"                     /* s */
#define SESSIOND_MESSAGE_KEY_ERROR "error"                       /* s, only when failed */
#define SESSIOND_MESSAGE_KEY_KIND "kind"                         /* s */
#define SESSIOND_MESSAGE_KEY_EXPIRES_AT "expires-at"             /* x, ms, when disappearing */
#define SESSIOND_MESSAGE_KEY_EXPIRATION_MODE "expiration-mode"   /* s */
#define SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER "expiration-timer" /* u, seconds */
#define SESSIOND_MESSAGE_KEY_QUOTE_ID "quote-id"                 /* s */
#define SESSIOND_MESSAGE_KEY_QUOTE_AUTHOR "quote-author"         /* s */
#define SESSIOND_MESSAGE_KEY_QUOTE_BODY "quote-body"             /* s */
#define SESSIOND_MESSAGE_KEY_REACTIONS "reactions"               /* a(sub) */
#define SESSIOND_MESSAGE_KEY_ATTACHMENTS "attachments"           /* aa{sv}, when there are some */
#define SESSIOND_MESSAGE_KEY_AUTHOR_NAME "author-name"           /* s, communities */
#define SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID "author-session-id" /* s, communities, when known */
