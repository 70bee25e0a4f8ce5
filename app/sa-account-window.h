/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <sessiond.h>

G_BEGIN_DECLS

#define SA_TYPE_ACCOUNT_WINDOW (sa_account_window_get_type ())
G_DECLARE_FINAL_TYPE (SaAccountWindow, sa_account_window, SA, ACCOUNT_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *sa_account_window_new (GtkWindow *parent, SessiondClient *client);

G_END_DECLS
