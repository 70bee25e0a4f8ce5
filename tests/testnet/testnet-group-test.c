/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a groups v2 swarm on a real session-testnet, every request through a 3-hop onion path: an
 * admin creates a group (Keys, Info, Members signed with the group key in ns 12, 13, 14), a
 * member with a subaccount grant reads them and writes to ns 11, the admin revokes the grant
 * and the member is refused (but still reads its kick notice in ns -11), unrevoke, and the
 * ways an outsider or a bad grant is refused, with the reference server's status codes */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-config-group-info.h"
#include "sd-config-group-members.h"
#include "sd-config-message.h"
#include "sd-encoding.h"
#include "sd-group-config.h"
#include "sd-group-control.h"
#include "sd-group-identity.h"
#include "sd-group-keys.h"
#include "sd-group-message.h"
#include "sd-json.h"
#include "sd-request-sign.h"
#include "sd-storage-rpc.h"
#include "sd-subaccount.h"
#include "st-test-util.h"

#define DAY_MS G_GINT64_CONSTANT (86400000)
#define TTL_30D (30 * DAY_MS)

static StTestnet *net;

/* a group, its swarm, and the people around it */
typedef struct {
  SdGroupIdentity group;  /* the admin's view (seed) */
  SdGroupIdentity view;   /* a member's view (id only) */
  SdIdentity admin;
  SdIdentity member;
  SdIdentity outsider;
  guint8 grant[SD_SUBACCOUNT_VALUE_LEN];
  GArray *swarm;          /* (owned) node indexes */
  guint turn;             /* which swarm member the next request goes to */
} Group;

static void
group_init (Group *g, guint8 tag)
{
  guint8 seed[32], raw[33];

  memset (seed, tag, 32);
  g_assert_true (sd_group_identity_from_seed (&g->group, seed, NULL));
  g_assert_true (sd_group_identity_from_id (&g->view, g->group.id, NULL));
  st_test_identity (&g->admin, tag + 1);
  st_test_identity (&g->member, tag + 2);
  st_test_identity (&g->outsider, tag + 3);
  g_assert_true (sd_subaccount_make (&g->group, g->member.session_id, TRUE, FALSE, g->grant,
                                     NULL));
  g_assert_true (sd_hex_decode_exact (g->group.id, raw, 33, NULL));
  g->swarm = st_testnet_members (net, st_testnet_swarm_for (net, raw));
  g_assert_cmpuint (g->swarm->len, >, 1);
  g->turn = 0;
}

static void
group_clear (Group *g)
{
  sd_group_identity_clear (&g->group);
  g_clear_pointer (&g->swarm, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Group, group_clear)

/* sends @json through three nodes outside the destination to the next swarm member in turn;
 * returns the storage server's status, @body its answer */
static guint
send_json (Group *g, const gchar *json, gchar **body)
{
  guint dest = g_array_index (g->swarm, guint, g->turn++ % g->swarm->len);
  guint path[3], n = 0, rpc_status = 0;
  g_autofree gchar *text = NULL;

  for (guint i = 0; i < net->nodes->len && n < 3; i++)
    if (i != dest)
      path[n++] = i;
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (st_testnet_onion (net, SD_ONION_CIPHER_XCHACHA20, path, 3, dest, json,
                                      &rpc_status, &text), ==, 200);
  if (body != NULL)
    *body = g_steal_pointer (&text);
  return rpc_status;
}

static guint
send (Group *g, JsonNode *request, gchar **body)
{
  g_autofree gchar *json = NULL;

  g_assert_nonnull (request);
  json = sd_storage_rpc_to_string (request);
  return send_json (g, json, body);
}

static SdGroupAuth
as_admin (Group *g)
{
  return (SdGroupAuth) { &g->group, NULL, NULL };
}

static SdGroupAuth
as_member (Group *g)
{
  return (SdGroupAuth) { &g->view, &g->member, g->grant };
}

static guint
store (Group *g, const SdGroupAuth *auth, gint ns, gint64 ttl, GBytes *data, gchar **hash)
{
  g_autofree gchar *b64 = sd_base64_encode (g_bytes_get_data (data, NULL),
                                            g_bytes_get_size (data), TRUE);
  g_autoptr(GError) error = NULL;
  JsonNode *request = sd_storage_rpc_group_store (auth, ns, st_test_now_ms (), ttl, b64, &error);
  g_autofree gchar *body = NULL;
  guint status;

  g_assert_no_error (error);
  status = send (g, request, &body);
  if (status == 200 && hash != NULL) {
    g_autoptr(JsonNode) node = sd_storage_rpc_parse_body (body, strlen (body));

    *hash = sd_storage_rpc_parse_store (status, node, &error);
    g_assert_no_error (error);
  }
  return status;
}

/* every item of @ns as @auth sees it; NULL and @status when refused */
static GPtrArray *
retrieve (Group *g, const SdGroupAuth *auth, gint ns, guint *status)
{
  g_autoptr(GError) error = NULL;
  JsonNode *request = sd_storage_rpc_group_retrieve (auth, ns, st_test_now_ms (), "", 0, 0,
                                                     &error);
  g_autofree gchar *body = NULL;
  g_autoptr(JsonNode) node = NULL;
  GPtrArray *items;

  g_assert_no_error (error);
  *status = send (g, request, &body);
  if (*status != 200)
    return NULL;
  node = sd_storage_rpc_parse_body (body, strlen (body));
  items = sd_storage_rpc_parse_retrieve (node, NULL, &error);
  g_assert_no_error (error);
  return items;
}

static GBytes *
item_data (const SdRetrieveItem *item)
{
  GBytes *data = sd_base64_decode (item->data_b64, -1, NULL);

  g_assert_nonnull (data);
  return data;
}

/* the only item of @ns */
static GBytes *
retrieve_one (Group *g, const SdGroupAuth *auth, gint ns, SdRetrieveItem **out_item)
{
  guint status = 0;
  g_autoptr(GPtrArray) items = retrieve (g, auth, ns, &status);
  SdRetrieveItem *item;

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (items->len, ==, 1);
  item = g_ptr_array_index (items, 0);
  if (out_item != NULL) {
    *out_item = g_new0 (SdRetrieveItem, 1);
    (*out_item)->hash = g_strdup (item->hash);
    (*out_item)->timestamp = item->timestamp;
  }
  return item_data (item);
}

/* a member's store signed by hand with @value (which the request builder would refuse to use) */
static gchar *
hand_signed_store (const SdGroupIdentity *group, const SdIdentity *user, const guint8 *value,
                   gint ns)
{
  gint64 now = st_test_now_ms ();
  g_autofree gchar *text = g_strdup_printf ("store%d%" G_GINT64_FORMAT, ns, now);
  g_autofree gchar *token = NULL, *token_sig = NULL, *sig = NULL;
  SdSubaccountAuth auth;

  g_assert_true (sd_subaccount_sign (user, value, (const guint8 *) text, strlen (text), &auth,
                                     NULL));
  sd_subaccount_auth_to_base64 (&auth, &token, &token_sig, &sig);
  return g_strdup_printf ("{\"method\":\"store\",\"params\":{\"pubkey\":\"%s\",\"namespace\":%d,"
                          "\"timestamp\":%" G_GINT64_FORMAT ",\"ttl\":60000,\"data\":\"AAAA\","
                          "\"subaccount\":\"%s\",\"subaccount_sig\":\"%s\",\"signature\":\"%s\"}}",
                          group->id, ns, now, token, token_sig, sig);
}

/* one poll batch of the five group namespaces; the status of each, in poll order */
static void
poll_codes (Group *g, const SdGroupAuth *auth, gint64 codes[SD_GROUP_POLL_N])
{
  g_autoptr(GError) error = NULL;
  JsonNode *request = sd_storage_rpc_group_poll (auth, st_test_now_ms (), NULL, 0, &error);
  g_autofree gchar *body = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (send (g, request, &body), ==, 200);
  node = sd_storage_rpc_parse_body (body, strlen (body));
  for (guint i = 0; i < SD_GROUP_POLL_N; i++)
    g_assert_true (sd_storage_rpc_batch_result (node, i, &codes[i], NULL));
}

/* a request of @user with @value, signed by hand over @text (for what the builder refuses);
 * @fields are the method's own parameters */
static gchar *
hand_signed (const SdGroupIdentity *group, const SdIdentity *user, const guint8 *value,
             const gchar *method, const gchar *text, const gchar *fields)
{
  g_autofree gchar *token = NULL, *token_sig = NULL, *sig = NULL;
  SdSubaccountAuth auth;

  g_assert_true (sd_subaccount_sign (user, value, (const guint8 *) text, strlen (text), &auth,
                                     NULL));
  sd_subaccount_auth_to_base64 (&auth, &token, &token_sig, &sig);
  return g_strdup_printf ("{\"method\":\"%s\",\"params\":{\"pubkey\":\"%s\",%s,"
                          "\"subaccount\":\"%s\",\"subaccount_sig\":\"%s\","
                          "\"signature\":\"%s\"}}",
                          method, group->id, fields, token, token_sig, sig);
}

/* the expiry the admin sees for the only message of @ns */
static gint64
expiration_of (Group *g, gint ns)
{
  const SdGroupAuth admin = as_admin (g);
  guint status = 0;
  g_autoptr(GPtrArray) items = retrieve (g, &admin, ns, &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (items->len, ==, 1);
  return ((SdRetrieveItem *) g_ptr_array_index (items, 0))->expiration;
}

/* a token without delete only lengthens; each node keeps the newest 50 revocations */
static void
test_expire_and_limits (void)
{
  g_auto(Group) g = { 0 };
  const SdGroupAuth admin = as_admin (&g), member = as_member (&g);
  g_autoptr(GBytes) data = g_bytes_new_static ("expiring", 8);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = NULL;
  guint8 token[SD_SUBACCOUNT_TOKEN_LEN];
  guint8 others[SD_SUBACCOUNT_MAX_REVOKE][SD_SUBACCOUNT_TOKEN_LEN];
  gint64 expiry, now;

  group_init (&g, 0x91);
  g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, TTL_30D, data, &hash), ==, 200);
  expiry = expiration_of (&g, SD_GROUP_NS_MESSAGES);

  /* a plain expire to one day acts as "extend": nothing changes */
  now = st_test_now_ms ();
  {
    const gchar *hashes[] = { hash, NULL };

    g_assert_cmpuint (send (&g, sd_storage_rpc_group_expire (&member, hashes, now + DAY_MS, FALSE,
                                                             &error), NULL), ==, 200);
    g_assert_no_error (error);
  }
  g_assert_cmpint (expiration_of (&g, SD_GROUP_NS_MESSAGES), ==, expiry);
  /* "shorten" is refused outright */
  {
    g_autofree gchar *text = g_strdup_printf ("expireshorten%" G_GINT64_FORMAT "%s",
                                              now + DAY_MS, hash);
    g_autofree gchar *fields = g_strdup_printf ("\"messages\":[\"%s\"],\"expiry\":%"
                                                G_GINT64_FORMAT ",\"shorten\":true", hash,
                                                now + DAY_MS);
    g_autofree gchar *json = hand_signed (&g.group, &g.member, g.grant, "expire", text, fields);
    g_autofree gchar *body = NULL;

    g_assert_cmpuint (send_json (&g, json, &body), ==, 400);
    g_assert_true (g_str_has_prefix (body, "expire: shorten parameter cannot be used"));
  }
  g_assert_cmpint (expiration_of (&g, SD_GROUP_NS_MESSAGES), ==, expiry);
  /* the admin shortens */
  {
    const gchar *hashes[] = { hash, NULL };

    g_assert_cmpuint (send (&g, sd_storage_rpc_group_expire (&admin, hashes, now + DAY_MS, TRUE,
                                                             &error), NULL), ==, 200);
  }
  g_assert_cmpint (expiration_of (&g, SD_GROUP_NS_MESSAGES), ==, now + DAY_MS);

  /* revoke the member, then 50 other tokens: the member's revocation is the oldest and drops
   * out, so its grant works again */
  g_assert_true (sd_subaccount_token (&g.group, g.member.session_id, TRUE, FALSE, token, NULL));
  g_assert_cmpuint (send (&g, sd_storage_rpc_group_revoke (&g.group, FALSE, st_test_now_ms (),
                                                           (const guint8 (*)[36]) token, 1,
                                                           &error), NULL), ==, 200);
  g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, TTL_30D, data, NULL), ==, 401);
  for (guint i = 0; i < SD_SUBACCOUNT_MAX_REVOKE; i++) {
    memset (others[i], 0, sizeof others[i]);
    others[i][0] = 0x03;
    others[i][1] = 0x03;
    others[i][4] = (guint8) i;
  }
  g_assert_cmpuint (send (&g, sd_storage_rpc_group_revoke (&g.group, FALSE, st_test_now_ms (),
                                                           (const guint8 (*)[36]) others,
                                                           SD_SUBACCOUNT_MAX_REVOKE, &error),
                          NULL), ==, 200);
  for (guint i = 0; i < g.swarm->len; i++)
    g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, TTL_30D, data, NULL), ==, 200);
  /* 51 at once is a 400 */
  {
    g_autoptr(GString) list = g_string_new (NULL);
    g_autofree gchar *json = NULL;

    for (guint i = 0; i <= SD_SUBACCOUNT_MAX_REVOKE; i++)
      g_string_append_printf (list, "%s\"%072u\"", i > 0 ? "," : "", i);
    json = g_strdup_printf ("{\"method\":\"revoke_subaccount\",\"params\":{\"pubkey\":\"%s\","
                            "\"revoke\":[%s],\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"signature\":\"%s\"}}", g.group.id, list->str,
                            st_test_now_ms (),
                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
    g_assert_cmpuint (send_json (&g, json, NULL), ==, 400);
  }
}

/* the whole life of a grant */
static void
test_lifecycle (void)
{
  g_auto(Group) g = { 0 };
  const SdGroupAuth admin = as_admin (&g), member = as_member (&g);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(SdGroupKeys) admin_keys = NULL, member_keys = NULL;
  g_autoptr(SdConfigMessage) info0 = NULL, info = NULL, members0 = NULL, members = NULL;
  g_autoptr(SdConfigMessage) got_info = NULL, got_members = NULL;
  g_autoptr(GBytes) keys_msg = NULL, info_push = NULL, members_push = NULL;
  g_autoptr(GBytes) keys_back = NULL, info_back = NULL, members_back = NULL, plain = NULL;
  g_autoptr(GBytes) chat = NULL, chat_back = NULL, heard = NULL, notice = NULL;
  g_autoptr(GBytes) notice_back = NULL;
  g_autoptr(GPtrArray) plaintexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SdRetrieveItem) keys_item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL, *hash = NULL;
  g_auto(SdConfigGroupMember) m = { 0 };
  SdGroupKeyBytes key;
  gchar sender[SD_SESSION_ID_LEN + 1];
  guint8 token[SD_SUBACCOUNT_TOKEN_LEN];
  const SdGroupKeyBytes *list;
  guint n_keys, status = 0;
  gint64 generation = -1;

  group_init (&g, 0x61);

  /* the admin creates the group: Keys, Info, Members, each signed with the group key */
  admin_keys = sd_group_keys_new (&g.group, &g.admin);
  g_ptr_array_add (ids, g.admin.session_id);
  g_ptr_array_add (ids, g.member.session_id);
  keys_msg = sd_group_keys_rekey (admin_keys, ids, &error);
  g_assert_no_error (error);
  info0 = sd_group_config_new (&g.group);
  info = sd_config_message_increment (info0);
  g_assert_true (sd_config_group_info_set_name (sd_config_message_get_data (info), "Testnet crew",
                                                NULL));
  members0 = sd_group_config_new (&g.group);
  members = sd_config_message_increment (members0);
  sd_config_group_member_init (&m, g.admin.session_id);
  m.admin = TRUE;
  g_assert_true (sd_config_group_members_set (sd_config_message_get_data (members), &m, NULL));
  sd_config_group_member_clear (&m);
  sd_config_group_member_init (&m, g.member.session_id);
  m.invite = SD_CONFIG_MEMBER_STATUS_SENT;
  g_assert_true (sd_config_group_members_set (sd_config_message_get_data (members), &m, NULL));
  sd_config_group_member_clear (&m);
  info_push = sd_group_config_push (SD_GROUP_CONFIG_INFO, admin_keys, info, &error);
  g_assert_no_error (error);
  members_push = sd_group_config_push (SD_GROUP_CONFIG_MEMBERS, admin_keys, members, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_KEYS, TTL_30D, keys_msg, NULL), ==, 200);
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_INFO, TTL_30D, info_push, NULL), ==, 200);
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_MEMBERS, TTL_30D, members_push, NULL), ==, 200);

  /* the member, with the grant from its invite, reads them back from the swarm */
  g_assert_true (sd_subaccount_verify (&g.view, &g.member, g.grant, TRUE, FALSE));
  member_keys = sd_group_keys_new (&g.view, &g.member);
  keys_back = retrieve_one (&g, &member, SD_GROUP_NS_KEYS, &keys_item);
  g_assert_true (sd_group_keys_load_message (member_keys, keys_item->hash,
                                             g_bytes_get_data (keys_back, NULL),
                                             g_bytes_get_size (keys_back), keys_item->timestamp,
                                             NULL, &error));
  g_assert_no_error (error);
  info_back = retrieve_one (&g, &member, SD_GROUP_NS_INFO, NULL);
  plain = sd_group_config_open (SD_GROUP_CONFIG_INFO, member_keys,
                                g_bytes_get_data (info_back, NULL), g_bytes_get_size (info_back),
                                &error);
  g_assert_no_error (error);
  g_ptr_array_add (plaintexts, g_steal_pointer (&plain));
  got_info = sd_group_config_merge (&g.view, plaintexts, NULL, NULL, &error);
  g_assert_no_error (error);
  name = sd_config_group_info_get_name (sd_config_message_get_data (got_info));
  g_assert_cmpstr (name, ==, "Testnet crew");
  members_back = retrieve_one (&g, &member, SD_GROUP_NS_MEMBERS, NULL);
  plain = sd_group_config_open (SD_GROUP_CONFIG_MEMBERS, member_keys,
                                g_bytes_get_data (members_back, NULL),
                                g_bytes_get_size (members_back), &error);
  g_assert_no_error (error);
  g_ptr_array_set_size (plaintexts, 0);
  g_ptr_array_add (plaintexts, g_steal_pointer (&plain));
  got_members = sd_group_config_merge (&g.view, plaintexts, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sd_config_group_members_get (sd_config_message_get_data (got_members),
                                              g.admin.session_id, &m, NULL));
  g_assert_true (m.admin);

  /* the member writes a group message to ns 11, the admin reads it */
  g_assert_true (sd_group_keys_get_current (member_keys, key, NULL));
  chat = sd_group_message_encrypt (&g.member, key, (const guint8 *) "hello swarm", 11, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, 14 * DAY_MS, chat, &hash), ==, 200);
  g_assert_true (sd_storage_rpc_valid_hash (hash));
  chat_back = retrieve_one (&g, &admin, SD_GROUP_NS_MESSAGES, NULL);
  list = sd_group_keys_list (admin_keys, &n_keys);
  heard = sd_group_message_decrypt (list, n_keys, g_bytes_get_data (chat_back, NULL),
                                    g_bytes_get_size (chat_back), sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (heard, NULL), g_bytes_get_size (heard), "hello swarm", 11);
  g_assert_cmpstr (sender, ==, g.member.session_id);

  /* the admin revokes the member's token: every swarm member signs its receipt */
  g_assert_true (sd_subaccount_token (&g.group, g.member.session_id, TRUE, FALSE, token, NULL));
  {
    gint64 now = st_test_now_ms ();
    JsonNode *request = sd_storage_rpc_group_revoke (&g.group, FALSE, now,
                                                     (const guint8 (*)[36]) token, 1, &error);
    g_autofree gchar *body = NULL;
    g_autofree gchar *head = g_strdup_printf ("%s%" G_GINT64_FORMAT, g.group.id, now);
    g_autoptr(GByteArray) receipt = g_byte_array_new ();
    g_autoptr(JsonObject) reply = NULL;
    JsonObject *swarm;

    g_assert_no_error (error);
    g_assert_cmpuint (send (&g, request, &body), ==, 200);
    reply = st_test_parse (body);
    swarm = sd_json_get_object (reply, "swarm");
    g_assert_nonnull (swarm);
    g_assert_cmpuint (json_object_get_size (swarm), ==, g.swarm->len);
    g_byte_array_append (receipt, (const guint8 *) head, strlen (head));
    g_byte_array_append (receipt, token, sizeof token);
    for (guint i = 0; i < g.swarm->len; i++) {
      StTestNode *node = st_testnet_node (net, g_array_index (g.swarm, guint, i));
      JsonObject *entry = sd_json_get_object (swarm, node->ed25519_hex);

      g_assert_nonnull (entry);
      g_assert_true (sd_verify_bytes_base64 (node->ed25519, receipt->data, receipt->len,
                                             sd_json_get_string (entry, "signature"), NULL));
    }
  }

  /* the member's next store is refused, on every node of the swarm; so is reading ns 11 */
  for (guint i = 0; i < g.swarm->len; i++) {
    g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, 14 * DAY_MS, chat, NULL), ==,
                      401);
  }
  g_assert_null (retrieve (&g, &member, SD_GROUP_NS_MESSAGES, &status));
  g_assert_cmpuint (status, ==, 401);
  /* a poll: only -11 (first in the batch) still answers */
  {
    gint64 codes[SD_GROUP_POLL_N];

    poll_codes (&g, &member, codes);
    g_assert_cmpint (codes[0], ==, 200);
    for (guint i = 1; i < SD_GROUP_POLL_N; i++)
      g_assert_cmpint (codes[i], ==, 401);
  }

  /* but the kick notice in ns -11 still reaches it */
  {
    g_autoptr(GPtrArray) kicked = g_ptr_array_new ();

    g_ptr_array_add (kicked, g.member.session_id);
    notice = sd_group_kick_notice_encrypt (&g.group, kicked, 1, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_KICKED, TTL_30D, notice, NULL), ==, 200);
  notice_back = retrieve_one (&g, &member, SD_GROUP_NS_KICKED, NULL);
  g_assert_true (sd_group_kick_notice_check (&g.view, &g.member,
                                             g_bytes_get_data (notice_back, NULL),
                                             g_bytes_get_size (notice_back), &generation, &error));
  g_assert_no_error (error);
  g_assert_cmpint (generation, ==, 1);

  /* only the admin signs an (un)revoke: the member's own attempt is refused */
  {
    const SdGroupAuth self = { &g.view, &g.member, g.grant };
    gint64 now = st_test_now_ms ();
    g_autoptr(GBytes) signed_bytes = sd_subaccount_revoke_signed_bytes (
      TRUE, (guint64) now, (const guint8 (*)[36]) token, 1);
    g_autofree gchar *token_hex = sd_hex_encode (token, sizeof token);
    g_autofree gchar *token_b64 = NULL, *token_sig = NULL, *sig = NULL;
    g_autofree gchar *json = NULL;
    SdSubaccountAuth sub;

    g_assert_true (sd_subaccount_sign (self.member, self.member_value,
                                       g_bytes_get_data (signed_bytes, NULL),
                                       g_bytes_get_size (signed_bytes), &sub, NULL));
    sd_subaccount_auth_to_base64 (&sub, &token_b64, &token_sig, &sig);
    json = g_strdup_printf ("{\"method\":\"unrevoke_subaccount\",\"params\":{\"pubkey\":\"%s\","
                            "\"unrevoke\":[\"%s\"],\"timestamp\":%" G_GINT64_FORMAT ","
                            "\"subaccount\":\"%s\",\"subaccount_sig\":\"%s\","
                            "\"signature\":\"%s\"}}",
                            g.group.id, token_hex, now, token_b64, token_sig, sig);
    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
  }

  /* unrevoked by the admin, the same grant works again */
  {
    JsonNode *request = sd_storage_rpc_group_revoke (&g.group, TRUE, st_test_now_ms (),
                                                     (const guint8 (*)[36]) token, 1, &error);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) reply = NULL;
    JsonObject *swarm;
    GList *entries;

    g_assert_no_error (error);
    g_assert_cmpuint (send (&g, request, &body), ==, 200);
    reply = st_test_parse (body);
    swarm = sd_json_get_object (reply, "swarm");
    entries = json_object_get_values (swarm);
    for (GList *l = entries; l != NULL; l = l->next)
      g_assert_cmpint (sd_json_get_int (json_node_get_object (l->data), "count", -1), ==, 1);
    g_list_free (entries);
  }
  g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, 14 * DAY_MS, chat, NULL), ==, 200);
  {
    gint64 codes[SD_GROUP_POLL_N];

    poll_codes (&g, &member, codes);
    for (guint i = 0; i < SD_GROUP_POLL_N; i++)
      g_assert_cmpint (codes[i], ==, 200);
  }
}

/* who and what the swarm refuses, and what it takes that members must drop themselves */
static void
test_refusals (void)
{
  g_auto(Group) g = { 0 };
  g_auto(Group) other = { 0 };
  const SdGroupAuth admin = as_admin (&g), member = as_member (&g);
  g_autoptr(GBytes) data = g_bytes_new_static ("group data", 10);
  g_autoptr(GError) error = NULL;
  guint8 value[SD_SUBACCOUNT_VALUE_LEN];
  guint status = 0;

  group_init (&g, 0x71);
  group_init (&other, 0x81);

  /* TTL: 30 days at most in these namespaces (none is a public inbox) */
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_MESSAGES, TTL_30D, data, NULL), ==, 200);
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_MESSAGES, TTL_30D + 1000, data, NULL), ==, 403);
  g_assert_cmpuint (store (&g, &admin, SD_GROUP_NS_MESSAGES, 5000, data, NULL), ==, 403);

  /* a non-member signing as the owner with its own key */
  {
    gint64 now = st_test_now_ms ();
    g_autofree gchar *text = g_strdup_printf ("store11%" G_GINT64_FORMAT, now);
    g_autofree gchar *sig = sd_sign_text_base64 (g.outsider.ed25519_sk, text);
    g_autofree gchar *json = g_strdup_printf (
      "{\"method\":\"store\",\"params\":{\"pubkey\":\"%s\",\"namespace\":11,\"timestamp\":%"
      G_GINT64_FORMAT ",\"ttl\":60000,\"data\":\"AAAA\",\"signature\":\"%s\"}}",
      g.group.id, now, sig);
    g_autofree gchar *body = NULL;

    g_assert_cmpuint (send_json (&g, json, &body), ==, 401);
    g_assert_cmpstr (body, ==, "store signature verification failed");
  }
  /* a non-member with a grant it wrote itself (signed by its own key, not the group's) */
  {
    SdGroupIdentity fake;
    guint8 seed[32];
    g_autofree gchar *json = NULL;

    memset (seed, 0x99, 32);
    g_assert_true (sd_group_identity_from_seed (&fake, seed, NULL));
    g_assert_true (sd_subaccount_make (&fake, g.outsider.session_id, TRUE, TRUE, value, NULL));
    json = hand_signed_store (&g.group, &g.outsider, value, 11);
    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
    sd_group_identity_clear (&fake);
  }
  /* a grant of another group */
  {
    g_autofree gchar *json = hand_signed_store (&g.group, &other.member, other.grant, 11);

    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
  }
  /* a grant used by someone else than its member */
  {
    g_autofree gchar *json = hand_signed_store (&g.group, &g.outsider, g.grant, 11);

    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
  }
  /* a read-only grant cannot store; the builder would not even try */
  g_assert_true (sd_subaccount_make (&g.group, g.member.session_id, FALSE, FALSE, value, NULL));
  {
    g_autofree gchar *json = hand_signed_store (&g.group, &g.member, value, 11);
    const SdGroupAuth reader = { &g.view, &g.member, value };
    guint reader_status = 0;
    g_autoptr(GPtrArray) items = NULL;

    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
    g_assert_null (sd_storage_rpc_group_store (&reader, 11, st_test_now_ms (), 60000, "AAAA",
                                               &error));
    g_clear_error (&error);
    /* and reads */
    items = retrieve (&g, &reader, SD_GROUP_NS_MESSAGES, &reader_status);
    g_assert_cmpuint (reader_status, ==, 200);
    g_assert_cmpuint (items->len, ==, 1);
  }
  /* no signature at all: retrieve and store of a group namespace need one */
  {
    g_autofree gchar *json = g_strdup_printf (
      "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\",\"namespace\":11}}", g.group.id);
    g_autofree gchar *store_json = g_strdup_printf (
      "{\"method\":\"store\",\"params\":{\"pubkey\":\"%s\",\"namespace\":-11,\"timestamp\":%"
      G_GINT64_FORMAT ",\"ttl\":60000,\"data\":\"AAAA\"}}", g.group.id, st_test_now_ms ());
    g_autofree gchar *body = NULL;

    g_assert_cmpuint (send_json (&g, json, &body), ==, 401);
    g_assert_cmpstr (body, ==, "retrieve: request signature required");
    g_assert_cmpuint (send_json (&g, store_json, NULL), ==, 401);
  }
  /* pubkey_ed25519 is for 05 accounts only */
  {
    g_autoptr(JsonNode) request = sd_storage_rpc_group_retrieve (&admin, 11, st_test_now_ms (),
                                                                 NULL, 0, 0, &error);
    g_autofree gchar *ed_hex = sd_hex_encode (g.group.ed25519_pk, 32);
    g_autofree gchar *json = NULL;

    g_assert_no_error (error);
    json_object_set_string_member (sd_json_get_object (json_node_get_object (request), "params"),
                                   "pubkey_ed25519", ed_hex);
    json = json_to_string (request, FALSE);
    g_assert_cmpuint (send_json (&g, json, NULL), ==, 400);
  }
  /* the swarm cannot read configs: a member's (write-flag) store to Info is taken, as the
   * reference takes it, but it is not signed by the group and members drop it */
  {
    g_autofree gchar *json = hand_signed_store (&g.group, &g.member, g.grant,
                                                SD_GROUP_NS_INFO);
    g_autoptr(GPtrArray) items = NULL;

    g_assert_cmpuint (send_json (&g, json, NULL), ==, 200);
    items = retrieve (&g, &member, SD_GROUP_NS_INFO, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (items->len, ==, 1);
    /* "AAAA" is no config a member can open or merge */
    {
      g_autoptr(SdGroupKeys) keys = sd_group_keys_new (&g.view, &g.member);
      g_autoptr(GBytes) raw = item_data (g_ptr_array_index (items, 0));
      g_autoptr(GBytes) opened = sd_group_config_open (SD_GROUP_CONFIG_INFO, keys,
                                                       g_bytes_get_data (raw, NULL),
                                                       g_bytes_get_size (raw), &error);

      g_assert_null (opened);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  }
  /* a grant without delete cannot delete or shorten */
  {
    g_autofree gchar *hash = NULL;
    const gchar *hashes[] = { NULL, NULL };
    g_autofree gchar *del_text = NULL;
    g_autofree gchar *token = NULL, *token_sig = NULL, *sig = NULL;
    g_autofree gchar *json = NULL;
    SdSubaccountAuth sub;

    g_assert_cmpuint (store (&g, &member, SD_GROUP_NS_MESSAGES, TTL_30D, data, &hash), ==, 200);
    hashes[0] = hash;
    del_text = g_strconcat ("delete", hash, NULL);
    g_assert_true (sd_subaccount_sign (&g.member, g.grant, (const guint8 *) del_text,
                                       strlen (del_text), &sub, NULL));
    sd_subaccount_auth_to_base64 (&sub, &token, &token_sig, &sig);
    json = g_strdup_printf ("{\"method\":\"delete\",\"params\":{\"pubkey\":\"%s\","
                            "\"messages\":[\"%s\"],\"subaccount\":\"%s\","
                            "\"subaccount_sig\":\"%s\",\"signature\":\"%s\"}}",
                            g.group.id, hash, token, token_sig, sig);
    g_assert_cmpuint (send_json (&g, json, NULL), ==, 401);
    /* the admin can */
    g_assert_cmpuint (send (&g, sd_storage_rpc_group_delete (&admin, hashes, &error), NULL), ==,
                      200);
    g_assert_no_error (error);
  }
}

int
main (int argc, char **argv)
{
  const gchar *args[] = { "--nodes", "8", "--swarm-size", "4", NULL };
  gint result;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  net = st_testnet_start (args);

  g_test_add_func ("/testnet/group/lifecycle", test_lifecycle);
  g_test_add_func ("/testnet/group/refusals", test_refusals);
  g_test_add_func ("/testnet/group/expire-and-limits", test_expire_and_limits);
  result = g_test_run ();
  st_testnet_stop (net);
  return result;
}
