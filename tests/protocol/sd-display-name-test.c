/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-display-name.h"

#include <string.h>

#include "sd-protocol-error.h"

static void
assert_clean (const gchar *in, const gchar *expected)
{
  g_autofree gchar *out = sd_display_name_clean (in);

  g_assert_cmpstr (out, ==, expected);
}

/* the spoofs of issue 14: what a stranger chose must not reorder, hide or break a title */
static void
test_clean_drops (void)
{
  /* right-to-left override: "Bank Security Team" that reads otherwise */
  assert_clean ("\u202EBank Security Team", "Bank Security Team");
  assert_clean ("Bank\u202E maet\u202C", "Bank maet");
  /* isolates, marks, zero-width characters, BOM, soft hyphen, Arabic letter mark */
  assert_clean ("a\u2066b\u2067c\u2068d\u2069e\u200Ef\u200Fg\u061Ch", "abcdefgh");
  assert_clean ("in\u200Bvi\u200Csi\u200Dble\uFEFF\u00AD", "invisible");
  /* line and paragraph separators, C0 and C1 controls, DEL */
  assert_clean ("one\u2028two\u2029three", "onetwothree");
  assert_clean ("\x1b]0;title\x07\x1b[2Jname\x7f\xc2\x85\xc2\x9b", "]0;title[2Jname");
  assert_clean ("tab\there\nnew line\r", "tabherenew line");
  /* noncharacters */
  assert_clean ("x\uFFFEy\uFDD0z", "xyz");
}

static void
test_clean_keeps (void)
{
  assert_clean ("Alice", "Alice");
  assert_clean ("Zoë 🌻 Müller", "Zoë 🌻 Müller");
  /* right-to-left text itself is fine: only the controls go */
  assert_clean ("שלום", "שלום");
  assert_clean ("  padded  ", "padded");
  /* a variation selector is a mark, not a format character */
  assert_clean ("\u2764\uFE0F", "\u2764\uFE0F");
}

static void
test_clean_nothing_left (void)
{
  assert_clean (NULL, NULL);
  assert_clean ("", NULL);
  assert_clean ("\u202E\u200B \u2028", NULL);
  assert_clean ("   ", NULL);
  assert_clean ("bad \xff utf-8", NULL);
}

static void
test_clean_length (void)
{
  g_autofree gchar *long_ascii = g_strnfill (300, 'x');
  g_autoptr(GString) euro = g_string_new (NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = g_strnfill (SD_DISPLAY_NAME_MAX_BYTES, 'x');

  assert_clean (long_ascii, expected);
  /* € is 3 bytes: 33 fit in 100, the 34th would cut a character */
  for (guint i = 0; i < 50; i++)
    g_string_append (euro, "€");
  out = sd_display_name_clean (euro->str);
  g_assert_cmpuint (strlen (out), ==, 99);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (out, -1), ==, 33);
  /* what is dropped does not count */
  {
    g_autoptr(GString) padded = g_string_new (NULL);
    g_autofree gchar *cleaned = NULL;

    for (guint i = 0; i < 100; i++)
      g_string_append (padded, "\u200By");
    cleaned = sd_display_name_clean (padded->str);
    g_assert_cmpuint (strlen (cleaned), ==, 100);
  }
}

static void
test_check (void)
{
  g_autofree gchar *max = g_strnfill (SD_DISPLAY_NAME_MAX_BYTES, 'x');
  g_autofree gchar *over = g_strnfill (SD_DISPLAY_NAME_MAX_BYTES + 1, 'x');
  const gchar *refused[] = {
    "a\x01" "b", "\x7f", "tab\there", "new\nline", "\u202Eevil", "zero\u200Bwidth",
    "line\u2028sep", "para\u2029sep", "\u2066iso\u2069", "mark\u200E", "\xc2\x85", over,
  };

  g_assert_true (sd_display_name_check ("", NULL));
  g_assert_true (sd_display_name_check ("Zoë 🌻", NULL));
  g_assert_true (sd_display_name_check (max, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autoptr(GError) error = NULL;
    gint code = refused[i] == over ? SD_PROTOCOL_ERROR_TOO_LARGE : SD_PROTOCOL_ERROR_MALFORMED;

    g_assert_false (sd_display_name_check (refused[i], &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, code);
    /* the rule, never the name */
    g_assert_null (strstr (error->message, refused[i]));
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_display_name_check ("bad \xff", &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  }
  /* three-byte characters: 33 fit, 34 do not */
  {
    g_autoptr(GString) euro = g_string_new (NULL);

    for (guint i = 0; i < 33; i++)
      g_string_append (euro, "€");
    g_assert_true (sd_display_name_check (euro->str, NULL));
    g_string_append (euro, "€");
    g_assert_false (sd_display_name_check (euro->str, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/display-name/clean/drops", test_clean_drops);
  g_test_add_func ("/display-name/clean/keeps", test_clean_keeps);
  g_test_add_func ("/display-name/clean/nothing-left", test_clean_nothing_left);
  g_test_add_func ("/display-name/clean/length", test_clean_length);
  g_test_add_func ("/display-name/check", test_check);
  return g_test_run ();
}
