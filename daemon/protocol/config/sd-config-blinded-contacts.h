/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* Contacts config (namespace 3), the blinded part: people we talk with through a community
 * server's inbox, known only by their blinded id there. data["b"][base URL] is a dict with
 * "#" the server's X25519 key (32 bytes) and "R" the contacts, keyed by the blinded id's 64
 * hex digits (lower case, without the prefix); each has "n" (their name, always written, ""
 * when unknown), "y" (1: a blind15 id; absent: blind25), and the common "+" priority and "j"
 * created-at (unix seconds). libsession's layout (contacts.cpp); other keys are kept
 * (docs/communities.md) */

typedef struct {
  gchar *base_url;        /* (owned) as the config keys it */
  gchar blinded_id[67];   /* "15…" or "25…", lower case */
  guint8 pubkey[32];      /* the server's X25519 key */
  gchar *name;            /* (owned) "" when unknown */
  gint64 priority;
  gint64 created;         /* unix seconds */
} SdConfigBlindedContact;

void sd_config_blinded_contact_clear (SdConfigBlindedContact *contact);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdConfigBlindedContact, sd_config_blinded_contact_clear)

/* (element-type SdConfigBlindedContact) the well-formed entries; anything else is skipped */
GArray *sd_config_blinded_contacts_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* writes the entry (the server's key, name, kind of blinding, priority, created-at);
 * %SD_PROTOCOL_ERROR_TOO_LARGE for a URL past the limit, INVALID_BLINDED_ID for an id that
 * is not 15 or 25 and 64 hex digits */
gboolean sd_config_blinded_contacts_set (SdConfigValue *data,
                                         const SdConfigBlindedContact *contact,
                                         GError **error);
/* the entry goes, and the server's with its last one; FALSE when absent */
gboolean sd_config_blinded_contacts_remove (SdConfigValue *data,
                                            const gchar *base_url,
                                            const gchar *blinded_id);

G_END_DECLS
