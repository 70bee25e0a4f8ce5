/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config messages: serialisation, diffs, increments, strict parsing.
 * Expected bytes and hashes are libsession-util's published vectors
 * (tests/test_configdata.cpp @ 8762e9d) and the worked examples of its
 * docs/config-merge-logic.md */
#include "config.h"

#include "sd-config-diff.h"
#include "sd-config-message.h"
#include "sd-config-test-util.h"
#include "sd-protocol-error.h"

#define H119 SD_CONFIG_TEST_H119
#define H120 SD_CONFIG_TEST_H120
#define H121 SD_CONFIG_TEST_H121
#define H122 SD_CONFIG_TEST_H122
#define H123 SD_CONFIG_TEST_H123
#define H124 "8b73f316178765b9b3b37168e865c84bb5a78610cbb59b84d0fa4d3b4b3c102b"

/* the data the "Ordinary update" example starts from */
#define DATA118                                                                               \
  "d"                                                                                         \
  "5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye"                                 \
  "5:dictCd1:xd1:yi1eee"                                                                      \
  "4:goodli99ei456e3:bare"                                                                    \
  "5:greatli-42e3:omge"                                                                       \
  "4:int0i-9999e4:int1i100e7:string15:hello7:string27:goodbye"                                \
  "e"

#define m123_expected sd_config_test_m123

static void
test_serialization (void)
{
  g_autoptr(SdConfigMessage) m = sd_config_message_new (10, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) m1 = NULL;
  g_autoptr(SdConfigMessage) m2 = NULL;
  g_autoptr(SdConfigMessage) m3 = NULL;
  g_autoptr(SdConfigMessage) m4 = NULL;
  g_autoptr(SdConfigMessage) m5 = NULL;
  g_autoptr(GByteArray) x = g_byte_array_new ();
  g_autoptr(GByteArray) x5 = g_byte_array_new ();
  SdConfigValue *data, *bar, *set;
  guint8 hash0[32], hash1[32], hash2[32], hash3[32], hash4[32];

  data = sd_config_message_get_data (m);
  set_int (data, "foo", 123);
  sd_config_test_set_data (m, "d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee");
  x_text (x, "d1:#i10e1:&d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee1:<le"
             "1:=d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:ee");
  sd_config_test_assert_serializes (m, x);
  sd_config_test_assert_hash (m, "d65738bba88b0f3455cef20fe09a7b4b10f25f9db82be24a6ce1bd06da197526");
  sd_config_message_get_hash (m, hash0);

  m1 = sd_config_message_increment (m);
  del (sd_config_message_get_data (m1), "foo");
  sd_config_test_assert_hash (m1, "5b30b4abf4cba71db25dbc0d977cc25df1d0a8a87cad7f561cdec2b8caf65f5e");
  sd_config_message_get_hash (m1, hash1);

  m2 = sd_config_message_increment (m1);
  data = sd_config_message_get_data (m2);
  set_int (data, "foo", 123);
  bar = child (data, "bar");
  set_int (bar, "xyz", 42);
  set_int (bar, "a", 42);
  set = set_at (bar, "");
  g_assert_true (sd_config_value_set_insert (set, sd_config_value_new_text ("c")));
  g_assert_true (sd_config_value_set_insert (set, sd_config_value_new_int (99)));
  {
    g_autoptr(SdConfigValue) b = sd_config_value_new_text ("b");

    g_assert_true (sd_config_value_set_remove (set, b));
  }
  g_assert_false (sd_config_value_set_insert (set, sd_config_value_new_int (42)));
  sd_config_test_assert_hash (m2, "027552203cf669070d3ecbeecfa65c65497d59aa4da490e0f68f8131ce081320");
  sd_config_message_get_hash (m2, hash2);

  g_byte_array_set_size (x, 0);
  x_text (x, "d1:#i12e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<l");
  x_text (x, "li10e"), x_hash (x, hash0);
  x_text (x, "d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:ee");
  x_lag_raw (x, 11, hash1, "d3:foo1:-e");
  x_text (x, "e1:=d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee");
  sd_config_test_assert_serializes (m2, x);

  m3 = sd_config_message_increment (m2);
  sd_config_test_assert_hash (m3, "b83871ea06587f9254cdf2b2af8daff19bd7fb550fb90d5f8f9f546464c08bc5");
  sd_config_message_get_hash (m3, hash3);
  m4 = sd_config_message_increment (m3);
  sd_config_test_assert_hash (m4, "c30e2cfa7ec93c64a1ab6420c9bccfb63da8e4c2940ed6509ffb64f3f0131860");
  sd_config_message_get_hash (m4, hash4);
  m5 = sd_config_message_increment (m4);
  sd_config_test_assert_hash (m5, "3234eb7da8cf4b79b9eec2a144247279d10f6f118184f82429a42c5996bea60c");

  x_text (x5, "d1:#i15e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<l");
  x_lag_raw (x5, 11, hash1, "d3:foo1:-e");
  x_text (x5, "li12e"), x_hash (x5, hash2);
  x_text (x5, "d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee");
  x_lag_raw (x5, 13, hash3, "de");
  x_lag_raw (x5, 14, hash4, "de");
  x_text (x5, "e1:=dee");
  sd_config_test_assert_serializes (m5, x5);
}

/* "Ordinary update": 118 → five increments → 123 with int0/int1/int2 changed */
static void
test_example_ordinary (void)
{
  g_autoptr(SdConfigMessage) m = sd_config_message_new (118, 5);
  g_autoptr(GByteArray) x118 = g_byte_array_new ();
  g_autoptr(GByteArray) x123 = m123_expected ();
  const gchar *hashes[] = { H119, H120, H121, H122 };
  guint8 expect_hash[32], hash[32];
  SdConfigValue *data;

  sd_config_test_set_data (m, DATA118);
  x_text (x118, "d1:#i118e1:&" DATA118 "1:<le1:=d"
                "5:dictBd7:changed0:3:foo0:7:removed0:8:removed20:e"
                "5:dictCd1:xd1:y0:ee"
                "4:goodlli99ei456e3:barelee"
                "5:greatlli-42e3:omgelee"
                "4:int00:4:int10:7:string10:7:string20:"
                "ee");
  sd_config_test_assert_serializes (m, x118);
  crypto_generichash (expect_hash, 32, x118->data, x118->len, NULL, 0);
  sd_config_message_get_hash (m, hash);
  g_assert_cmpmem (hash, 32, expect_hash, 32);

  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++) {
    SdConfigMessage *next = sd_config_message_increment (m);

    sd_config_message_free (g_steal_pointer (&m));
    m = next;
    g_assert_cmpint (sd_config_message_get_seqno (m), ==, 119 + i);
    sd_config_test_assert_hash (m, hashes[i]);
  }
  {
    SdConfigMessage *next = sd_config_message_increment (m);

    sd_config_message_free (g_steal_pointer (&m));
    m = next;
  }
  data = sd_config_message_get_data (m);
  set_int (data, "int1", 1);
  set_int (data, "int2", 2);
  del (data, "int0");
  set_str (data, "string1", "hello"); /* the same value: not a change */
  sd_config_test_assert_serializes (m, x123);
}

static void
test_deserialization (void)
{
  g_autoptr(GByteArray) x123 = m123_expected ();
  g_autoptr(GByteArray) x124 = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigMessage) m = sd_config_message_parse (x123->data, x123->len, 5, &error);
  g_autoptr(SdConfigMessage) mut = NULL;
  g_autoptr(GBytes) again = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sd_config_message_get_seqno (m), ==, 123);
  g_assert_false (sd_config_message_is_mutable (m));
  sd_config_test_assert_hash (m, H123);
  sd_config_test_assert_value (sd_config_message_get_diff (m), "d4:int01:-4:int10:4:int20:e");
  sd_config_test_assert_value (sd_config_message_get_data (m),
                               "d5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye"
                               "5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge"
                               "4:int1i1e4:int2i2e7:string15:hello7:string27:goodbyee");
  /* a received message re-serialises to the very same bytes */
  again = sd_config_message_serialize (m);
  sd_config_test_assert_bytes (again, x123);

  mut = sd_config_message_increment (m);
  g_assert_cmpint (sd_config_message_get_seqno (mut), ==, 124);
  sd_config_test_assert_hash (mut, "3ea36410cf7086ce816eb193b0c94e88632abfb75771d82f8ddb3a909124c580");
  sd_config_test_assert_value (sd_config_message_get_diff (mut), "de");
  x_text (x124, "d1:#i124e1:&d"
                "5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye"
                "5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge"
                "4:int1i1e4:int2i2e7:string15:hello7:string27:goodbye"
                "e1:<l");
  x_lag (x124, 120, H120, "de");
  x_lag (x124, 121, H121, "de");
  x_lag (x124, 122, H122, "de");
  x_text (x124, "li123e"), x_hash_hex (x124, H123);
  x_text (x124, "d4:int01:-4:int10:4:int20:ee");
  x_text (x124, "e1:=dee");
  sd_config_test_assert_serializes (mut, x124);
}

static void
test_example_large (void)
{
  g_autoptr(GByteArray) x123 = m123_expected ();
  g_autoptr(GByteArray) x = g_byte_array_new ();
  g_autoptr(SdConfigMessage) m123 = sd_config_message_parse (x123->data, x123->len, 5, NULL);
  g_autoptr(SdConfigMessage) m = sd_config_message_increment (m123);

  sd_config_test_updates_124 (m);
  x_text (x, "d1:#i124e1:&d"
             "5:dictAd7:goodbyeli123ei456ee5:helloi123ee"
             "5:dictBd5:addedi9999e7:changedi1e3:fooi123e6:nestedd1:ai1eee"
             "4:goodli99ei123e3:Foo3:bare"
             "4:int1i42e4:int2i2e7:string25:hello7:string33:omg"
             "e1:<l");
  x_lag (x, 120, H120, "de");
  x_lag (x, 121, H121, "de");
  x_lag (x, 122, H122, "de");
  x_lag (x, 123, H123, "d4:int01:-4:int10:4:int20:e");
  x_text (x, "e1:=d"
             "5:dictAd7:goodbyelli123ei456eelee5:hello0:e"
             "5:dictBd5:added0:7:changed0:6:nestedd1:a0:e7:removed1:-8:removed21:-e"
             "5:dictCd1:xd1:y1:-ee"
             "4:goodlli123e3:Fooeli456eee"
             "5:greatlleli-42e3:omgee"
             "4:int10:7:string11:-7:string20:7:string30:"
             "ee");
  sd_config_test_assert_serializes (m, x);
  sd_config_test_assert_hash (m, H124);
}

static void
test_empty_containers_rejected (void)
{
  const gchar *bad[] = {
    "d1:#i0e1:&d0:lee1:<le1:=dee",
    "d1:#i0e1:&d0:dee1:<le1:=dee",
    "d1:#i0e1:&d1:ad1:bdeee1:<le1:=dee",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdConfigMessage) m = sd_config_message_parse ((const guint8 *) bad[i],
                                                            strlen (bad[i]), 5, &error);

    g_assert_null (m);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  }
}

static void
test_hostile (void)
{
  const gchar *bad[] = {
    "",
    "le",
    "de",
    "d0:i1e1:#i0e1:&dee",                           /* a key before "#": newer major version */
    "d1:#i-1e1:&dee",                               /* negative seqno */
    "d1:#i9223372036854775807e1:&dee",              /* cannot grow */
    "d1:#i9223372036854775808e1:&dee",              /* beyond int64 */
    "d1:#i01e1:&dee",                               /* non-canonical */
    "d1:#i5e1:<le1:=dee",                           /* no data */
    "d1:#i5e1:&li1eee",                             /* data not a dict */
    "d1:#i5e1:&d1:ali2ei1eee",                      /* unsorted set */
    "d1:#i5e1:&d1:ali1ei1eee",                      /* repeated set element */
    "d1:#i5e1:&d1:al1:ai1eee",                      /* string before int */
    "d1:#i5e1:&d1:alli1eeeee",                      /* set of lists */
    "d1:#i5e1:&d1:bi1e1:ai1eee",                    /* unsorted keys */
    "d1:#i5e1:&de1:<li5eee",                        /* lagged seqno not older */
    "d1:#i5e1:&de1:<ll1:xeee",                      /* lagged without seqno */
    "d1:#i5e1:&de1:<li4e3:abcdeee",                 /* short hash */
    "d1:#i5e1:&de1:=d1:a1:xee",                     /* diff value other than "" and "-" */
    "d1:#i5e1:&de1:=d1:ai1eee",                     /* diff holding an int */
    "d1:#i5e1:&de1:=d1:alleeee",                    /* set diff without two lists */
    "d1:#i5e1:&de1:=d1:allei2ei1eeee",              /* set diff unsorted */
    "d1:#i5e1:&de1:~3:abce",                        /* short signature */
    "d1:#i5e1:&de1:\x7f" "i1ee",                    /* key after the signature slot */
    "d1:#i5e1:&d1:ai1ee",                           /* truncated */
    "d1:#i5e1:&de1:=dee" "x",                       /* trailing bytes */
    "d1:#i5e1:&d1:a99999999999999999999:xee",       /* length past the end */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdConfigMessage) m = sd_config_message_parse ((const guint8 *) bad[i],
                                                            strlen (bad[i]), 5, &error);

    g_assert_null (m);
    g_assert_nonnull (error);
    g_assert_true (error->domain == SD_PROTOCOL_ERROR);
  }

  /* every prefix of a valid message fails cleanly */
  {
    g_autoptr(GByteArray) x = m123_expected ();

    for (guint n = 0; n < x->len; n++) {
      g_autoptr(GError) error = NULL;
      g_autoptr(SdConfigMessage) m = sd_config_message_parse (x->data, n, 5, &error);

      g_assert_null (m);
      g_assert_nonnull (error);
    }
  }

  /* deep nesting is refused, not recursed into */
  {
    g_autoptr(GString) deep = g_string_new ("d1:#i5e1:&d");
    g_autoptr(GError) error = NULL;
    g_autoptr(SdConfigMessage) m = NULL;

    for (guint i = 0; i < 10000; i++)
      g_string_append (deep, "1:ad");
    m = sd_config_message_parse ((const guint8 *) deep->str, deep->len, 5, &error);
    g_assert_null (m);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  }
}

/* a newer client's keys, top level and inside the data, survive our edits */
static void
test_unknown_keys (void)
{
  const gchar *in = "d1:#i5e1:$3:new1:&d1:ai1e1:zd1:?i9eee1:<le1:=de1:_li1ei2eee";
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigMessage) m = sd_config_message_parse ((const guint8 *) in, strlen (in), 5,
                                                          &error);
  g_autoptr(SdConfigMessage) next = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GByteArray) x = g_byte_array_new ();
  guint8 hash[32];

  g_assert_no_error (error);
  out = sd_config_message_serialize (m);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), in, strlen (in));

  next = sd_config_message_increment (m);
  set_int (sd_config_message_get_data (next), "a", 2);
  crypto_generichash (hash, 32, (const guint8 *) in, strlen (in), NULL, 0);
  x_text (x, "d1:#i6e1:$3:new1:&d1:ai2e1:zd1:?i9eee1:<l");
  x_lag_raw (x, 5, hash, "de");
  x_text (x, "e1:=d1:a0:e1:_li1ei2eee");
  sd_config_test_assert_serializes (next, x);
}

/* a diff records a change of kind as a new value, and replays back */
static void
test_diff_kind_change (void)
{
  g_autoptr(SdConfigValue) old = sd_config_test_decode ("d1:ad1:bi1ee1:cli1ee1:di4ee");
  g_autoptr(SdConfigValue) new_ = sd_config_test_decode ("d1:ai5e1:cd1:xi1ee1:dli4eee");
  g_autoptr(SdConfigValue) diff = sd_config_diff_compute (old, new_);
  g_autoptr(SdConfigValue) replayed = sd_config_value_copy (old);

  sd_config_test_assert_value (diff, "d1:a0:1:cd1:x0:e1:dlli4eeleee");
  g_assert_true (sd_config_diff_check (diff, NULL));
  sd_config_diff_apply (replayed, diff, new_);
  sd_config_value_prune (replayed);
  g_assert_true (sd_config_value_equal (replayed, new_));
}

/* libsession's "config message signature" vector */
static void
test_signature (void)
{
  g_autoptr(SdConfigMessage) m = sd_config_message_new (10, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) signed_ = NULL;
  g_autoptr(GByteArray) x = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigMessage) parsed = NULL;
  g_autofree guint8 *broken = NULL;
  guint8 sk[64];
  gsize n;

  sd_test_hex_into ("79f530dbf3d81aecc04072933c1b3e3edc0b7d91f2dcc2f7756f2611886cca5f"
                    "4384261cdd338f5820ca9cbbe3fc72ac8944ee60d3b795b797fbbf5597b09f17",
                    sk, sizeof sk);
  sd_config_test_set_data (m, "d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee");
  plain = sd_config_message_serialize (m);
  signed_ = sd_config_message_sign (plain, sk);
  x_text (x, "d1:#i10e1:&d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee1:<le"
             "1:=d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:e1:~64:");
  {
    g_autoptr(GBytes) sig = sd_test_hex ("77267f4de7701ae348eba0ef73175281512ba3f1051cfed22dc3e31b9c699330"
                                         "2938863e09bc8b33638161071bd8dc397d5c1d3f674120d08fbb9c64dde2e907");

    g_byte_array_append (x, g_bytes_get_data (sig, NULL), 64);
  }
  x_text (x, "e");
  sd_config_test_assert_bytes (signed_, x);

  g_assert_true (sd_config_message_verify (x->data, x->len, sk + 32, &error));
  g_assert_no_error (error);
  /* it parses; user configs do not keep the signature */
  parsed = sd_config_message_parse (x->data, x->len, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sd_config_message_get_seqno (parsed), ==, 10);

  n = x->len;
  broken = g_memdup2 (x->data, n);
  g_assert_cmpint (broken[n - 2], ==, 0x07);
  broken[n - 2] = 0x17;
  g_assert_false (sd_config_message_verify (broken, n, sk + 32, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_config_message_verify (g_bytes_get_data (plain, NULL),
                                            g_bytes_get_size (plain), sk + 32, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
}

static void
test_limits (void)
{
  g_autoptr(SdConfigMessage) m = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  SdConfigValue *data = sd_config_message_get_data (m);
  g_autofree gchar *long_key = g_strnfill (SD_CONFIG_MAX_KEY_LEN + 1, 'k');
  g_autofree gchar *long_str = g_strnfill (SD_CONFIG_MAX_STRING_LEN + 1, 's');
  g_autoptr(GError) error = NULL;

  set_str (child (data, "d"), "ok", "fine");
  set_int (data, "big", G_MAXINT64);
  g_assert_true (sd_config_message_check_limits (m, NULL));
  set_str (child (data, "d"), long_key, "x");
  g_assert_false (sd_config_message_check_limits (m, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  del (child (data, "d"), long_key);
  sd_config_value_set_insert (set_at (data, "set"), sd_config_value_new_text (long_str));
  g_assert_false (sd_config_message_check_limits (m, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config-message/serialization", test_serialization);
  g_test_add_func ("/config-message/example-ordinary", test_example_ordinary);
  g_test_add_func ("/config-message/deserialization", test_deserialization);
  g_test_add_func ("/config-message/example-large", test_example_large);
  g_test_add_func ("/config-message/empty-containers", test_empty_containers_rejected);
  g_test_add_func ("/config-message/hostile", test_hostile);
  g_test_add_func ("/config-message/unknown-keys", test_unknown_keys);
  g_test_add_func ("/config-message/diff-kind-change", test_diff_kind_change);
  g_test_add_func ("/config-message/signature", test_signature);
  g_test_add_func ("/config-message/limits", test_limits);

  return g_test_run ();
}
