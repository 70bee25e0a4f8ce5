/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-message-hash.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-sodium.h"

gchar *
sd_namespace_text (gint namespace_)
{
  return namespace_ == 0 ? g_strdup ("") : g_strdup_printf ("%d", namespace_);
}

gchar *
sd_message_hash (const guint8 account_id[33], gint namespace_, const guint8 *data, gsize len)
{
  crypto_generichash_state state;
  guint8 digest[32];
  g_autofree gchar *ns = sd_namespace_text (namespace_);

  sd_sodium_init ();
  crypto_generichash_init (&state, NULL, 0, sizeof digest);
  crypto_generichash_update (&state, account_id, 33);
  crypto_generichash_update (&state, (const guint8 *) ns, strlen (ns));
  crypto_generichash_update (&state, data, len);
  crypto_generichash_final (&state, digest, sizeof digest);
  return sd_base64_encode (digest, sizeof digest, FALSE);
}
