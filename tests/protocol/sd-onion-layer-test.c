/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion layer framing against protocol-network.md §9.2 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-onion-crypto.h"
#include "sd-onion-layer.h"
#include "sd-json.h"
#include "sd-protocol-error.h"

/* §9.2, libsession-util test "Onion request parser" */
#define V_A "8167e97672005c669a48858c69895f395ca235219ac3f7a4210022b1f910e652"
#define V_a "d2ee09e1a557a077d385fcb69a11ffb6909ecdcc8348def3e0e4172c8a1431c1"
#define V_B "8388de69bc0d4b6196133233ad9a46ba0473474bc67718aad96a3a33c257f726"
#define V_b "2f4d1c0d28e137777ec0a316e9f4f763e3e66662a6c51994c6315c9ef34b6deb"
#define V_LAYER_GCM \
  "270000009525d587d188c92a966eef0e7162bef99a6171a124575b998072a8ee7eb265e0b6f0930ed96504" \
  "7b22656e635f74797065223a20226165732d67636d222c2022657068656d6572616c5f6b6579223a202238" \
  "31363765393736373230303563363639613438383538633639383935663339356361323335323139616333" \
  "6637613432313030323262316639313065363532227d"
#define V_LAYER_XC \
  "33000000e440bc244ddcafd947b86fc5a964aa58de54a6d75cc0f0f3840db14b6c1176a8e2e0a04d5fbdf9" \
  "8f23adee1edc8362ab99b10b7b22656e635f74797065223a2022786368616368613230222c202265706865" \
  "6d6572616c5f6b6579223a2022383136376539373637323030356336363961343838353863363938393566" \
  "33393563613233353231396163336637613432313030323262316639313065363532227d"

static GBytes *
hex_bytes (const gchar *hex)
{
  gsize len = strlen (hex) / 2;
  guint8 *out = g_malloc (len + 1);
  size_t bin_len = 0;

  g_assert_cmpint (sodium_hex2bin (out, len, hex, strlen (hex), NULL, &bin_len, NULL), ==, 0);
  g_assert_cmpuint (bin_len, ==, len);
  return g_bytes_new_take (out, len);
}

static void
hex_key (const gchar *hex, guint8 out[32])
{
  g_autoptr(GBytes) b = hex_bytes (hex);

  g_assert_cmpuint (g_bytes_get_size (b), ==, 32);
  memcpy (out, g_bytes_get_data (b, NULL), 32);
}

static void
check_vector (const gchar *layer_hex,
              SdOnionCipher expected_cipher,
              const gchar *expected_enc_type,
              gsize expected_blob_len,
              gsize expected_reply_len)
{
  g_autoptr(GBytes) layer = hex_bytes (layer_hex);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) reply_plain = NULL;
  const guint8 *blob = NULL;
  gsize blob_len = 0;
  const gchar *enc_type;
  const gchar *eph_hex;
  SdOnionCipher cipher;
  guint8 a[32], A[32], b[32], B[32], remote[32];
  guint8 node_key[SD_ONION_KEY_LEN];
  guint8 client_key[SD_ONION_KEY_LEN];

  hex_key (V_a, a);
  hex_key (V_A, A);
  hex_key (V_b, b);
  hex_key (V_B, B);

  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (layer, NULL), g_bytes_get_size (layer),
                                       &blob, &blob_len, &json, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (blob_len, ==, expected_blob_len);
  g_assert_true (blob == (const guint8 *) g_bytes_get_data (layer, NULL) + 4);
  g_assert_cmpuint (json_object_get_size (json), ==, 2);

  enc_type = json_object_get_string_member (json, "enc_type");
  g_assert_cmpstr (enc_type, ==, expected_enc_type);
  g_assert_true (sd_onion_cipher_from_string (enc_type, &cipher, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cipher, ==, expected_cipher);

  /* the remote pubkey the node learns is the client's A */
  eph_hex = json_object_get_string_member (json, "ephemeral_key");
  g_assert_cmpstr (eph_hex, ==, V_A);
  hex_key (eph_hex, remote);
  g_assert_cmpmem (remote, 32, A, 32);

  /* node (b, B) decrypts the payload */
  g_assert_true (sd_onion_key_node (cipher, b, B, remote, node_key));
  plain = sd_onion_decrypt (cipher, node_key, blob, blob_len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "Hello world", 11);

  /* and replies with the same key; the client (a, A) reads it with B */
  reply = sd_onion_encrypt (cipher, node_key, (const guint8 *) "Goodbye world", 13, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, expected_reply_len);
  g_assert_true (sd_onion_key_client (cipher, a, A, B, client_key));
  g_assert_cmpmem (client_key, 32, node_key, 32);
  reply_plain = sd_onion_decrypt (cipher, client_key, g_bytes_get_data (reply, NULL),
                                  g_bytes_get_size (reply), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (reply_plain, NULL), g_bytes_get_size (reply_plain),
                   "Goodbye world", 13);
}

static void
test_vector_gcm (void)
{
  check_vector (V_LAYER_GCM, SD_ONION_CIPHER_AES_GCM, "aes-gcm", 0x27, 12 + 13 + 16);
}

static void
test_vector_xchacha (void)
{
  check_vector (V_LAYER_XC, SD_ONION_CIPHER_XCHACHA20, "xchacha20", 0x33, 24 + 13 + 16);
}

static void
test_build_round_trip (void)
{
  const guint8 blob[] = { 0, 1, 2, '{', '}', 0xff };
  g_autoptr(GBytes) layer = sd_onion_layer_build (blob, sizeof blob, "{\"headers\":\"\"}");
  g_autoptr(GBytes) empty = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) json2 = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data = g_bytes_get_data (layer, NULL);
  const guint8 *out = NULL;
  gsize out_len = 99;

  g_assert_cmpuint (g_bytes_get_size (layer), ==, 4 + sizeof blob + 14);
  g_assert_cmpmem (data, 4, "\x06\x00\x00\x00", 4);
  g_assert_true (sd_onion_layer_parse (data, g_bytes_get_size (layer), &out, &out_len, &json,
                                       &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, out_len, blob, sizeof blob);
  g_assert_true (json_object_has_member (json, "headers"));
  g_assert_cmpstr (json_object_get_string_member (json, "headers"), ==, "");

  /* an empty blob is fine as long as JSON follows */
  empty = sd_onion_layer_build (NULL, 0, "{}");
  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (empty, NULL), g_bytes_get_size (empty),
                                       &out, &out_len, &json2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, ==, 0);
  g_assert_cmpuint (json_object_get_size (json2), ==, 0);

  /* all out parameters are optional */
  g_assert_true (sd_onion_layer_parse (data, g_bytes_get_size (layer), NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_layer_malformed (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) json = NULL;
  const guint8 *blob = NULL;
  gsize blob_len = 0;

  g_assert_false (sd_onion_layer_parse (data, len, &blob, &blob_len, &json, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (json);
}

/* a layer with the given prefix value, blob and trailing text */
static GBytes *
raw_layer (guint32 n, gsize blob_len, const gchar *tail, gsize tail_len)
{
  GByteArray *out = g_byte_array_new ();
  guint32 le = GUINT32_TO_LE (n);

  g_byte_array_append (out, (const guint8 *) &le, 4);
  for (gsize i = 0; i < blob_len; i++)
    g_byte_array_append (out, (const guint8 *) "x", 1);
  g_byte_array_append (out, (const guint8 *) tail, (guint) tail_len);
  return g_byte_array_free_to_bytes (out);
}

#define TAIL(s) s, sizeof (s) - 1

static void
test_malformed (void)
{
  g_autoptr(GBytes) vec = hex_bytes (V_LAYER_GCM);
  const guint8 *v = g_bytes_get_data (vec, NULL);
  struct {
    guint32 n;
    gsize blob_len;
    const gchar *tail;
    gsize tail_len;
  } cases[] = {
    { 100, 3, TAIL ("{}") },                  /* length larger than the data */
    { 6, 3, TAIL ("{}") },                    /* ... by one */
    { G_MAXUINT32, 0, TAIL ("{}") },          /* ... by a lot */
    { 3, 3, TAIL ("") },                      /* no JSON */
    { 3, 3, TAIL ("[]") },                    /* array instead of object */
    { 3, 3, TAIL ("[{\"a\":1}]") },
    { 3, 3, TAIL ("\"str\"") },               /* other JSON values */
    { 3, 3, TAIL ("42") },
    { 3, 3, TAIL ("null") },
    { 3, 3, TAIL ("{\"a\":\"\xff\"}") },      /* invalid UTF-8 */
    { 3, 3, TAIL ("{\"a\":\"\xc3\"}") },
    { 3, 3, TAIL ("{\"a\":1\0}") },           /* embedded NUL */
    { 3, 3, TAIL ("{\"a\":}") },              /* invalid JSON */
    { 3, 3, TAIL ("{\"a\":1") },
    { 3, 3, TAIL ("{\"a\" 1}") },
    { 3, 3, TAIL ("{\"a\":1,}") },
    { 3, 3, TAIL ("{} {}") },                 /* trailing data */
    { 3, 3, TAIL ("{}[]") },
    { 3, 3, TAIL ("{'a':1}") },               /* json-glib leniencies */
    { 3, 3, TAIL ("/* c */{}") },
    { 3, 3, TAIL ("{\"a\":0x10}") },
    { 3, 3, TAIL ("var x = {}") },
    { 3, 3, TAIL ("{\"a\":01}") },
    { 3, 3, TAIL ("{\"a\":tru}") },
    { 3, 3, TAIL ("{\"a\":\"\\x\"}") },       /* bad escapes */
    { 3, 3, TAIL ("{\"a\":\"\\u12\"}") },
    { 3, 3, TAIL ("{\"a\":\"\\ud800\"}") },   /* lone surrogates */
    { 3, 3, TAIL ("{\"a\":\"\\udc00x\"}") },
    { 3, 3, TAIL ("{\"a\":\"\\u0000\"}") },
    { 3, 3, TAIL ("{\"a\":\"\t\"}") },        /* raw control character */
    { 3, 3, TAIL ("\xef\xbb\xbf{}") },        /* byte order mark */
  };

  /* zero-length data and anything shorter than the prefix */
  assert_layer_malformed (NULL, 0);
  assert_layer_malformed (v, 0);
  for (gsize len = 1; len < 4; len++)
    assert_layer_malformed (v, len);
  /* every proper prefix of the vector is broken somehow */
  for (gsize len = 4; len < g_bytes_get_size (vec); len++)
    assert_layer_malformed (v, len);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) layer = raw_layer (cases[i].n, cases[i].blob_len,
                                         cases[i].tail, cases[i].tail_len);

    g_test_message ("malformed case %" G_GSIZE_FORMAT, i);
    assert_layer_malformed (g_bytes_get_data (layer, NULL), g_bytes_get_size (layer));
  }
}

/* strings, numbers and nesting that strict JSON allows */
static void
test_json_accepted (void)
{
  const gchar *good[] = {
    "{}",
    " \t\r\n{ } \n",
    "{\"a\":[1,-2,3.5,-0.25e+3,1E-2,0,-0],\"b\":{\"c\":null,\"d\":true,\"e\":false}}",
    "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 ü\"}",
    "{\"\":\"\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) obj = sd_json_parse_object (good[i], strlen (good[i]), &error);

    g_assert_no_error (error);
    g_assert_nonnull (obj);
  }
}

/* integers json-glib would wrap are refused; the whole uint64 range stays (swarm ids) */
static void
test_json_integer_range (void)
{
  const gchar *good[] = {
    "{\"n\":9223372036854775807}", "{\"n\":-9223372036854775808}",
    "{\"n\":18446744073709551615}", "{\"n\":1e400}",
  };
  const gchar *bad[] = {
    "{\"n\":18446744073709551616}", "{\"n\":-9223372036854775809}",
    "{\"n\":123456789012345678901234567890}",
  };
  g_autoptr(JsonObject) swarm = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) obj = sd_json_parse_object (good[i], strlen (good[i]), &error);

    g_assert_no_error (error);
    g_assert_nonnull (obj);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) obj = sd_json_parse_object (bad[i], strlen (bad[i]), &error);

    g_assert_nonnull (error);
    g_assert_null (obj);
  }
  swarm = sd_json_parse_object (good[2], strlen (good[2]), NULL);
  g_assert_cmpuint ((guint64) json_object_get_int_member (swarm, "n"), ==, G_MAXUINT64);
}

static void
test_json_escapes (void)
{
  const gchar *text = "{\"s\":\"\\u00e9\\ud83d\\ude00\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = sd_json_parse_object (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (obj, "s"), ==, "\xc3\xa9\xf0\x9f\x98\x80");
}

static gchar *
nested (guint depth)
{
  GString *s = g_string_new ("{\"a\":");

  /* the object itself is one level */
  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, '[');
  g_string_append (s, "1");
  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* json-glib recurses per level and crashes on deep input: bounded at 64 */
static void
test_json_depth (void)
{
  g_autofree gchar *ok = nested (64);
  g_autofree gchar *deep = nested (65);
  g_autofree gchar *hostile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(JsonObject) bad = NULL;
  g_autoptr(JsonObject) worse = NULL;
  GString *s;

  obj = sd_json_parse_object (ok, strlen (ok), &error);
  g_assert_no_error (error);
  g_assert_nonnull (obj);

  bad = sd_json_parse_object (deep, strlen (deep), &error);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (bad);
  g_clear_error (&error);

  s = g_string_new ("{\"a\":");
  for (guint i = 0; i < 500000; i++)
    g_string_append_c (s, '[');
  hostile = g_string_free (s, FALSE);
  worse = sd_json_parse_object (hostile, strlen (hostile), &error);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (worse);
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, NULL);

  if (crypto_aead_aes256gcm_is_available ())
    g_test_add_func ("/onion-layer/vector/gcm", test_vector_gcm);
  else
    g_test_message ("no hardware AES: aes-gcm vector skipped");
  g_test_add_func ("/onion-layer/vector/xchacha20", test_vector_xchacha);
  g_test_add_func ("/onion-layer/build-round-trip", test_build_round_trip);
  g_test_add_func ("/onion-layer/malformed", test_malformed);
  g_test_add_func ("/onion-layer/json/accepted", test_json_accepted);
  g_test_add_func ("/onion-layer/json/escapes", test_json_escapes);
  g_test_add_func ("/onion-layer/json/integer-range", test_json_integer_range);
  g_test_add_func ("/onion-layer/json/depth", test_json_depth);

  return g_test_run ();
}
