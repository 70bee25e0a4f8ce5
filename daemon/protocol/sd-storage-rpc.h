/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sd-group-identity.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* the storage-server RPC as a client speaks it (protocol-network.md §4): request bodies
 * `{"method":M,"params":{..}}` and the replies' shapes. Pure: no I/O, no clock; every time
 * is the caller's (network-corrected) time in ms. */

/* ---- requests: each returns the request object (transfer full); serialize it with
 * sd_storage_rpc_to_string() or put several in a batch ---- */

/* store to a public-inbox namespace (§4.4): no signature */
JsonNode *sd_storage_rpc_store (const gchar *pubkey,
                                gint namespace_,
                                gint64 timestamp,
                                gint64 ttl_ms,
                                const gchar *data_b64) G_GNUC_WARN_UNUSED_RESULT;

/* store signed by @identity, for namespaces that need it (§4.3, §4.4) */
JsonNode *sd_storage_rpc_store_signed (const SdIdentity *identity,
                                       gint namespace_,
                                       gint64 timestamp,
                                       gint64 ttl_ms,
                                       const gchar *data_b64) G_GNUC_WARN_UNUSED_RESULT;

/* signed retrieve of @identity's messages (§4.5); @last_hash NULL leaves it out ("" = from
 * the start); @max_count and @max_size 0 leave them out */
JsonNode *sd_storage_rpc_retrieve (const SdIdentity *identity,
                                   gint namespace_,
                                   gint64 timestamp,
                                   const gchar *last_hash,
                                   gint max_count,
                                   gint max_size) G_GNUC_WARN_UNUSED_RESULT;

/* signed delete of @hashes (the server wants at least one) from @identity's swarm (§4.6) */
JsonNode *sd_storage_rpc_delete (const SdIdentity *identity,
                                 const gchar *const *hashes) G_GNUC_WARN_UNUSED_RESULT;

/* signed expire of @hashes at @expiry ms, only ever shortening when @shorten (§4.6) */
JsonNode *sd_storage_rpc_expire (const SdIdentity *identity,
                                 const gchar *const *hashes,
                                 gint64 expiry,
                                 gboolean shorten) G_GNUC_WARN_UNUSED_RESULT;

/* ---- a group's swarm (an `03` account; docs/groups.md, protocol-network.md §4.2, §4.3) ---- */

/* the group namespaces (protocol-advanced.md §2) */
#define SD_GROUP_NS_KICKED   (-11) /* kick notices; a revoked token may still read it */
#define SD_GROUP_NS_MESSAGES 11
#define SD_GROUP_NS_KEYS     12
#define SD_GROUP_NS_INFO     13
#define SD_GROUP_NS_MEMBERS  14

/* who signs a request to a group's swarm: an admin, with the group key (@member NULL), or a
 * member, with the 100-byte grant an admin gave it (sd_subaccount_make) and its own key */
typedef struct {
  const SdGroupIdentity *group;
  const SdIdentity *member;   /* (nullable) NULL: sign as admin */
  const guint8 *member_value; /* SD_SUBACCOUNT_VALUE_LEN bytes, with @member */
} SdGroupAuth;

/* TRUE for the namespaces only admins publish to (Keys, Info, Members and the kick notices):
 * the swarm takes a store from any token with the write flag, but what lands there must carry
 * the group key's signature or members drop it, so a member's store there is refused here */
gboolean sd_group_namespace_admin_only (gint namespace_);

/* the same requests as above for a group's swarm: `pubkey` is the group id, no
 * `pubkey_ed25519`, and either the group key's signature or `subaccount`, `subaccount_sig`
 * and the member's `signature` (all base64). NULL with @error when the group is not ours to
 * sign for (no seed and no grant), the grant lacks the permission the server wants (write to
 * store or expire, delete to delete or shorten), or a member stores to an admin namespace */
JsonNode *sd_storage_rpc_group_store (const SdGroupAuth *auth,
                                      gint namespace_,
                                      gint64 timestamp,
                                      gint64 ttl_ms,
                                      const gchar *data_b64,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *sd_storage_rpc_group_retrieve (const SdGroupAuth *auth,
                                         gint namespace_,
                                         gint64 timestamp,
                                         const gchar *last_hash,
                                         gint max_count,
                                         gint max_size,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *sd_storage_rpc_group_delete (const SdGroupAuth *auth,
                                       const gchar *const *hashes,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *sd_storage_rpc_group_expire (const SdGroupAuth *auth,
                                       const gchar *const *hashes,
                                       gint64 expiry,
                                       gboolean shorten,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the namespaces of one poll of a group, in the order they are read: Keys last, so that every
 * message and config read in the same batch was encrypted with a key whose Keys message was
 * stored before it, and so is in the same answer (the official clients' order) */
#define SD_GROUP_POLL_N 5
extern const gint sd_group_poll_namespaces[SD_GROUP_POLL_N];

/* one `batch` of the five retrieves above; @last_hashes (nullable, or any entry NULL) in the
 * same order; @max_size as in sd_storage_rpc_group_retrieve. A kicked member's revoked token
 * gets 401 for all but -11 */
JsonNode *sd_storage_rpc_group_poll (const SdGroupAuth *auth,
                                     gint64 timestamp,
                                     const gchar *const *last_hashes,
                                     gint max_size,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* admin only: `revoke_subaccount` (or `unrevoke_subaccount`) of 1 to 50 member tokens
 * (sd_subaccount_token), sent as hex; signed over the text and the raw tokens */
JsonNode *sd_storage_rpc_group_revoke (const SdGroupIdentity *group,
                                       gboolean unrevoke,
                                       gint64 timestamp,
                                       const guint8 (*tokens)[36],
                                       guint n_tokens,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* account-independent (§4.7) */
JsonNode *sd_storage_rpc_info (void) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *sd_storage_rpc_get_swarm (const gchar *pubkey) G_GNUC_WARN_UNUSED_RESULT;
/* oxend_request get_service_nodes: the active nodes with the fields a pool needs */
JsonNode *sd_storage_rpc_get_service_nodes (void) G_GNUC_WARN_UNUSED_RESULT;

/* `batch` of @n_requests requests (§4.8), which it takes */
JsonNode *sd_storage_rpc_batch (JsonNode **requests, guint n_requests) G_GNUC_WARN_UNUSED_RESULT;
/* `sequence` of @n_requests requests (§4.8), which it takes: run in order, stopping after
 * the first that fails (the results are then fewer than the requests). For requests that
 * depend on each other, where `batch` may run them in parallel */
JsonNode *sd_storage_rpc_sequence (JsonNode **requests, guint n_requests) G_GNUC_WARN_UNUSED_RESULT;

/* the request as it goes on the wire; takes @request */
gchar *sd_storage_rpc_to_string (JsonNode *request) G_GNUC_WARN_UNUSED_RESULT;

/* ---- replies ---- */

/* a reply body: JSON when it parses, else the plain text the server sends with errors, as a
 * string node (§4.1). Never NULL */
JsonNode *sd_storage_rpc_parse_body (const gchar *text, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* the server time `t` of a reply, or of the first batch sub-result that has one; 0 if none */
gint64 sd_storage_rpc_server_time (JsonNode *body);

/* sub-result @index of a batch reply: its code, and its body (borrowed, nullable); FALSE when
 * the reply has no such sub-result */
gboolean sd_storage_rpc_batch_result (JsonNode *body,
                                      guint index,
                                      gint64 *out_code,
                                      JsonNode **out_body);

/* a batch whose sub-requests all failed with the same 4xx/5xx code failed that way as a
 * whole (as libsession treats it: a skewed clock shows as an inner 406, a moved swarm as an
 * inner 421). Returns that code and its first body (borrowed, nullable), or 0 */
guint sd_storage_rpc_uniform_batch_failure (JsonNode *body, JsonNode **out_first_body);

/* the `snodes` array of a get_swarm reply or of a 421 body (borrowed, nullable) */
JsonArray *sd_storage_rpc_snodes (JsonNode *body);

/* the top-level hash of a store reply with @status (up to 128 characters of base64 or hex),
 * or NULL with @error saying why the network refused it (the server's text when it sent
 * one) or that the hash is malformed */
gchar *sd_storage_rpc_parse_store (guint status,
                                   JsonNode *body,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the Ed25519 key a hop names in its plain-text 502 "Next node not found: <hex>" or "Next
 * node is currently unreachable: <hex>" (§6.7), from the first @len bytes of @text; FALSE
 * for any other text. Anyone on the path can write it: it is a claim, not a fact */
gboolean sd_storage_rpc_parse_missing_node (const gchar *text,
                                            gsize len,
                                            guint8 ed25519_pk[32]);

/* a message hash as storage server 2.8 computes it (§5): standard base64 of 32 bytes, 43
 * characters, no padding */
#define SD_STORAGE_HASH_LEN 43
gboolean sd_storage_rpc_valid_hash (const gchar *hash);

/* the largest `data` a node accepts in a store (§4.4: 76800 bytes as base64) */
#define SD_STORAGE_MAX_DATA_B64 102400

/* items read from one retrieve page at most. The server bounds a page by bytes only (§4.5:
 * 3.9 MB at max_size -2, ~27,000 items of the smallest size); real 1:1 messages take at least
 * ~500 bytes each there, so an honest page rarely holds more than ~7,800. Beyond this many the
 * page is cut and counts as truncated (`more`): the next retrieve resumes after the last item
 * kept, so nothing is lost, but one answer cannot make thousands of store rows at once */
#define SD_RETRIEVE_MAX_ITEMS 2000

/* one retrieved message (§4.5); items without a hash or data, with a hash not of the form
 * above or with data longer than a node accepts are left out */
typedef struct {
  gchar *hash;
  gchar *data_b64;
  gint64 timestamp;   /* the store time the sender gave */
  gint64 expiration;  /* ms; 0 when absent */
} SdRetrieveItem;

void sd_retrieve_item_free (SdRetrieveItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdRetrieveItem, sd_retrieve_item_free)

/* the messages (element-type SdRetrieveItem) of a retrieve reply body (none when it lists
 * none), at most SD_RETRIEVE_MAX_ITEMS, and whether more are waiting (also when the page was
 * cut); NULL with @error when the body is not an object */
GPtrArray *sd_storage_rpc_parse_retrieve (JsonNode *body,
                                          gboolean *out_more,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
