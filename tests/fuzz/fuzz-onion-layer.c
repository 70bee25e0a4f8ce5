/* SPDX-License-Identifier: GPL-3.0-or-later */
/* what a node does with an /onion_req/v2 body: split the layer, decrypt
 * the blob with its own key, split the plaintext again */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-onion-crypto.h"
#include "sd-onion-layer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* the node key b of protocol-network.md §9.2, so that the seed layers
 * (the §9.2 vectors and requests built for B) decrypt */
static const guint8 node_sk[32] = {
  0x2f, 0x4d, 0x1c, 0x0d, 0x28, 0xe1, 0x37, 0x77, 0x7e, 0xc0, 0xa3, 0x16, 0xe9, 0xf4, 0xf7, 0x63,
  0xe3, 0xe6, 0x66, 0x62, 0xa6, 0xc5, 0x19, 0x94, 0xc6, 0x31, 0x5c, 0x9e, 0xf3, 0x4b, 0x6d, 0xeb,
};

/* a string member, or NULL for a missing or non-string one */
static const gchar *
string_member (JsonObject *obj, const gchar *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static guint8 node_pk[32];
  static gboolean ready = FALSE;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) inner_json = NULL;
  g_autoptr(GBytes) plain = NULL;
  const guint8 *blob = NULL;
  gsize blob_len = 0;
  const gchar *eph_hex;
  guint8 eph[32];
  guint8 key[SD_ONION_KEY_LEN];
  size_t eph_len = 0;
  SdOnionCipher cipher;

  if (!ready) {
    if (sodium_init () < 0 || crypto_scalarmult_base (node_pk, node_sk) != 0)
      abort ();
    ready = TRUE;
  }

  if (!sd_onion_layer_parse (data, size, &blob, &blob_len, &json, NULL))
    return 0;
  if (json == NULL || blob_len > size - 4 || (blob_len > 0 && blob != data + 4))
    abort ();

  if (!sd_onion_cipher_from_string (string_member (json, "enc_type"), &cipher, NULL))
    return 0;
  eph_hex = string_member (json, "ephemeral_key");
  if (eph_hex == NULL ||
      sodium_hex2bin (eph, sizeof eph, eph_hex, strlen (eph_hex), NULL, &eph_len, NULL) != 0 ||
      eph_len != sizeof eph)
    return 0;
  if (!sd_onion_key_node (cipher, node_sk, node_pk, eph, key))
    return 0;
  plain = sd_onion_decrypt (cipher, key, blob, blob_len, NULL);
  sodium_memzero (key, sizeof key);
  if (plain == NULL)
    return 0;

  /* the decrypted layer: a relay hop or the final destination */
  if (sd_onion_layer_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                            &blob, &blob_len, &inner_json, NULL)) {
    (void) string_member (inner_json, "destination");
    (void) json_object_has_member (inner_json, "headers");
  }
  return 0;
}
