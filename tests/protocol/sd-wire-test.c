/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-session-crypto.h"
#include "sd-test-util.h"
#include "sd-wire.h"

#define SEED1 "0123456789abcdef0123456789abcdef00000000000000000000000000000000"
#define SEED2 "00112233445566778899aabbccddeeff00000000000000000000000000000000"
#define T 1754971101000ULL

/* protocol-identity-and-messages.md §9.7 */
#define LAYERED_HEX \
  "080112c7020a0012001abe02080628c8aeb7e38933380142b002bef4241a15297899a4c7bc3fc293244f65c380de" \
  "f6a9208dda26d0bb9a674c59b42c4c9318b0dd2312fcf2d50f144acbc0432f6d6d3a2325a96c67be28219e08ac9f" \
  "ea64a39bfa85a8b87ba8771328efca80c0d38325455cffbcbe7eb8647043fd062ea160d17e309362072e21df7d90" \
  "80415104667e8ee2939fec21ff034a0dc28f4bb6c90d1e5001bf6e55e46c0a223375a927be775d7de045bacea5a1" \
  "4936148eed0800d62ae40bfa222deb2dfd5430d9d018bad7fffd4bd04695f41cb70236ef699cf2aecc5fb38a111b" \
  "2cef7500168135af6fae34255b0ffbf1f7bc26833fbeed5118e83c5089bec44b561d3b8301ddddd7cb99acd11978" \
  "c44b7791c67f71309289ddb03a24c876279db0b2145042c5e8addc5124e4e600cfceb76b31a30386e1389ded7ac4" \
  "15e839354b363b542000"

static SdIdentity alice, bob;

static guint8 *
pack_content (const SessionProtos__Content *content, gsize *len)
{
  guint8 *out;

  *len = session_protos__content__get_packed_size (content);
  out = g_malloc (*len);
  session_protos__content__pack (content, out);
  return out;
}

static guint8 *
hello_content (guint64 sig_timestamp, gboolean with_sig_timestamp, gsize *len)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;

  data.body = (char *) "hello";
  content.datamessage = &data;
  content.has_sigtimestamp = with_sig_timestamp;
  content.sigtimestamp = sig_timestamp;
  return pack_content (&content, len);
}

static void
test_content_vector (void)
{
  gsize len;
  g_autofree guint8 *packed = hello_content (T, TRUE, &len);

  /* §9.6 */
  sd_test_assert_hex (packed, len, "0a070a0568656c6c6f78c8aeb7e38933");
}

static void
test_layered_vector (void)
{
  gsize len;
  g_autofree guint8 *packed = hello_content (T, TRUE, &len);
  g_autoptr(GBytes) wire = NULL;
  g_autofree gchar *hex = NULL;
  g_auto(SdWireMessage) msg = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 digest[32];

  wire = sd_wire_wrap_bytes (&alice, bob.x25519_pk, T, packed, len, SD_WIRE_FLAG_DETERMINISTIC);
  g_assert_cmpuint (g_bytes_get_size (wire), ==, 332);
  hex = sd_hex_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  g_assert_cmpstr (hex, ==, LAYERED_HEX);
  crypto_hash_sha256 (digest, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  sd_test_assert_hex (digest, 32,
                      "941428a2f96ded21f34e01565ea089a16aba60477660c46c75da5ff3aeabd2e0");

  g_assert_true (sd_wire_unwrap_bytes (&bob, g_bytes_get_data (wire, NULL),
                                       g_bytes_get_size (wire), &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (msg.sender, ==, alice.session_id);
  g_assert_cmpmem (msg.sender_ed25519, 32, alice.ed25519_pk, 32);
  g_assert_cmpuint (msg.envelope_timestamp, ==, T);
  g_assert_nonnull (msg.content->datamessage);
  g_assert_cmpstr (msg.content->datamessage->body, ==, "hello");
  g_assert_false (msg.content->datamessage->has_timestamp);
  g_assert_true (msg.content->has_sigtimestamp);
}

static void
test_base64_round_trip (void)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;
  g_autofree gchar *b64 = NULL;
  g_auto(SdWireMessage) msg = { 0 };
  g_autoptr(GError) error = NULL;

  data.body = (char *) "Grüße, 世界 ✓";
  profile.displayname = (char *) "Alice";
  profile.has_lastprofileupdateseconds = TRUE;
  profile.lastprofileupdateseconds = 1754971101;
  data.profile = &profile;
  content.datamessage = &data;
  content.has_expirationtype = TRUE;
  content.expirationtype = SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = 3600;
  content.has_sigtimestamp = TRUE;
  content.sigtimestamp = T + 5;

  b64 = sd_wire_wrap (&alice, bob.x25519_pk, T + 5, &content);
  g_assert_true (sd_wire_unwrap (&bob, b64, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (msg.content->datamessage->body, ==, "Grüße, 世界 ✓");
  g_assert_cmpstr (msg.content->datamessage->profile->displayname, ==, "Alice");
  g_assert_cmpuint (msg.content->expirationtimer, ==, 3600);
  g_assert_cmpint (msg.content->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND);
  g_assert_cmpuint (msg.envelope_timestamp, ==, T + 5);
  g_assert_cmpstr (msg.sender, ==, alice.session_id);
}

/* builds the layers by hand the way an older client did: verb PUT, path
 * /api/v1/message, 160k-1 padding, DataMessage.timestamp, no sigTimestamp
 * and no sourceDevice */
static GBytes *
old_client_wire (const guint8 *content, gsize len, guint64 timestamp, gboolean pad)
{
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  SessionWebSocket__WebSocketRequestMessage request =
    SESSION_WEB_SOCKET__WEB_SOCKET_REQUEST_MESSAGE__INIT;
  SessionWebSocket__WebSocketMessage wrapper = SESSION_WEB_SOCKET__WEB_SOCKET_MESSAGE__INIT;
  gsize padded_len = pad ? 160 * ((len + 2 + 159) / 160) - 1 : len;
  g_autofree guint8 *padded = g_malloc0 (padded_len);
  g_autoptr(GBytes) sealed = NULL;
  g_autofree guint8 *env = NULL;
  gsize env_len, out_len;
  guint8 *out;

  memcpy (padded, content, len);
  if (pad)
    padded[len] = 0x80;
  sealed = sd_session_encrypt (&alice, bob.x25519_pk, padded, padded_len);
  envelope.has_type = TRUE;
  envelope.type = SESSION_PROTOS__ENVELOPE__TYPE__SESSION_MESSAGE;
  envelope.timestamp = timestamp;
  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (sealed, &envelope.content.len);
  env_len = session_protos__envelope__get_packed_size (&envelope);
  env = g_malloc (env_len);
  session_protos__envelope__pack (&envelope, env);
  request.verb = (char *) "PUT";
  request.path = (char *) "/api/v1/message";
  request.has_body = TRUE;
  request.body.data = env;
  request.body.len = env_len;
  request.has_requestid = TRUE;
  wrapper.has_type = TRUE;
  wrapper.type = SESSION_WEB_SOCKET__WEB_SOCKET_MESSAGE__TYPE__REQUEST;
  wrapper.request = &request;
  out_len = session_web_socket__web_socket_message__get_packed_size (&wrapper);
  out = g_malloc (out_len);
  session_web_socket__web_socket_message__pack (&wrapper, out);
  return g_bytes_new_take (out, out_len);
}

static void
test_older_clients (void)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  gsize len;
  g_autofree guint8 *packed = NULL;

  data.body = (char *) "from the past";
  data.has_timestamp = TRUE;
  data.timestamp = T;
  content.datamessage = &data;
  packed = pack_content (&content, &len);

  for (guint pad = 0; pad < 2; pad++) {
    g_autoptr(GBytes) wire = old_client_wire (packed, len, T, pad);
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true (sd_wire_unwrap_bytes (&bob, g_bytes_get_data (wire, NULL),
                                         g_bytes_get_size (wire), &msg, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (msg.content->datamessage->body, ==, "from the past");
    g_assert_true (msg.content->datamessage->has_timestamp);
    g_assert_false (msg.content->has_sigtimestamp);
  }
}

static void
assert_unwrap_fails (const SdIdentity *who, const guint8 *data, gsize len, gint code)
{
  g_auto(SdWireMessage) msg = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (sd_wire_unwrap_bytes (who, data, len, &msg, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
  g_assert_null (msg.content);
  g_assert_cmpstr (msg.sender, ==, "");
}

/* §4.8: every envelope but the deterministic test form carries a proSig decoy shaped like a
 * signature: a valid point, then a canonical scalar; never the same twice */
static void
test_pro_signature_decoy (void)
{
  gsize len;
  g_autofree guint8 *packed = hello_content (T, TRUE, &len);
  guint8 first[64] = { 0 };

  for (guint i = 0; i < 2; i++) {
    g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&alice, bob.x25519_pk, T, packed, len, 0);
    SessionWebSocket__WebSocketMessage *ws = session_web_socket__web_socket_message__unpack (
      NULL, g_bytes_get_size (wire), g_bytes_get_data (wire, NULL));
    SessionProtos__Envelope *envelope = session_protos__envelope__unpack (
      NULL, ws->request->body.len, ws->request->body.data);
    guint8 wide[64] = { 0 };
    guint8 reduced[32];
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true (envelope->has_prosig);
    g_assert_cmpuint (envelope->prosig.len, ==, 64);
    g_assert_true (crypto_core_ed25519_is_valid_point (envelope->prosig.data));
    memcpy (wide, envelope->prosig.data + 32, 32);
    crypto_core_ed25519_scalar_reduce (reduced, wide);
    g_assert_cmpmem (reduced, 32, envelope->prosig.data + 32, 32);
    if (i == 0)
      memcpy (first, envelope->prosig.data, 64);
    else
      g_assert_true (memcmp (first, envelope->prosig.data, 64) != 0);
    /* receivers ignore it */
    g_assert_true (sd_wire_unwrap_bytes (&bob, g_bytes_get_data (wire, NULL),
                                         g_bytes_get_size (wire), &msg, &error));
    g_assert_no_error (error);
    session_protos__envelope__free_unpacked (envelope, NULL);
    session_web_socket__web_socket_message__free_unpacked (ws, NULL);
  }
}

static void
test_rejects (void)
{
  gsize len;
  g_autofree guint8 *packed = hello_content (T, TRUE, &len);
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&alice, bob.x25519_pk, T, packed, len, 0);
  gsize wire_len;
  g_autofree guint8 *w = g_bytes_unref_to_data (g_steal_pointer (&wire), &wire_len);
  g_autofree guint8 *big = g_malloc0 (SD_WIRE_MAX_DATA + 1);
  const guint8 v2[] = { 0x00, 0x02, 0x01, 0x02 };
  const guint8 garbage[] = { 0x08, 0x01, 0x12, 0xff, 0xff, 0xff };
  const guint8 no_body[] = { 0x08, 0x01, 0x12, 0x00 };

  /* wrong recipient */
  assert_unwrap_fails (&alice, w, wire_len, SD_PROTOCOL_ERROR_DECRYPT);
  /* a flipped bit in the sealed content */
  w[wire_len / 2] ^= 0x10;
  assert_unwrap_fails (&bob, w, wire_len, SD_PROTOCOL_ERROR_DECRYPT);
  w[wire_len / 2] ^= 0x10;
  /* truncations anywhere never crash and always fail */
  for (gsize cut = 0; cut < wire_len; cut += 7) {
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_wire_unwrap_bytes (&bob, w, cut, &msg, &error));
    g_assert_nonnull (error);
  }
  assert_unwrap_fails (&bob, v2, sizeof v2, SD_PROTOCOL_ERROR_UNSUPPORTED);
  assert_unwrap_fails (&bob, garbage, sizeof garbage, SD_PROTOCOL_ERROR_MALFORMED);
  assert_unwrap_fails (&bob, no_body, sizeof no_body, SD_PROTOCOL_ERROR_MALFORMED);
  assert_unwrap_fails (&bob, big, SD_WIRE_MAX_DATA + 1, SD_PROTOCOL_ERROR_TOO_LARGE);
  assert_unwrap_fails (&bob, w, 0, SD_PROTOCOL_ERROR_TRUNCATED);
}

static void
test_not_content (void)
{
  /* a well-sealed payload that is not a protobuf Content */
  const guint8 junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&alice, bob.x25519_pk, T, junk, sizeof junk, 0);

  assert_unwrap_fails (&bob, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                       SD_PROTOCOL_ERROR_MALFORMED);
}

static void
test_timestamp_mismatch (void)
{
  gsize len;
  g_autofree guint8 *packed = hello_content (T + 1, TRUE, &len);
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&alice, bob.x25519_pk, T, packed, len, 0);

  assert_unwrap_fails (&bob, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                       SD_PROTOCOL_ERROR_TIMESTAMP_MISMATCH);
}

static void
test_invalid_base64 (void)
{
  const gchar *bad[] = { "not base64!", "AAAAA", "CAES====", "CA=S" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_wire_unwrap (&bob, bad[i], &msg, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64);
  }
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  sd_test_hex_into (SEED1, seed, sizeof seed);
  sd_identity_from_seed (&alice, seed);
  sd_test_hex_into (SEED2, seed, sizeof seed);
  sd_identity_from_seed (&bob, seed);

  g_test_add_func ("/protocol/wire/content-vector", test_content_vector);
  g_test_add_func ("/protocol/wire/layered-vector", test_layered_vector);
  g_test_add_func ("/protocol/wire/base64-round-trip", test_base64_round_trip);
  g_test_add_func ("/protocol/wire/older-clients", test_older_clients);
  g_test_add_func ("/protocol/wire/rejects", test_rejects);
  g_test_add_func ("/protocol/wire/pro-signature-decoy", test_pro_signature_decoy);
  g_test_add_func ("/protocol/wire/not-content", test_not_content);
  g_test_add_func ("/protocol/wire/timestamp-mismatch", test_timestamp_mismatch);
  g_test_add_func ("/protocol/wire/invalid-base64", test_invalid_base64);
  return g_test_run ();
}
