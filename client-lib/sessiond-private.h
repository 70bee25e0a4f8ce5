/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Helpers shared by the files of libsessiond-client. Everything here is G_GNUC_INTERNAL
 * (hidden visibility) and absent from sessiond-client.map, so none of it is ABI;
 * tests/client/test_symbols.py fails if one of these names is exported.
 */

#define SESSIOND_COMPILATION
#include "sessiond.h"
#include "sdc-dbus-generated.h"
#include "sessiond-contract.h"

G_BEGIN_DECLS

#define SESSIOND_BUS_NAME SESSIOND_DBUS_NAME
#define SESSIOND_ACCOUNT_PATH "/org/sessiond/Daemon1"
#define SESSIOND_CONVERSATION_PREFIX "/org/sessiond/Daemon1/conversations/"

G_GNUC_INTERNAL
void sessiond_error_fixup (GError *error);

G_GNUC_INTERNAL
SessiondConversation *sessiond_conversation_new (SdcDbusConversation1 *proxy);
/* the account's HistoryAdded, for this conversation */
void sessiond_conversation_emit_history_added (SessiondConversation *self, guint n_messages);
G_GNUC_INTERNAL
GVariant *sessiond_send_options_new (const gchar *quote_id);

G_GNUC_INTERNAL
GPtrArray *sessiond_messages_from_variant (GVariant *list);

G_GNUC_INTERNAL
SessiondReaction *sessiond_reaction_new (const gchar *emoji, guint count, gboolean reacted_by_me);
G_GNUC_INTERNAL
GPtrArray *sessiond_reactions_from_variant (GVariant *list);

G_GNUC_INTERNAL
void sessiond_call_async (gpointer source_object,
                          gpointer source_tag,
                          GDBusProxy *proxy,
                          const gchar *method,
                          GVariant *parameters,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
G_GNUC_INTERNAL
void sessiond_call_interface_async (gpointer source_object,
                                    gpointer source_tag,
                                    GDBusConnection *connection,
                                    const gchar *interface,
                                    const gchar *method,
                                    GVariant *parameters,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
G_GNUC_INTERNAL
GVariant *sessiond_call_finish (gpointer source_object,
                                gpointer source_tag,
                                GAsyncResult *result,
                                GError **error);

G_END_DECLS
