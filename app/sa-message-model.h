/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sessiond.h>

G_BEGIN_DECLS

/* how many messages one GetMessages page asks for */
#define SA_MESSAGE_PAGE 40

#define SA_TYPE_MESSAGE_MODEL (sa_message_model_get_type ())
G_DECLARE_FINAL_TYPE (SaMessageModel, sa_message_model, SA, MESSAGE_MODEL, GObject)

SaMessageModel *sa_message_model_new (SessiondConversation *conversation);
SessiondConversation *sa_message_model_get_conversation (SaMessageModel *self);
void     sa_message_model_load_older (SaMessageModel *self);
gboolean sa_message_model_get_complete (SaMessageModel *self);
gboolean sa_message_model_get_loading (SaMessageModel *self);
guint    sa_message_model_get_pages_loaded (SaMessageModel *self);

G_END_DECLS
