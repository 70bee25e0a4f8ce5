/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the four user configs */
typedef enum {
  SD_CONFIG_KIND_USER_PROFILE,
  SD_CONFIG_KIND_CONTACTS,
  SD_CONFIG_KIND_CONVO_INFO_VOLATILE,
  SD_CONFIG_KIND_USER_GROUPS,
} SdConfigKind;

#define SD_CONFIG_N_KINDS 4

/* the encryption domain, e.g. "Contacts" */
const gchar *sd_config_kind_domain (SdConfigKind kind);
/* the swarm namespace: 2, 3, 4, 5 */
gint sd_config_kind_namespace (SdConfigKind kind);
/* SharedConfigMessage.Kind of the legacy wrapper: 1, 2, 3, 4 */
gint sd_config_kind_wrapper_kind (SdConfigKind kind);

G_END_DECLS
