/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-kind.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* the storage server's limit on one stored item */
#define SD_CONFIG_MAX_MESSAGE 76800

typedef enum {
  SD_CONFIG_PUSH_RAW = 0,
  /* in the legacy protobuf wrapper, as libsession still pushes */
  SD_CONFIG_PUSH_WRAPPED = 1 << 0,
} SdConfigPushFlags;

/* a serialised user config → the bytes to store in its namespace
 * (before base64); %SD_PROTOCOL_ERROR_TOO_LARGE past 76,800 bytes */
GBytes *sd_config_push_encode (const SdIdentity *identity,
                               SdConfigKind kind,
                               gint64 seqno,
                               const guint8 *serialized,
                               gsize len,
                               SdConfigPushFlags flags,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* a stored item → the plaintext config message. The wrapper is optional
 * and may be doubled (an old client bug); without one the item is taken as
 * the raw blob */
GBytes *sd_config_push_decode (const SdIdentity *identity,
                               SdConfigKind kind,
                               const guint8 *data,
                               gsize len,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
