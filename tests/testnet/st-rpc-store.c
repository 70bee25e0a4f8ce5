/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store (with replication to the swarm) and retrieve (protocol-network.md
 * §4.4, §4.5, §5) */
#define G_LOG_DOMAIN "StRpcStore"

#include "config.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-message-hash.h"
#include "sd-request-sign.h"
#include "st-network.h"
#include "st-params.h"
#include "st-rpc.h"

#define SECOND_MS            G_GINT64_CONSTANT (1000)
#define DAY_MS               (G_GINT64_CONSTANT (86400) * SECOND_MS)
#define TTL_MIN_MS           (10 * SECOND_MS)
#define TTL_MAX_PUBLIC_MS    (14 * DAY_MS)
#define TTL_MAX_MS           (30 * DAY_MS)
#define STORE_CLOCK_SLACK_MS (10 * SECOND_MS)
#define SIG_WINDOW_MS        (60 * SECOND_MS)
#define DATA_MAX_CHARS       102400
#define DATA_MAX_BYTES       76800
#define RETRIEVE_MAX_SIZE    7800000
#define RETRIEVE_DEFAULT_DIV 5

/* ns % 10 == 0: anyone may deposit without a signature */
static gboolean
is_public_inbox (gint ns)
{
  return ns % 10 == 0;
}

/* negative ns with -ns % 20 == 1: one message, readable by anyone */
static gboolean
is_public_outbox (gint ns)
{
  return ns < 0 && (-ns) % 20 == 1;
}

/* negative ns with -ns % 100 == 11 (-11, -111, ...): a revoked token may still read it, so a
 * kicked group member finds its kick notice */
static gboolean
is_unrevocable (gint ns)
{
  return ns < 0 && (-ns) % 100 == 11;
}

static gint64
abs64 (gint64 v)
{
  return v < 0 ? -v : v;
}

/* puts the row on @member and describes the outcome for the swarm result */
static JsonObject *
store_on_member (StNode *entry,
                 StNode *member,
                 const StAccount *account,
                 gint ns,
                 const gchar *hash,
                 gint64 timestamp,
                 gint64 expiry,
                 GBytes *data)
{
  JsonObject *out = json_object_new ();
  StMessage *row;
  gboolean already = FALSE;
  g_autofree gchar *signature = NULL;

  if (member != entry) {
    gint64 now = st_node_now_ms (member);
    JsonObject *failure = st_rpc_member_failure (entry, member);

    if (failure == NULL && entry->faults.drop_replication) {
      /* the copy never arrives: the entry node sees a timeout */
      failure = json_object_new ();
      json_object_set_boolean_member (failure, "failed", TRUE);
      json_object_set_boolean_member (failure, "timeout", TRUE);
    }
    if (failure != NULL) {
      json_object_unref (out);
      return failure;
    }
    /* each member checks the clock on its own */
    if (timestamp > now + STORE_CLOCK_SLACK_MS || expiry < now - STORE_CLOCK_SLACK_MS) {
      json_object_set_boolean_member (out, "failed", TRUE);
      json_object_set_int_member (out, "code", 406);
      json_object_set_string_member (out, "reason", "Timestamp error: check your clock");
      return out;
    }
  }

  if (is_public_outbox (ns)) {
    g_autoptr(GPtrArray) old = st_storage_owned (member->storage, account->hex, FALSE, ns);

    for (guint i = 0; i < old->len; i++) {
      StMessage *msg = g_ptr_array_index (old, i);

      if (strcmp (msg->hash, hash) != 0)
        st_storage_remove (member->storage, msg->hash);
    }
  }
  row = st_storage_put (member->storage, account->hex, ns, hash, timestamp, expiry, data,
                        &already);
  signature = sd_sign_text_base64 (member->identity.ed25519_sk, hash);
  json_object_set_string_member (out, "hash", hash);
  json_object_set_string_member (out, "signature", signature);
  json_object_set_int_member (out, "expiry", row->expiry);
  if (already)
    json_object_set_boolean_member (out, "already", TRUE);
  if (member == entry)
    json_object_set_int_member (out, "t", st_node_reported_ms (entry)); /* deprecated copy */
  return out;
}

void
st_rpc_store (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree gchar *hash = NULL;
  JsonObject *swarm;
  StAccount account;
  const gchar *data_text = NULL;
  const gchar *signature = NULL;
  guint64 timestamp = 0, ttl = 0, expiry_param = 0, sig_timestamp = 0;
  gboolean has_ttl = FALSE, has_expiry = FALSE, has_sig_ts = FALSE;
  gint64 expiry, now;
  gint ns = 0;
  guint failed = 0;

  if (!st_param_account (params, &account, &error) ||
      !st_param_namespace (params, &ns, NULL, &error) ||
      !st_param_timestamp (params, "timestamp", TRUE, TRUE, &timestamp, NULL, &error) ||
      !st_param_uint (params, "ttl", TRUE, FALSE, &ttl, &has_ttl, &error) ||
      !st_param_timestamp (params, "expiry", FALSE, FALSE, &expiry_param, &has_expiry, &error) ||
      !st_param_timestamp (params, "sig_timestamp", FALSE, FALSE, &sig_timestamp, &has_sig_ts,
                           &error) ||
      !st_param_string (params, "data", NULL, TRUE, &data_text, &error) ||
      !st_param_string (params, "signature", NULL, FALSE, &signature, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (has_ttl == has_expiry) {
    st_reply_text (reply, 400, has_ttl ? "invalid request: store: only one of ttl/expiry allowed"
                                       : "invalid request: store: ttl or expiry required");
    return;
  }
  if (strlen (data_text) > DATA_MAX_CHARS) {
    st_reply_printf (reply, 400, "Message body exceeds maximum allowed length of %d",
                     DATA_MAX_BYTES);
    return;
  }
  data = sd_base64_decode (data_text, -1, NULL);
  if (data == NULL) {
    st_reply_text (reply, 400, "invalid request: data: invalid base64");
    return;
  }
  if (g_bytes_get_size (data) > DATA_MAX_BYTES) {
    st_reply_printf (reply, 400, "Message body exceeds maximum allowed length of %d",
                     DATA_MAX_BYTES);
    return;
  }

  if (!st_check_account (node, params, &account, reply))
    return;

  now = st_node_now_ms (node);
  expiry = has_ttl ? (gint64) (timestamp + ttl) : (gint64) expiry_param;
  if (expiry - (gint64) timestamp < TTL_MIN_MS ||
      expiry - (gint64) timestamp > (is_public_inbox (ns) ? TTL_MAX_PUBLIC_MS : TTL_MAX_MS)) {
    st_reply_text (reply, 403, "Provided expiry/TTL is not valid.");
    return;
  }
  if ((gint64) timestamp > now + STORE_CLOCK_SLACK_MS || expiry < now - STORE_CLOCK_SLACK_MS) {
    st_reply_text (reply, 406, "Timestamp error: check your clock");
    return;
  }
  if (!is_public_inbox (ns)) {
    g_autofree gchar *signed_text = NULL;
    guint flags = ST_SUBACCOUNT_WRITE | (is_public_outbox (ns) ? ST_SUBACCOUNT_DELETE : 0);

    if (signature == NULL) {
      st_reply_printf (reply, 401, "store: signature required to store to namespace %d", ns);
      return;
    }
    if (!has_sig_ts)
      sig_timestamp = timestamp;
    if (abs64 ((gint64) sig_timestamp - now) > SIG_WINDOW_MS) {
      st_reply_text (reply, 406, "store: signature timestamp too far from current time");
      return;
    }
    signed_text = sd_signed_string_store (ns, sig_timestamp);
    if (!st_check_signature (node, params, &account, signed_text, flags,
                             "store signature verification failed", reply))
      return;
  }

  hash = sd_message_hash (account.id, ns, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  members = st_network_members (node->network, node->swarm_id);
  result = json_object_new ();
  swarm = json_object_new ();
  json_object_set_object_member (result, "swarm", swarm);
  for (guint i = 0; i < members->len; i++) {
    StNode *member = g_ptr_array_index (members, i);
    JsonObject *entry = store_on_member (node, member, &account, ns, hash, (gint64) timestamp,
                                         expiry, data);

    if (json_object_has_member (entry, "failed"))
      failed++;
    json_object_set_object_member (swarm, member->ed25519_hex, entry);
  }
  if (failed == members->len) {
    st_reply_text (reply, 500, "request failed");
    return;
  }
  json_object_set_string_member (result, "hash", hash);
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}

void
st_rpc_retrieve (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL;
  JsonArray *messages;
  StAccount account;
  const gchar *last_hash = NULL;
  const gchar *signature = NULL;
  const gchar *ed_hex = NULL;
  guint64 timestamp = 0;
  gint64 max_count = 0, max_size = 0, budget;
  gboolean has_ts = FALSE, has_count = FALSE, has_size = FALSE, more = FALSE;
  gint ns = 0;
  guint count = 0;

  if (!st_param_account (params, &account, &error) ||
      !st_param_namespace (params, &ns, NULL, &error) ||
      !st_param_string (params, "last_hash", "lastHash", FALSE, &last_hash, &error) ||
      !st_param_int (params, "max_count", &max_count, &has_count, &error) ||
      !st_param_int (params, "max_size", &max_size, &has_size, &error) ||
      !st_param_timestamp (params, "timestamp", FALSE, FALSE, &timestamp, &has_ts, &error) ||
      !st_param_string (params, "signature", NULL, FALSE, &signature, &error) ||
      !st_param_string (params, "pubkey_ed25519", NULL, FALSE, &ed_hex, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (last_hash != NULL && last_hash[0] == '\0')
    last_hash = NULL;
  if (last_hash != NULL && strlen (last_hash) != SD_MESSAGE_HASH_LEN) {
    st_reply_text (reply, 400, "invalid request: last_hash: invalid message hash");
    return;
  }
  if (has_count && max_count < 0) {
    st_reply_text (reply, 400, "invalid request: max_count must not be negative");
    return;
  }

  if (!st_check_account (node, params, &account, reply))
    return;
  node->retrieves++;

  if (signature != NULL || has_ts || ed_hex != NULL ||
      !(ns == -10 || is_public_outbox (ns))) {
    g_autofree gchar *signed_text = NULL;

    if (signature == NULL || !has_ts) {
      st_reply_text (reply, 401, "retrieve: request signature required");
      return;
    }
    if (abs64 ((gint64) timestamp - st_node_now_ms (node)) > SIG_WINDOW_MS) {
      st_reply_text (reply, 406, "retrieve timestamp too far from current time");
      return;
    }
    signed_text = sd_signed_string_retrieve (ns, timestamp);
    if (!st_check_signature_bytes (node, params, &account, (const guint8 *) signed_text,
                                   strlen (signed_text), ST_SUBACCOUNT_READ,
                                   is_unrevocable (ns) ? ST_SIG_SUBACCOUNT_UNREVOCABLE
                                                       : ST_SIG_SUBACCOUNT,
                                   "retrieve signature verification failed", reply, NULL))
      return;
  }

  /* 0 means unset; neither set gives -5; -k is a k-th of the maximum */
  if (max_size == 0 && max_count == 0)
    max_size = -RETRIEVE_DEFAULT_DIV;
  if (max_size < 0)
    budget = RETRIEVE_MAX_SIZE / -max_size;
  else if (max_size == 0 || max_size > RETRIEVE_MAX_SIZE)
    budget = RETRIEVE_MAX_SIZE;
  else
    budget = max_size;

  messages = json_array_new ();
  for (GList *l = st_storage_after (node->storage, account.hex, ns, last_hash); l != NULL;
       l = l->next) {
    StMessage *msg = l->data;
    gsize len = g_bytes_get_size (msg->data);
    gint64 cost = 100 + (gint64) strlen (msg->hash) + (gint64) (len * 4 / 3);
    g_autofree gchar *b64 = NULL;
    JsonObject *item;

    /* the first message always goes out, whatever its size */
    if (count > 0 && ((max_count > 0 && count >= (guint) max_count) || cost > budget)) {
      more = TRUE;
      break;
    }
    budget -= cost;
    count++;
    st_node_count_served (node, account.hex, ns, msg->hash);
    b64 = sd_base64_encode (g_bytes_get_data (msg->data, NULL), len, TRUE);
    item = json_object_new ();
    if (node->faults.bad_hashes) {
      /* hostile: the hash in another form (hex, as pre-2.8 servers spelled theirs) */
      g_autofree gchar *hex = sd_hex_encode ((const guint8 *) msg->hash, strlen (msg->hash));

      json_object_set_string_member (item, "hash", hex);
    } else {
      json_object_set_string_member (item, "hash", msg->hash);
    }
    json_object_set_int_member (item, "timestamp", msg->timestamp);
    json_object_set_int_member (item, "expiration", msg->expiry);
    json_object_set_string_member (item, "data", b64);
    json_array_add_object_element (messages, item);
  }

  if (node->faults.endless_more) {
    /* hostile: one more item each time (a fresh, well-formed hash the node does not hold, so
     * the next last_hash is unknown and the page starts over) and `more`, for ever */
    JsonObject *junk = json_object_new ();
    guint8 random_hash[32];
    g_autofree gchar *hash = NULL;

    for (gsize i = 0; i < sizeof random_hash; i++)
      random_hash[i] = (guint8) g_random_int_range (0, 256);
    hash = sd_base64_encode (random_hash, sizeof random_hash, FALSE);
    json_object_set_string_member (junk, "hash", hash);
    json_object_set_int_member (junk, "timestamp", st_node_now_ms (node));
    json_object_set_int_member (junk, "expiration", st_node_now_ms (node) + 86400000);
    json_object_set_string_member (junk, "data", "AAAA");
    json_array_add_object_element (messages, junk);
    more = TRUE;
  }
  result = json_object_new ();
  json_object_set_array_member (result, "messages", messages);
  json_object_set_boolean_member (result, "more", more);
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}
