/* SPDX-License-Identifier: GPL-3.0-or-later */
/* storage requests to a group's swarm (docs/groups.md): signed by the admin with the group key,
 * or by a member with its subaccount grant, where libsession's swarm-authentication vector
 * must come out byte for byte; the revoke request; what is refused before it leaves */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-request-sign.h"
#include "sd-storage-rpc.h"
#include "sd-subaccount.h"
#include "sd-test-util.h"

/* libsession tests/test_group_keys.cpp (also in sd-subaccount-test.c) */
#define GROUP_SEED "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
#define MEMBER_SEED "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MEMBER_ID "05c5ba413c336f2fe1fb9a2c525f8a86a412a1db128a7841b4e0e217fa9eb7fd5e"
#define VECTOR_TS G_GINT64_CONSTANT (1693340111000)
#define VECTOR_TOKEN "AwMAAIWvMR2nJXCFnK5+hNahNecWqMC39/TVVLjaR3imNug5"
#define VECTOR_TOKEN_SIG \
  "6brvv/2jfciBAJeRKMGSepNJLullyrVVHijyVDE+8GC5Oc89UNxjNrq1kVV1P+pkUIRDOew24gSLFgLZfdl+BQ=="
#define VECTOR_SIG \
  "c3PJ4g29v5RivKm8Tdg49vGU2/6kVd0yONnpz5U5zePMYptqW3iYQ0TYf2rEzv3qqkPhS5p67M5GAccHoBHGDQ=="
#define NOW G_GINT64_CONSTANT (1754971101000)
#define H1 "bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tlwwSM"

static SdGroupIdentity admin, view;
static SdIdentity member;
static guint8 grant[SD_SUBACCOUNT_VALUE_LEN];       /* read + write */
static guint8 grant_del[SD_SUBACCOUNT_VALUE_LEN];   /* read + write + delete */

static JsonObject *
params_of (JsonNode *request, const gchar *method)
{
  JsonObject *object;

  g_assert_nonnull (request);
  object = json_node_get_object (request);
  g_assert_cmpstr (sd_json_get_string (object, "method"), ==, method);
  g_assert_nonnull (sd_json_get_object (object, "params"));
  return sd_json_get_object (object, "params");
}

/* signed by the group key over @data, as the server checks an 03 account */
static void
assert_admin_signed (JsonObject *params, const guint8 *data, gsize len)
{
  g_assert_cmpstr (sd_json_get_string (params, "pubkey"), ==, admin.id);
  g_assert_false (json_object_has_member (params, "pubkey_ed25519"));
  g_assert_false (json_object_has_member (params, "subaccount"));
  g_assert_true (sd_verify_bytes_base64 (admin.ed25519_pk, data, len,
                                         sd_json_get_string (params, "signature"), NULL));
}

/* the server's three checks for a subaccount: the token signed by the group key, the request
 * signed by the token's key, the flags */
static void
assert_member_signed (JsonObject *params, const gchar *text, guint8 flags)
{
  g_autoptr(GBytes) token = sd_base64_decode (sd_json_get_string (params, "subaccount"), -1,
                                              NULL);
  const guint8 *t;

  g_assert_cmpstr (sd_json_get_string (params, "pubkey"), ==, admin.id);
  g_assert_false (json_object_has_member (params, "pubkey_ed25519"));
  g_assert_nonnull (token);
  g_assert_cmpuint (g_bytes_get_size (token), ==, 36);
  t = g_bytes_get_data (token, NULL);
  g_assert_cmpuint (t[0], ==, 0x03);
  g_assert_cmpuint (t[1], ==, flags);
  g_assert_true (sd_verify_bytes_base64 (admin.ed25519_pk, t, 36,
                                         sd_json_get_string (params, "subaccount_sig"), NULL));
  g_assert_true (sd_verify_text_base64 (t + 4, text, sd_json_get_string (params, "signature"),
                                        NULL));
  /* and not by the member's own key */
  g_assert_false (sd_verify_text_base64 (member.ed25519_pk, text,
                                         sd_json_get_string (params, "signature"), NULL));
}

static void
test_member_vector (void)
{
  const SdGroupAuth auth = { &view, &member, grant };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = sd_storage_rpc_group_retrieve (&auth, 999, VECTOR_TS, NULL, 0,
                                                               0, &error);
  JsonObject *params;

  g_assert_no_error (error);
  params = params_of (request, "retrieve");
  /* "retrieve9991693340111000" signed as in libsession's vector */
  g_assert_cmpstr (sd_json_get_string (params, "subaccount"), ==, VECTOR_TOKEN);
  g_assert_cmpstr (sd_json_get_string (params, "subaccount_sig"), ==, VECTOR_TOKEN_SIG);
  g_assert_cmpstr (sd_json_get_string (params, "signature"), ==, VECTOR_SIG);
  g_assert_cmpint (sd_json_get_int (params, "namespace", 0), ==, 999);
  g_assert_cmpint (sd_json_get_int (params, "timestamp", 0), ==, VECTOR_TS);
  assert_member_signed (params, "retrieve9991693340111000", 0x03);
}

static void
test_admin_requests (void)
{
  const SdGroupAuth auth = { &admin, NULL, NULL };
  const gchar *hashes[] = { H1, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) store = NULL, retrieve = NULL, del = NULL, expire = NULL;
  g_autofree gchar *store_text = g_strdup_printf ("store12%" G_GINT64_FORMAT, NOW);
  g_autofree gchar *retrieve_text = g_strdup_printf ("retrieve-11%" G_GINT64_FORMAT, NOW);
  g_autofree gchar *expire_text = g_strdup_printf ("expireshorten%" G_GINT64_FORMAT "%s", NOW,
                                                   H1);
  JsonObject *params;

  /* the admin publishes everywhere */
  for (gint ns = SD_GROUP_NS_MESSAGES; ns <= SD_GROUP_NS_MEMBERS; ns++) {
    g_autoptr(JsonNode) each = sd_storage_rpc_group_store (&auth, ns, NOW, 2592000000, "AAAA",
                                                           &error);

    g_assert_no_error (error);
    g_assert_nonnull (each);
  }
  store = sd_storage_rpc_group_store (&auth, SD_GROUP_NS_KEYS, NOW, 2592000000, "AAAA", &error);
  g_assert_no_error (error);
  params = params_of (store, "store");
  g_assert_cmpint (sd_json_get_int (params, "namespace", 0), ==, 12);
  g_assert_cmpint (sd_json_get_int (params, "ttl", 0), ==, 2592000000);
  g_assert_cmpstr (sd_json_get_string (params, "data"), ==, "AAAA");
  assert_admin_signed (params, (const guint8 *) store_text, strlen (store_text));

  retrieve = sd_storage_rpc_group_retrieve (&auth, SD_GROUP_NS_KICKED, NOW, "", 0, -2, &error);
  g_assert_no_error (error);
  params = params_of (retrieve, "retrieve");
  g_assert_cmpstr (sd_json_get_string (params, "last_hash"), ==, "");
  g_assert_cmpint (sd_json_get_int (params, "max_size", 0), ==, -2);
  assert_admin_signed (params, (const guint8 *) retrieve_text, strlen (retrieve_text));

  del = sd_storage_rpc_group_delete (&auth, hashes, &error);
  g_assert_no_error (error);
  params = params_of (del, "delete");
  assert_admin_signed (params, (const guint8 *) "delete" H1, strlen ("delete" H1));

  expire = sd_storage_rpc_group_expire (&auth, hashes, NOW, TRUE, &error);
  g_assert_no_error (error);
  params = params_of (expire, "expire");
  g_assert_true (sd_json_get_bool (params, "shorten", FALSE));
  assert_admin_signed (params, (const guint8 *) expire_text, strlen (expire_text));
}

static void
test_member_requests (void)
{
  const SdGroupAuth auth = { &view, &member, grant };
  const SdGroupAuth auth_del = { &view, &member, grant_del };
  const gchar *hashes[] = { H1, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) store = NULL, del = NULL, extend = NULL;
  g_autofree gchar *store_text = g_strdup_printf ("store11%" G_GINT64_FORMAT, NOW);
  g_autofree gchar *extend_text = g_strdup_printf ("expire%" G_GINT64_FORMAT "%s", NOW, H1);

  store = sd_storage_rpc_group_store (&auth, SD_GROUP_NS_MESSAGES, NOW, 1209600000, "AAAA",
                                      &error);
  g_assert_no_error (error);
  assert_member_signed (params_of (store, "store"), store_text, 0x03);

  extend = sd_storage_rpc_group_expire (&auth, hashes, NOW, FALSE, &error);
  g_assert_no_error (error);
  assert_member_signed (params_of (extend, "expire"), extend_text, 0x03);

  del = sd_storage_rpc_group_delete (&auth_del, hashes, &error);
  g_assert_no_error (error);
  assert_member_signed (params_of (del, "delete"), "delete" H1, 0x07);
}

static void
test_refused (void)
{
  const SdGroupAuth as_member = { &view, &member, grant };
  const SdGroupAuth no_seed = { &view, NULL, NULL };
  const SdGroupAuth no_grant = { &view, &member, NULL };
  const gchar *hashes[] = { H1, NULL };
  guint8 token[36];
  guint8 tokens[51][36];

  /* a member does not publish configs, Keys or kick notices */
  for (gint ns = SD_GROUP_NS_KEYS; ns <= SD_GROUP_NS_MEMBERS; ns++) {
    g_autoptr(GError) error = NULL;

    g_assert_true (sd_group_namespace_admin_only (ns));
    g_assert_null (sd_storage_rpc_group_store (&as_member, ns, NOW, 60000, "AAAA", &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  g_assert_true (sd_group_namespace_admin_only (SD_GROUP_NS_KICKED));
  g_assert_false (sd_group_namespace_admin_only (SD_GROUP_NS_MESSAGES));
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sd_storage_rpc_group_store (&as_member, SD_GROUP_NS_KICKED, NOW, 60000, "AAAA",
                                               &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  /* what the grant does not allow: delete, shorten */
  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;

    g_assert_null (sd_storage_rpc_group_delete (&as_member, hashes, &e1));
    g_assert_error (e1, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
    g_assert_null (sd_storage_rpc_group_expire (&as_member, hashes, NOW, TRUE, &e2));
    g_assert_error (e2, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  /* nothing to sign with */
  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;

    g_assert_null (sd_storage_rpc_group_retrieve (&no_seed, 11, NOW, NULL, 0, 0, &e1));
    g_assert_error (e1, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
    g_assert_null (sd_storage_rpc_group_retrieve (&no_grant, 11, NOW, NULL, 0, 0, &e2));
    g_assert_error (e2, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  /* only an admin revokes, and 1 to 50 tokens at a time */
  g_assert_true (sd_subaccount_token (&admin, MEMBER_ID, TRUE, FALSE, token, NULL));
  memset (tokens, 0, sizeof tokens);
  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;

    g_assert_null (sd_storage_rpc_group_revoke (&view, FALSE, NOW,
                                                (const guint8 (*)[36]) token, 1, &e1));
    g_assert_error (e1, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
    g_assert_null (sd_storage_rpc_group_revoke (&admin, FALSE, NOW,
                                                (const guint8 (*)[36]) tokens, 0, &e2));
    g_assert_error (e2, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
    g_assert_null (sd_storage_rpc_group_revoke (&admin, FALSE, NOW,
                                                (const guint8 (*)[36]) tokens, 51, &e3));
    g_assert_error (e3, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  }
}

static void
test_revoke (void)
{
  guint8 tokens[2][36];
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) revoke = NULL, unrevoke = NULL;
  g_autofree gchar *hex0 = NULL;
  JsonObject *params;
  JsonArray *list;
  GByteArray *signed_bytes;
  g_autofree gchar *head = g_strdup_printf ("revoke_subaccount%" G_GINT64_FORMAT, NOW);

  g_assert_true (sd_subaccount_token (&admin, MEMBER_ID, TRUE, FALSE, tokens[0], NULL));
  memset (tokens[1], 0x42, 36); /* any 36 bytes: the server keeps what it is given */
  revoke = sd_storage_rpc_group_revoke (&admin, FALSE, NOW, (const guint8 (*)[36]) tokens, 2,
                                        &error);
  g_assert_no_error (error);
  params = params_of (revoke, "revoke_subaccount");
  g_assert_cmpint (sd_json_get_int (params, "timestamp", 0), ==, NOW);
  list = sd_json_get_array (params, "revoke");
  g_assert_nonnull (list);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  hex0 = sd_hex_encode (tokens[0], 36);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, hex0);
  /* the text, then the raw tokens */
  signed_bytes = g_byte_array_new ();
  g_byte_array_append (signed_bytes, (const guint8 *) head, strlen (head));
  g_byte_array_append (signed_bytes, tokens[0], 36);
  g_byte_array_append (signed_bytes, tokens[1], 36);
  assert_admin_signed (params, signed_bytes->data, signed_bytes->len);
  g_byte_array_unref (signed_bytes);

  unrevoke = sd_storage_rpc_group_revoke (&admin, TRUE, NOW, (const guint8 (*)[36]) tokens, 1,
                                          &error);
  g_assert_no_error (error);
  params = params_of (unrevoke, "unrevoke_subaccount");
  g_assert_false (json_object_has_member (params, "revoke"));
  g_assert_cmpuint (json_array_get_length (sd_json_get_array (params, "unrevoke")), ==, 1);
  {
    g_autofree gchar *text = g_strdup_printf ("unrevoke_subaccount%" G_GINT64_FORMAT, NOW);
    g_autoptr(GByteArray) bytes = g_byte_array_new ();

    g_byte_array_append (bytes, (const guint8 *) text, strlen (text));
    g_byte_array_append (bytes, tokens[0], 36);
    assert_admin_signed (params, bytes->data, bytes->len);
  }
}

static void
test_poll (void)
{
  const SdGroupAuth auth = { &view, &member, grant };
  const SdGroupAuth no_seed = { &view, NULL, NULL };
  const gchar *last[SD_GROUP_POLL_N] = { NULL, H1, NULL, NULL, "" };
  const gint order[SD_GROUP_POLL_N] = { -11, 11, 13, 14, 12 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) batch = sd_storage_rpc_group_poll (&auth, NOW, last, -2, &error);
  JsonArray *requests;

  g_assert_no_error (error);
  requests = sd_json_get_array (params_of (batch, "batch"), "requests");
  g_assert_nonnull (requests);
  g_assert_cmpuint (json_array_get_length (requests), ==, SD_GROUP_POLL_N);
  for (guint i = 0; i < SD_GROUP_POLL_N; i++) {
    JsonObject *sub = sd_json_array_get_object (requests, i);
    JsonObject *params = sd_json_get_object (sub, "params");
    g_autofree gchar *text = g_strdup_printf ("retrieve%d%" G_GINT64_FORMAT, order[i], NOW);

    g_assert_cmpint (sd_group_poll_namespaces[i], ==, order[i]);
    g_assert_cmpstr (sd_json_get_string (sub, "method"), ==, "retrieve");
    g_assert_cmpint (sd_json_get_int (params, "namespace", 0), ==, order[i]);
    g_assert_cmpint (sd_json_get_int (params, "max_size", 0), ==, -2);
    g_assert_cmpstr (sd_json_get_string (params, "last_hash"), ==, last[i]);
    assert_member_signed (params, text, 0x03);
  }
  g_assert_null (sd_storage_rpc_group_poll (&no_seed, NOW, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
}

static void
test_sign_bytes (void)
{
  const guint8 data[] = { 'a', 0, 'b', 0xff };
  g_autofree gchar *sig = sd_sign_bytes_base64 (admin.ed25519_sk, data, sizeof data);
  g_autofree gchar *text_sig = sd_sign_text_base64 (admin.ed25519_sk, "a");
  g_autoptr(GError) error = NULL;

  /* the NUL is signed too, unlike in a text */
  g_assert_true (sd_verify_bytes_base64 (admin.ed25519_pk, data, sizeof data, sig, NULL));
  g_assert_false (sd_verify_bytes_base64 (admin.ed25519_pk, data, 1, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_assert_true (sd_verify_bytes_base64 (admin.ed25519_pk, data, 1, text_sig, NULL));
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_from_seed (&admin, seed, NULL));
  g_assert_true (sd_group_identity_from_id (&view, admin.id, NULL));
  sd_test_hex_into (MEMBER_SEED, seed, 32);
  sd_identity_from_seed (&member, seed);
  g_assert_cmpstr (member.session_id, ==, MEMBER_ID);
  g_assert_true (sd_subaccount_make (&admin, MEMBER_ID, TRUE, FALSE, grant, NULL));
  g_assert_true (sd_subaccount_make (&admin, MEMBER_ID, TRUE, TRUE, grant_del, NULL));

  g_test_add_func ("/protocol/group-rpc/member-vector", test_member_vector);
  g_test_add_func ("/protocol/group-rpc/admin", test_admin_requests);
  g_test_add_func ("/protocol/group-rpc/member", test_member_requests);
  g_test_add_func ("/protocol/group-rpc/refused", test_refused);
  g_test_add_func ("/protocol/group-rpc/revoke", test_revoke);
  g_test_add_func ("/protocol/group-rpc/poll", test_poll);
  g_test_add_func ("/protocol/group-rpc/sign-bytes", test_sign_bytes);
  return g_test_run ();
}
