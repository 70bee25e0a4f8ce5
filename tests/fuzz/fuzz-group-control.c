/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kick notices (namespace -11) and control-message signatures. The first
 * byte picks: 0 multi-encrypts the rest for the fixed member from the
 * group's key (reaching the payload checks), 1 verifies the rest as
 * "signature (64) ‖ signed text", anything else checks the rest as a
 * notice as it came. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-group-fixture.h"
#include "sd-group-control.h"
#include "sd-multi-encrypt.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(FuzzGroup) fx = { 0 };
  g_autoptr(GBytes) notice = NULL;
  gint64 gen = -1;

  if (size < 1)
    return 0;
  if (sodium_init () < 0)
    abort ();
  fuzz_group_fixture (&fx.admin_group, &fx.member_group, &fx.admin, &fx.member);
  if (data[0] == 0) {
    g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

    g_ptr_array_add (msgs, g_bytes_new (data + 1, size - 1));
    notice = sd_multi_encrypt_simple_ed25519 (msgs, (const guint8 (*)[32]) fx.member.x25519_pk, 1,
                                              fx.admin_group.ed25519_sk, SD_GROUP_KICK_DOMAIN);
  } else if (data[0] == 1) {
    g_autofree gchar *text = NULL;

    if (size >= 65) {
      text = g_strndup ((const gchar *) data + 65, size - 65);
      /* random bytes are never the group's signature */
      if (sd_group_control_verify (&fx.member_group, text, data + 1, 64, NULL))
        abort ();
    }
    return 0;
  } else {
    notice = g_bytes_new (data + 1, size - 1);
  }
  if (sd_group_kick_notice_check (&fx.member_group, &fx.member, g_bytes_get_data (notice, NULL),
                                  g_bytes_get_size (notice), &gen, NULL) &&
      gen < 0)
    abort ();
  return 0;
}
