/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Contacts' blinded contacts ("b"): the layout libsession writes, and what a hostile config
 * cannot make us take */
#include "config.h"

#include <string.h>

#include "sd-config-blinded-contacts.h"
#include "sd-config-value.h"
#include "sd-protocol-error.h"

#define URL "http://example.org:8080"
#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
fill (SdConfigBlindedContact *c, const gchar *url, const gchar *id, const gchar *name)
{
  memset (c, 0, sizeof *c);
  c->base_url = g_strdup (url);
  g_strlcpy (c->blinded_id, id, sizeof c->blinded_id);
  memset (c->pubkey, 0xbb, 32);
  c->name = g_strdup (name);
  c->priority = 2;
  c->created = 1700000000;
}

static void
test_layout (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GError) error = NULL;
  g_auto(SdConfigBlindedContact) c15 = { 0 };
  g_auto(SdConfigBlindedContact) c25 = { 0 };
  g_autoptr(GArray) all = NULL;
  SdConfigValue *server, *people, *info;
  const guint8 *pk;
  gsize len = 0;

  fill (&c15, URL, "15" HEX, "Carol");
  g_assert_true (sd_config_blinded_contacts_set (data, &c15, &error));
  g_assert_no_error (error);
  /* b → URL → {"#": key, "R": {hex: {"n": "Carol", "y": 1, "+": 2, "j": …}}} */
  server = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "b"),
                                        (const guint8 *) URL, strlen (URL));
  g_assert_nonnull (server);
  pk = sd_config_value_get_string (sd_config_value_dict_get (server, "#"), &len);
  g_assert_cmpuint (len, ==, 32);
  g_assert_cmpuint (pk[0], ==, 0xbb);
  people = sd_config_value_dict_get (server, "R");
  info = sd_config_value_dict_get (people, HEX);
  g_assert_nonnull (info);
  g_assert_true (sd_config_value_is_text (sd_config_value_dict_get (info, "n"), "Carol"));
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (info, "y")), ==, 1);
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (info, "+")), ==, 2);
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (info, "j")), ==,
                   1700000000);
  /* a newer client's key is kept by a set */
  sd_config_value_dict_set_text (info, "Z", sd_config_value_new_int (7));
  c15.priority = 0;
  g_assert_true (sd_config_blinded_contacts_set (data, &c15, &error));
  info = sd_config_value_dict_get (people, HEX);
  g_assert_nonnull (sd_config_value_dict_get (info, "Z"));
  g_assert_null (sd_config_value_dict_get (info, "+"));

  /* a blind25 id: no "y"; an upper-case id is keyed in lower case; no name is "" */
  fill (&c25, URL, "25" "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210", NULL);
  g_assert_true (sd_config_blinded_contacts_set (data, &c25, &error));
  info = sd_config_value_dict_get (people, HEX2);
  g_assert_nonnull (info);
  g_assert_null (sd_config_value_dict_get (info, "y"));
  g_assert_true (sd_config_value_is_text (sd_config_value_dict_get (info, "n"), ""));

  all = sd_config_blinded_contacts_list (data);
  g_assert_cmpuint (all->len, ==, 2);
  for (guint i = 0; i < all->len; i++) {
    SdConfigBlindedContact *c = &g_array_index (all, SdConfigBlindedContact, i);

    g_assert_cmpstr (c->base_url, ==, URL);
    g_assert_cmpuint (c->pubkey[31], ==, 0xbb);
    if (c->blinded_id[0] == '1') {
      g_assert_cmpstr (c->blinded_id, ==, "15" HEX);
      g_assert_cmpstr (c->name, ==, "Carol");
      g_assert_cmpint (c->priority, ==, 0);
      g_assert_cmpint (c->created, ==, 1700000000);
    } else {
      g_assert_cmpstr (c->blinded_id, ==,
                       "25" HEX2);
      g_assert_cmpstr (c->name, ==, "");
    }
  }

  /* removal: the entry, then the server's with its last one */
  g_assert_true (sd_config_blinded_contacts_remove (data, URL, "15" HEX));
  g_assert_false (sd_config_blinded_contacts_remove (data, URL, "15" HEX));
  g_assert_nonnull (sd_config_value_dict_get (data, "b"));
  g_assert_true (sd_config_blinded_contacts_remove (
    data, URL, "25" HEX2));
  g_assert_null (sd_config_value_dict_lookup (sd_config_value_dict_get (data, "b"),
                                              (const guint8 *) URL, strlen (URL)));
}

static void
test_refused (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_auto(SdConfigBlindedContact) c = { 0 };
  g_autofree gchar *long_url = g_strnfill (200, 'h');
  /* a Session ID, a non-hex digit, too short, nothing */
  const gchar *bad_ids[] = {
    "05" HEX,
    "15g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "1523456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "", NULL
  };

  for (guint i = 0; bad_ids[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;

    fill (&c, URL, bad_ids[i], "x");
    g_assert_false (sd_config_blinded_contacts_set (data, &c, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID);
    sd_config_blinded_contact_clear (&c);
  }
  {
    g_autoptr(GError) error = NULL;

    fill (&c, long_url, "15" HEX, "x");
    g_assert_false (sd_config_blinded_contacts_set (data, &c, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  }
  g_assert_null (sd_config_value_dict_get (data, "b"));
}

/* what another client wrote that is not a blinded contact is skipped, and kept */
static void
test_hostile (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GArray) all = NULL;
  g_auto(SdConfigBlindedContact) good = { 0 };
  SdConfigValue *b, *server, *people, *nokey;
  guint8 short_key[16] = { 0 };

  fill (&good, URL, "15" HEX, "ok");
  g_assert_true (sd_config_blinded_contacts_set (data, &good, NULL));
  b = sd_config_value_dict_child (data, (const guint8 *) "b", 1);
  server = sd_config_value_dict_child (b, (const guint8 *) URL, strlen (URL));
  people = sd_config_value_dict_child (server, (const guint8 *) "R", 1);
  /* an id key of the wrong size, upper case, or not a dict */
  sd_config_value_dict_child (people, (const guint8 *) "abcd", 4);
  sd_config_value_dict_child (people, (const guint8 *) "ABCDEF0123456789ABCDEF0123456789"
                              "ABCDEF0123456789ABCDEF0123456789", 64);
  sd_config_value_dict_set_text (people, HEX2, sd_config_value_new_int (1));
  /* a server with a short key */
  nokey = sd_config_value_dict_child (b, (const guint8 *) "http://other", 12);
  sd_config_value_dict_set_text (nokey, "#", sd_config_value_new_string (short_key, 16));
  sd_config_value_dict_child (sd_config_value_dict_child (nokey, (const guint8 *) "R", 1),
                              (const guint8 *) HEX, 64);
  all = sd_config_blinded_contacts_list (data);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (g_array_index (all, SdConfigBlindedContact, 0).blinded_id, ==, "15" HEX);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/config/blinded-contacts/layout", test_layout);
  g_test_add_func ("/protocol/config/blinded-contacts/refused", test_refused);
  g_test_add_func ("/protocol/config/blinded-contacts/hostile", test_hostile);
  return g_test_run ();
}
