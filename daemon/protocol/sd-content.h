/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* serialized Content messages as the official clients build them
 * (protocol-identity-and-messages.md §4, §5, §6); sigTimestamp is always
 * the message's own T */

/* @profile_name (nullable) is sent with visible messages, never with sync
 * copies; @sync_target (nullable) only on copies to our own swarm */
GBytes *sd_content_pack_text (const gchar *body,
                              guint64 sent_at,
                              const gchar *profile_name,
                              guint64 profile_updated_seconds,
                              const gchar *sync_target) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_content_pack_typing (guint64 sent_at, gboolean started) G_GNUC_WARN_UNUSED_RESULT;

/* READ receipt for the messages sent at @timestamps */
GBytes *sd_content_pack_read_receipt (guint64 sent_at,
                                      const guint64 *timestamps,
                                      gsize n_timestamps) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_content_pack_request_response (guint64 sent_at,
                                          const gchar *profile_name,
                                          guint64 profile_updated_seconds) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
