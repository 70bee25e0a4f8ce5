/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(__SESSIOND_H_INSIDE__) && !defined(SESSIOND_COMPILATION)
#error "Only <sessiond.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sessiond-message.h"

G_BEGIN_DECLS

#define SESSIOND_TYPE_CONVERSATION (sessiond_conversation_get_type ())
G_DECLARE_FINAL_TYPE (SessiondConversation, sessiond_conversation, SESSIOND, CONVERSATION,
                      GObject)

const gchar *sessiond_conversation_get_id (SessiondConversation *self);
const gchar *sessiond_conversation_get_kind (SessiondConversation *self);
GVariant    *sessiond_conversation_get_community (SessiondConversation *self);
gchar       *sessiond_conversation_dup_name (SessiondConversation *self);
guint        sessiond_conversation_get_unread_count (SessiondConversation *self);
gint64       sessiond_conversation_get_last_activity (SessiondConversation *self);
gchar       *sessiond_conversation_dup_last_message_preview (SessiondConversation *self);
gboolean     sessiond_conversation_get_approved (SessiondConversation *self);
gboolean     sessiond_conversation_get_blocked (SessiondConversation *self);
gint64       sessiond_conversation_get_muted_until (SessiondConversation *self);
gboolean     sessiond_conversation_get_peer_typing (SessiondConversation *self);
gchar       *sessiond_conversation_dup_nickname (SessiondConversation *self);
gint64       sessiond_conversation_get_priority (SessiondConversation *self);
gboolean     sessiond_conversation_get_pinned (SessiondConversation *self);
gboolean     sessiond_conversation_get_hidden (SessiondConversation *self);
gchar       *sessiond_conversation_dup_notify_mode (SessiondConversation *self);
gboolean     sessiond_conversation_get_marked_unread (SessiondConversation *self);
gchar       *sessiond_conversation_dup_expiration_mode (SessiondConversation *self);
guint        sessiond_conversation_get_expiration_timer (SessiondConversation *self);

void      sessiond_conversation_send_async (SessiondConversation *self,
                                            const gchar *body,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
gchar    *sessiond_conversation_send_finish (SessiondConversation *self,
                                             GAsyncResult *result,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_conversation_send_reply_async (SessiondConversation *self,
                                              const gchar *body,
                                              const gchar *quote_id,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gchar *sessiond_conversation_send_reply_finish (SessiondConversation *self,
                                               GAsyncResult *result,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

void   sessiond_conversation_send_attachments_async (SessiondConversation *self,
                                                    const gchar *body,
                                                    const gchar *const *paths,
                                                    gboolean voice,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
gchar *sessiond_conversation_send_attachments_finish (SessiondConversation *self,
                                                     GAsyncResult *result,
                                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

void     sessiond_conversation_download_attachment_async (SessiondConversation *self,
                                                          const gchar *message_id,
                                                          guint index,
                                                          GCancellable *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer user_data);
gboolean sessiond_conversation_download_attachment_finish (SessiondConversation *self,
                                                           GAsyncResult *result,
                                                           GError **error);

void     sessiond_conversation_resend_message_async (SessiondConversation *self,
                                                     const gchar *message_id,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean sessiond_conversation_resend_message_finish (SessiondConversation *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void sessiond_conversation_open_attachment_async (SessiondConversation *self,
                                                  const gchar *message_id,
                                                  guint index,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gint sessiond_conversation_open_attachment_finish (SessiondConversation *self,
                                                   GAsyncResult *result,
                                                   GError **error);

void sessiond_conversation_open_avatar_async (SessiondConversation *self,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gint sessiond_conversation_open_avatar_finish (SessiondConversation *self,
                                               GAsyncResult *result,
                                               GError **error);

void       sessiond_conversation_get_messages_async (SessiondConversation *self,
                                                     gint64 before,
                                                     gint64 after,
                                                     guint limit,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
GPtrArray *sessiond_conversation_get_messages_finish (SessiondConversation *self,
                                                      GAsyncResult *result,
                                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

void     sessiond_conversation_mark_read_async (SessiondConversation *self,
                                                gint64 up_to_ms,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean sessiond_conversation_mark_read_finish (SessiondConversation *self,
                                                 GAsyncResult *result,
                                                 GError **error);

void     sessiond_conversation_set_typing_async (SessiondConversation *self,
                                                 gboolean typing,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean sessiond_conversation_set_typing_finish (SessiondConversation *self,
                                                  GAsyncResult *result,
                                                  GError **error);

void     sessiond_conversation_approve_async (SessiondConversation *self,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean sessiond_conversation_approve_finish (SessiondConversation *self,
                                               GAsyncResult *result,
                                               GError **error);

void     sessiond_conversation_set_blocked_async (SessiondConversation *self,
                                                  gboolean blocked,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gboolean sessiond_conversation_set_blocked_finish (SessiondConversation *self,
                                                   GAsyncResult *result,
                                                   GError **error);

void     sessiond_conversation_set_muted_until_async (SessiondConversation *self,
                                                      gint64 until_ms,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
gboolean sessiond_conversation_set_muted_until_finish (SessiondConversation *self,
                                                       GAsyncResult *result,
                                                       GError **error);

void     sessiond_conversation_delete_async (SessiondConversation *self,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean sessiond_conversation_delete_finish (SessiondConversation *self,
                                              GAsyncResult *result,
                                              GError **error);

void     sessiond_conversation_set_priority_async (SessiondConversation *self,
                                                   gint64 priority,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
gboolean sessiond_conversation_set_priority_finish (SessiondConversation *self,
                                                    GAsyncResult *result,
                                                    GError **error);

void     sessiond_conversation_set_notify_mode_async (SessiondConversation *self,
                                                      const gchar *mode,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
gboolean sessiond_conversation_set_notify_mode_finish (SessiondConversation *self,
                                                       GAsyncResult *result,
                                                       GError **error);

void     sessiond_conversation_set_marked_unread_async (SessiondConversation *self,
                                                        gboolean unread,
                                                        GCancellable *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer user_data);
gboolean sessiond_conversation_set_marked_unread_finish (SessiondConversation *self,
                                                         GAsyncResult *result,
                                                         GError **error);

void     sessiond_conversation_set_nickname_async (SessiondConversation *self,
                                                   const gchar *nickname,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
gboolean sessiond_conversation_set_nickname_finish (SessiondConversation *self,
                                                    GAsyncResult *result,
                                                    GError **error);

void     sessiond_conversation_set_expiration_async (SessiondConversation *self,
                                                     const gchar *mode,
                                                     guint timer,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean sessiond_conversation_set_expiration_finish (SessiondConversation *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void     sessiond_conversation_add_reaction_async (SessiondConversation *self,
                                                   const gchar *message_id,
                                                   const gchar *emoji,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
gboolean sessiond_conversation_add_reaction_finish (SessiondConversation *self,
                                                    GAsyncResult *result,
                                                    GError **error);

void     sessiond_conversation_remove_reaction_async (SessiondConversation *self,
                                                      const gchar *message_id,
                                                      const gchar *emoji,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
gboolean sessiond_conversation_remove_reaction_finish (SessiondConversation *self,
                                                       GAsyncResult *result,
                                                       GError **error);

void     sessiond_conversation_delete_message_async (SessiondConversation *self,
                                                     const gchar *message_id,
                                                     gboolean for_everyone,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean sessiond_conversation_delete_message_finish (SessiondConversation *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void     sessiond_conversation_report_data_extraction_async (SessiondConversation *self,
                                                             const gchar *kind,
                                                             const gchar *message_id,
                                                             GCancellable *cancellable,
                                                             GAsyncReadyCallback callback,
                                                             gpointer user_data);
gboolean sessiond_conversation_report_data_extraction_finish (SessiondConversation *self,
                                                              GAsyncResult *result,
                                                              GError **error);

G_END_DECLS
