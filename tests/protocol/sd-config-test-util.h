/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* helpers shared by the config engine tests: building expected bencode
 * with binary hashes in it, and editing config data */

#include <glib.h>
#include <sodium.h>
#include <string.h>

#include "sd-config-message.h"
#include "sd-config-value.h"
#include "sd-test-util.h"

/* expected bytes: text pieces, with "32:" + a hash spliced in by h() */
static inline void
x_text (GByteArray *out, const gchar *text)
{
  g_byte_array_append (out, (const guint8 *) text, (guint) strlen (text));
}

static inline void
x_hash (GByteArray *out, const guint8 hash[32])
{
  x_text (out, "32:");
  g_byte_array_append (out, hash, 32);
}

static inline void
x_hash_hex (GByteArray *out, const gchar *hex)
{
  guint8 hash[32];

  sd_test_hex_into (hex, hash, sizeof hash);
  x_hash (out, hash);
}

/* one lagged diff, [seqno, hash, diff] */
static inline void
x_lag (GByteArray *out, gint64 seqno, const gchar *hash_hex, const gchar *diff)
{
  g_autofree gchar *head = g_strdup_printf ("li%" G_GINT64_FORMAT "e", seqno);

  x_text (out, head);
  x_hash_hex (out, hash_hex);
  x_text (out, diff);
  x_text (out, "e");
}

static inline void
x_lag_raw (GByteArray *out, gint64 seqno, const guint8 hash[32], const gchar *diff)
{
  g_autofree gchar *head = g_strdup_printf ("li%" G_GINT64_FORMAT "e", seqno);

  x_text (out, head);
  x_hash (out, hash);
  x_text (out, diff);
  x_text (out, "e");
}

#define SD_CONFIG_TEST_H119 "43094f68c1faa37eff79e1c2f3973ffd5f9d6423b00ccda306fc6e7dac5f0c44"
#define SD_CONFIG_TEST_H120 "e3a237f91014d31e4d30569c4a8bfcd72157804f99b8732c611c48bf126432b5"
#define SD_CONFIG_TEST_H121 "1a7f602055124deaf21175ef3f32983dee7c9de570e5d9c9a0bbc2db71dcb97f"
#define SD_CONFIG_TEST_H122 "46560604fe352101bb869435260d7100ccfe007be5f741c7e96303f02f394e8a"
#define SD_CONFIG_TEST_H123 "d9398c597b058ac7e28e3febb76ed68eb8c5b6c369610562ab5f2b596775d73c"
#define SD_CONFIG_TEST_DIFF123 "d4:int01:-4:int10:4:int20:e"

/* message 123 of the "Ordinary update" example (libsession's m123_expected) */
static inline GByteArray *
sd_config_test_m123 (void)
{
  GByteArray *x = g_byte_array_new ();

  x_text (x, "d1:#i123e1:&d"
             "5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye"
             "5:dictCd1:xd1:yi1eee"
             "4:goodli99ei456e3:bare"
             "5:greatli-42e3:omge"
             "4:int1i1e4:int2i2e7:string15:hello7:string27:goodbye"
             "e1:<l");
  x_lag (x, 119, SD_CONFIG_TEST_H119, "de");
  x_lag (x, 120, SD_CONFIG_TEST_H120, "de");
  x_lag (x, 121, SD_CONFIG_TEST_H121, "de");
  x_lag (x, 122, SD_CONFIG_TEST_H122, "de");
  x_text (x, "e1:=" SD_CONFIG_TEST_DIFF123 "e");
  return x;
}

static inline void
sd_config_test_assert_bytes (GBytes *got, const GByteArray *expected)
{
  if (g_bytes_get_size (got) != expected->len ||
      memcmp (g_bytes_get_data (got, NULL), expected->data, expected->len) != 0) {
    gsize n = g_bytes_get_size (got);
    g_autofree gchar *g = g_malloc0 (n + 1);
    g_autofree gchar *b = g_malloc0 (expected->len + 1);
    g_autofree gchar *a = NULL;
    g_autofree gchar *c = NULL;

    /* NUL bytes inside hashes would cut the strings short */
    memcpy (g, g_bytes_get_data (got, NULL), n);
    memcpy (b, expected->data, expected->len);
    for (gsize i = 0; i < n; i++)
      g[i] = g[i] == 0 ? '@' : g[i];
    for (gsize i = 0; i < expected->len; i++)
      b[i] = b[i] == 0 ? '@' : b[i];
    a = g_strescape (g, NULL);
    c = g_strescape (b, NULL);

    g_test_message ("got      %s", a);
    g_test_message ("expected %s", c);
  }
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), expected->data,
                   expected->len);
}

static inline void
sd_config_test_assert_serializes (SdConfigMessage *message, const GByteArray *expected)
{
  g_autoptr(GBytes) got = sd_config_message_serialize (message);

  sd_config_test_assert_bytes (got, expected);
}

static inline void
sd_config_test_assert_hash (SdConfigMessage *message, const gchar *hex)
{
  guint8 hash[32];

  sd_config_message_get_hash (message, hash);
  sd_test_assert_hex (hash, sizeof hash, hex);
}

static inline SdConfigValue *
sd_config_test_decode (const gchar *bencode)
{
  g_autoptr(GError) error = NULL;
  SdConfigValue *value = sd_config_value_decode ((const guint8 *) bencode, strlen (bencode),
                                                 &error);

  g_assert_no_error (error);
  return value;
}

/* replaces the data of a mutable message with the decoded dict */
static inline void
sd_config_test_set_data (SdConfigMessage *message, const gchar *bencode)
{
  g_autoptr(SdConfigValue) value = sd_config_test_decode (bencode);
  SdConfigValue *data = sd_config_message_get_data (message);

  while (sd_config_value_length (data) > 0) {
    gsize len;
    const guint8 *key = sd_config_value_dict_key (data, 0, &len);
    g_autofree guint8 *copy = g_memdup2 (key, len);

    sd_config_value_dict_remove (data, copy, len);
  }
  for (guint i = 0; i < sd_config_value_length (value); i++) {
    gsize len;
    const guint8 *key = sd_config_value_dict_key (value, i, &len);

    sd_config_value_dict_set (data, key, len,
                              sd_config_value_copy (sd_config_value_dict_value (value, i)));
  }
}

static inline void
sd_config_test_assert_value (const SdConfigValue *value, const gchar *bencode)
{
  g_autoptr(GBytes) got = sd_config_value_to_bytes (value);

  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), bencode,
                   strlen (bencode));
}

static inline void
set_int (SdConfigValue *dict, const gchar *key, gint64 v)
{
  sd_config_value_dict_set_text (dict, key, sd_config_value_new_int (v));
}

static inline void
set_str (SdConfigValue *dict, const gchar *key, const gchar *v)
{
  sd_config_value_dict_set_text (dict, key, sd_config_value_new_text (v));
}

static inline void
del (SdConfigValue *dict, const gchar *key)
{
  sd_config_value_dict_remove (dict, (const guint8 *) key, strlen (key));
}

static inline SdConfigValue *
child (SdConfigValue *dict, const gchar *key)
{
  return sd_config_value_dict_child (dict, (const guint8 *) key, strlen (key));
}

/* the set at @key, created empty if absent */
static inline SdConfigValue *
set_at (SdConfigValue *dict, const gchar *key)
{
  SdConfigValue *set = sd_config_value_dict_get (dict, key);

  if (set == NULL || sd_config_value_kind (set) != SD_CONFIG_VALUE_LIST) {
    set = sd_config_value_new_list ();
    sd_config_value_dict_set_text (dict, key, set);
  }
  return set;
}

static inline GBytes *
sd_config_test_serialize (SdConfigMessage *message)
{
  return sd_config_message_serialize (message);
}

/* the changes of the "Large, but still ordinary, update" */
static inline void
sd_config_test_updates_124 (SdConfigMessage *m)
{
  SdConfigValue *data = sd_config_message_get_data (m);
  SdConfigValue *a = child (data, "dictA");
  SdConfigValue *b = child (data, "dictB");
  SdConfigValue *good = set_at (data, "good");
  g_autoptr(SdConfigValue) v456 = sd_config_value_new_int (456);

  set_int (a, "hello", 123);
  sd_config_value_set_insert (set_at (a, "goodbye"), sd_config_value_new_int (123));
  sd_config_value_set_insert (set_at (a, "goodbye"), sd_config_value_new_int (456));
  set_int (b, "changed", 1);
  set_int (b, "added", 9999);
  set_int (child (b, "nested"), "a", 1);
  del (b, "removed");
  del (b, "removed2");
  del (data, "dictC");
  sd_config_value_set_insert (good, sd_config_value_new_text ("Foo"));
  sd_config_value_set_remove (good, v456);
  sd_config_value_set_insert (good, sd_config_value_new_int (123));
  set_int (data, "int1", 42);
  del (data, "string1");
  set_str (data, "string2", "hello");
  set_str (data, "string3", "omg");
  del (data, "great");
}

