/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-protocol-error.h"
#include "sd-sogs-url.h"
#include "sd-test-util.h"

#define KEY "a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238"

static void
test_good (void)
{
  const struct { const gchar *url, *base, *room, *canonical; } good[] = {
    /* protocol-advanced.md §5.1: the default community */
    { "https://open.getsession.org/main?public_key=" KEY, "https://open.getsession.org", "main",
      "https://open.getsession.org/main?public_key=" KEY },
    { "http://116.203.70.33/main?public_key=" KEY, "https://open.getsession.org", "main",
      "https://open.getsession.org/main?public_key=" KEY },
    { "HTTP://Example.COM:8080/Room_1-x?public_key=A03C383CF63C3C4EFE67ACC52112A6DD734B3A946B9545F488AAA93DA7991238",
      "http://example.com:8080", "Room_1-x",
      "http://example.com:8080/Room_1-x?public_key=" KEY },
    { "http://127.0.0.1:41234/lobby?public_key=" KEY, "http://127.0.0.1:41234", "lobby",
      "http://127.0.0.1:41234/lobby?public_key=" KEY },
    { "http://[::1]:80/lobby?public_key=" KEY, "http://[::1]:80", "lobby",
      "http://[::1]:80/lobby?public_key=" KEY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_auto(SdSogsUrl) url = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree gchar *canonical = NULL;

    g_assert_true (sd_sogs_url_parse (good[i].url, &url, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (url.base_url, ==, good[i].base);
    g_assert_cmpstr (url.room, ==, good[i].room);
    sd_test_assert_hex (url.server_pk, 32, KEY);
    canonical = sd_sogs_url_format (&url);
    g_assert_cmpstr (canonical, ==, good[i].canonical);
  }
}

static void
test_bad (void)
{
  g_autofree gchar *room65 = g_strnfill (65, 'a');
  g_autofree gchar *long_room = g_strdup_printf ("https://h/%s?public_key=%s", room65, KEY);
  const gchar *bad[] = {
    "",
    "open.getsession.org/main?public_key=" KEY,
    "ftp://open.getsession.org/main?public_key=" KEY,
    "https://open.getsession.org/main",
    "https://open.getsession.org/?public_key=" KEY,
    "https://open.getsession.org?public_key=" KEY,
    "https://open.getsession.org/main/?public_key=" KEY,
    "https://open.getsession.org/a/b?public_key=" KEY,
    "https://open.getsession.org/ma%69n?public_key=" KEY,
    "https://open.getsession.org/ma.in?public_key=" KEY,
    "https://open.getsession.org/main?public_key=" KEY "00",
    "https://open.getsession.org/main?public_key=" KEY "&x=1",
    "https://open.getsession.org/main?x=1&public_key=" KEY,
    "https://open.getsession.org/main?public_key=zz3c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238",
    "https://open.getsession.org/main?public_key=" KEY "#frag",
    "https://user@open.getsession.org/main?public_key=" KEY,
    "https://open getsession.org/main?public_key=" KEY,
    "https://open.getsession.org/main?public_key=" KEY " ",
    "https:///main?public_key=" KEY,
    "https://exa_mple.org/main?public_key=" KEY,
    "https://ex\xc3\xa4mple.org/main?public_key=" KEY,
    long_room,
    NULL,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_auto(SdSogsUrl) url = { 0 };
    g_autoptr(GError) error = NULL;

    g_test_message ("%s", bad[i] != NULL ? bad[i] : "(null)");
    g_assert_false (sd_sogs_url_parse (bad[i], &url, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL);
    g_assert_null (url.base_url);
    g_assert_null (url.room);
  }
}

static void
test_room_token (void)
{
  g_autofree gchar *max = g_strnfill (64, 'z');
  g_autofree gchar *over = g_strnfill (65, 'z');

  g_assert_true (sd_sogs_room_token_valid ("lobby"));
  g_assert_true (sd_sogs_room_token_valid ("a-b_C9"));
  g_assert_true (sd_sogs_room_token_valid (max));
  g_assert_false (sd_sogs_room_token_valid (over));
  g_assert_false (sd_sogs_room_token_valid (""));
  g_assert_false (sd_sogs_room_token_valid (NULL));
  g_assert_false (sd_sogs_room_token_valid ("a/b"));
  g_assert_false (sd_sogs_room_token_valid ("a b"));
}

static void
test_room_file (void)
{
  const gchar *base = "https://example.org:8443";
  g_autofree gchar *url = sd_sogs_room_file_url (base, "lobby", 42);

  g_assert_cmpstr (url, ==, "https://example.org:8443/room/lobby/file/42");
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby", url), ==, 42);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://example.org:8443/room/lobby/file/"
                                         "123456789012345678"), ==, 123456789012345678);
  /* anything else is not that room's file */
  g_assert_cmpint (sd_sogs_room_file_id (base, "other", url), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id ("https://example.org", "lobby", url), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://example.org:8443/room/lobby/file/"), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://example.org:8443/room/lobby/file/4x"), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://example.org:8443/room/lobby/file/4/x"), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://example.org:8443/room/lobby/file/"
                                         "1234567890123456789"), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby",
                                         "https://evil.example/room/lobby/file/4"), ==, 0);
  g_assert_cmpint (sd_sogs_room_file_id (base, "lobby", NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/sogs-url/good", test_good);
  g_test_add_func ("/protocol/sogs-url/bad", test_bad);
  g_test_add_func ("/protocol/sogs-url/room-token", test_room_token);
  g_test_add_func ("/protocol/sogs-url/room-file", test_room_file);
  return g_test_run ();
}
