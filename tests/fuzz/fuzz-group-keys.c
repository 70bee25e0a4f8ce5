/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keys messages as a member and as an admin would load them. The first
 * byte picks: 0 signs the rest with the fixed group key first (so that the
 * fuzzer gets past the signature to the layout checks and decryption),
 * anything else loads the rest as it came. Whatever loads must leave a
 * consistent key list, and a failed load must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-group-fixture.h"
#include "sd-config-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
load (SdGroupKeys *keys, const guint8 *data, gsize len)
{
  guint before = sd_group_keys_get_n_keys (keys);
  gboolean found = FALSE;
  guint n = 0;
  const SdGroupKeyBytes *list;

  if (!sd_group_keys_load_message (keys, "h", data, len, 1000, &found, NULL)) {
    if (sd_group_keys_get_n_keys (keys) != before)
      abort ();
    return;
  }
  if (found && sd_group_keys_get_n_keys (keys) == 0)
    abort ();
  if (sd_group_keys_get_n_keys (keys) > SD_GROUP_KEYS_MAX_KEYS)
    abort ();
  list = sd_group_keys_list (keys, &n);
  if (n != sd_group_keys_get_n_keys (keys) || (n > 0 && list == NULL))
    abort ();
  for (guint i = 1; i < n; i++)
    if (sd_group_keys_get_key (keys, i - 1)->generation > sd_group_keys_get_key (keys, i)->generation)
      abort ();
  /* loading it again is harmless */
  sd_group_keys_load_message (keys, "h", data, len, 1000, NULL, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(FuzzGroup) fx = { 0 };
  g_autoptr(SdGroupKeys) as_member = NULL;
  g_autoptr(SdGroupKeys) as_admin = NULL;
  g_autoptr(GBytes) input = NULL;

  if (size < 1)
    return 0;
  fuzz_group_fixture (&fx.admin_group, &fx.member_group, &fx.admin, &fx.member);
  as_member = sd_group_keys_new (&fx.member_group, &fx.member);
  as_admin = sd_group_keys_new (&fx.admin_group, &fx.admin);
  if (data[0] == 0) {
    g_autoptr(GBytes) body = NULL;

    if (size < 3 || data[size - 1] != 'e')
      return 0;
    body = g_bytes_new (data + 1, size - 1);
    input = sd_config_message_sign (body, fx.admin_group.ed25519_sk);
  } else {
    input = g_bytes_new (data + 1, size - 1);
  }
  load (as_member, g_bytes_get_data (input, NULL), g_bytes_get_size (input));
  load (as_admin, g_bytes_get_data (input, NULL), g_bytes_get_size (input));
  return 0;
}
