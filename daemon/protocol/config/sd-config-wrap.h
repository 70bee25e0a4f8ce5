/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-kind.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* the legacy wrapper old clients expect around a user config blob:
 * Content{sharedConfigMessage{kind, seqno, blob}} + 0x80, sealed to
 * ourselves deterministically, in Envelope{type 6, timestamp 1}, in a
 * WebSocketMessage */
GBytes *sd_config_wrap (const SdIdentity *identity,
                        SdConfigKind kind,
                        gint64 seqno,
                        const guint8 *blob,
                        gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* the blob inside a wrapper: it must be sealed by @identity itself and be
 * of @kind; @seqno (optional) receives the wrapper's seqno */
GBytes *sd_config_unwrap (const SdIdentity *identity,
                          SdConfigKind kind,
                          const guint8 *data,
                          gsize len,
                          gint64 *seqno,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
