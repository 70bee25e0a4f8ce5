/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#define SESSIOND_COMPILATION
#include "sessiond.h"
#include "sdc-dbus-generated.h"

G_BEGIN_DECLS

#define SESSIOND_BUS_NAME "org.sessiond.Daemon1"
#define SESSIOND_ACCOUNT_PATH "/org/sessiond/Daemon1"
#define SESSIOND_CONVERSATION_PREFIX "/org/sessiond/Daemon1/conversations/"

void sessiond_error_fixup (GError *error);

SessiondConversation *sessiond_conversation_new (SdcDbusConversation1 *proxy);
SdcDbusConversation1 *sessiond_conversation_get_proxy (SessiondConversation *self);
GVariant             *sessiond_send_options_new (const gchar *quote_id);

GPtrArray *sessiond_messages_from_variant (GVariant *list);

SessiondReaction *sessiond_reaction_new (const gchar *emoji, guint count, gboolean reacted_by_me);
GPtrArray        *sessiond_reactions_from_variant (GVariant *list);

void      sessiond_call_async (gpointer source_object,
                               gpointer source_tag,
                               GDBusProxy *proxy,
                               const gchar *method,
                               GVariant *parameters,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
GVariant *sessiond_call_finish (gpointer source_object,
                                gpointer source_tag,
                                GAsyncResult *result,
                                GError **error);

G_END_DECLS
