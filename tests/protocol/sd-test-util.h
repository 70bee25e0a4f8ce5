/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* small helpers shared by the protocol unit tests */

#include <glib.h>
#include <string.h>

#include "sd-encoding.h"

/* decodes a hex literal from a test vector; aborts the test if malformed */
static inline GBytes *
sd_test_hex (const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = sd_hex_decode (hex, &error);

  g_assert_no_error (error);
  return bytes;
}

static inline void
sd_test_hex_into (const gchar *hex, guint8 *out, gsize len)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_hex_decode_exact (hex, out, len, &error));
  g_assert_no_error (error);
}

static inline void
sd_test_assert_hex (const guint8 *data, gsize len, const gchar *expected_hex)
{
  g_autofree gchar *hex = sd_hex_encode (data, len);

  g_assert_cmpstr (hex, ==, expected_hex);
}
