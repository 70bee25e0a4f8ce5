/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(__SESSIOND_H_INSIDE__) && !defined(SESSIOND_COMPILATION)
#error "Only <sessiond.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sessiond-conversation.h"
#include "sessiond-message.h"

G_BEGIN_DECLS

#define SESSIOND_TYPE_CLIENT (sessiond_client_get_type ())
G_DECLARE_FINAL_TYPE (SessiondClient, sessiond_client, SESSIOND, CLIENT, GObject)

void            sessiond_client_new_async (GDBusConnection *connection,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
void            sessiond_client_new_for_address_async (const gchar *address,
                                                       GCancellable *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer user_data);
SessiondClient *sessiond_client_new_finish (GAsyncResult *result,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
SessiondClient *sessiond_client_new_sync (GDBusConnection *connection,
                                          GCancellable *cancellable,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

GDBusConnection *sessiond_client_get_connection (SessiondClient *self);
gchar           *sessiond_client_dup_state (SessiondClient *self);
gchar           *sessiond_client_dup_session_id (SessiondClient *self);
gchar           *sessiond_client_dup_display_name (SessiondClient *self);
gchar           *sessiond_client_dup_avatar_url (SessiondClient *self);
gboolean         sessiond_client_get_config_synced (SessiondClient *self);
guint            sessiond_client_get_unread_count (SessiondClient *self);
gboolean         sessiond_client_get_sync_progress (SessiondClient *self,
                                                    guint64 *fetched,
                                                    guint *conversations);
GListModel      *sessiond_client_get_conversations (SessiondClient *self);
SessiondConversation *sessiond_client_lookup_conversation (SessiondClient *self,
                                                           const gchar *session_id);

void   sessiond_client_create_account_async (SessiondClient *self,
                                             const gchar *display_name,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gchar *sessiond_client_create_account_finish (SessiondClient *self,
                                              GAsyncResult *result,
                                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_client_restore_account_async (SessiondClient *self,
                                              const gchar *mnemonic,
                                              const gchar *display_name,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gchar *sessiond_client_restore_account_finish (SessiondClient *self,
                                               GAsyncResult *result,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_client_get_recovery_phrase_async (SessiondClient *self,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gchar *sessiond_client_get_recovery_phrase_finish (SessiondClient *self,
                                                   GAsyncResult *result,
                                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

void     sessiond_client_set_avatar_async (SessiondClient *self,
                                           const gchar *path,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean sessiond_client_set_avatar_finish (SessiondClient *self,
                                            GAsyncResult *result,
                                            GError **error);

void     sessiond_client_set_display_name_async (SessiondClient *self,
                                                 const gchar *name,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean sessiond_client_set_display_name_finish (SessiondClient *self,
                                                  GAsyncResult *result,
                                                  GError **error);

void     sessiond_client_create_group_async (SessiondClient *self,
                                             const gchar *name,
                                             const gchar *const *members,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gchar   *sessiond_client_create_group_finish (SessiondClient *self,
                                              GAsyncResult *result,
                                              GError **error);
void     sessiond_client_accept_group_invite_async (SessiondClient *self,
                                                    const gchar *group_id,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
gboolean sessiond_client_accept_group_invite_finish (SessiondClient *self,
                                                     GAsyncResult *result,
                                                     GError **error);
void     sessiond_client_set_group_info_async (SessiondClient *self,
                                               const gchar *group_id,
                                               const gchar *name,
                                               const gchar *description,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
void     sessiond_client_set_group_disappearing_async (SessiondClient *self,
                                                       const gchar *group_id,
                                                       guint32 seconds,
                                                       GCancellable *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer user_data);
void     sessiond_client_set_group_avatar_async (SessiondClient *self,
                                                 const gchar *group_id,
                                                 const gchar *path,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
void     sessiond_client_leave_group_async (SessiondClient *self,
                                            const gchar *group_id,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
void     sessiond_client_destroy_group_async (SessiondClient *self,
                                              const gchar *group_id,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
void     sessiond_client_change_group_members_async (SessiondClient *self,
                                                     const gchar *group_id,
                                                     gboolean promote,
                                                     const gchar *const *members,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void     sessiond_client_invite_group_members_async (SessiondClient *self,
                                                     const gchar *group_id,
                                                     const gchar *const *members,
                                                     gboolean share_history,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void     sessiond_client_delete_group_content_async (SessiondClient *self,
                                                     const gchar *group_id,
                                                     const gchar *const *members,
                                                     const gchar *const *message_ids,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean sessiond_client_change_group_finish (SessiondClient *self,
                                              GAsyncResult *result,
                                              GError **error);
void     sessiond_client_get_group_info_async (SessiondClient *self,
                                               const gchar *group_id,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
GVariant *sessiond_client_get_group_info_finish (SessiondClient *self,
                                                 GAsyncResult *result,
                                                 GError **error);

void                  sessiond_client_open_conversation_async (SessiondClient *self,
                                                               const gchar *session_id,
                                                               GCancellable *cancellable,
                                                               GAsyncReadyCallback callback,
                                                               gpointer user_data);
SessiondConversation *sessiond_client_open_conversation_finish (SessiondClient *self,
                                                                GAsyncResult *result,
                                                                GError **error)
                                                                G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_client_resolve_name_async (SessiondClient *self,
                                           const gchar *name,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gchar *sessiond_client_resolve_name_finish (SessiondClient *self,
                                            GAsyncResult *result,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

void                  sessiond_client_join_community_async (SessiondClient *self,
                                                            const gchar *url,
                                                            GCancellable *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer user_data);
SessiondConversation *sessiond_client_join_community_finish (SessiondClient *self,
                                                             GAsyncResult *result,
                                                             GError **error)
                                                             G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_client_send_async (SessiondClient *self,
                                   const gchar *recipient,
                                   const gchar *body,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gchar *sessiond_client_send_finish (SessiondClient *self,
                                    GAsyncResult *result,
                                    gchar **out_conversation_id,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_client_send_reply_async (SessiondClient *self,
                                         const gchar *recipient,
                                         const gchar *body,
                                         const gchar *quote_id,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gchar *sessiond_client_send_reply_finish (SessiondClient *self,
                                          GAsyncResult *result,
                                          gchar **out_conversation_id,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

void       sessiond_client_search_async (SessiondClient *self,
                                         const gchar *query,
                                         guint limit,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GPtrArray *sessiond_client_search_finish (SessiondClient *self,
                                          GAsyncResult *result,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

void  sessiond_client_inhibit_notifications_async (SessiondClient *self,
                                                   const gchar *reason,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
guint sessiond_client_inhibit_notifications_finish (SessiondClient *self,
                                                    GAsyncResult *result,
                                                    GError **error);

void     sessiond_client_uninhibit_notifications_async (SessiondClient *self,
                                                        guint cookie,
                                                        GCancellable *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer user_data);
gboolean sessiond_client_uninhibit_notifications_finish (SessiondClient *self,
                                                         GAsyncResult *result,
                                                         GError **error);

G_END_DECLS
