/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(__SESSIOND_H_INSIDE__) && !defined(SESSIOND_COMPILATION)
#error "Only <sessiond.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define SESSIOND_TYPE_MESSAGE (sessiond_message_get_type ())
G_DECLARE_FINAL_TYPE (SessiondMessage, sessiond_message, SESSIOND, MESSAGE, GObject)

SessiondMessage *sessiond_message_new_from_variant (GVariant *dict) G_GNUC_WARN_UNUSED_RESULT;

const gchar *sessiond_message_get_id (SessiondMessage *self);
const gchar *sessiond_message_get_conversation_id (SessiondMessage *self);
const gchar *sessiond_message_get_author (SessiondMessage *self);
gboolean     sessiond_message_get_outgoing (SessiondMessage *self);
const gchar *sessiond_message_get_body (SessiondMessage *self);
gint64       sessiond_message_get_sent_at (SessiondMessage *self);
gint64       sessiond_message_get_received_at (SessiondMessage *self);
const gchar *sessiond_message_get_status (SessiondMessage *self);
const gchar *sessiond_message_get_error_message (SessiondMessage *self);
gint64       sessiond_message_get_expires_at (SessiondMessage *self);
const gchar *sessiond_message_get_kind (SessiondMessage *self);
const gchar *sessiond_message_get_quote_id (SessiondMessage *self);
const gchar *sessiond_message_get_quote_author (SessiondMessage *self);
const gchar *sessiond_message_get_quote_body (SessiondMessage *self);
const gchar *sessiond_message_get_expiration_mode (SessiondMessage *self);
guint        sessiond_message_get_expiration_timer (SessiondMessage *self);
GPtrArray   *sessiond_message_get_reactions (SessiondMessage *self);
GVariant    *sessiond_message_lookup (SessiondMessage *self, const gchar *key);
GVariant    *sessiond_message_get_variant (SessiondMessage *self);

SessiondMessage *sessiond_message_copy_with_changes (SessiondMessage *self,
                                                     GVariant *changes) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
