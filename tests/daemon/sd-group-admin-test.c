/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "groups/sd-group-control.h"
#include "groups/sd-group-identity.h"
#include "groups/sd-subaccount.h"
#include "sd-daemon-test-util.h"
#include "sd-avatar-crypto.h"
#include "sd-encoding.h"
#include "sd-group-media.h"
#include "sd-groups-private.h"
#include "sd-json.h"
#include "sd-sender.h"
#include "sd-storage-rpc.h"
#include "session-messages.pb-c.h"

/* what changes a group (sd-group-admin.c) and what a poll makes of control messages
 * (sd-groups.c), between an admin and two members over the fake transport, whose nodes keep
 * one in-memory swarm: forged and replayed control messages are not shown, forged or stale
 * kick notices remove nobody, a real removal rekeys without the member, revokes its token and
 * stops it; members may not change the group; a member who leaves is dropped by the admin */

typedef struct {
  gchar *hash;
  gchar *data;
  gint64 timestamp;
} Item;

static void
item_free (Item *item)
{
  g_free (item->hash);
  g_free (item->data);
  g_free (item);
}

typedef struct {
  SdIdentity id;
  SdTestStore test_store;
  SdSender *sender;
  SdGroups *groups;
} Peer;

typedef struct {
  SdTestNet net;
  GHashTable *swarm;     /* "pubkey/ns" -> GPtrArray of Item */
  GHashTable *revoked;   /* hex tokens */
  guint counter;
  guint refuse_stores;   /* the group's next so many stores are refused (400) */
  guint stores;          /* the group's stores */
  const gchar *refuse_account;  /* (nullable) stores to this account are refused (400) */
  Peer admin, bob, carol;
  gchar *group_id;
  guint tick_id;         /* wakes the main loop, so a wait that never ends fails in time */
  /* hashes node 1 does not hold (it refused the store, or missed the replication) */
  GHashTable *lacking;
} Fixture;

static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static GPtrArray *
swarm_items (Fixture *f, const gchar *pubkey, gint64 ns)
{
  g_autofree gchar *key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, pubkey, ns);
  GPtrArray *items = g_hash_table_lookup (f->swarm, key);

  if (items == NULL) {
    items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
    g_hash_table_insert (f->swarm, g_steal_pointer (&key), items);
  }
  return items;
}

static void
swarm_add (Fixture *f, const gchar *pubkey, gint64 ns, const gchar *data_b64)
{
  guint8 digest[32];
  Item *item = g_new0 (Item, 1);
  g_autofree gchar *seed = g_strdup_printf ("%u/%s", f->counter++, data_b64);

  crypto_generichash (digest, sizeof digest, (const guint8 *) seed, strlen (seed), NULL, 0);
  item->hash = sd_base64_encode (digest, sizeof digest, FALSE);
  item->data = g_strdup (data_b64);
  item->timestamp = g_get_real_time () / 1000;
  g_ptr_array_add (swarm_items (f, pubkey, ns), item);
}

/* a retrieve: what follows @last_hash; 401 for a revoked token outside -11, as a node does */
static JsonNode *
answer_retrieve (Fixture *f, guint node, JsonObject *params, guint *code)
{
  const gchar *pubkey = sd_json_get_string (params, "pubkey");
  const gchar *last = sd_json_get_string (params, "last_hash");
  const gchar *subaccount = sd_json_get_string (params, "subaccount");
  gint64 ns = sd_json_get_int (params, "namespace", 0);
  GPtrArray *items = swarm_items (f, pubkey, ns);
  JsonObject *body = json_object_new ();
  JsonArray *messages = json_array_new ();
  JsonNode *node_out;
  gboolean after = last == NULL;

  if (subaccount != NULL && ns != SD_GROUP_NS_KICKED) {
    g_autoptr(GBytes) token = sd_base64_decode (subaccount, -1, NULL);
    g_autofree gchar *hex = token != NULL ? sd_hex_encode (g_bytes_get_data (token, NULL),
                                                           g_bytes_get_size (token))
                                          : NULL;

    if (hex != NULL && g_hash_table_contains (f->revoked, hex)) {
      *code = 401;
      json_object_unref (body);
      json_array_unref (messages);
      return json_node_new (JSON_NODE_NULL);
    }
  }
  for (guint i = 0; i < items->len; i++) {
    Item *item = g_ptr_array_index (items, i);

    if (after && !(node == 1 && g_hash_table_contains (f->lacking, item->hash))) {
      JsonObject *message = json_object_new ();

      json_object_set_string_member (message, "hash", item->hash);
      json_object_set_string_member (message, "data", item->data);
      json_object_set_int_member (message, "timestamp", item->timestamp);
      json_object_set_int_member (message, "expiration", item->timestamp + 86400000);
      json_array_add_object_element (messages, message);
    }
    if (!after && g_strcmp0 (item->hash, last) == 0)
      after = TRUE;
  }
  json_object_set_array_member (body, "messages", messages);
  json_object_set_boolean_member (body, "more", FALSE);
  *code = 200;
  /* the node takes its own reference */
  node_out = json_node_init_object (json_node_alloc (), body);
  json_object_unref (body);
  return node_out;
}

static gchar *
answer_rpc (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
            gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = sd_json_parse_object (rpc, strlen (rpc), NULL);
  const gchar *method = sd_json_get_string (request, "method");
  JsonObject *params = sd_json_get_object (request, "params");
  gint64 now = g_get_real_time () / 1000;

  *status = 200;
  if (g_strcmp0 (method, "get_swarm") == 0)
    return sd_test_net_swarm_json (&f->net);
  if (g_strcmp0 (method, "info") == 0)
    return g_strdup_printf ("{\"version\":[2,8,0],\"timestamp\":%" G_GINT64_FORMAT
                            ",\"t\":%" G_GINT64_FORMAT "}", now, now);
  if (g_strcmp0 (method, "store") == 0) {
    GPtrArray *items;

    /* only the group's own stores count (the invites of the creation go 1:1 meanwhile) */
    if (g_strcmp0 (sd_json_get_string (params, "pubkey"), f->group_id) == 0)
      f->stores++;
    if (f->refuse_stores > 0 && g_strcmp0 (sd_json_get_string (params, "pubkey"),
                                           f->group_id) == 0) {
      f->refuse_stores--;
      *status = 400;
      return g_strdup ("refused for the test");
    }
    if (g_strcmp0 (sd_json_get_string (params, "pubkey"), f->refuse_account) == 0) {
      *status = 400;
      return g_strdup ("refused for the test");
    }
    swarm_add (f, sd_json_get_string (params, "pubkey"), sd_json_get_int (params, "namespace", 0),
               sd_json_get_string (params, "data"));
    items = swarm_items (f, sd_json_get_string (params, "pubkey"),
                         sd_json_get_int (params, "namespace", 0));
    return g_strdup_printf ("{\"swarm\":{},\"hash\":\"%s\",\"t\":%" G_GINT64_FORMAT "}",
                            ((Item *) g_ptr_array_index (items, items->len - 1))->hash, now);
  }
  if (g_strcmp0 (method, "delete") == 0) {
    JsonArray *hashes = sd_json_get_array (params, "messages");
    GPtrArray *items = swarm_items (f, sd_json_get_string (params, "pubkey"),
                                    SD_GROUP_NS_MESSAGES);

    for (guint i = 0; hashes != NULL && i < json_array_get_length (hashes); i++)
      for (guint j = 0; j < items->len; j++)
        if (g_strcmp0 (((Item *) g_ptr_array_index (items, j))->hash,
                       json_array_get_string_element (hashes, i)) == 0) {
          g_ptr_array_remove_index (items, j);
          break;
        }
    return g_strdup ("{\"swarm\":{}}");
  }
  if (g_strcmp0 (method, "revoke_subaccount") == 0) {
    JsonArray *tokens = sd_json_get_array (params, "revoke");

    for (guint i = 0; tokens != NULL && i < json_array_get_length (tokens); i++)
      g_hash_table_add (f->revoked, g_strdup (json_array_get_string_element (tokens, i)));
    return g_strdup ("{\"swarm\":{}}");
  }
  if (g_strcmp0 (method, "unrevoke_subaccount") == 0) {
    JsonArray *tokens = sd_json_get_array (params, "unrevoke");

    for (guint i = 0; tokens != NULL && i < json_array_get_length (tokens); i++)
      g_hash_table_remove (f->revoked, json_array_get_string_element (tokens, i));
    return g_strdup ("{\"swarm\":{}}");
  }
  if (g_strcmp0 (method, "batch") == 0) {
    JsonArray *requests = sd_json_get_array (params, "requests");
    g_autoptr(JsonObject) reply = json_object_new ();
    g_autoptr(JsonNode) root = NULL;
    JsonArray *results = json_array_new ();

    for (guint i = 0; requests != NULL && i < json_array_get_length (requests); i++) {
      JsonObject *sub = json_array_get_object_element (requests, i);
      JsonObject *entry = json_object_new ();
      guint code = 200;
      JsonNode *body;

      g_assert_cmpstr (sd_json_get_string (sub, "method"), ==, "retrieve");
      body = answer_retrieve (f, node, sd_json_get_object (sub, "params"), &code);
      json_object_set_int_member (entry, "code", code);
      json_object_set_member (entry, "body", body);
      json_array_add_object_element (results, entry);
    }
    json_object_set_array_member (reply, "results", results);
    root = json_node_init_object (json_node_alloc (), reply);
    return json_to_string (root, FALSE);
  }
  *status = 400;
  return g_strdup ("unexpected request");
}

/* one poll of @peer's copy of the group, answered by the swarm at once; FALSE when the group
 * is not ours to read any more */
static gboolean
poll (Fixture *f, Peer *peer)
{
  g_autofree gchar *request = sd_groups_build_poll (peer->groups, f->group_id,
                                                    g_get_real_time () / 1000);
  g_autofree gchar *answer = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  if (request == NULL)
    return FALSE;
  answer = answer_rpc (f->net.transport, 0, request, &status, f);
  g_assert_cmpuint (status, ==, 200);
  body = json_from_string (answer, NULL);
  g_assert_nonnull (body);
  sd_groups_apply_poll (peer->groups, f->group_id, body);
  return TRUE;
}

static guint
n_items (Fixture *f, gint ns)
{
  return swarm_items (f, f->group_id, ns)->len;
}

static void
peer_init (Fixture *f, Peer *peer, guint8 byte)
{
  sd_test_identity_from_byte (&peer->id, byte);
  sd_test_store_init (&peer->test_store, &peer->id);
  peer->sender = sd_sender_new (f->net.network, peer->test_store.store, &peer->id);
  peer->groups = sd_groups_new (f->net.network, peer->test_store.store, &peer->id,
                                peer->sender);
}

static void
peer_clear (Peer *peer)
{
  sd_sender_stop (peer->sender);
  g_clear_object (&peer->groups);
  g_clear_object (&peer->sender);
  sd_test_store_clear (&peer->test_store);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* the admin's identity of the group, from its stored seed */
static void
admin_identity (Fixture *f, SdGroupIdentity *ident)
{
  g_autoptr(SdStoreGroup) row = sd_store_get_group (f->admin.test_store.store, f->group_id,
                                                    NULL);

  g_assert_nonnull (row);
  g_assert_nonnull (row->seed);
  g_assert_true (sd_group_identity_from_seed (ident, row->seed, NULL));
}

/* @peer joins as the admin's invite would have it: a grant for its key */
static void
join (Fixture *f, Peer *peer)
{
  SdGroupIdentity ident;
  guint8 grant[SD_SUBACCOUNT_VALUE_LEN];
  SdStoreGroup row = { 0 };

  admin_identity (f, &ident);
  g_assert_true (sd_subaccount_make (&ident, peer->id.session_id, TRUE, FALSE, grant, NULL));
  row.id = f->group_id;
  row.auth_data = g_bytes_new (grant, sizeof grant);
  g_assert_true (sd_store_save_group (peer->test_store.store, &row, "Crew", NULL));
  g_bytes_unref (row.auth_data);
  sd_group_identity_clear (&ident);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  const gchar *members[3];

  f->swarm = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_ptr_array_unref);
  f->revoked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->lacking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->tick_id = g_timeout_add (100, tick, NULL);
  sd_test_net_init (&f->net, answer_rpc, f);
  peer_init (f, &f->admin, 0x21);
  peer_init (f, &f->bob, 0x22);
  peer_init (f, &f->carol, 0x23);
  members[0] = f->bob.id.session_id;
  members[1] = f->carol.id.session_id;
  members[2] = NULL;
  sd_groups_create_async (f->admin.groups, "Crew", members, NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  f->group_id = sd_groups_create_finish (f->admin.groups, result, NULL);
  g_assert_nonnull (f->group_id);
  join (f, &f->bob);
  join (f, &f->carol);
  g_assert_true (poll (f, &f->bob));
  g_assert_true (poll (f, &f->carol));
  /* both hold a key and still show as invited: their invite responses go out */
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_MESSAGES) == 2);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  peer_clear (&f->admin);
  peer_clear (&f->bob);
  peer_clear (&f->carol);
  g_clear_handle_id (&f->tick_id, g_source_remove);
  sd_test_net_clear (&f->net);
  g_hash_table_unref (f->swarm);
  g_hash_table_unref (f->revoked);
  g_hash_table_unref (f->lacking);
  g_free (f->group_id);
}

/* the group events of @peer's conversation, "kind:author:body" in time order */
static gchar *
events (Fixture *f, Peer *peer)
{
  g_autoptr(GPtrArray) messages = sd_store_get_messages (peer->test_store.store, f->group_id,
                                                         0, 0, 100, NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_nonnull (messages);
  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);

    if (message->kind == SD_MESSAGE_KIND_TEXT)
      continue;
    g_string_append_printf (out, "%s%s:%s:%s", out->len > 0 ? " " : "",
                            sd_message_kind_to_string (message->kind), message->author,
                            message->body);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @peer stores @update in ns 11 as it would any control message */
static void
send_update (Fixture *f, Peer *peer, SessionProtos__GroupUpdateMessage *update, gint64 sent_at)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (peer->groups, f->group_id, NULL);
  guint before = n_items (f, SD_GROUP_NS_MESSAGES);

  g_assert_nonnull (group);
  g_assert_true (sd_groups_send_update (peer->groups, group, update, sent_at, NULL));
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_MESSAGES) > before);
}

static void
send_rename (Fixture *f, Peer *peer, const gchar *name, const guint8 signature[64],
             gint64 sent_at)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInfoChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__INIT;

  change.type = SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__NAME;
  change.updatedname = (char *) name;
  change.adminsignature.data = (guint8 *) signature;
  change.adminsignature.len = 64;
  update.infochangemessage = &change;
  send_update (f, peer, &update, sent_at);
}

/* INFO_CHANGE of the picture (@expiration < 0) or of the timer */
static void
send_info_change (Fixture *f, Peer *peer, gint64 expiration, const guint8 signature[64],
                  gint64 sent_at)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInfoChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__INIT;

  change.type = expiration < 0
                  ? SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__AVATAR
                  : SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__DISAPPEARING_MESSAGES;
  if (expiration >= 0) {
    change.has_updatedexpiration = TRUE;
    change.updatedexpiration = (uint32_t) expiration;
  }
  change.adminsignature.data = (guint8 *) signature;
  change.adminsignature.len = 64;
  update.infochangemessage = &change;
  send_update (f, peer, &update, sent_at);
}

/* the admin's signature of an INFO_CHANGE of @type at @sent_at (by @ident) */
static void
sign_info_change (SdGroupIdentity *ident, SdGroupInfoChange type, gint64 sent_at,
                  guint8 signature[64])
{
  g_autofree gchar *text = sd_group_control_info_change_text (type, sent_at);

  g_assert_true (sd_group_control_sign (ident, text, signature, NULL));
}

static void
test_forged (Fixture *f, gconstpointer data)
{
  g_autofree gchar *shown = NULL, *expected = NULL;
  SdGroupIdentity ident, other;
  guint8 other_seed[32], signature[64], forged[64];
  gint64 t = g_get_real_time () / 1000 - 10000;
  g_autofree gchar *rename_text = sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_NAME, t);
  g_autofree gchar *remove_text = sd_group_control_member_change_text (
    SD_GROUP_MEMBER_CHANGE_REMOVED, t + 3);
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateMemberChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_MEMBER_CHANGE_MESSAGE__INIT;
  gchar *ids[] = { f->carol.id.session_id };
  g_autoptr(GPtrArray) kicked = g_ptr_array_new ();
  g_autoptr(GBytes) notice = NULL;
  g_autofree gchar *notice_b64 = NULL;
  gint64 generation = -1;

  admin_identity (f, &ident);
  memset (other_seed, 0x77, sizeof other_seed);
  g_assert_true (sd_group_identity_from_seed (&other, other_seed, NULL));
  g_assert_true (sd_group_control_sign (&ident, rename_text, signature, NULL));
  g_assert_true (sd_group_control_sign (&other, rename_text, forged, NULL));

  /* bob, a member, stores: a rename signed by another key, the admin's genuine signature
   * replayed at another time, and at its own time with another name (the signature does not
   * cover the name: only an admin's is shown); then the admin's own (the only one shown) */
  send_rename (f, &f->bob, "Forged", forged, t + 1);
  send_rename (f, &f->bob, "Replayed", signature, t + 2);
  send_rename (f, &f->bob, "Copied", signature, t);
  send_rename (f, &f->admin, "Genuine", signature, t);
  /* a removal of carol signed by another key */
  g_assert_true (sd_group_control_sign (&other, remove_text, forged, NULL));
  change.type = SESSION_PROTOS__GROUP_UPDATE_MEMBER_CHANGE_MESSAGE__TYPE__REMOVED;
  change.n_membersessionids = 1;
  change.membersessionids = ids;
  change.adminsignature.data = forged;
  change.adminsignature.len = 64;
  update.memberchangemessage = &change;
  send_update (f, &f->bob, &update, t + 3);

  /* the picture and the timer: bob's signed by another key, the admin's rename signature
   * stored again as a timer change (the type is signed), then the admin's own: a timer, one
   * past two weeks (shown as two weeks), and a picture */
  sign_info_change (&other, SD_GROUP_INFO_CHANGE_AVATAR, t + 4, forged);
  send_info_change (f, &f->bob, -1, forged, t + 4);
  sign_info_change (&other, SD_GROUP_INFO_CHANGE_DISAPPEARING, t + 5, forged);
  send_info_change (f, &f->bob, 60, forged, t + 5);
  send_info_change (f, &f->bob, 30, signature, t);
  sign_info_change (&ident, SD_GROUP_INFO_CHANGE_DISAPPEARING, t + 6, forged);
  send_info_change (f, &f->admin, 86400, forged, t + 6);
  sign_info_change (&ident, SD_GROUP_INFO_CHANGE_DISAPPEARING, t + 7, forged);
  send_info_change (f, &f->admin, 4000000, forged, t + 7);
  sign_info_change (&ident, SD_GROUP_INFO_CHANGE_AVATAR, t + 8, forged);
  send_info_change (f, &f->admin, -1, forged, t + 8);
  /* from the admin's id but not as the admin signed: the picture's signature as a timer, and
   * the timer of t + 7 again at another time */
  send_info_change (f, &f->admin, 60, forged, t + 8 + 1);
  sign_info_change (&ident, SD_GROUP_INFO_CHANGE_DISAPPEARING, t + 7, forged);
  send_info_change (f, &f->admin, 60, forged, t + 10);

  /* kick notices naming carol: from another group's key, and the group's own for a
   * generation she already holds a newer key than */
  g_ptr_array_add (kicked, f->carol.id.session_id);
  notice = sd_group_kick_notice_encrypt (&other, kicked, 5, NULL);
  notice_b64 = sd_base64_encode (g_bytes_get_data (notice, NULL), g_bytes_get_size (notice), TRUE);
  swarm_add (f, f->group_id, SD_GROUP_NS_KICKED, notice_b64);
  g_clear_pointer (&notice, g_bytes_unref);
  g_clear_pointer (&notice_b64, g_free);
  notice = sd_group_kick_notice_encrypt (&ident, kicked, 0, NULL);
  g_assert_nonnull (notice);
  notice_b64 = sd_base64_encode (g_bytes_get_data (notice, NULL), g_bytes_get_size (notice), TRUE);
  swarm_add (f, f->group_id, SD_GROUP_NS_KICKED, notice_b64);

  g_assert_true (poll (f, &f->carol));
  shown = events (f, &f->carol);
  expected = g_strdup_printf ("group-renamed:%s:Genuine group-disappearing-changed:%s:86400 "
                              "group-disappearing-changed:%s:1209600 "
                              "group-avatar-changed:%s:", f->admin.id.session_id,
                              f->admin.id.session_id, f->admin.id.session_id,
                              f->admin.id.session_id);
  g_assert_cmpstr (shown, ==, expected);
  /* no event names anybody removed, and carol is still in: she polls and may write */
  g_assert_true (poll (f, &f->carol));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->carol.groups, f->group_id, NULL);

    g_assert_true (sd_group_state_is_active (group));
    g_assert_true (sd_group_keys_get_current (group->keys, NULL, &generation));
    g_assert_cmpint (generation, ==, 0);
  }
  sd_group_identity_clear (&ident);
  sd_group_identity_clear (&other);
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *shown = NULL;
  const gchar *remove[] = { NULL, NULL };
  guint8 token[SD_SUBACCOUNT_TOKEN_LEN];
  g_autofree gchar *token_hex = NULL;
  g_auto(GStrv) members = NULL;
  g_autofree gchar *message_id = NULL;
  SdGroupIdentity ident;
  gint64 generation = -1;
  guint before;

  remove[0] = f->carol.id.session_id;
  sd_groups_remove_members_async (f->admin.groups, f->group_id, remove, NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, &error));
  g_assert_no_error (error);
  /* a new generation in Keys, her token revoked, a notice in -11, the announcement in 11 */
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_KEYS), ==, 2);
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_KICKED), ==, 1);
  admin_identity (f, &ident);
  g_assert_true (sd_subaccount_token (&ident, f->carol.id.session_id, TRUE, FALSE, token, NULL));
  token_hex = sd_hex_encode (token, sizeof token);
  g_assert_true (g_hash_table_contains (f->revoked, token_hex));
  g_assert_cmpuint (g_hash_table_size (f->revoked), ==, 1);
  members = sd_groups_dup_members (f->admin.groups, f->group_id);
  g_assert_false (g_strv_contains ((const gchar *const *) members, f->carol.id.session_id));
  g_assert_true (g_strv_contains ((const gchar *const *) members, f->bob.id.session_id));

  /* bob reads the new key and the announcement */
  g_assert_true (poll (f, &f->bob));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->bob.groups, f->group_id, NULL);

    g_assert_true (sd_group_keys_get_current (group->keys, NULL, &generation));
    g_assert_cmpint (generation, ==, 1);
  }
  shown = events (f, &f->bob);
  g_assert_true (g_str_has_prefix (shown, "group-members-removed:05"));
  g_assert_true (g_str_has_suffix (shown, f->carol.id.session_id));

  /* carol's poll: her 401s, then the notice; she stops */
  g_assert_true (poll (f, &f->carol));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->carol.groups, f->group_id, NULL);

    g_assert_false (sd_group_state_is_active (group));
    g_assert_false (group->has_auth);
    g_assert_true (sd_group_keys_get_current (group->keys, NULL, &generation));
    g_assert_cmpint (generation, ==, 0);
  }
  g_clear_pointer (&shown, g_free);
  shown = events (f, &f->carol);
  g_assert_true (g_str_has_prefix (shown, "group-removed:"));
  g_assert_false (poll (f, &f->carol));
  g_assert_null (sd_groups_send_text (f->carol.groups, f->group_id, "still here?", &error));
  g_assert_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER);
  g_clear_error (&error);
  /* the admin's next message is under generation 1: bob reads it */
  before = n_items (f, SD_GROUP_NS_MESSAGES);
  message_id = sd_groups_send_text (f->admin.groups, f->group_id, "without carol", &error);
  g_assert_no_error (error);
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_MESSAGES) > before);
  g_assert_true (poll (f, &f->bob));
  {
    g_autoptr(SdMessage) got = sd_store_get_message (f->bob.test_store.store, message_id, NULL);

    g_assert_nonnull (got);
    g_assert_cmpstr (got->body, ==, "without carol");
  }
  sd_group_identity_clear (&ident);
}

static void
test_member_refused (Fixture *f, gconstpointer data)
{
  const gchar *carol[] = { NULL, NULL };
  guint info = n_items (f, SD_GROUP_NS_INFO), list = n_items (f, SD_GROUP_NS_MEMBERS);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *shown = NULL;
  g_auto(GStrv) members = NULL;

  carol[0] = f->carol.id.session_id;
  for (guint i = 0; i < 4; i++) {
    g_autoptr(GAsyncResult) result = NULL;

    if (i == 0)
      sd_groups_set_info_async (f->bob.groups, f->group_id, "Mine", NULL, NULL, on_done,
                                &result);
    else if (i == 1)
      sd_groups_destroy_async (f->bob.groups, f->group_id, NULL, on_done, &result);
    else if (i == 2)
      sd_groups_promote_async (f->bob.groups, f->group_id, carol, NULL, on_done, &result);
    else
      sd_groups_remove_members_async (f->bob.groups, f->group_id, carol, NULL, on_done,
                                      &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    g_assert_false (sd_groups_admin_finish (f->bob.groups, result, &error));
    g_assert_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_ADMIN);
    g_clear_error (&error);
  }
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_INFO), ==, info);
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_MEMBERS), ==, list);
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_KEYS), ==, 1);

  /* bob leaves: he forgets the group, the admin drops him at its next poll */
  {
    g_autoptr(GAsyncResult) result = NULL;

    sd_groups_leave_async (f->bob.groups, f->group_id, NULL, on_done, &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    g_assert_true (sd_groups_admin_finish (f->bob.groups, result, &error));
    g_assert_no_error (error);
  }
  g_assert_null (sd_store_get_group (f->bob.test_store.store, f->group_id, NULL));
  g_assert_true (poll (f, &f->admin));
  members = sd_groups_dup_members (f->admin.groups, f->group_id);
  g_assert_false (g_strv_contains ((const gchar *const *) members, f->bob.id.session_id));
  shown = events (f, &f->admin);
  g_assert_true (g_str_has_prefix (shown, "group-member-left:05"));
  /* the removal goes out: a new generation without bob, bob's token revoked */
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_KEYS) == 2 && g_hash_table_size (f->revoked) == 1);
  /* the only admin may not leave */
  {
    g_autoptr(GAsyncResult) result = NULL;

    sd_groups_leave_async (f->admin.groups, f->group_id, NULL, on_done, &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    g_assert_false (sd_groups_admin_finish (f->admin.groups, result, &error));
    g_assert_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID);
  }
}

/* a refused step is tried again before the call fails; what was saved stays either way */
static void
test_retry (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  guint info = n_items (f, SD_GROUP_NS_INFO);

  for (guint round = 0; round < 2; round++) {
    g_autoptr(GAsyncResult) result = NULL;
    guint stores = f->stores;

    /* once refused: stored at the second attempt; always refused: three attempts, then the
     * call fails */
    f->refuse_stores = round == 0 ? 1 : 100;
    sd_groups_set_info_async (f->admin.groups, f->group_id, NULL, round == 0 ? "first" : "second",
                              NULL, on_done, &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    if (round == 0) {
      g_assert_true (sd_groups_admin_finish (f->admin.groups, result, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (f->stores - stores, ==, 2);
      g_assert_cmpuint (n_items (f, SD_GROUP_NS_INFO), ==, info + 1);
    } else {
      g_assert_false (sd_groups_admin_finish (f->admin.groups, result, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_cmpuint (f->stores - stores, ==, 3);
      g_assert_cmpuint (n_items (f, SD_GROUP_NS_INFO), ==, info + 1);
    }
  }
  f->refuse_stores = 0;
  /* the local Info holds the second description all the same */
  {
    g_autoptr(GVariant) described = sd_groups_describe (f->admin.groups, f->group_id, &error);
    const gchar *description = NULL;

    g_variant_ref_sink (described);
    g_assert_true (g_variant_lookup (described, "description", "&s", &description));
    g_assert_cmpstr (description, ==, "second");
  }
  conversation = sd_store_get_conversation (f->admin.test_store.store, f->group_id, &error);
  g_assert_cmpstr (conversation->name, ==, "Crew");
}

/* two admins edit Info at once (neither has read the other's): the first admin to poll signs
 * and pushes the merge, and a member then has both changes */
static void
test_concurrent (Fixture *f, gconstpointer data)
{
  g_autoptr(SdStoreGroup) row = sd_store_get_group (f->carol.test_store.store, f->group_id,
                                                    NULL);
  g_autoptr(SdStoreGroup) admin_row = sd_store_get_group (f->admin.test_store.store,
                                                          f->group_id, NULL);
  g_autoptr(GVariant) described = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  const gchar *description = NULL;
  guint info;

  /* carol holds the seed too (as a promotion would give it) */
  row->seed = g_memdup2 (admin_row->seed, 32);
  g_assert_true (sd_store_save_group (f->carol.test_store.store, row, NULL, NULL));
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GAsyncResult) result = NULL;
    Peer *peer = i == 0 ? &f->admin : &f->carol;

    sd_groups_set_info_async (peer->groups, f->group_id, i == 0 ? "Crew A" : NULL,
                              i == 0 ? NULL : "from carol", NULL, on_done, &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    g_assert_true (sd_groups_admin_finish (peer->groups, result, NULL));
  }
  info = n_items (f, SD_GROUP_NS_INFO);
  g_assert_true (poll (f, &f->admin));
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_INFO) > info);
  g_assert_true (poll (f, &f->bob));
  conversation = sd_store_get_conversation (f->bob.test_store.store, f->group_id, NULL);
  g_assert_cmpstr (conversation->name, ==, "Crew A");
  described = g_variant_ref_sink (sd_groups_describe (f->bob.groups, f->group_id, NULL));
  g_assert_true (g_variant_lookup (described, "description", "&s", &description));
  g_assert_cmpstr (description, ==, "from carol");
  /* read back, the merge asks for no further push */
  info = n_items (f, SD_GROUP_NS_INFO);
  g_assert_true (poll (f, &f->admin));
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_INFO), ==, info);
}

/* two admins rekey at once (one removes bob, the other invites dave without the history): two
 * keys of generation 1; the first admin to read both rekeys again for the merged members */
static void
test_conflicting_rekeys (Fixture *f, gconstpointer data)
{
  g_autoptr(SdStoreGroup) row = sd_store_get_group (f->carol.test_store.store, f->group_id,
                                                    NULL);
  g_autoptr(SdStoreGroup) admin_row = sd_store_get_group (f->admin.test_store.store,
                                                          f->group_id, NULL);
  SdIdentity dave;
  const gchar *bob[] = { f->bob.id.session_id, NULL };
  const gchar *daves[] = { NULL, NULL };
  g_auto(GStrv) members = NULL;
  guint keys;
  gint64 generation = -1;

  sd_test_identity_from_byte (&dave, 0x24);
  daves[0] = dave.session_id;
  row->seed = g_memdup2 (admin_row->seed, 32);
  g_assert_true (sd_store_save_group (f->carol.test_store.store, row, NULL, NULL));
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GAsyncResult) result = NULL;

    if (i == 0)
      sd_groups_remove_members_async (f->admin.groups, f->group_id, bob, NULL, on_done,
                                      &result);
    else
      sd_groups_invite_async (f->carol.groups, f->group_id, daves, FALSE, NULL, on_done,
                              &result);
    SD_TEST_WAIT_UNTIL (result != NULL);
    g_assert_true (sd_groups_admin_finish (i == 0 ? f->admin.groups : f->carol.groups, result,
                                           NULL));
  }
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_KEYS), ==, 3);
  keys = n_items (f, SD_GROUP_NS_KEYS);
  g_assert_true (poll (f, &f->admin));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->admin.groups, f->group_id, NULL);

    g_assert_true (sd_group_keys_needs_rekey (group->keys));
  }
  /* the admin's upkeep: generation 2 for the merged members (carol, dave, us; not bob) */
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_KEYS) == keys + 1);
  SD_TEST_WAIT_UNTIL (!g_hash_table_contains (f->admin.groups->upkeep, f->group_id));
  g_assert_true (poll (f, &f->carol));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->carol.groups, f->group_id, NULL);

    g_assert_true (sd_group_keys_get_current (group->keys, NULL, &generation));
    g_assert_cmpint (generation, ==, 2);
    g_assert_false (sd_group_keys_needs_rekey (group->keys));
  }
  members = sd_groups_dup_members (f->carol.groups, f->group_id);
  g_assert_true (g_strv_contains ((const gchar *const *) members, dave.session_id));
  g_assert_false (g_strv_contains ((const gchar *const *) members, f->bob.id.session_id));
  g_assert_true (poll (f, &f->admin));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->admin.groups, f->group_id, NULL);

    g_assert_false (sd_group_keys_needs_rekey (group->keys));
  }
}

/* an admin whose newest Keys message is older than SD_GROUP_CONFIG_RENEW_MS renews the
 * configs with a rekey; one whose keys are fresh does not */
static void
test_renew (Fixture *f, gconstpointer data)
{
  g_autoptr(SdStoreGroup) admin_row = sd_store_get_group (f->admin.test_store.store,
                                                          f->group_id, NULL);
  GPtrArray *keys_items = swarm_items (f, f->group_id, SD_GROUP_NS_KEYS);
  SdStoreGroup row = { 0 };
  Peer dan;
  guint keys = n_items (f, SD_GROUP_NS_KEYS);
  gint64 generation = -1;

  /* fresh keys: a poll renews nothing */
  g_assert_true (poll (f, &f->admin));
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (n_items (f, SD_GROUP_NS_KEYS), ==, keys);

  /* the swarm's Keys message 20 days old, read by a device of the admin that holds only the
   * seed (a restored one) */
  for (guint i = 0; i < keys_items->len; i++)
    ((Item *) g_ptr_array_index (keys_items, i))->timestamp -= 20LL * 24 * 3600 * 1000;
  peer_init (f, &dan, 0x21);
  row.id = f->group_id;
  row.seed = admin_row->seed;
  g_assert_true (sd_store_save_group (dan.test_store.store, &row, "Crew", NULL));
  g_assert_true (poll (f, &dan));
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_KEYS) == keys + 1);
  SD_TEST_WAIT_UNTIL (!g_hash_table_contains (dan.groups->upkeep, f->group_id));
  /* the members read the new generation */
  g_assert_true (poll (f, &f->bob));
  {
    g_autoptr(SdGroupState) group = sd_group_state_load (f->bob.groups, f->group_id, NULL);

    g_assert_true (sd_group_keys_get_current (group->keys, NULL, &generation));
    g_assert_cmpint (generation, ==, 1);
  }
  peer_clear (&dan);
}

/* one poll of @peer's group as the poller makes it, answered by @node */
static void
poll_via (Fixture *f, Peer *peer, SdRetrieveCursors *cursors, guint node)
{
  SdSnode *snode = g_ptr_array_index (f->net.nodes, node);
  g_autofree gchar *request = NULL;
  g_autofree gchar *answer = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  sd_retrieve_cursors_begin (cursors);
  request = sd_groups_build_poll_for (peer->groups, f->group_id, g_get_real_time () / 1000,
                                      cursors, snode);
  g_assert_nonnull (request);
  answer = answer_rpc (f->net.transport, node, request, &status, f);
  g_assert_cmpuint (status, ==, 200);
  body = json_from_string (answer, NULL);
  sd_retrieve_cursors_note_failed (cursors, snode);
  sd_groups_apply_poll_from (peer->groups, f->group_id, cursors, snode, body, NULL);
}

/* @peer's text messages of the group, "|"-joined in time order */
static gchar *
texts (Fixture *f, Peer *peer)
{
  g_autoptr(GPtrArray) messages = sd_store_get_messages (peer->test_store.store, f->group_id,
                                                         0, 0, 100, NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);

    if (message->kind == SD_MESSAGE_KIND_TEXT)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "|" : "", message->body);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* node 1 lacks the admin's first message and serves its second: the member's cursor on node 0
 * stays where node 0 left it, so node 0 still brings the first (a cursor shared by the swarm
 * moved past it, and it was never read) */
static void
test_member_lacking_a_message (Fixture *f, gconstpointer data)
{
  g_autoptr(SdRetrieveCursors) cursors = sd_retrieve_cursors_new_for_group (
    f->bob.test_store.store, f->group_id);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id1 = NULL, *id2 = NULL;
  g_autofree gchar *before = NULL, *lacking = NULL, *all = NULL, *again = NULL;
  GPtrArray *messages = swarm_items (f, f->group_id, SD_GROUP_NS_MESSAGES);
  guint n;

  poll_via (f, &f->bob, cursors, 0);
  before = texts (f, &f->bob);
  g_assert_cmpstr (before, ==, "");
  n = messages->len;
  id1 = sd_groups_send_text (f->admin.groups, f->group_id, "one", &error);
  g_assert_no_error (error);
  SD_TEST_WAIT_UNTIL (messages->len == n + 1);
  g_hash_table_add (f->lacking,
                    g_strdup (((Item *) g_ptr_array_index (messages, n))->hash));
  id2 = sd_groups_send_text (f->admin.groups, f->group_id, "two", &error);
  g_assert_no_error (error);
  SD_TEST_WAIT_UNTIL (messages->len == n + 2);

  /* node 1, met for the first time, starts where the swarm was and serves only "two" */
  poll_via (f, &f->bob, cursors, 1);
  lacking = texts (f, &f->bob);
  g_assert_cmpstr (lacking, ==, "two");
  /* node 0 goes on from its own cursor */
  poll_via (f, &f->bob, cursors, 0);
  all = texts (f, &f->bob);
  g_assert_cmpstr (all, ==, "one|two");
  /* nothing twice, from any member */
  poll_via (f, &f->bob, cursors, 0);
  poll_via (f, &f->bob, cursors, 2);
  again = texts (f, &f->bob);
  g_assert_cmpstr (again, ==, "one|two");
}

/* whether @peer holds a text @body in the group */
static gboolean
has_text (Fixture *f, Peer *peer, const gchar *body)
{
  g_autoptr(GPtrArray) messages = sd_store_get_messages (peer->test_store.store, f->group_id,
                                                         0, 0, 100, NULL);

  g_assert_nonnull (messages);
  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);

    if (message->kind == SD_MESSAGE_KIND_TEXT && g_str_equal (message->body, body))
      return TRUE;
  }
  return FALSE;
}

/* @peer writes @body to the group; the hash of its item in the swarm */
static gchar *
say (Fixture *f, Peer *peer, const gchar *body)
{
  guint before = n_items (f, SD_GROUP_NS_MESSAGES);
  g_autofree gchar *id = sd_groups_send_text (peer->groups, f->group_id, body, NULL);
  GPtrArray *items;

  g_assert_nonnull (id);
  SD_TEST_WAIT_UNTIL (n_items (f, SD_GROUP_NS_MESSAGES) > before);
  items = swarm_items (f, f->group_id, SD_GROUP_NS_MESSAGES);
  return g_strdup (((Item *) g_ptr_array_index (items, items->len - 1))->hash);
}

static void
send_delete (Fixture *f, Peer *peer, gchar **ids, gsize n_ids, gchar **hashes, gsize n_hashes,
             const guint8 *signature, gint64 sent_at)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateDeleteMemberContentMessage msg =
    SESSION_PROTOS__GROUP_UPDATE_DELETE_MEMBER_CONTENT_MESSAGE__INIT;

  msg.n_membersessionids = n_ids;
  msg.membersessionids = ids;
  msg.n_messagehashes = n_hashes;
  msg.messagehashes = hashes;
  if (signature != NULL) {
    msg.has_adminsignature = TRUE;
    msg.adminsignature.data = (guint8 *) signature;
    msg.adminsignature.len = 64;
  }
  update.deletemembercontent = &msg;
  send_update (f, peer, &update, sent_at);
}

static void
poll_all (Fixture *f)
{
  g_assert_true (poll (f, &f->admin));
  g_assert_true (poll (f, &f->bob));
  g_assert_true (poll (f, &f->carol));
}

/* what the group picture's keeper (sd-account-group-avatar.c) asks of SdGroups: the picture to
 * keep (admins only), the same blob again for our deterministic key, the legacy scheme for
 * another key, and a new URL written to Info that members follow */
static void
test_avatar_keep (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = g_bytes_new_static ("a picture, as bytes", 19);
  g_autoptr(GBytes) blob = NULL, again = NULL, key = NULL, other = NULL, legacy = NULL;
  g_autoptr(GBytes) opened = NULL, got_key = NULL;
  g_autofree gchar *url = NULL, *member_url = NULL, *file = NULL;
  guint8 raw[32];

  g_assert_false (sd_groups_get_avatar_to_keep (f->admin.groups, f->group_id, &url, &got_key));
  blob = sd_groups_encrypt_avatar (f->admin.groups, f->group_id, plain, raw, &error);
  g_assert_no_error (error);
  key = g_bytes_new (raw, sizeof raw);
  sd_groups_set_avatar_async (f->admin.groups, f->group_id, "http://files.test/file/1", key,
                              NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, &error));
  g_clear_object (&result);
  g_assert_true (sd_groups_get_avatar_to_keep (f->admin.groups, f->group_id, &url, &got_key));
  g_assert_cmpstr (url, ==, "http://files.test/file/1");
  g_assert_true (g_bytes_equal (got_key, key));

  /* ours: the same blob, so the server renews the same file */
  again = sd_groups_encrypt_avatar_again (f->admin.groups, f->group_id, plain, key, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (again, blob));
  /* a key of another scheme: the legacy one with that key */
  memset (raw, 0x42, sizeof raw);
  other = g_bytes_new (raw, sizeof raw);
  legacy = sd_groups_encrypt_avatar_again (f->admin.groups, f->group_id, plain, other, &error);
  g_assert_no_error (error);
  opened = sd_avatar_legacy_decrypt (raw, sizeof raw, g_bytes_get_data (legacy, NULL),
                                     g_bytes_get_size (legacy), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));

  /* members keep nothing and cannot encrypt for the group */
  g_assert_true (poll (f, &f->bob));
  g_clear_pointer (&got_key, g_bytes_unref);
  g_assert_false (sd_groups_get_avatar_to_keep (f->bob.groups, f->group_id, &member_url,
                                                &got_key));
  g_assert_null (sd_groups_encrypt_avatar_again (f->bob.groups, f->group_id, plain, key,
                                                 &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a new URL for the same picture: Info names it, and a member's poll takes it */
  sd_groups_renew_avatar_async (f->admin.groups, f->group_id, "http://files.test/file/2", key,
                                NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, &error));
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&got_key, g_bytes_unref);
  g_assert_true (sd_groups_get_avatar_to_keep (f->admin.groups, f->group_id, &url, &got_key));
  g_assert_cmpstr (url, ==, "http://files.test/file/2");
  g_assert_true (poll (f, &f->bob));
  g_clear_pointer (&got_key, g_bytes_unref);
  g_assert_true (sd_store_get_avatar (f->bob.test_store.store, f->group_id, &member_url,
                                      &got_key, &file, &error));
  g_assert_cmpstr (member_url, ==, "http://files.test/file/2");
  g_assert_true (g_bytes_equal (got_key, key));
}

/* DeleteMemberContent: a member cannot forge an admin's deletion nor delete another's items;
 * it may delete its own by hash; an admin's deletion removes every text of a member for
 * everyone (and from the swarm), but nothing sent after it */
static void
test_delete_content (Fixture *f, gconstpointer data)
{
  g_autofree gchar *b1 = say (f, &f->bob, "b1");
  g_autofree gchar *c1 = say (f, &f->carol, "c1");
  g_autofree gchar *c2 = say (f, &f->carol, "c2");
  gchar *carol_ids[] = { f->carol.id.session_id, NULL };
  gchar *c1_hashes[] = { c1, NULL };
  gchar *b1_hashes[] = { b1, NULL };
  gint64 t;
  SdGroupIdentity other;
  guint8 other_seed[32], forged[64];
  g_autofree gchar *text = NULL;
  const gchar *members[] = { f->carol.id.session_id, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  poll_all (f);
  g_assert_true (has_text (f, &f->admin, "c1") && has_text (f, &f->bob, "b1"));
  /* a deletion reaches only what was sent before it */
  t = g_get_real_time () / 1000 + 1;

  /* bob signs carol's deletion with another key, and names her item without a signature */
  memset (other_seed, 0x77, sizeof other_seed);
  g_assert_true (sd_group_identity_from_seed (&other, other_seed, NULL));
  text = sd_group_control_delete_content_text (t, (const gchar *const *) carol_ids, NULL);
  g_assert_true (sd_group_control_sign (&other, text, forged, NULL));
  send_delete (f, &f->bob, carol_ids, 1, NULL, 0, forged, t);
  send_delete (f, &f->bob, NULL, 0, c1_hashes, 1, NULL, t + 1);
  poll_all (f);
  g_assert_true (has_text (f, &f->admin, "c1") && has_text (f, &f->admin, "c2"));
  g_assert_true (has_text (f, &f->carol, "c1"));

  /* his own item he may delete */
  send_delete (f, &f->bob, NULL, 0, b1_hashes, 1, NULL, t + 2);
  poll_all (f);
  g_assert_false (has_text (f, &f->admin, "b1"));
  g_assert_false (has_text (f, &f->carol, "b1"));

  /* members may not delete for others */
  sd_groups_delete_member_content_async (f->bob.groups, f->group_id, members, NULL, NULL,
                                         on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_false (sd_groups_admin_finish (f->bob.groups, result, &error));
  g_assert_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_ADMIN);
  g_clear_error (&error);
  g_clear_object (&result);

  /* the admin deletes carol's texts: at once here, from the swarm, then at bob's */
  sd_groups_delete_member_content_async (f->admin.groups, f->group_id, members, NULL, NULL,
                                         on_done, &result);
  g_assert_false (has_text (f, &f->admin, "c1") || has_text (f, &f->admin, "c2"));
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, &error));
  g_assert_no_error (error);
  items = swarm_items (f, f->group_id, SD_GROUP_NS_MESSAGES);
  for (guint i = 0; i < items->len; i++) {
    g_assert_cmpstr (((Item *) g_ptr_array_index (items, i))->hash, !=, c1);
    g_assert_cmpstr (((Item *) g_ptr_array_index (items, i))->hash, !=, c2);
  }
  g_assert_true (poll (f, &f->bob));
  g_assert_false (has_text (f, &f->bob, "c1") || has_text (f, &f->bob, "c2"));
  g_assert_true (poll (f, &f->carol));
  g_assert_false (has_text (f, &f->carol, "c1"));

  /* what carol writes afterwards stays */
  g_free (say (f, &f->carol, "c3"));
  g_assert_true (poll (f, &f->bob));
  g_assert_true (has_text (f, &f->bob, "c3"));

  /* bob unsends his own text (not carol's): gone for him at once, then for the admin */
  g_free (say (f, &f->bob, "b2"));
  poll_all (f);
  g_assert_true (has_text (f, &f->admin, "b2"));
  {
    g_autoptr(GPtrArray) messages = sd_store_get_messages (f->bob.test_store.store,
                                                           f->group_id, 0, 0, 100, NULL);
    const gchar *b2_id = NULL, *c3_id = NULL;
    g_autoptr(SdMessage) removed = NULL;

    for (guint i = 0; i < messages->len; i++) {
      SdMessage *message = g_ptr_array_index (messages, i);

      if (g_str_equal (message->body, "b2"))
        b2_id = message->id;
      if (g_str_equal (message->body, "c3"))
        c3_id = message->id;
    }
    g_assert_nonnull (b2_id);
    g_assert_nonnull (c3_id);
    g_assert_null (sd_groups_unsend (f->bob.groups, f->group_id, c3_id, &error));
    g_assert_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID);
    g_clear_error (&error);
    removed = sd_groups_unsend (f->bob.groups, f->group_id, b2_id, &error);
    g_assert_no_error (error);
    g_assert_nonnull (removed);
  }
  g_assert_false (has_text (f, &f->bob, "b2"));
  SD_TEST_WAIT_UNTIL (poll (f, &f->admin) && !has_text (f, &f->admin, "b2"));
  g_assert_true (has_text (f, &f->admin, "c3"));
  sd_group_identity_clear (&other);
}

static SdConfigMemberStatus
invite_status (Fixture *f, Peer *peer, const gchar *member)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (peer->groups, f->group_id, NULL);
  g_auto(SdConfigGroupMember) entry = { 0 };

  g_assert_nonnull (group);
  if (!sd_group_state_get_member (group, member, &entry))
    return (SdConfigMemberStatus) -1;
  return entry.invite;
}

/* an invite whose 1:1 message did not go out is "failed" in Members (the members see it too);
 * inviting the member again sends it */
static void
test_invite_failed (Fixture *f, gconstpointer data)
{
  SdIdentity dave;
  const gchar *members[2];
  g_autoptr(GAsyncResult) result = NULL;

  sd_test_identity_from_byte (&dave, 0x24);
  members[0] = dave.session_id;
  members[1] = NULL;
  f->refuse_account = dave.session_id;
  sd_groups_invite_async (f->admin.groups, f->group_id, members, FALSE, NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, NULL));
  g_clear_object (&result);
  SD_TEST_WAIT_UNTIL (invite_status (f, &f->admin, dave.session_id) ==
                      SD_CONFIG_MEMBER_STATUS_FAILED);
  g_assert_cmpuint (swarm_items (f, dave.session_id, 0)->len, ==, 0);
  /* the status went out with Members */
  SD_TEST_WAIT_UNTIL (poll (f, &f->bob) &&
                      invite_status (f, &f->bob, dave.session_id) ==
                        SD_CONFIG_MEMBER_STATUS_FAILED);

  /* invited again, it goes out and says "sent" */
  f->refuse_account = NULL;
  sd_groups_invite_async (f->admin.groups, f->group_id, members, FALSE, NULL, on_done, &result);
  SD_TEST_WAIT_UNTIL (result != NULL);
  g_assert_true (sd_groups_admin_finish (f->admin.groups, result, NULL));
  g_assert_cmpint (invite_status (f, &f->admin, dave.session_id), ==,
                   SD_CONFIG_MEMBER_STATUS_SENT);
  SD_TEST_WAIT_UNTIL (swarm_items (f, dave.session_id, 0)->len == 1);
  /* the answer reaches the sender before the fixture goes */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add ("/group-admin/forged", Fixture, NULL, setup, test_forged, teardown);
  g_test_add ("/group-admin/member-lacking-a-message", Fixture, NULL, setup,
              test_member_lacking_a_message, teardown);
  g_test_add ("/group-admin/remove", Fixture, NULL, setup, test_remove, teardown);
  g_test_add ("/group-admin/member-refused", Fixture, NULL, setup, test_member_refused,
              teardown);
  g_test_add ("/group-admin/retry", Fixture, NULL, setup, test_retry, teardown);
  g_test_add ("/group-admin/concurrent", Fixture, NULL, setup, test_concurrent, teardown);
  g_test_add ("/group-admin/renew", Fixture, NULL, setup, test_renew, teardown);
  g_test_add ("/group-admin/avatar-keep", Fixture, NULL, setup, test_avatar_keep, teardown);
  g_test_add ("/group-admin/delete-content", Fixture, NULL, setup, test_delete_content,
              teardown);
  g_test_add ("/group-admin/invite-failed", Fixture, NULL, setup, test_invite_failed, teardown);
  g_test_add ("/group-admin/conflicting-rekeys", Fixture, NULL, setup, test_conflicting_rekeys,
              teardown);
  return g_test_run ();
}
