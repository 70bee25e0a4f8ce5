/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-padding.h"

static void
test_lengths (void)
{
  /* protocol-identity-and-messages.md §3 */
  const struct { gsize in, out; } cases[] = {
    { 0, 160 }, { 1, 160 }, { 158, 160 }, { 159, 320 }, { 160, 320 },
    { 318, 320 }, { 319, 480 }, { 320, 480 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (sd_padded_length (cases[i].in), ==, cases[i].out);
}

static void
test_pad_unpad (void)
{
  for (gsize len = 0; len < 700; len++) {
    g_autofree guint8 *msg = g_malloc (len + 1);
    g_autoptr(GBytes) padded = NULL;
    const guint8 *p;
    gsize plen;

    for (gsize i = 0; i < len; i++)
      msg[i] = (guint8) (i * 7 + 1);
    /* trailing zeros and 0x80 in the content must survive */
    if (len > 2) {
      msg[len - 1] = 0;
      msg[len - 2] = 0x80;
    }
    padded = sd_pad (msg, len);
    p = g_bytes_get_data (padded, &plen);
    g_assert_cmpuint (plen, ==, sd_padded_length (len));
    g_assert_cmpuint (p[len], ==, 0x80);
    for (gsize i = len + 1; i < plen; i++)
      g_assert_cmpuint (p[i], ==, 0);
    g_assert_cmpuint (sd_unpadded_length (p, plen), ==, len);
  }
}

static void
test_desktop_old_variant (void)
{
  /* desktop before Oct 2025 padded to 160k - 1 (10 bytes → 159) */
  guint8 buf[159] = { 0 };

  for (gsize i = 0; i < 10; i++)
    buf[i] = 'a';
  buf[10] = 0x80;
  g_assert_cmpuint (sd_unpadded_length (buf, sizeof buf), ==, 10);
}

static void
test_unpadded_input (void)
{
  const guint8 plain[] = { 0x78, 0x01 };
  const guint8 trailing_zero[] = { 0x0a, 0x00, 0x00 };

  g_assert_cmpuint (sd_unpadded_length (plain, sizeof plain), ==, 2);
  /* no 0x80 marker: taken as unpadded, whatever the zeros */
  g_assert_cmpuint (sd_unpadded_length (trailing_zero, sizeof trailing_zero), ==, 3);
  g_assert_cmpuint (sd_unpadded_length (NULL, 0), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/padding/lengths", test_lengths);
  g_test_add_func ("/protocol/padding/pad-unpad", test_pad_unpad);
  g_test_add_func ("/protocol/padding/desktop-old", test_desktop_old_variant);
  g_test_add_func ("/protocol/padding/unpadded-input", test_unpadded_input);
  return g_test_run ();
}
