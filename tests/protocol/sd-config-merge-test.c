/* SPDX-License-Identifier: GPL-3.0-or-later */
/* merging competing config messages: the "Simple conflict resolution",
 * "Stale messages" and "Complex conflict resolution" examples of
 * libsession-util's docs/config-merge-logic.md, with the exact bytes and
 * hashes of its tests/test_configdata.cpp @ 8762e9d */
#include "config.h"

#include <string.h>

#include "sd-config-merge.h"
#include "sd-config-test-util.h"
#include "sd-protocol-error.h"

#define H122 SD_CONFIG_TEST_H122
#define H123 SD_CONFIG_TEST_H123
#define H124 "8b73f316178765b9b3b37168e865c84bb5a78610cbb59b84d0fa4d3b4b3c102b"
#define H125A "80f229c3667de6d0fa6f96b53118e097fbda82db3ca1aea221a3db91ea9c45fb"
#define H125B "ab12f0efe9a9ed00db6b17b44ae0ff36b9f49094077fb114f415522f2a0e98de"

#define DIFF123 SD_CONFIG_TEST_DIFF123
#define DIFF124                                                                              \
  "d5:dictAd7:goodbyelli123ei456eelee5:hello0:e"                                              \
  "5:dictBd5:added0:7:changed0:6:nestedd1:a0:e7:removed1:-8:removed21:-e"                    \
  "5:dictCd1:xd1:y1:-ee"                                                                     \
  "4:goodlli123e3:Fooeli456eee"                                                               \
  "5:greatlleli-42e3:omgee"                                                                  \
  "4:int10:7:string11:-7:string20:7:string30:"                                               \
  "e"

typedef struct {
  SdConfigMessage *m123, *m124, *m124a, *m125a, *m125b, *m120b;
} Chain;

#define m123_bytes sd_config_test_m123

static void
chain_init (Chain *c)
{
  g_autoptr(GByteArray) x = m123_bytes ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigMessage) m118 = sd_config_message_new (118, 5);
  g_autoptr(SdConfigMessage) m119 = NULL;
  SdConfigValue *b;

  c->m123 = sd_config_message_parse (x->data, x->len, 5, &error);
  g_assert_no_error (error);
  sd_config_test_assert_hash (c->m123, H123);

  c->m124 = sd_config_message_increment (c->m123);
  sd_config_test_updates_124 (c->m124);
  sd_config_test_assert_hash (c->m124, H124);

  /* an out-of-date client's 124 */
  c->m124a = sd_config_message_increment (c->m123);
  b = child (sd_config_message_get_data (c->m124a), "dictB");
  set_int (b, "foo", 66);
  set_int (b, "answer", 42);

  c->m125a = sd_config_message_increment (c->m124);
  del (child (sd_config_message_get_data (c->m125a), "dictB"), "foo");
  c->m125b = sd_config_message_increment (c->m124);
  set_int (sd_config_message_get_data (c->m125b), "int1", 5);
  sd_config_test_assert_hash (c->m125a, H125A);
  sd_config_test_assert_hash (c->m125b, H125B);

  /* a far out-of-date client's 120 */
  m119 = sd_config_message_increment (m118);
  c->m120b = sd_config_message_increment (m119);
  set_str (sd_config_message_get_data (c->m120b), "too old", "won't see");
}

static void
chain_clear (Chain *c)
{
  g_clear_pointer (&c->m123, sd_config_message_free);
  g_clear_pointer (&c->m124, sd_config_message_free);
  g_clear_pointer (&c->m124a, sd_config_message_free);
  g_clear_pointer (&c->m125a, sd_config_message_free);
  g_clear_pointer (&c->m125b, sd_config_message_free);
  g_clear_pointer (&c->m120b, sd_config_message_free);
}

/* merges the serialisations of @n messages through the plaintext path */
static SdConfigMessage *
merge_serialized (SdConfigMessage **messages, guint n, gint *unmerged)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  SdConfigMessage *merged;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (plain, sd_config_message_serialize (messages[i]));
  merged = sd_config_merge (plain, SD_CONFIG_DEFAULT_LAG, unmerged, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (merged);
  return merged;
}

static GByteArray *
m126_expected (void)
{
  GByteArray *x = g_byte_array_new ();

  x_text (x, "d1:#i126e1:&d"
             "5:dictAd7:goodbyeli123ei456ee5:helloi123ee"
             "5:dictBd5:addedi9999e7:changedi1e6:nestedd1:ai1eee"
             "4:goodli99ei123e3:Foo3:bare"
             "4:int1i5e4:int2i2e7:string25:hello7:string33:omg"
             "e1:<l");
  x_lag (x, 122, H122, "de");
  x_lag (x, 123, H123, DIFF123);
  x_lag (x, 124, H124, DIFF124);
  x_lag (x, 125, H125A, "d5:dictBd3:foo1:-ee");
  x_lag (x, 125, H125B, "d4:int10:e");
  x_text (x, "e1:=dee");
  return x;
}

static void
test_simple_conflict (void)
{
  Chain c = { 0 };
  g_autoptr(GByteArray) x = m126_expected ();
  gint unmerged = 0;

  chain_init (&c);
  {
    SdConfigMessage *in[] = { c.m125a, c.m125b };
    g_autoptr(SdConfigMessage) m = merge_serialized (in, 2, &unmerged);

    g_assert_cmpint (unmerged, ==, -1);
    g_assert_cmpint (sd_config_message_get_seqno (m), ==, 126);
    sd_config_test_assert_value (sd_config_message_get_data (m),
                                 "d5:dictAd7:goodbyeli123ei456ee5:helloi123ee"
                                 "5:dictBd5:addedi9999e7:changedi1e6:nestedd1:ai1eee"
                                 "4:goodli99ei123e3:Foo3:bare"
                                 "4:int1i5e4:int2i2e7:string25:hello7:string33:omge");
    sd_config_test_assert_serializes (m, x);
  }
  /* the order of arrival does not matter */
  {
    SdConfigMessage *in[] = { c.m125b, c.m125a };
    g_autoptr(SdConfigMessage) m = merge_serialized (in, 2, &unmerged);

    sd_config_test_assert_serializes (m, x);
  }
  /* nor does an already included message */
  {
    SdConfigMessage *in[] = { c.m124, c.m125b, c.m125a };
    g_autoptr(SdConfigMessage) m = merge_serialized (in, 3, NULL);

    sd_config_test_assert_serializes (m, x);
  }
  {
    SdConfigMessage *in[] = { c.m125b, c.m125a, c.m124 };
    g_autoptr(SdConfigMessage) m = merge_serialized (in, 3, NULL);

    sd_config_test_assert_serializes (m, x);
  }
  /* "Stale messages": 120 is 5 behind 125 and is dropped */
  {
    SdConfigMessage *in[] = { c.m125b, c.m120b, c.m125a };
    g_autoptr(SdConfigMessage) m = merge_serialized (in, 3, NULL);

    sd_config_test_assert_serializes (m, x);
  }
  /* the same through the parsed-message entry point */
  {
    SdConfigMessage *in[] = { c.m125a, c.m125b };
    g_autoptr(SdConfigMessage) m = sd_config_merge_messages (in, 2, 5, &unmerged);

    g_assert_cmpint (unmerged, ==, -1);
    sd_config_test_assert_serializes (m, x);
  }
  chain_clear (&c);
}

static void
test_complex_conflict (void)
{
  Chain c = { 0 };
  g_autoptr(SdConfigMessage) m126a = NULL;
  g_autoptr(SdConfigMessage) m126b = NULL;
  g_autoptr(SdConfigMessage) m127 = NULL;
  g_autoptr(GByteArray) x = g_byte_array_new ();
  guint8 h124a[32], h124b[32], h126a[32], h126b[32];
  gint unmerged = 0;

  chain_init (&c);
  {
    SdConfigMessage *in[] = { c.m125a, c.m125b };

    m126a = merge_serialized (in, 2, NULL);
  }
  {
    /* 124b and 123 are already included; 120b is too old */
    SdConfigMessage *in[] = { c.m125b, c.m124a, c.m125a, c.m123, c.m120b };

    m126b = merge_serialized (in, 5, &unmerged);
    g_assert_cmpint (unmerged, ==, -1);
  }
  sd_config_message_get_hash (c.m124a, h124a);
  sd_config_message_get_hash (c.m124, h124b);
  sd_config_message_get_hash (m126a, h126a);
  sd_config_message_get_hash (m126b, h126b);
  g_assert_cmpint (memcmp (h124a, h124b, 32), <, 0);
  g_assert_cmpint (memcmp (h126a, h126b, 32), <, 0);

  {
    SdConfigMessage *in[] = { m126a, m126b };

    m127 = merge_serialized (in, 2, &unmerged);
  }
  g_assert_cmpint (sd_config_message_get_seqno (m127), ==, 127);
  /* the merging client also adds 789 */
  g_assert_true (sd_config_message_is_mutable (m127));
  sd_config_value_set_insert (set_at (child (sd_config_message_get_data (m127), "dictA"),
                                      "goodbye"),
                              sd_config_value_new_int (789));
  sd_config_test_assert_value (sd_config_message_get_data (m127),
                               "d5:dictAd7:goodbyeli123ei456ei789ee5:helloi123ee"
                               "5:dictBd5:addedi9999e6:answeri42e7:changedi1e6:nestedd1:ai1eee"
                               "4:goodli99ei123e3:Foo3:bare"
                               "4:int1i5e4:int2i2e7:string25:hello7:string33:omge");

  x_text (x, "d1:#i127e1:&d"
             "5:dictAd7:goodbyeli123ei456ei789ee5:helloi123ee"
             "5:dictBd5:addedi9999e6:answeri42e7:changedi1e6:nestedd1:ai1eee"
             "4:goodli99ei123e3:Foo3:bare"
             "4:int1i5e4:int2i2e7:string25:hello7:string33:omg"
             "e1:<l");
  x_lag (x, 123, H123, DIFF123);
  x_lag_raw (x, 124, h124a, "d5:dictBd6:answer0:3:foo0:ee");
  x_lag (x, 124, H124, DIFF124);
  x_lag (x, 125, H125A, "d5:dictBd3:foo1:-ee");
  x_lag (x, 125, H125B, "d4:int10:e");
  x_lag_raw (x, 126, h126a, "de");
  x_lag_raw (x, 126, h126b, "de");
  x_text (x, "e1:=d5:dictAd7:goodbyelli789eeleeeee");
  sd_config_test_assert_serializes (m127, x);

  /* 127 already includes 125a and 126b: it wins unmerged */
  {
    SdConfigMessage *in[] = { m127, c.m125a, m126b };
    g_autoptr(SdConfigMessage) alt = merge_serialized (in, 3, &unmerged);
    guint8 h127[32], halt[32];

    g_assert_cmpint (unmerged, ==, 0);
    g_assert_cmpint (sd_config_message_get_seqno (alt), ==, 127);
    sd_config_message_get_hash (m127, h127);
    sd_config_message_get_hash (alt, halt);
    g_assert_cmpmem (h127, 32, halt, 32);
  }
  chain_clear (&c);
}

/* a lone message, duplicates, garbage and the limits */
static void
test_edges (void)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rejected = NULL;
  g_autoptr(SdConfigMessage) m = NULL;
  g_autoptr(GByteArray) x = m123_bytes ();
  gint unmerged = -2;

  g_ptr_array_add (plain, g_bytes_new_static ("garbage", 7));
  g_ptr_array_add (plain, g_bytes_new (x->data, x->len));
  g_ptr_array_add (plain, g_bytes_new (x->data, x->len));
  m = sd_config_merge (plain, 5, &unmerged, &rejected, &error);
  g_assert_no_error (error);
  /* the duplicate of index 1 is ignored, so 1 wins as it is */
  g_assert_cmpint (unmerged, ==, 1);
  g_assert_cmpuint (rejected->len, ==, 1);
  g_assert_cmpuint (g_array_index (rejected, guint, 0), ==, 0);
  g_assert_false (sd_config_message_is_mutable (m));
  sd_config_test_assert_hash (m, H123);
  g_clear_pointer (&m, sd_config_message_free);
  g_clear_pointer (&rejected, g_array_unref);

  g_ptr_array_remove_range (plain, 1, 2);
  m = sd_config_merge (plain, 5, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  while (plain->len <= SD_CONFIG_MERGE_MAX_MESSAGES)
    g_ptr_array_add (plain, g_bytes_new (x->data, x->len));
  m = sd_config_merge (plain, 5, NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

/* the onward lookup a diff replay uses finds what a plain lookup finds,
 * for keys asked in ascending order, present or not */
static void
test_lookup_from (void)
{
  g_autoptr(SdConfigValue) dict = sd_config_value_new_dict ();
  const gchar *present[] = { "b", "d", "dd", "f", "h" };
  const gchar *asked[] = { "a", "b", "c", "d", "dd", "e", "h", "z" };
  guint from = 0;

  for (guint i = 0; i < G_N_ELEMENTS (present); i++)
    sd_config_value_dict_set_text (dict, present[i], sd_config_value_new_int (i));
  for (guint i = 0; i < G_N_ELEMENTS (asked); i++) {
    const guint8 *key = (const guint8 *) asked[i];
    gsize len = strlen (asked[i]);

    g_assert_true (sd_config_value_dict_lookup_from (dict, key, len, &from) ==
                   sd_config_value_dict_lookup (dict, key, len));
  }
  g_assert_cmpuint (from, ==, G_N_ELEMENTS (present));
}

/* a merge does not check again the parts of a message that equal a part of
 * one checked before it; a part that only shares the (seqno, hash) or the
 * path, with other bytes, is checked and a bad one rejects its message */
static void
test_shared_parts_checked (void)
{
  static const gchar *good =
    "d1:#i2e1:&d1:ad1:xi1eee1:<lli1e32:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "d1:ad1:x0:eeee1:=d1:ad1:x0:eee";
  /* the same lagged diff (seqno, hash) with an integer where a change marker must be */
  static const gchar *bad_diff =
    "d1:#i2e1:&d1:ad1:xi2eee1:<lli1e32:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "d1:ad1:xi0eeeee1:=d1:ad1:x0:eee";
  /* the same data path, an unsorted set there */
  static const gchar *bad_data =
    "d1:#i2e1:&d1:ad1:xli2ei1eeee1:<lli1e32:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "d1:ad1:x0:eeee1:=d1:ad1:x0:eee";
  const gchar *bads[] = { bad_diff, bad_data };

  for (guint i = 0; i < G_N_ELEMENTS (bads); i++) {
    g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GArray) rejected = NULL;
    g_autoptr(SdConfigMessage) merged = NULL;
    g_autoptr(GError) error = NULL;
    gint unmerged = -2;

    g_autoptr(SdConfigMessage) alone = sd_config_message_parse ((const guint8 *) good,
                                                                strlen (good),
                                                                SD_CONFIG_DEFAULT_LAG, &error);

    g_assert_no_error (error);
    g_assert_nonnull (alone);
    g_ptr_array_add (plain, g_bytes_new_static (good, strlen (good)));
    g_ptr_array_add (plain, g_bytes_new_static (bads[i], strlen (bads[i])));
    merged = sd_config_merge (plain, SD_CONFIG_DEFAULT_LAG, &unmerged, &rejected, &error);
    g_assert_no_error (error);
    g_assert_nonnull (merged);
    g_assert_cmpint (unmerged, ==, 0);
    g_assert_cmpuint (rejected->len, ==, 1);
    g_assert_cmpuint (g_array_index (rejected, guint, 0), ==, 1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config-merge/simple-conflict", test_simple_conflict);
  g_test_add_func ("/config-merge/complex-conflict", test_complex_conflict);
  g_test_add_func ("/config-merge/edges", test_edges);
  g_test_add_func ("/config-merge/lookup-from", test_lookup_from);
  g_test_add_func ("/config-merge/shared-parts-checked", test_shared_parts_checked);

  return g_test_run ();
}
