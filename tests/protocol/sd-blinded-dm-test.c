/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-blinded-dm.h"
#include "sd-blinding.h"
#include "sd-content.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* keys of protocol-identity-and-messages.md §9.4 (key 2 is "negative") */
#define SEED1 "fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122"
#define SEED2 "8659efdcbe0949e0f81141e6d397e8be75f45d09262f209d5950e97989eb43c7"
#define SERVER "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static SdIdentity key1, key2, key3;
static guint8 server_pk[32];
static SdBlindedKeyPair b1, b2;
static const guint8 msg[] = "hello over the inbox";

static void
test_both_directions (void)
{
  const struct { const SdIdentity *from, *to; const SdBlindedKeyPair *bfrom, *bto; } cases[] = {
    { &key1, &key2, &b1, &b2 },
    { &key2, &key1, &b2, &b1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) wire = NULL, in = NULL, out = NULL;
    guint8 sender_ed[32];
    gchar sender_id[SD_SESSION_ID_LEN + 1];
    const guint8 *w;
    gsize len;

    wire = sd_blinded_dm_encrypt (cases[i].from->ed25519_sk, server_pk, cases[i].bto->pk, msg,
                                  sizeof msg, NULL, &error);
    g_assert_no_error (error);
    w = g_bytes_get_data (wire, &len);
    /* version ‖ ciphertext(message ‖ pk) + tag ‖ nonce */
    g_assert_cmpuint (len, ==, 1 + sizeof msg + 32 + 16 + 24);
    g_assert_cmpuint (w[0], ==, 0);

    /* the recipient, from its inbox */
    in = sd_blinded_dm_decrypt (cases[i].to->ed25519_sk, server_pk, cases[i].bfrom->pk, FALSE, w,
                                len, sender_ed, sender_id, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (in, NULL), g_bytes_get_size (in), msg, sizeof msg);
    g_assert_cmpmem (sender_ed, 32, cases[i].from->ed25519_pk, 32);
    g_assert_cmpstr (sender_id, ==, cases[i].from->session_id);

    /* the sender, from its outbox */
    out = sd_blinded_dm_decrypt (cases[i].from->ed25519_sk, server_pk, cases[i].bto->pk, TRUE, w,
                                 len, sender_ed, sender_id, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (in, out));
    g_assert_cmpstr (sender_id, ==, cases[i].from->session_id);

    /* a third party cannot read it */
    g_assert_null (sd_blinded_dm_decrypt (key3.ed25519_sk, server_pk, cases[i].bfrom->pk, FALSE,
                                          w, len, sender_ed, sender_id, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  }
}

static void
test_fixed_nonce (void)
{
  guint8 nonce[24] = { 1, 2, 3 };
  g_autoptr(GBytes) a = sd_blinded_dm_encrypt (key1.ed25519_sk, server_pk, b2.pk, msg, sizeof msg,
                                               nonce, NULL);
  g_autoptr(GBytes) b = sd_blinded_dm_encrypt (key1.ed25519_sk, server_pk, b2.pk, msg, sizeof msg,
                                               nonce, NULL);
  gsize len;
  const guint8 *w = g_bytes_get_data (a, &len);

  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpmem (w + len - 24, 24, nonce, 24);
}

static void
test_sender_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;
  guint8 sender_ed[32], other_pk[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];
  SdBlindedKeyPair b3;

  /* key 3 encrypts to key 2 but the inbox claims key 1 sent it: the key
   * agreement already differs, and even a matching one would fail the
   * embedded-key check */
  g_assert_true (sd_blind15_key_pair (key3.ed25519_sk, server_pk, &b3));
  wire = sd_blinded_dm_encrypt (key3.ed25519_sk, server_pk, b2.pk, msg, sizeof msg, NULL, &error);
  g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE,
                                        g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                        sender_ed, sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);

  /* the sign-flipped sender key (what a Session ID lookup may give) makes
   * another shared secret: only the real key, as the server shows it, decrypts */
  memcpy (other_pk, b3.pk, 32);
  other_pk[31] ^= 0x80;
  g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, other_pk, FALSE,
                                        g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                        sender_ed, sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
}

static void
test_rejects (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = sd_blinded_dm_encrypt (key1.ed25519_sk, server_pk, b2.pk, msg,
                                                  sizeof msg, NULL, NULL);
  gsize len = g_bytes_get_size (wire);
  g_autofree guint8 *w = g_memdup2 (g_bytes_get_data (wire, NULL), len);
  guint8 sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];

  /* every byte matters */
  for (gsize i = 1; i < len; i += 7) {
    w[i] ^= 0x10;
    g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE, w, len,
                                          sender_ed, sender_id, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
    g_clear_error (&error);
    w[i] ^= 0x10;
  }
  w[0] = 1;
  g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE, w, len,
                                        sender_ed, sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE, w, 72,
                                        sender_ed, sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_null (sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE, w,
                                        SD_BLINDED_DM_MAX + 1, sender_ed, sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
}

/* a message with only the embedded key (empty body) is the shortest there is */
static void
test_empty_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = sd_blinded_dm_encrypt (key1.ed25519_sk, server_pk, b2.pk, NULL, 0,
                                                  NULL, &error);
  g_autoptr(GBytes) in = NULL;
  guint8 sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 73);
  in = sd_blinded_dm_decrypt (key2.ed25519_sk, server_pk, b1.pk, FALSE,
                              g_bytes_get_data (wire, NULL), 73, sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (in), ==, 0);
}

/* a Content both ways, padded as libsession pads it */
static void
test_content (void)
{
  g_autoptr(GBytes) content = sd_content_pack_text ("hello from the inbox", 1754971101000, "Key1",
                                                    0, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = sd_blinded_dm_seal_content (key1.ed25519_sk, server_pk, b2.pk,
                                                       g_bytes_get_data (content, NULL),
                                                       g_bytes_get_size (content), &error);
  g_autoptr(SessionProtos__Content) in = NULL, out = NULL;
  g_autoptr(GBytes) not_content = NULL;
  guint8 sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];

  g_assert_no_error (error);
  /* 1 + 160 (padded) + 32 (key) + 16 (tag) + 24 (nonce) */
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 233);
  in = sd_blinded_dm_open_content (key2.ed25519_sk, server_pk, b1.pk, FALSE,
                                   g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                   sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (in->datamessage->body, ==, "hello from the inbox");
  g_assert_cmpstr (sender_id, ==, key1.session_id);
  out = sd_blinded_dm_open_content (key1.ed25519_sk, server_pk, b2.pk, TRUE,
                                    g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                    sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out->datamessage->body, ==, "hello from the inbox");

  /* decrypts, but is no Content */
  not_content = sd_blinded_dm_encrypt (key1.ed25519_sk, server_pk, b2.pk,
                                       (const guint8 *) "\x0a\xff", 2, NULL, NULL);
  g_assert_null (sd_blinded_dm_open_content (key2.ed25519_sk, server_pk, b1.pk, FALSE,
                                             g_bytes_get_data (not_content, NULL),
                                             g_bytes_get_size (not_content), sender_ed,
                                             sender_id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  sd_test_hex_into (SEED1, seed, sizeof seed);
  sd_identity_from_seed (&key1, seed);
  sd_test_hex_into (SEED2, seed, sizeof seed);
  sd_identity_from_seed (&key2, seed);
  memset (seed, 0x33, sizeof seed);
  sd_identity_from_seed (&key3, seed);
  sd_test_hex_into (SERVER, server_pk, sizeof server_pk);
  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_pk, &b1));
  g_assert_true (sd_blind15_key_pair (key2.ed25519_sk, server_pk, &b2));
  g_test_add_func ("/protocol/blinded-dm/both-directions", test_both_directions);
  g_test_add_func ("/protocol/blinded-dm/fixed-nonce", test_fixed_nonce);
  g_test_add_func ("/protocol/blinded-dm/sender-mismatch", test_sender_mismatch);
  g_test_add_func ("/protocol/blinded-dm/rejects", test_rejects);
  g_test_add_func ("/protocol/blinded-dm/empty-message", test_empty_message);
  g_test_add_func ("/protocol/blinded-dm/content", test_content);
  return g_test_run ();
}
