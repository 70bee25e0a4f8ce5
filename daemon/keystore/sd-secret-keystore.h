/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsecret/secret.h>

#include "sd-keystore.h"

G_BEGIN_DECLS

/* the default keystore: one Secret Service item per data dir, in the
 * default collection, schema "org.sessiond.Account" with the attributes
 * "session-id" and "data-dir" (the absolute, canonical data dir, symlinks not
 * resolved), label "Session account 05xxxx…xxxx (sessiond)", secret the raw
 * 32-byte seed ("application/octet-stream").
 *
 * Each instance opens its own SecretService with an encrypted session, on
 * first use rather than at construction, so that the daemon starts without a
 * keyring and picks one up later. It never D-Bus-activates a Secret Service:
 * if nothing owns org.freedesktop.secrets (or $SECRET_SERVICE_BUS_NAME), or
 * there is no session bus, calls fail at once with
 * SD_KEYSTORE_ERROR_UNAVAILABLE. Nothing is ever written to disk by this
 * implementation. */
#define SD_TYPE_SECRET_KEYSTORE (sd_secret_keystore_get_type ())
G_DECLARE_FINAL_TYPE (SdSecretKeystore, sd_secret_keystore, SD, SECRET_KEYSTORE, GObject)

#define SD_SECRET_SCHEMA_NAME "org.sessiond.Account"

const SecretSchema *sd_secret_keystore_get_schema (void);

SdKeystore *sd_secret_keystore_new (const gchar *data_dir) G_GNUC_WARN_UNUSED_RESULT;

/* the value of the "data-dir" attribute */
const gchar *sd_secret_keystore_get_data_dir (SdSecretKeystore *self);

G_END_DECLS
