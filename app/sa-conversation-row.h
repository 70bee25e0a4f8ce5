/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <sessiond.h>

G_BEGIN_DECLS

#define SA_TYPE_CONVERSATION_ROW (sa_conversation_row_get_type ())
G_DECLARE_FINAL_TYPE (SaConversationRow, sa_conversation_row, SA, CONVERSATION_ROW, GtkWidget)

GtkWidget            *sa_conversation_row_new (void);
void                  sa_conversation_row_set_conversation (SaConversationRow *self,
                                                            SessiondConversation *conversation);
SessiondConversation *sa_conversation_row_get_conversation (SaConversationRow *self);
const gchar          *sa_conversation_row_get_title (SaConversationRow *self);
const gchar          *sa_conversation_row_get_preview (SaConversationRow *self);

G_END_DECLS
