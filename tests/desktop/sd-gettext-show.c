/* SPDX-License-Identifier: GPL-3.0-or-later */
/* prints the daemon's "New message" through gettext, with the catalogs in
 * the directory given (the build's po/), for test_gettext.py */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>

int
main (int argc, char **argv)
{
  if (argc != 2) {
    g_printerr ("usage: %s LOCALEDIR\n", argv[0]);
    return 2;
  }
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, argv[1]);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_print ("%s\n", _("New message"));
  return 0;
}
