/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The store's schema: its version and the steps that build it (sd-store-schema.c). */

/* the schema version this build writes and understands (PRAGMA user_version) */
#define SD_STORE_SCHEMA_VERSION 15

/* "SESD": marks the file as ours in the header (PRAGMA application_id) */
#define SD_STORE_APPLICATION_ID 0x53455344

/* brings @db from @from_version to SD_STORE_SCHEMA_VERSION, one transaction per step so an
 * interrupted migration resumes at the step it stopped in */
gboolean sd_store_schema_migrate (sqlite3 *db, gint from_version, GError **error);
/* the same, stopping at @to_version: how tests build the file an older release wrote */
gboolean sd_store_schema_migrate_to (sqlite3 *db, gint from_version, gint to_version,
                                     GError **error);

G_END_DECLS
