/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-fields.h"
#include "sd-config-value.h"

G_BEGIN_DECLS

/* Contacts config (namespace 3): data["c"][33-byte Session ID] */

#define SD_CONFIG_CONTACT_MAX_NAME 100

typedef enum {
  SD_CONFIG_NOTIFY_DEFAULT = 0,
  SD_CONFIG_NOTIFY_ALL = 1,
  SD_CONFIG_NOTIFY_DISABLED = 2,
  /* read as ALL in 1:1 conversations */
  SD_CONFIG_NOTIFY_MENTIONS_ONLY = 3,
} SdConfigNotify;

typedef enum {
  SD_CONFIG_EXPIRATION_NONE = 0,
  SD_CONFIG_EXPIRATION_AFTER_SEND = 1,
  SD_CONFIG_EXPIRATION_AFTER_READ = 2,
} SdConfigExpiration;

typedef struct {
  gchar session_id[67];
  gchar *name;            /* (owned) (nullable) NULL after _init; "" when read and unset */
  gchar *nickname;        /* (owned) (nullable) */
  gchar *avatar_url;      /* (owned) (nullable) NULL = no avatar */
  guint8 avatar_key[32];
  gboolean approved;      /* we accepted their request */
  gboolean approved_me;   /* they accepted ours */
  gboolean blocked;
  gint64 priority;        /* > 0 pinned (higher first), < 0 hidden */
  SdConfigNotify notifications;
  gint64 mute_until;      /* unix seconds, 0 = not muted */
  SdConfigExpiration expiration;
  gint64 expiration_seconds;
  gint64 created;         /* unix seconds */
} SdConfigContact;

void sd_config_contact_init (SdConfigContact *contact, const gchar *session_id);
void sd_config_contact_clear (SdConfigContact *contact);

/* FALSE (no error) when the contact is not in @data; FALSE with an error
 * for a malformed @session_id */
gboolean sd_config_contacts_get (const SdConfigValue *data,
                                 const gchar *session_id,
                                 SdConfigContact *out,
                                 GError **error);

/* writes the known fields; the contact's other keys are kept.
 * Fails on a malformed Session ID, a nickname or URL over the limit, or
 * an avatar key that is not 32 bytes; a long name is cut at 100 bytes */
gboolean sd_config_contacts_set (SdConfigValue *data,
                                 const SdConfigContact *contact,
                                 GError **error);

gboolean sd_config_contacts_remove (SdConfigValue *data, const gchar *session_id);

/* (element-type utf8) the Session IDs, in key order */
GPtrArray *sd_config_contacts_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdConfigContact, sd_config_contact_clear)

G_END_DECLS
