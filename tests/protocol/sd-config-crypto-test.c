/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the config blob, outer to inner: wrapper, deterministic encryption,
 * front padding, zstd. Vectors from libsession-util @ 8762e9d:
 * tests/test_encrypt.cpp, test_compression.cpp, test_config_userprofile.cpp
 * and test_proto.cpp */
#include "config.h"

#include "sd-config-crypto.h"
#include "sd-config-message.h"
#include "sd-config-push.h"
#include "sd-config-test-util.h"
#include "sd-config-wrap.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"

#define KEY1 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define KEY2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SEED "0123456789abcdef0123456789abcdef00000000000000000000000000000000"

static void
identity_from_hex (SdIdentity *identity, const gchar *seed_hex)
{
  guint8 seed[32];

  sd_test_hex_into (seed_hex, seed, sizeof seed);
  sd_identity_from_seed (identity, seed);
}

static void
test_encrypt_vector (void)
{
  const gchar *msg = "some message 1";
  guint8 key1[32], key2[32];
  g_autoptr(GBytes) enc1 = NULL;
  g_autoptr(GBytes) enc2 = NULL;
  g_autoptr(GBytes) enc3 = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *broken = NULL;
  gsize n;
  const guint8 *p;

  sd_test_hex_into (KEY1, key1, 32);
  sd_test_hex_into (KEY2, key2, 32);
  enc1 = sd_config_encrypt ((const guint8 *) msg, strlen (msg), key1, "test-suite1");
  p = g_bytes_get_data (enc1, &n);
  sd_test_assert_hex (p, n,
                      "f14f242a26638f3305707d1035e734577f943cd7d28af58e32637e"
                      "0966dcaf2f4860cb4d0f8ba7e09d29e31f5e4a18f65847287a54a0");
  enc2 = sd_config_encrypt ((const guint8 *) msg, strlen (msg), key1, "test-suite2");
  sd_test_assert_hex ((const guint8 *) g_bytes_get_data (enc2, NULL) + n - 24, 24,
                      "277e639d36ba46470dfff509a68cb73d9a96386c51739bdd");
  /* the nonce depends on the domain and plaintext only, not on the key */
  enc3 = sd_config_encrypt ((const guint8 *) msg, strlen (msg), key2, "test-suite1");
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (enc3, NULL) + n - 24, 24, p + n - 24, 24);
  g_assert_false (g_bytes_equal (enc1, enc3));

  plain = sd_config_decrypt (p, n, key1, "test-suite1", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), msg, strlen (msg));

  g_assert_null (sd_config_decrypt (p, n, key1, "test-suite2", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_null (sd_config_decrypt (p, n, key2, "test-suite1", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  broken = g_memdup2 (p, n);
  broken[3] = 0x42;
  g_assert_null (sd_config_decrypt (broken, n, key1, "test-suite1", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_null (sd_config_decrypt (p, 39, key1, "test-suite1", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_null (sd_config_decrypt (p, n, key1, "", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_null (sd_config_encrypt (p, n, key1, "a-domain-longer-than-24-bytes"));
}

static void
test_padding_steps (void)
{
  const struct {
    gsize len, overhead, padded;
  } cases[] = {
    { 1, 0, 256 },          { 1, 10, 246 },         { 246, 10, 246 },
    { 247, 10, 502 },       { 247, 256, 256 },      { 3839, 96, 4000 },
    { 3744, 96, 3744 },     { 3745, 96, 4000 },     { 4864, 0, 4864 },
    { 4865, 0, 5120 },      { 5121, 0, 6144 },      { 9216, 0, 9216 },
    { 9217, 0, 10240 },     { 10241, 0, 11264 },    { 20480, 0, 20480 },
    { 20481, 0, 22528 },    { 38912, 0, 38912 },    { 38913, 0, 40960 },
    { 40961, 0, 46080 },    { 46081, 0, 51200 },    { 71680, 0, 71680 },
    { 71681, 0, 76800 },    { 76800, 0, 76800 },    { 76800 - 24, 24, 76800 - 24 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (sd_config_padded_size (cases[i].len, cases[i].overhead), ==,
                      cases[i].padded);
}

static void
test_compression (void)
{
  guint8 aa[81];
  g_autoptr(GBytes) z = NULL;
  g_autoptr(GBytes) z5 = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *p;
  gsize n;

  memset (aa, 0xaa, sizeof aa);
  z = sd_config_compress (aa, sizeof aa, 1);
  p = g_bytes_get_data (z, &n);
  g_assert_cmpuint (n, ==, 18);
  sd_test_assert_hex (p, n, "7a28b52ffd205145000010aaaa01008c022c");
  z5 = sd_config_compress (aa, sizeof aa, 5);
  p = g_bytes_get_data (z5, &n);
  sd_test_assert_hex (p, n, "7a28b52ffd20513d000008aa01000dea84");

  back = sd_config_decompress ((const guint8 *) g_bytes_get_data (z, NULL) + 1, 17, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), aa, sizeof aa);

  /* the seqno-1 UserProfile of the compression test does not shrink */
  {
    g_autoptr(GByteArray) x = g_byte_array_new ();
    g_autoptr(GBytes) same = NULL;

    x_text (x, "d1:#i1e1:&d1:n6:Kallie1:p34:http://example.org/omg-pic-123.bmp1:q6:secrete1:<l");
    x_text (x, "li0e");
    x_hash_hex (x, "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965");
    x_text (x, "dee");
    x_text (x, "e1:=d1:n0:1:p0:1:q0:ee");
    g_assert_cmpuint (x->len, ==, 142);
    same = sd_config_compress (x->data, x->len, 1);
    g_assert_cmpmem (g_bytes_get_data (same, NULL), g_bytes_get_size (same), x->data, x->len);
  }
  /* but with some repetition it does */
  {
    g_autoptr(GByteArray) x = g_byte_array_new ();
    g_autoptr(GBytes) smaller = NULL;

    x_text (x, "d1:#i1e1:&d1:n12:KallieKallie1:p29:http://kallie.example.org/Kallie.bmp"
               "1:q24:KallieKalliesecretKalliee1:<l");
    x_text (x, "li0e");
    x_hash_hex (x, "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965");
    x_text (x, "dee");
    x_text (x, "e1:=d1:n0:1:p0:1:q0:ee");
    smaller = sd_config_compress (x->data, x->len, 1);
    p = g_bytes_get_data (smaller, &n);
    g_assert_cmpuint (n, ==, 161);
    sd_test_assert_hex (p, n,
                        "7a28b52ffd20aabd0400640864313a23693165313a2664313a6e31323a4b616c6c6965313a7032393a68"
                        "7474703a2f2f6b2e6578616d706c652e6f72672f4b626d70313a71323473656372657465313a3c6c6c69"
                        "306533323aea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c9656465656531"
                        "3a3d64313a6e303a313a70303a313a71303a656505003587f2d5e1c02836af9aa13401");
  }
}

#define EMPTY_PUSH_WRAPPED                                                                   \
  "080112ab030a0012001aa20308062801429b0326ec9746282053eb119228e6c36012966e7d2642163169ba39"  \
  "98af44ca65f967768dd78ee80fffab6f809f6cef49c73a36c82a89622ff0de2ceee06b8c638e2c876fa9047f"  \
  "449dbe24b1fc89281a264fe90abdeffcdd44f797bd4572a6c5ae8d88bf372c3c717943ebd570222206fabf0e"  \
  "e9f3c6756f5d71a32616b1df53d12887961f5c129207a79622ccc1a4bba976886d9a6ddf0fe5d570e5075d01"  \
  "ecd627f656e95f27b4c40d5661b5664cedd3e568206effa1308b0ccd663ca61a6d39c0731891804a8cf5edcf"  \
  "8b98eaa5580c3d436e22156e38455e403869700956c3c1dd0b4470b663e75c98c5b859b53ccef6559215d804"  \
  "9f755be9c2d6b3f4a310f97c496fc392f65b6431dd87788ac61074fd8cd409702e1b839b3f774d38cf8b28f0"  \
  "226c4efa5220ac6ae060793e36e7ef278d42d042f15b21291f3bb29e3158f09d154b93f83fd8a319811a26cb"  \
  "5240d90cbb360fafec0b7eff4c676ae598540813d062dc9468365c73b4cfa2ffd02d48cdcd8f0c71324c6d0a"  \
  "60346a7a0e50af3be64684b37f9e6c831115bf112ddd18acde08eaec376f0872a3952000"

#define PUSH1_ENCRYPTED                                                                      \
  "9693a69686da3055f1ecdfb239c3bf8e746951a36d888c2fb7c02e856a5c2091b24e39a7e1af828f"          \
  "1fa09fe8bf7d274afde0a0847ba143c43ffb8722301b5ae32e2f078b9a5e19097403336e50b18c84"          \
  "aade446cd2823b011f97d6ad2116a53feb814efecc086bc172d31f4214b4d7c630b63bbe575b0868"          \
  "2d146da44915063a07a78556ab5eff4f67f6aa26211e8d330b53d28567a931028c393709a325425d"          \
  "e7486ccde24416a7fd4a8ba5fa73899c65f4276dfaddd5b2100adcf0f793104fb235b31ce32ec656"          \
  "056009a9ebf58d45d7d696b74e0c7ff0499c4d23204976f19561dc0dba6dc53a2497d28ce03498ea"          \
  "49bf122762d7bc1d6d9c02f6d54f8384"

/* UserProfile, seqno 0 (empty) and 1 (name, avatar, Note-to-Self priority) */
static void
test_user_profile_push (void)
{
  SdIdentity me;
  g_autoptr(SdConfigMessage) m0 = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) m1 = NULL;
  g_autoptr(GBytes) s0 = NULL;
  g_autoptr(GBytes) s1 = NULL;
  g_autoptr(GBytes) push0 = NULL;
  g_autoptr(GBytes) push1 = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) expected1 = sd_test_hex (PUSH1_ENCRYPTED);
  g_autoptr(GByteArray) x1 = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  SdConfigValue *data;

  identity_from_hex (&me, SEED);
  sd_test_assert_hex (me.ed25519_pk, 32,
                      "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7");

  s0 = sd_config_message_serialize (m0);
  g_assert_cmpmem (g_bytes_get_data (s0, NULL), g_bytes_get_size (s0), "d1:#i0e1:&de1:<le1:=dee",
                   23);
  sd_config_test_assert_hash (m0, "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965");
  push0 = sd_config_push_encode (&me, SD_CONFIG_KIND_USER_PROFILE, 0, g_bytes_get_data (s0, NULL),
                                 g_bytes_get_size (s0), SD_CONFIG_PUSH_WRAPPED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (push0), ==, 256 + 176);
  sd_test_assert_hex (g_bytes_get_data (push0, NULL), g_bytes_get_size (push0), EMPTY_PUSH_WRAPPED);

  back = sd_config_push_decode (&me, SD_CONFIG_KIND_USER_PROFILE, g_bytes_get_data (push0, NULL),
                                g_bytes_get_size (push0), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, s0));
  g_clear_pointer (&back, g_bytes_unref);

  m1 = sd_config_message_increment (m0);
  data = sd_config_message_get_data (m1);
  set_str (data, "n", "Kallie");
  set_str (data, "p", "http://example.org/omg-pic-123.bmp");
  set_str (data, "q", "secret78901234567890123456789012");
  set_int (data, "+", 9);
  x_text (x1, "d1:#i1e1:&d1:+i9e1:n6:Kallie1:p34:http://example.org/omg-pic-123.bmp"
              "1:q32:secret78901234567890123456789012e1:<l");
  x_text (x1, "li0e");
  x_hash_hex (x1, "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965");
  x_text (x1, "dee");
  x_text (x1, "e1:=d1:+0:1:n0:1:p0:1:q0:ee");
  s1 = sd_config_message_serialize (m1);
  sd_config_test_assert_bytes (s1, x1);

  push1 = sd_config_push_encode (&me, SD_CONFIG_KIND_USER_PROFILE, 1, x1->data, x1->len,
                                 SD_CONFIG_PUSH_RAW, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (push1, expected1));

  /* an unwrapped blob is accepted as it is */
  back = sd_config_push_decode (&me, SD_CONFIG_KIND_USER_PROFILE,
                                g_bytes_get_data (expected1, NULL),
                                g_bytes_get_size (expected1), &error);
  g_assert_no_error (error);
  sd_config_test_assert_bytes (back, x1);
  g_clear_pointer (&back, g_bytes_unref);

  /* wrong domain (config kind): a clean decryption error */
  back = sd_config_push_decode (&me, SD_CONFIG_KIND_CONTACTS, g_bytes_get_data (expected1, NULL),
                                g_bytes_get_size (expected1), &error);
  g_assert_null (back);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
}

/* a wrapped config from an old client (test_proto.cpp "old config loading") */
static void
test_old_wrapped_config (void)
{
  static const gchar old_conf[] =
    "080112c2060a03505554120f2f6170692f76312f6d6573736167651a9f060806120028e1c5a0beaf313801"
    "428f065228bb32b820169e0acb266f02efa007276be0668013a278fc9bfc111a40136f63de4206943c0509"
    "6155fa480cd0a7f5d27d6297166f5ed5c2a323ecdf7a754308dd385cdce81e7ed3a0a305577838105a0798"
    "dd92540f4b8eaa74f8c5720e0a394ce005444322354d6dfe1cb527520145f3794718e42730e15c97f7e45f"
    "b53f9f7d3918ee57e5c8462f80ae0d64792c261feb4b9ce06b18a10b3d8f7af8f791b1368bd4ae9bbe0036"
    "dc77f547c001e26c9c986269281bc3e8ef38c42ad2a02a9be517fc85c0c8fa4732f79138910f85bba0f898"
    "f278d8c2ed3e7d00cc5b4f1eb32ffc9572ec98fac529bec7ad8560dc06fc986516c00232e9618c372c0f57"
    "c19283e0424ec91864aad7277e22c085443cc0bfd39c0a83f0a1a8f856850ede7a751bd6206cb6683e462a"
    "033ad282e4947adbbe4973e823676ae0a72aa5f0f607f306fe82b91da9b7fe79d4fb4e8a45cb9ad5f20c15"
    "1a84073cc62d7ac794fdd2fe57bf49f1089f8644ad9f73d154d14c63d5ca7a07d1b6ab6b5846b2f4785fbf"
    "738de23c250a711f54c941fd6f5aac4417125bb2d0321cd9f1b97a31f310d4ea8149732276b8df9869fbc5"
    "412c9b7772961fab800a356155549ef54cefb9407d7f10b4323824aa8ea13facc79003b84dae3e5ef0db27"
    "5b056f4fbdf54f5f22e62291af8427fc17c3c1b3985f6ee149729d8a5b794b7e374f408eb8f36a76a89680"
    "e3c6106a9d5a82f6f04f5d8b603a97140b6469daac0ef32f84cc4ffc05f43c084591b10834b1d16d65ce14"
    "15dec77cb5851c338ccbb0d5ae2d2c1e5bc8ba0f59dfbc4575fd446c8486a1ac5370d5da8eb041f2ed560a"
    "bc1a6ad6ce6e00369ec5fd5eb0a35411ed24b36ecbf80f1dc6c18452c4b4bfc59131e04400df8986cac95c"
    "51bbd320ba901ff6110dad0c70442286cf6220a53c6f9693636a42d5523eeb1e5fb3453169581384fb8a8f"
    "3914fb6c01900a4f872f55742b117ddd7bd40c4c5911bb214e28eb9450dbdd0d831a93054c63f9a04bf50c"
    "db9aac0032c484062d7ba7bbe64e07bcd633eec8378d5d914732693c5e298f015ebde2ae45769ed319e267"
    "f0528f5cc6da268343b6647b20bae6e9ee8d92cca702";
  SdIdentity me;
  g_autoptr(GBytes) wrapped = sd_test_hex (old_conf);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;

  identity_from_hex (&me, "f887566576de6c16d9ec251d55e24c1400000000000000000000000000000000");
  blob = sd_config_unwrap (&me, SD_CONFIG_KIND_USER_PROFILE, g_bytes_get_data (wrapped, NULL),
                           g_bytes_get_size (wrapped), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (blob);
}

static void
test_wrap_roundtrip (void)
{
  const gchar *msg = "Hello from the other side";
  const gchar *junk = "jfeejj0ifdoesam";
  SdIdentity me, other;
  g_autoptr(GBytes) w = NULL;

  identity_from_hex (&me, SEED);
  identity_from_hex (&other, KEY2);
  for (SdConfigKind kind = 0; kind < SD_CONFIG_N_KINDS; kind++) {
    g_autoptr(GBytes) wrapped = sd_config_wrap (&me, kind, 1, (const guint8 *) msg, strlen (msg));
    g_autoptr(GBytes) twice = sd_config_wrap (&me, kind, 1, g_bytes_get_data (wrapped, NULL),
                                              g_bytes_get_size (wrapped));
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;
    gint64 seqno = 0;

    out = sd_config_unwrap (&me, kind, g_bytes_get_data (wrapped, NULL),
                            g_bytes_get_size (wrapped), &seqno, &error);
    g_assert_no_error (error);
    g_assert_cmpint (seqno, ==, 1);
    g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), msg, strlen (msg));
    g_clear_pointer (&out, g_bytes_unref);

    /* another kind, or someone else: refused */
    out = sd_config_unwrap (&me, (kind + 1) % SD_CONFIG_N_KINDS, g_bytes_get_data (wrapped, NULL),
                            g_bytes_get_size (wrapped), NULL, &error);
    g_assert_null (out);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
    g_clear_error (&error);
    out = sd_config_unwrap (&other, kind, g_bytes_get_data (wrapped, NULL),
                            g_bytes_get_size (wrapped), NULL, &error);
    g_assert_null (out);
    g_assert_nonnull (error);
    g_clear_error (&error);

    /* the double wrapping of an old client is opened too (the 25-byte
     * message inside is no config blob, so decryption is what fails) */
    out = sd_config_push_decode (&me, kind, g_bytes_get_data (twice, NULL),
                                 g_bytes_get_size (twice), &error);
    g_assert_null (out);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  }

  /* junk inserted at the front, inside and at the end */
  w = sd_config_wrap (&me, SD_CONFIG_KIND_USER_PROFILE, 1, (const guint8 *) msg, strlen (msg));
  {
    gsize size = g_bytes_get_size (w);
    gsize positions[] = { 0, size - 4, size };

    for (guint i = 0; i < G_N_ELEMENTS (positions); i++) {
      g_autoptr(GByteArray) bad = g_byte_array_new ();
      g_autoptr(GBytes) out = NULL;
      g_autoptr(GError) error = NULL;

      g_byte_array_append (bad, g_bytes_get_data (w, NULL), (guint) positions[i]);
      g_byte_array_append (bad, (const guint8 *) junk, (guint) strlen (junk));
      g_byte_array_append (bad, (const guint8 *) g_bytes_get_data (w, NULL) + positions[i],
                           (guint) (size - positions[i]));
      out = sd_config_unwrap (&me, SD_CONFIG_KIND_USER_PROFILE, bad->data, bad->len, NULL, &error);
      g_assert_null (out);
      g_assert_nonnull (error);
    }
  }
}

/* a full round trip through the double-wrapped form an old client sent */
static void
test_double_wrapped_push (void)
{
  SdIdentity me;
  g_autoptr(SdConfigMessage) m = sd_config_message_new (3, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(GBytes) s = NULL;
  g_autoptr(GBytes) push = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;

  identity_from_hex (&me, SEED);
  set_str (sd_config_message_get_data (m), "n", "Kallie");
  s = sd_config_message_serialize (m);
  push = sd_config_push_encode (&me, SD_CONFIG_KIND_CONTACTS, 3, g_bytes_get_data (s, NULL),
                                g_bytes_get_size (s), SD_CONFIG_PUSH_WRAPPED, &error);
  g_assert_no_error (error);
  twice = sd_config_wrap (&me, SD_CONFIG_KIND_CONTACTS, 3, g_bytes_get_data (push, NULL),
                          g_bytes_get_size (push));
  back = sd_config_push_decode (&me, SD_CONFIG_KIND_CONTACTS, g_bytes_get_data (twice, NULL),
                                g_bytes_get_size (twice), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, s));
}

/* hostile blobs: each a clean error */
static void
test_hostile_blobs (void)
{
  SdIdentity me;
  const gchar *domain = "Contacts";
  const guint8 *key;

  identity_from_hex (&me, SEED);
  key = me.ed25519_sk;

  /* only padding */
  {
    guint8 zeros[256] = { 0 };
    g_autoptr(GBytes) blob = sd_config_encrypt (zeros, sizeof zeros, key, domain);
    g_autoptr(GError) error = NULL;

    g_assert_null (sd_config_open (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), key,
                                   domain, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  }
  /* a "z" body that is not zstd, a truncated frame, multipart, an unknown type */
  {
    const struct {
      const gchar *plain;
      gsize len;
      gint code;
    } cases[] = {
      { "\0\0\0zthis is not zstd", 19, SD_PROTOCOL_ERROR_MALFORMED },
      { "\0z\x28\xb5\x2f\xfd\x20\x51\x45\x00\x00\x10\xaa", 13, SD_PROTOCOL_ERROR_TRUNCATED },
      { "z", 1, SD_PROTOCOL_ERROR_TRUNCATED },
      { "\0\0mpart", 7, SD_PROTOCOL_ERROR_UNSUPPORTED },
      { "\0\0x", 3, SD_PROTOCOL_ERROR_UNSUPPORTED },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
      g_autoptr(GBytes) blob = sd_config_encrypt ((const guint8 *) cases[i].plain, cases[i].len,
                                                  key, domain);
      g_autoptr(GError) error = NULL;

      g_assert_null (sd_config_open (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), key,
                                     domain, &error));
      g_assert_error (error, SD_PROTOCOL_ERROR, cases[i].code);
    }
  }
  /* a zstd bomb stops at the plaintext bound */
  {
    gsize big = SD_CONFIG_MAX_PLAINTEXT * 2;
    g_autofree guint8 *zeros = g_malloc0 (big);
    g_autoptr(GBytes) z = sd_config_compress (zeros, big, 1);
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (g_bytes_get_size (z), <, 1000);
    g_assert_null (sd_config_decompress ((const guint8 *) g_bytes_get_data (z, NULL) + 1,
                                         g_bytes_get_size (z) - 1, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  }
  /* oversize, both ways */
  {
    g_autofree guint8 *noise = g_malloc (SD_CONFIG_MAX_MESSAGE + 1);
    g_autoptr(GError) error = NULL;

    randombytes_buf (noise, SD_CONFIG_MAX_MESSAGE + 1);
    g_assert_null (sd_config_push_decode (&me, SD_CONFIG_KIND_CONTACTS, noise,
                                          SD_CONFIG_MAX_MESSAGE + 1, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    /* incompressible data just under the limit grows past it once padded */
    g_assert_null (sd_config_push_encode (&me, SD_CONFIG_KIND_CONTACTS, 1, noise,
                                          SD_CONFIG_MAX_MESSAGE - 30, SD_CONFIG_PUSH_RAW,
                                          &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    /* garbage of any length never crashes the decoder */
    for (gsize n = 0; n < 300; n += 7) {
      g_autoptr(GBytes) out = sd_config_push_decode (&me, SD_CONFIG_KIND_CONTACTS, noise, n,
                                                     &error);

      g_assert_null (out);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config-crypto/encrypt-vector", test_encrypt_vector);
  g_test_add_func ("/config-crypto/padding-steps", test_padding_steps);
  g_test_add_func ("/config-crypto/compression", test_compression);
  g_test_add_func ("/config-crypto/user-profile-push", test_user_profile_push);
  g_test_add_func ("/config-crypto/old-wrapped-config", test_old_wrapped_config);
  g_test_add_func ("/config-crypto/wrap-roundtrip", test_wrap_roundtrip);
  g_test_add_func ("/config-crypto/double-wrapped-push", test_double_wrapped_push);
  g_test_add_func ("/config-crypto/hostile-blobs", test_hostile_blobs);

  return g_test_run ();
}
