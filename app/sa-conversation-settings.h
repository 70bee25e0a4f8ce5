/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <sessiond.h>

G_BEGIN_DECLS

#define SA_TYPE_CONVERSATION_SETTINGS (sa_conversation_settings_get_type ())
G_DECLARE_FINAL_TYPE (SaConversationSettings, sa_conversation_settings, SA,
                      CONVERSATION_SETTINGS, AdwPreferencesWindow)

GtkWidget *sa_conversation_settings_new (GtkWindow *parent, SessiondConversation *conversation);

G_END_DECLS
