/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-account.h"

G_BEGIN_DECLS

#define SD_SEARCH_PROVIDER_PATH "/org/sessiond/Daemon1/SearchProvider"

/* org.gnome.Shell.SearchProvider2 on the daemon's connection: results are
 * conversations whose name or Session ID matches every term, then messages
 * whose text does; activating one opens the configured front end, or does
 * nothing without one */
#define SD_TYPE_SEARCH_PROVIDER (sd_search_provider_get_type ())
G_DECLARE_FINAL_TYPE (SdSearchProvider, sd_search_provider, SD, SEARCH_PROVIDER, GObject)

SdSearchProvider *sd_search_provider_new (GDBusConnection *connection,
                                          SdAccount *account,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the desktop file id the results open; NULL or "" for none */
void sd_search_provider_set_front_end (SdSearchProvider *self, const gchar *desktop_id);

G_END_DECLS
