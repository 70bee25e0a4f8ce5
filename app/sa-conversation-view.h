/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <sessiond.h>

#include "sa-message-model.h"

G_BEGIN_DECLS

#define SA_TYPE_CONVERSATION_VIEW (sa_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (SaConversationView, sa_conversation_view, SA, CONVERSATION_VIEW, GtkWidget)

GtkWidget            *sa_conversation_view_new (void);
void                  sa_conversation_view_set_conversation (SaConversationView *self,
                                                             SessiondConversation *conversation);
SessiondConversation *sa_conversation_view_get_conversation (SaConversationView *self);
SaMessageModel       *sa_conversation_view_get_model (SaConversationView *self);
void                  sa_conversation_view_send (SaConversationView *self);
void                  sa_conversation_view_set_reply (SaConversationView *self,
                                                      const gchar *message_id);
const gchar          *sa_conversation_view_get_reply (SaConversationView *self);
void                  sa_conversation_view_set_composer_text (SaConversationView *self,
                                                              const gchar *text);
gchar                *sa_conversation_view_dup_composer_text (SaConversationView *self);
GtkWidget            *sa_conversation_view_get_message_list (SaConversationView *self);
gboolean              sa_conversation_view_get_typing_shown (SaConversationView *self);
gboolean              sa_conversation_view_get_request_shown (SaConversationView *self);
void                  sa_conversation_view_set_show_back (SaConversationView *self,
                                                          gboolean show);

G_END_DECLS
