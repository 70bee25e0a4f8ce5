/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SaMain"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sa-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(SaApplication) app = NULL;
  const gchar *localedir = g_getenv ("SESSIOND_APP_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* the build tree's catalogs, for tests and running uninstalled */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = sa_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
