/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <sessiond.h>

G_BEGIN_DECLS

#define SA_TYPE_SETUP_PAGE (sa_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (SaSetupPage, sa_setup_page, SA, SETUP_PAGE, GtkWidget)

GtkWidget *sa_setup_page_new (void);
void       sa_setup_page_set_client (SaSetupPage *self, SessiondClient *client);
void       sa_setup_page_create (SaSetupPage *self);
void       sa_setup_page_restore (SaSetupPage *self);
void       sa_setup_page_set_display_name (SaSetupPage *self, const gchar *name);
void       sa_setup_page_set_phrase (SaSetupPage *self, const gchar *phrase);
const gchar *sa_setup_page_get_error (SaSetupPage *self);

G_END_DECLS
