/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-encoding.h"
#include "sd-protocol-error.h"

static void
test_hex_round_trip (void)
{
  const guint8 data[] = { 0x00, 0x01, 0xab, 0xff };
  g_autofree gchar *hex = sd_hex_encode (data, sizeof data);
  g_autoptr(GBytes) back = NULL;
  guint8 exact[4];
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (hex, ==, "0001abff");
  back = sd_hex_decode ("0001ABff", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, sizeof data);
  g_assert_true (sd_hex_decode_exact ("0001abff", exact, sizeof exact, &error));
  g_assert_cmpmem (exact, sizeof exact, data, sizeof data);
}

static void
test_hex_rejects (void)
{
  const gchar *bad[] = { "0", "0g", "zz", "00 11", "0x00", "abc" };
  guint8 out[2];

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = sd_hex_decode (bad[i], &error);

    g_assert_null (bytes);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_HEX);
  }
  {
    g_autoptr(GError) error = NULL;

    /* right digits, wrong length */
    g_assert_false (sd_hex_decode_exact ("001122", out, sizeof out, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_HEX);
  }
}

static void
test_base64 (void)
{
  const guint8 data[] = "hello!?";
  g_autofree gchar *padded = sd_base64_encode (data, 5, TRUE);
  g_autofree gchar *unpadded = sd_base64_encode (data, 5, FALSE);
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (padded, ==, "aGVsbG8=");
  g_assert_cmpstr (unpadded, ==, "aGVsbG8");
  a = sd_base64_decode (padded, -1, &error);
  g_assert_no_error (error);
  b = sd_base64_decode (unpadded, -1, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a), data, 5);

  /* '+' and '/' belong to the standard alphabet */
  {
    const guint8 high[] = { 0xfb, 0xff };
    g_autofree gchar *text = sd_base64_encode (high, 2, TRUE);
    g_autoptr(GBytes) back = sd_base64_decode (text, -1, &error);

    g_assert_cmpstr (text, ==, "+/8=");
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), 2, high, 2);
  }
}

static void
test_base64_rejects (void)
{
  const gchar *bad[] = { "a", "aGVsbG8*", "aGV sbG8=", "-_8=", "aGVsbG8==", "aGVsbG9=" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = sd_base64_decode (bad[i], -1, &error);

    g_assert_null (bytes);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64);
  }
}

static void
test_base64_exact (void)
{
  guint8 out[4];
  g_autoptr(GError) error = NULL;

  /* "abcd" padded and unpadded */
  g_assert_true (sd_base64_decode_exact ("YWJjZA==", out, 4, NULL));
  g_assert_cmpmem (out, 4, "abcd", 4);
  memset (out, 0, sizeof out);
  g_assert_true (sd_base64_decode_exact ("YWJjZA", out, 4, NULL));
  g_assert_cmpmem (out, 4, "abcd", 4);
  /* too short, too long (refused before decoding), not canonical, NULL */
  g_assert_false (sd_base64_decode_exact ("YWJj", out, 4, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64);
  g_assert_false (sd_base64_decode_exact ("YWJjZGU=", out, 4, NULL));
  g_assert_false (sd_base64_decode_exact ("YWJjZGVmZ2hpamtsbW5vcA==", out, 4, NULL));
  g_assert_false (sd_base64_decode_exact ("YWJjZB", out, 4, NULL));
  g_assert_false (sd_base64_decode_exact (NULL, out, 4, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/encoding/hex", test_hex_round_trip);
  g_test_add_func ("/protocol/encoding/hex-rejects", test_hex_rejects);
  g_test_add_func ("/protocol/encoding/base64", test_base64);
  g_test_add_func ("/protocol/encoding/base64-rejects", test_base64_rejects);
  g_test_add_func ("/protocol/encoding/base64-exact", test_base64_exact);
  return g_test_run ();
}
