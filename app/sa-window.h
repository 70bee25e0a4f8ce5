/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <sessiond.h>

#include "sa-conversation-view.h"
#include "sa-setup-page.h"

G_BEGIN_DECLS

#define SA_TYPE_WINDOW (sa_window_get_type ())
G_DECLARE_FINAL_TYPE (SaWindow, sa_window, SA, WINDOW, AdwApplicationWindow)

SaWindow           *sa_window_new (GtkApplication *application);
void                sa_window_set_client (SaWindow *self, SessiondClient *client);
void                sa_window_show_unavailable (SaWindow *self, const gchar *reason);
void                sa_window_open_conversation (SaWindow *self, const gchar *session_id);
const gchar        *sa_window_get_page (SaWindow *self);
SaConversationView *sa_window_get_conversation_view (SaWindow *self);
SaSetupPage        *sa_window_get_setup_page (SaWindow *self);
GtkWidget          *sa_window_get_conversation_list (SaWindow *self);
GtkWidget          *sa_window_get_request_list (SaWindow *self);
const gchar        *sa_window_get_sidebar_page (SaWindow *self);
gboolean            sa_window_get_folded (SaWindow *self);

G_END_DECLS
