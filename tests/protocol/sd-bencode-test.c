/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bencode: canonical encoding, strict decoding */
#include "config.h"

#include <string.h>

#include "sd-bencode.h"
#include "sd-protocol-error.h"

static void
assert_encodes_to (const SdBencode *value, const gchar *expected, gsize expected_len)
{
  g_autoptr(GBytes) enc = sd_bencode_encode (value);
  g_autoptr(SdBencode) back = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpmem (g_bytes_get_data (enc, NULL), g_bytes_get_size (enc), expected, expected_len);

  /* and back: decoding the canonical form gives the same bytes again */
  back = sd_bencode_decode (g_bytes_get_data (enc, NULL), g_bytes_get_size (enc), &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpint (sd_bencode_kind (back), ==, sd_bencode_kind (value));
  again = sd_bencode_encode (back);
  g_assert_true (g_bytes_equal (enc, again));
}

#define ENC(v, s) assert_encodes_to ((v), (s), sizeof (s) - 1)

static void
test_ints (void)
{
  const struct {
    gint64 v;
    const gchar *enc;
  } cases[] = {
    { 0, "i0e" },
    { 1, "i1e" },
    { -1, "i-1e" },
    { 42, "i42e" },
    { -420, "i-420e" },
    { G_MAXINT64, "i9223372036854775807e" },
    { G_MININT64, "i-9223372036854775808e" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SdBencode) v = sd_bencode_new_int (cases[i].v);
    g_autoptr(SdBencode) back = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (sd_bencode_kind (v), ==, SD_BENCODE_INT);
    g_assert_cmpint (sd_bencode_get_int (v), ==, cases[i].v);
    assert_encodes_to (v, cases[i].enc, strlen (cases[i].enc));
    back = sd_bencode_decode ((const guint8 *) cases[i].enc, strlen (cases[i].enc), &error);
    g_assert_no_error (error);
    g_assert_cmpint (sd_bencode_get_int (back), ==, cases[i].v);
  }
}

static void
test_bytes (void)
{
  const guint8 binary[] = { 0, 'a', 0xff, 0, ':' };
  g_autoptr(SdBencode) empty = sd_bencode_new_string ("");
  g_autoptr(SdBencode) spam = sd_bencode_new_string ("spam");
  g_autoptr(SdBencode) bin = sd_bencode_new_bytes (binary, sizeof binary);
  g_autoptr(SdBencode) none = sd_bencode_new_bytes (NULL, 0);
  g_autoptr(SdBencode) decoded = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len = 99;

  ENC (empty, "0:");
  ENC (none, "0:");
  ENC (spam, "4:spam");
  ENC (bin, "5:\0a\xff\0:");

  data = sd_bencode_get_bytes (bin, &len);
  g_assert_cmpmem (data, len, binary, sizeof binary);
  data = sd_bencode_get_bytes (empty, &len);
  g_assert_cmpuint (len, ==, 0);
  g_assert_nonnull (data);

  decoded = sd_bencode_decode ((const guint8 *) "11:hello world", 14, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sd_bencode_kind (decoded), ==, SD_BENCODE_BYTES);
  data = sd_bencode_get_bytes (decoded, &len);
  g_assert_cmpmem (data, len, "hello world", 11);
  /* NUL-terminated for convenience, not counted */
  g_assert_cmpstr ((const gchar *) data, ==, "hello world");
}

static void
test_lists (void)
{
  g_autoptr(SdBencode) empty = sd_bencode_new_list ();
  g_autoptr(SdBencode) list = sd_bencode_new_list ();
  g_autoptr(SdBencode) inner = sd_bencode_new_list ();

  ENC (empty, "le");
  g_assert_cmpuint (sd_bencode_list_length (empty), ==, 0);

  sd_bencode_list_append (list, sd_bencode_new_string ("spam"));
  sd_bencode_list_append (list, sd_bencode_new_int (42));
  sd_bencode_list_append (inner, sd_bencode_new_list ());
  sd_bencode_list_append (list, sd_bencode_ref (inner));
  ENC (list, "l4:spami42elleee");

  g_assert_cmpuint (sd_bencode_list_length (list), ==, 3);
  g_assert_cmpint (sd_bencode_kind (sd_bencode_list_get (list, 0)), ==, SD_BENCODE_BYTES);
  g_assert_cmpint (sd_bencode_get_int (sd_bencode_list_get (list, 1)), ==, 42);
  g_assert_true (sd_bencode_list_get (list, 2) == inner);
}

#define V4_REPLY "ld4:codei200e7:headersd12:content-type16:application/jsonee2:{}e"

static void
test_dicts (void)
{
  g_autoptr(SdBencode) empty = sd_bencode_new_dict ();
  g_autoptr(SdBencode) dict = sd_bencode_new_dict ();
  g_autoptr(SdBencode) decoded = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  ENC (empty, "de");
  g_assert_null (sd_bencode_dict_get (empty, "a"));

  /* inserted out of order, encoded sorted by raw bytes, prefix first */
  sd_bencode_dict_set (dict, "zz", sd_bencode_new_int (1));
  sd_bencode_dict_set (dict, "ab", sd_bencode_new_int (2));
  sd_bencode_dict_set (dict, "a", sd_bencode_new_int (3));
  sd_bencode_dict_set (dict, "B", sd_bencode_new_int (4));
  sd_bencode_dict_set (dict, "", sd_bencode_new_int (5));
  ENC (dict, "d0:i5e1:Bi4e1:ai3e2:abi2e2:zzi1ee");

  /* setting an existing key replaces its value */
  sd_bencode_dict_set (dict, "ab", sd_bencode_new_string ("x"));
  ENC (dict, "d0:i5e1:Bi4e1:ai3e2:ab1:x2:zzi1ee");

  g_assert_cmpint (sd_bencode_get_int (sd_bencode_dict_get (dict, "zz")), ==, 1);
  g_assert_cmpint (sd_bencode_get_int (sd_bencode_dict_get (dict, "")), ==, 5);
  g_assert_cmpmem (sd_bencode_get_bytes (sd_bencode_dict_get (dict, "ab"), &len), len, "x", 1);
  g_assert_null (sd_bencode_dict_get (dict, "b"));
  g_assert_null (sd_bencode_dict_get (dict, "zzz"));

  /* an onion v4 reply: [meta, body] */
  decoded = sd_bencode_decode ((const guint8 *) V4_REPLY, strlen (V4_REPLY), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sd_bencode_list_length (decoded), ==, 2);
  g_assert_cmpint (sd_bencode_get_int (sd_bencode_dict_get (sd_bencode_list_get (decoded, 0),
                                                            "code")), ==, 200);
  g_assert_cmpint (sd_bencode_kind (sd_bencode_dict_get (sd_bencode_list_get (decoded, 0),
                                                         "headers")), ==, SD_BENCODE_DICT);
}

/* decoded keys are raw bytes and may be anything, NUL included */
static void
test_binary_keys (void)
{
  const gchar enc[] = "d1:\0i1e1:\xffi2ee";
  g_autoptr(GError) error = NULL;
  g_autoptr(SdBencode) dict = sd_bencode_decode ((const guint8 *) enc, sizeof enc - 1, &error);
  g_autoptr(GBytes) again = NULL;

  g_assert_no_error (error);
  again = sd_bencode_encode (dict);
  g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again), enc, sizeof enc - 1);
}

static void
test_refcount (void)
{
  SdBencode *v = sd_bencode_new_string ("x");
  SdBencode *list = sd_bencode_new_list ();

  g_assert_true (sd_bencode_ref (v) == v);
  sd_bencode_list_append (list, v); /* takes the extra reference */
  sd_bencode_unref (list);
  /* still ours */
  g_assert_cmpint (sd_bencode_kind (v), ==, SD_BENCODE_BYTES);
  sd_bencode_unref (v);
}

static void
assert_rejected (const gchar *data, gsize len, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdBencode) v = sd_bencode_decode ((const guint8 *) data, len, &error);

  g_assert_null (v);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

#define MAL(s) { s, sizeof (s) - 1, SD_PROTOCOL_ERROR_MALFORMED }
#define TRUNC(s) { s, sizeof (s) - 1, SD_PROTOCOL_ERROR_TRUNCATED }

static void
test_rejections (void)
{
  const struct {
    const gchar *data;
    gsize len;
    gint code;
  } cases[] = {
    /* integers */
    MAL ("i03e"), MAL ("i00e"), MAL ("i-0e"), MAL ("i-03e"), MAL ("ie"), MAL ("i-e"),
    MAL ("i+1e"), MAL ("i 1e"), MAL ("i1.5e"), MAL ("i1x"),
    MAL ("i9223372036854775808e"), MAL ("i-9223372036854775809e"),
    MAL ("i99999999999999999999999e"),
    TRUNC ("i"), TRUNC ("i1"), TRUNC ("i-"), TRUNC ("i-12"),
    /* byte strings */
    MAL ("01:a"), MAL ("00:"), MAL ("3abc"), MAL ("-1:a"), MAL ("1x"),
    TRUNC ("5:abc"), TRUNC ("1:"), TRUNC ("3"), TRUNC ("12"),
    TRUNC ("99999999999999999999999999:a"),
    TRUNC ("18446744073709551616:a"),
    /* lists */
    TRUNC ("l"), TRUNC ("li1e"), TRUNC ("l4:spam"), MAL ("lxe"),
    /* dictionaries: unsorted, duplicate, non-string keys, missing values */
    MAL ("d1:b0:1:a0:e"), MAL ("d2:ab0:1:a0:e"), MAL ("d1:a0:1:a0:e"),
    MAL ("d1:ai1e1:bi2e1:ai3ee"), MAL ("di1e0:e"), MAL ("dle0:e"), MAL ("d1:ae"),
    TRUNC ("d"), TRUNC ("d1:a"), TRUNC ("d1:ai1e"), TRUNC ("d1:"),
    /* trailing garbage */
    MAL ("i1ei2e"), MAL ("lee"), MAL ("4:spamx"), MAL ("le "), MAL ("dee"), MAL ("0:\0"),
    /* not a value at all */
    MAL ("e"), MAL ("x"), MAL (" i1e"), MAL ("\0"),
    TRUNC (""),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("case %" G_GSIZE_FORMAT, i);
    assert_rejected (cases[i].data, cases[i].len, cases[i].code);
  }
  assert_rejected (NULL, 0, SD_PROTOCOL_ERROR_TRUNCATED);
}

static gchar *
nested (const gchar *open, guint depth)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, "i0e");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, 'e');
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  g_autofree gchar *lists_ok = nested ("l", 64);
  g_autofree gchar *lists_deep = nested ("l", 65);
  g_autofree gchar *dicts_ok = nested ("d1:a", 64);
  g_autofree gchar *dicts_deep = nested ("d1:a", 65);
  g_autofree gchar *hostile = g_strnfill (1000000, 'l');
  g_autoptr(SdBencode) v1 = NULL;
  g_autoptr(SdBencode) v2 = NULL;
  g_autoptr(GError) error = NULL;

  v1 = sd_bencode_decode ((const guint8 *) lists_ok, strlen (lists_ok), &error);
  g_assert_no_error (error);
  v2 = sd_bencode_decode ((const guint8 *) dicts_ok, strlen (dicts_ok), &error);
  g_assert_no_error (error);
  assert_encodes_to (v1, lists_ok, strlen (lists_ok));
  assert_encodes_to (v2, dicts_ok, strlen (dicts_ok));

  assert_rejected (lists_deep, strlen (lists_deep), SD_PROTOCOL_ERROR_MALFORMED);
  assert_rejected (dicts_deep, strlen (dicts_deep), SD_PROTOCOL_ERROR_MALFORMED);
  assert_rejected (hostile, strlen (hostile), SD_PROTOCOL_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bencode/ints", test_ints);
  g_test_add_func ("/bencode/bytes", test_bytes);
  g_test_add_func ("/bencode/lists", test_lists);
  g_test_add_func ("/bencode/dicts", test_dicts);
  g_test_add_func ("/bencode/binary-keys", test_binary_keys);
  g_test_add_func ("/bencode/refcount", test_refcount);
  g_test_add_func ("/bencode/rejections", test_rejections);
  g_test_add_func ("/bencode/depth", test_depth);

  return g_test_run ();
}
