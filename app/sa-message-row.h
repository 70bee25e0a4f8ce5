/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <sessiond.h>

G_BEGIN_DECLS

#define SA_TYPE_MESSAGE_ROW (sa_message_row_get_type ())
G_DECLARE_FINAL_TYPE (SaMessageRow, sa_message_row, SA, MESSAGE_ROW, GtkWidget)

GtkWidget       *sa_message_row_new (void);
void             sa_message_row_set_message (SaMessageRow *self,
                                             SessiondMessage *message,
                                             SessiondMessage *previous,
                                             const gchar *peer_name);
SessiondMessage *sa_message_row_get_message (SaMessageRow *self);
const gchar     *sa_message_row_get_body_text (SaMessageRow *self);
gboolean         sa_message_row_get_outgoing (SaMessageRow *self);
gboolean         sa_message_row_get_day_shown (SaMessageRow *self);
const gchar     *sa_message_row_get_reactions_text (SaMessageRow *self);

G_END_DECLS
