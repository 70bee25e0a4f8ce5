/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroups"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "sd-group-media.h"
#include "sd-groups-private.h"
#include "sd-store-group-media.h"

#include "config/sd-config-group-info.h"
#include "config/sd-config-group-members.h"
#include "config/sd-config-message.h"
#include "groups/sd-group-config.h"
#include "groups/sd-group-control.h"
#include "groups/sd-group-identity.h"
#include "groups/sd-group-keys.h"
#include "groups/sd-group-message.h"
#include "groups/sd-subaccount.h"
#include "sd-backoff.h"
#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-expiration-rules.h"
#include "sd-ingest.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-storage-rpc.h"
#include "session-messages.pb-c.h"

/*
 * Groups v2 in the daemon (docs/groups.md). The protocol work is in daemon/protocol/groups/;
 * this file keeps a group's state in the store (sd-store-groups.c) and talks to its swarm:
 * pushes on creation, the messages we send, and applying what the group poller read.
 * Members sign with their grant (subaccount), admins with the group key.
 */

G_DEFINE_QUARK (sd-groups-error-quark, sd_groups_error)

G_DEFINE_FINAL_TYPE (SdGroups, sd_groups, G_TYPE_OBJECT)

enum {
  SIGNAL_MESSAGE_ADDED,
  SIGNAL_MESSAGE_RECEIVED,
  SIGNAL_MEMBERSHIP_CHANGED,
  SIGNAL_MESSAGE_CHANGED,
  SIGNAL_MESSAGE_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ---- one group's state, loaded from the store ---------------------------------------------- */

void
sd_group_state_free (SdGroupState *group)
{
  if (group == NULL)
    return;
  g_clear_pointer (&group->keys, sd_group_keys_free);
  sd_group_identity_clear (&group->ident);
  sodium_memzero (group->auth, sizeof (group->auth));
  g_clear_pointer (&group->row, sd_store_group_free);
  g_free (group);
}

static SdGroupState *
sd_group_state_from_row (const SdIdentity *user, SdStoreGroup *row, GError **error)
{
  g_autoptr(SdGroupState) group = g_new0 (SdGroupState, 1);

  group->row = row;
  group->user = user;
  if (row->seed != NULL) {
    if (!sd_group_identity_from_seed (&group->ident, row->seed, error))
      return NULL;
  } else if (!sd_group_identity_from_id (&group->ident, row->id, error)) {
    return NULL;
  }
  if (g_strcmp0 (group->ident.id, row->id) != 0) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                         "the stored seed is not the group's");
    return NULL;
  }
  if (row->auth_data != NULL && g_bytes_get_size (row->auth_data) == SD_SUBACCOUNT_VALUE_LEN) {
    memcpy (group->auth, g_bytes_get_data (row->auth_data, NULL), SD_SUBACCOUNT_VALUE_LEN);
    group->has_auth = TRUE;
  }
  group->keys = sd_group_keys_new (&group->ident, user);
  if (row->keys_dump != NULL &&
      !sd_group_keys_load_dump (group->keys, g_bytes_get_data (row->keys_dump, NULL),
                                g_bytes_get_size (row->keys_dump), error))
    return NULL;
  return g_steal_pointer (&group);
}

SdGroupState *
sd_group_state_load (SdGroups *self, const gchar *group_id, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  SdStoreGroup *row = sd_store_get_group (self->store, group_id, &local_error);

  if (row == NULL) {
    if (g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND))
      g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND, "no such group");
    else
      g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  return sd_group_state_from_row (self->identity, row, error);
}

static SdGroupAuth
sd_group_state_auth (const SdGroupState *group)
{
  SdGroupAuth auth = { &group->ident, NULL, NULL };

  if (!group->ident.is_admin && group->has_auth) {
    auth.member = group->user;
    auth.member_value = group->auth;
  }
  return auth;
}

gboolean
sd_group_state_save (SdGroups *self, SdGroupState *group, const gchar *name, GError **error)
{
  g_clear_pointer (&group->row->keys_dump, g_bytes_unref);
  group->row->keys_dump = sd_group_keys_dump (group->keys);
  return sd_store_save_group (self->store, group->row, name, error);
}

SdConfigMessage *
sd_group_state_config (SdGroupState *group, SdGroupConfigKind kind)
{
  GBytes *stored = kind == SD_GROUP_CONFIG_INFO ? group->row->info : group->row->members;
  SdConfigMessage *message;

  if (stored == NULL)
    return NULL;
  /* ours, checked when merged; the signature is checked again all the same (it is cheap) */
  message = sd_config_message_parse_signed (g_bytes_get_data (stored, NULL),
                                            g_bytes_get_size (stored), SD_CONFIG_DEFAULT_LAG,
                                            group->ident.ed25519_pk, NULL);
  if (message != NULL && group->ident.is_admin)
    sd_config_message_set_signing_key (message, group->ident.ed25519_sk);
  return message;
}

static gboolean
state_is_destroyed (SdGroupState *group)
{
  g_autoptr(SdConfigMessage) info = sd_group_state_config (group, SD_GROUP_CONFIG_INFO);

  return info != NULL && sd_config_group_info_is_destroyed (sd_config_message_get_data (info));
}

gboolean
sd_groups_is_destroyed (SdGroups *self, const gchar *group_id)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (self, group_id, NULL);

  return group != NULL && state_is_destroyed (group);
}

gboolean
sd_group_state_is_active (SdGroupState *group)
{
  /* a removed member keeps the group (and its history) without its grant */
  return !group->row->pending && (group->ident.is_admin || group->has_auth) &&
         !state_is_destroyed (group);
}

gboolean
sd_group_state_get_member (SdGroupState *group, const gchar *session_id,
                           SdConfigGroupMember *out)
{
  g_autoptr(SdConfigMessage) members = sd_group_state_config (group, SD_GROUP_CONFIG_MEMBERS);

  return members != NULL &&
         sd_config_group_members_get (sd_config_message_get_data (members), session_id, out,
                                      NULL);
}

/* ---- requests to a group's swarm ----------------------------------------------------------- */

typedef struct {
  SdGroupState *group;        /* (owned) */
  gint namespace_;
  gint64 ttl_ms;
  gchar *data_b64;     /* (owned) (nullable) NULL: a poll or a revoke */
  GBytes *tokens;      /* (owned) (nullable) a revoke_subaccount of these 36-byte tokens */
  gboolean unrevoke;   /* unrevoke_subaccount instead */
  GStrv delete_hashes; /* (owned) (nullable) a delete of these items (admins) */
  gchar *last_hashes[SD_GROUP_POLL_N];
} RpcSpec;

static void
rpc_spec_free (RpcSpec *spec)
{
  sd_group_state_free (spec->group);
  g_free (spec->data_b64);
  g_clear_pointer (&spec->tokens, g_bytes_unref);
  g_strfreev (spec->delete_hashes);
  for (guint i = 0; i < SD_GROUP_POLL_N; i++)
    g_free (spec->last_hashes[i]);
  g_free (spec);
}

static JsonNode *
rpc_build_request (RpcSpec *spec, gint64 now_ms, GError **error)
{
  SdGroupAuth auth = sd_group_state_auth (spec->group);

  if (spec->data_b64 != NULL)
    return sd_storage_rpc_group_store (&auth, spec->namespace_, now_ms, spec->ttl_ms,
                                       spec->data_b64, error);
  if (spec->delete_hashes != NULL)
    return sd_storage_rpc_group_delete (&auth, (const gchar *const *) spec->delete_hashes,
                                        error);
  if (spec->tokens != NULL)
    return sd_storage_rpc_group_revoke (&spec->group->ident, spec->unrevoke, now_ms,
                                        g_bytes_get_data (spec->tokens, NULL),
                                        g_bytes_get_size (spec->tokens) / SD_SUBACCOUNT_TOKEN_LEN,
                                        error);
  return sd_storage_rpc_group_poll (&auth, now_ms, (const gchar *const *) spec->last_hashes, 0,
                                    error);
}

static gchar *
rpc_build (const SdSnode *node, gint64 now_ms, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *request = rpc_build_request (user_data, now_ms, &error);

  /* checked once before sending: this does not happen; the node refuses an empty object */
  if (request == NULL)
    return g_strdup ("{}");
  return sd_storage_rpc_to_string (request);
}

static void
on_store_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                          NULL, &error);
  gchar *hash;

  if (body == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  hash = sd_storage_rpc_parse_store (status, body, &error);
  if (hash == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, hash, g_free);
}

static void
on_revoke_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                          NULL, &error);

  if (body == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (status != 200)
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_FAILED,
                             "the swarm refused the revocation (%u)", status);
  else
    g_task_return_boolean (task, TRUE);
}

/* sends @spec (which it takes) to the group's swarm */
static void
rpc_async (SdGroups *self, const gchar *group_id, RpcSpec *spec, GAsyncReadyCallback done,
           GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) check = NULL;
  g_autoptr(SdStoreGroup) row = NULL;

  /* a copy of the group that lives as long as the request */
  row = sd_store_get_group (self->store, group_id, NULL);
  spec->group = row != NULL ? sd_group_state_from_row (self->identity, g_steal_pointer (&row),
                                                       &error)
                            : NULL;
  if (spec->group == NULL) {
    rpc_spec_free (spec);
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND,
                             "the group is gone");
    return;
  }
  check = rpc_build_request (spec, sd_network_now_ms (self->network), &error);
  if (check == NULL) {
    rpc_spec_free (spec);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  sd_network_swarm_rpc_async (self->network, group_id, rpc_build, spec,
                              (GDestroyNotify) rpc_spec_free, NULL, done,
                              g_steal_pointer (&task));
}

void
sd_groups_store_async (SdGroups *self, SdGroupState *group, gint namespace_, gint64 ttl_ms,
                       GBytes *data, GAsyncReadyCallback callback, gpointer user_data)
{
  RpcSpec *spec = g_new0 (RpcSpec, 1);

  spec->namespace_ = namespace_;
  spec->ttl_ms = ttl_ms;
  spec->data_b64 = sd_base64_encode (g_bytes_get_data (data, NULL), g_bytes_get_size (data), TRUE);
  rpc_async (self, group->ident.id, spec, on_store_done,
             g_task_new (self, NULL, callback, user_data));
}

void
sd_groups_revoke_async (SdGroups *self, SdGroupState *group, GBytes *tokens, gboolean unrevoke,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  RpcSpec *spec = g_new0 (RpcSpec, 1);

  spec->tokens = g_bytes_ref (tokens);
  spec->unrevoke = unrevoke;
  rpc_async (self, group->ident.id, spec, on_revoke_done,
             g_task_new (self, NULL, callback, user_data));
}

void
sd_groups_delete_async (SdGroups *self, SdGroupState *group, const gchar *const *hashes,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  RpcSpec *spec = g_new0 (RpcSpec, 1);

  spec->delete_hashes = g_strdupv ((gchar **) hashes);
  /* answered like a revoke: 200 from the swarm, whatever it held */
  rpc_async (self, group->ident.id, spec, on_revoke_done,
             g_task_new (self, NULL, callback, user_data));
}

void
sd_groups_keys_stored (SdGroups *self, const gchar *group_id, const gchar *hash, GBytes *data)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (self, group_id, NULL);
  g_autoptr(GError) error = NULL;

  if (group == NULL)
    return;
  if (!sd_group_keys_load_message (group->keys, hash, g_bytes_get_data (data, NULL),
                                   g_bytes_get_size (data), sd_network_now_ms (self->network),
                                   NULL, &error) ||
      !sd_group_state_save (self, group, NULL, &error))
    g_warning ("confirming our Keys message: %s", error->message);
}

gchar *
sd_groups_build_poll (SdGroups *self, const gchar *group_id, gint64 now_ms)
{
  return sd_groups_build_poll_for (self, group_id, now_ms, NULL, NULL);
}

gchar *
sd_groups_build_poll_for (SdGroups *self, const gchar *group_id, gint64 now_ms,
                          SdRetrieveCursors *cursors, const SdSnode *node)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *request;
  RpcSpec spec = { 0 };

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  group = sd_group_state_load (self, group_id, &error);
  /* pending, removed (no grant left) and destroyed groups are not read any more */
  if (group == NULL || !sd_group_state_is_active (group))
    return NULL;
  for (guint i = 0; i < SD_GROUP_POLL_N; i++)
    spec.last_hashes[i] = cursors != NULL
                            ? sd_retrieve_cursors_request (cursors, node,
                                                           sd_group_poll_namespaces[i])
                            : sd_store_get_group_last_hash (self->store, group_id,
                                                            sd_group_poll_namespaces[i], NULL);
  spec.group = g_steal_pointer (&group);
  request = rpc_build_request (&spec, now_ms, &error);
  sd_group_state_free (spec.group);
  for (guint i = 0; i < SD_GROUP_POLL_N; i++)
    g_free (spec.last_hashes[i]);
  if (request == NULL) {
    g_debug ("not polling a group: %s", error->message);
    return NULL;
  }
  return sd_storage_rpc_to_string (request);
}

/* ---- group messages (ns 11) ---------------------------------------------------------------- */

/* the official clients put the Content in an Envelope before the group encryption (type 7,
 * source device 1, the sent time), as they do for 1:1 messages before the 1:1 encryption */
static GBytes *
wrap_envelope (GBytes *content, gint64 sent_at, const gchar *group_id)
{
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  gsize len;
  guint8 *out;

  envelope.has_type = TRUE;
  envelope.type = SESSION_PROTOS__ENVELOPE__TYPE__CLOSED_GROUP_MESSAGE;
  envelope.source = (char *) group_id;
  envelope.timestamp = (uint64_t) sent_at;
  envelope.has_sourcedevice = TRUE;
  envelope.sourcedevice = 1;
  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (content, &envelope.content.len);
  len = session_protos__envelope__get_packed_size (&envelope);
  out = g_malloc (len);
  session_protos__envelope__pack (&envelope, out);
  return g_bytes_new_take (out, len);
}

/* a visible message as the official clients send it to a group: the 1:1 Content (quote, after-
 * send timer, AttachmentPointers) without a profile */
static GBytes *
pack_message (const SdMessage *message, GPtrArray *pointers)
{
  SdTextContent text = { 0 };

  text.body = message->body;
  text.sent_at = (guint64) message->sent_at;
  if (message->quote_author != NULL && message->quote_sent_at > 0) {
    text.quote_id = (guint64) message->quote_sent_at;
    text.quote_author = message->quote_author;
  }
  /* groups disappear after send only (Info E) */
  if (message->expiration_timer > 0) {
    text.expiration_type = 2;
    text.expiration_timer = message->expiration_timer;
  }
  text.attachments = pointers;
  return sd_content_pack_text_full (&text);
}

/* a group message is tried this many times (sd_backoff_delay: 1, 2, 4 … s apart, at most a
 * minute), the same bytes each time so a store that did land is not duplicated: the swarm keeps
 * one item per hash and receivers one message per (author, sent time). A message still
 * "sending" when the daemon stops is sent again at the next start (re-encrypted with the key of
 * then; the receivers' (author, sent time) keeps it one message) */
#define GROUP_SEND_ATTEMPTS 8
#define GROUP_SEND_BACKOFF_MS 1000
#define GROUP_SEND_BACKOFF_MAX_MS 60000
/* how many cut-off messages one start sends again (the rest at the next one) */
#define GROUP_RESUME_MAX 500

typedef struct {
  SdGroups *self;       /* (owned) */
  gchar *group_id;
  gint64 sent_at;
  GBytes *encrypted;    /* (owned) */
  guint attempts;
  gboolean is_update;   /* a control message: no message row to mark */
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->self);
  g_free (data->group_id);
  g_bytes_unref (data->encrypted);
  g_free (data);
}

static void on_sent (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
send_attempt (gpointer user_data)
{
  SendData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = sd_group_state_load (data->self, data->group_id, &error);

  data->attempts++;
  if (group == NULL) {
    if (!data->is_update)
      sd_store_set_group_message_status (data->self->store, data->group_id,
                                         data->self->identity->session_id, data->sent_at, FALSE,
                                         NULL, NULL);
    send_data_free (data);
    return G_SOURCE_REMOVE;
  }
  sd_groups_store_async (data->self, group, SD_GROUP_NS_MESSAGES, SD_GROUP_MESSAGE_TTL_MS,
                         data->encrypted, on_sent, data);
  return G_SOURCE_REMOVE;
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = g_task_propagate_pointer (G_TASK (result), &error);

  if (hash == NULL && data->attempts < GROUP_SEND_ATTEMPTS &&
      !g_error_matches (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED) &&
      !g_error_matches (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND)) {
    g_debug ("a group message was not stored (attempt %u): %s", data->attempts, error->message);
    g_timeout_add ((guint) sd_backoff_delay (GROUP_SEND_BACKOFF_MS, GROUP_SEND_BACKOFF_MAX_MS,
                                             data->attempts),
                   send_attempt, data);
    return;
  }
  if (hash == NULL)
    g_message ("a group %s was not stored: %s", data->is_update ? "control message" : "message",
               error->message);
  if (!data->is_update) {
    g_clear_error (&error);
    if (!sd_store_set_group_message_status (data->self->store, data->group_id,
                                            data->self->identity->session_id, data->sent_at,
                                            hash != NULL, hash, &error) &&
        error != NULL)
      g_warning ("group message status: %s", error->message);
    g_signal_emit (data->self, signals[SIGNAL_MESSAGE_ADDED], 0, data->group_id);
    sd_groups_emit_status (data->self, data->group_id, data->sent_at);
  }
  send_data_free (data);
}

/* @content (a Content) wrapped and encrypted with the group's current key */
static GBytes *
encrypt_content (SdGroups *self, SdGroupState *group, GBytes *content, gint64 sent_at,
                 GError **error)
{
  g_autoptr(GBytes) envelope = NULL;
  SdGroupKeyBytes key;
  GBytes *encrypted;

  if (!sd_group_keys_get_current (group->keys, key, NULL)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER,
                         "no key for the group (yet)");
    return NULL;
  }
  envelope = wrap_envelope (content, sent_at, group->ident.id);
  encrypted = sd_group_message_encrypt (self->identity, key, g_bytes_get_data (envelope, NULL),
                                        g_bytes_get_size (envelope), error);
  sodium_memzero (key, sizeof (key));
  return encrypted;
}

static void
send_encrypted (SdGroups *self, SdGroupState *group, gint64 sent_at, GBytes *encrypted,
                gboolean is_update)
{
  SendData *data = g_new0 (SendData, 1);

  data->self = g_object_ref (self);
  data->group_id = g_strdup (group->ident.id);
  data->sent_at = sent_at;
  data->encrypted = g_bytes_ref (encrypted);
  data->attempts = 1;
  data->is_update = is_update;
  sd_groups_store_async (self, group, SD_GROUP_NS_MESSAGES, SD_GROUP_MESSAGE_TTL_MS,
                         data->encrypted, on_sent, data);
}

/* a GroupUpdateMessage as the Content of a group message; the packed update is wiped (an
 * invite holds a grant, a promotion the group seed) */
GBytes *
sd_groups_pack_update (SessionProtos__GroupUpdateMessage *update, gint64 sent_at)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  gsize len, update_len;
  guint8 *out, *packed_update;

  update_len = session_protos__group_update_message__get_packed_size (update);
  packed_update = g_malloc (update_len);
  session_protos__group_update_message__pack (update, packed_update);
  data.has_groupupdatemessage = TRUE;
  data.groupupdatemessage.data = packed_update;
  data.groupupdatemessage.len = update_len;
  data.has_timestamp = TRUE;
  data.timestamp = (uint64_t) sent_at;
  content.datamessage = &data;
  content.has_sigtimestamp = TRUE;
  content.sigtimestamp = (uint64_t) sent_at;
  len = session_protos__content__get_packed_size (&content);
  out = g_malloc (len);
  session_protos__content__pack (&content, out);
  /* a promotion holds the group seed: not left behind in freed memory */
  sodium_memzero (packed_update, update_len);
  g_free (packed_update);
  return g_bytes_new_take (out, len);
}

GBytes *
sd_groups_encrypt_update (SdGroups *self, SdGroupState *group,
                          SessionProtos__GroupUpdateMessage *update, gint64 sent_at,
                          GError **error)
{
  g_autoptr(GBytes) content = sd_groups_pack_update (update, sent_at);

  return encrypt_content (self, group, content, sent_at, error);
}

gboolean
sd_groups_send_update (SdGroups *self, SdGroupState *group,
                       SessionProtos__GroupUpdateMessage *update, gint64 sent_at, GError **error)
{
  g_autoptr(GBytes) encrypted = sd_groups_encrypt_update (self, group, update, sent_at, error);

  if (encrypted == NULL)
    return FALSE;
  send_encrypted (self, group, sent_at, encrypted, TRUE);
  return TRUE;
}

/* a message cut off by a restart goes again; one whose attachments are still uploading goes
 * when SdAttachments says "ready", one whose upload failed has failed */
static void
resume_one (SdGroups *self, const SdMessage *listed)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sd_message_id_make (listed->author, listed->sent_at);
  g_autoptr(SdMessage) message = sd_store_get_message (self->store, id, NULL);

  for (guint i = 0; message != NULL && message->attachments != NULL &&
                    i < message->attachments->len; i++) {
    const SdAttachmentInfo *info = g_ptr_array_index (message->attachments, i);

    if (info->state == SD_ATTACHMENT_STATE_UPLOADING)
      return;
    if (info->state == SD_ATTACHMENT_STATE_FAILED) {
      g_set_error_literal (&error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_FAILED,
                           "an attachment could not be uploaded");
      break;
    }
  }
  if (message != NULL && error == NULL && sd_groups_send_message (self, message, &error))
    return;
  g_message ("a group message cut off by a restart cannot go: %s",
             error != NULL ? error->message : "it went");
  sd_store_set_group_message_status (self->store, listed->conversation,
                                     self->identity->session_id, listed->sent_at, FALSE,
                                     NULL, NULL);
  sd_groups_emit_status (self, listed->conversation, listed->sent_at);
}

gboolean
sd_groups_send_message (SdGroups *self, const SdMessage *message, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GPtrArray) pointers = NULL;
  g_autoptr(GBytes) content = NULL, encrypted = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  group = sd_group_state_load (self, message->conversation, error);
  if (group == NULL)
    return FALSE;
  if (!sd_group_state_is_active (group)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER,
                         "not a member of the group any more");
    return FALSE;
  }
  if (message->attachments != NULL && message->attachments->len > 0) {
    pointers = sd_store_attachment_pointers (self->store, message->local_id, error);
    if (pointers == NULL)
      return FALSE;
    if (pointers->len != message->attachments->len) {
      g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                           "an attachment is not uploaded yet");
      return FALSE;
    }
  }
  content = pack_message (message, pointers);
  encrypted = encrypt_content (self, group, content, message->sent_at, error);
  if (encrypted == NULL)
    return FALSE;
  send_encrypted (self, group, message->sent_at, encrypted, FALSE);
  return TRUE;
}

void
sd_groups_emit_status (SdGroups *self, const gchar *group_id, gint64 sent_at)
{
  g_autofree gchar *id = sd_message_id_make (self->identity->session_id, sent_at);
  g_autoptr(SdMessage) message = sd_store_get_message (self->store, id, NULL);

  if (message != NULL && g_strcmp0 (message->conversation, group_id) == 0)
    sd_groups_emit_message_changed (self, message);
}

gboolean
sd_groups_resend_message (SdGroups *self, const gchar *group_id, const gchar *message_id,
                          guint *out_uploads, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdMessage) quoted = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(GError) send_error = NULL;
  guint uploads = 0;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  *out_uploads = 0;
  /* as for a new message: a group we may write to, with a key. Checked before the message
   * changes, so a refusal leaves it failed */
  group = sd_group_state_load_for_send (self, group_id, NULL, &quoted, error);
  if (group == NULL)
    return FALSE;
  message = sd_store_resend_failed_for (self->store, group_id, message_id, SD_RESEND_GROUP,
                                        &uploads, error);
  if (message == NULL)
    return FALSE;
  sd_groups_emit_message_changed (self, message);
  /* files to upload first: it goes when SdAttachments says "ready"
   * (sd_groups_attachments_ready), or fails again when one fails for good */
  if (uploads > 0) {
    *out_uploads = uploads;
    return TRUE;
  }
  /* before the first poll of this run, the sends cut off by the last stop have not gone
   * again yet: it goes with them (sd_groups_resume_sending), not twice */
  if (!self->resumed)
    return TRUE;
  /* the same sent-at: a copy that did land is one message at the receivers */
  if (sd_groups_send_message (self, message, &send_error))
    return TRUE;
  g_message ("a resent group message cannot go: %s", send_error->message);
  sd_store_set_group_message_status (self->store, group_id, self->identity->session_id,
                                     message->sent_at, FALSE, NULL, NULL);
  sd_groups_emit_status (self, group_id, message->sent_at);
  g_propagate_error (error, g_steal_pointer (&send_error));
  return FALSE;
}

void
sd_groups_resume_sending (SdGroups *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sending = NULL;

  g_return_if_fail (SD_IS_GROUPS (self));
  if (self->resumed)
    return;
  self->resumed = TRUE;
  sending = sd_store_list_sending_group_messages (self->store, GROUP_RESUME_MAX, &error);
  if (sending == NULL) {
    g_warning ("group messages cut off: %s", error->message);
    return;
  }
  if (sending->len > 0)
    g_message ("%u group message(s) cut off by a restart are sent again", sending->len);
  for (guint i = 0; i < sending->len; i++)
    resume_one (self, g_ptr_array_index (sending, i));
}

gchar *
sd_groups_send_text (SdGroups *self, const gchar *group_id, const gchar *body, GError **error)
{
  return sd_groups_send_text_full (self, group_id, body, NULL, error);
}

SdGroupState *
sd_group_state_load_for_send (SdGroups *self, const gchar *group_id, const gchar *quote_id,
                              SdMessage **out_quoted, GError **error)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (self, group_id, error);
  g_autoptr(SdMessage) quoted = NULL;

  if (group == NULL)
    return NULL;
  /* only a message of this group can be quoted in it */
  if (quote_id != NULL) {
    quoted = sd_store_get_message (self->store, quote_id, NULL);
    if (quoted == NULL || g_strcmp0 (quoted->conversation, group_id) != 0 ||
        quoted->kind != SD_MESSAGE_KIND_TEXT) {
      g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                           "the quoted message is not a message of this group");
      return NULL;
    }
  }
  if (!sd_group_state_is_active (group) || !sd_group_keys_get_current (group->keys, NULL, NULL)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER,
                         state_is_destroyed (group) ? "the group was destroyed"
                         : "not a member of the group (yet, or any more)");
    return NULL;
  }
  *out_quoted = g_steal_pointer (&quoted);
  return g_steal_pointer (&group);
}

gchar *
sd_groups_send_text_full (SdGroups *self, const gchar *group_id, const gchar *body,
                          const gchar *quote_id, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdMessage) quoted = NULL;
  g_autoptr(SdMessage) stored = NULL;
  g_autofree gchar *message_id = NULL;
  SdGroupMessageRow row = { 0 };
  gint64 sent_at;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  group = sd_group_state_load_for_send (self, group_id, quote_id, &quoted, error);
  if (group == NULL)
    return NULL;
  sent_at = sd_network_now_ms (self->network);
  row.group_id = group_id;
  row.author = self->identity->session_id;
  row.outgoing = TRUE;
  row.body = body;
  row.quote_author = quoted != NULL ? quoted->author : NULL;
  row.quote_sent_at = quoted != NULL ? quoted->sent_at : 0;
  /* the group's after-send timer (Info E) goes with every message */
  row.expiration_timer = sd_groups_get_disappearing (self, group_id);
  /* (author, sent_at) is a message's id: a second send in the same millisecond takes the
   * next free one rather than being dropped unstored */
  for (guint tries = 0;; tries++) {
    gboolean is_new = FALSE;

    row.sent_at = sent_at;
    if (!sd_store_add_group_message_media (self->store, &row, &is_new, error))
      return NULL;
    if (is_new)
      break;
    if (tries >= 100) {
      g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_FAILED,
                           "too many messages at once");
      return NULL;
    }
    sent_at++;
  }
  message_id = sd_message_id_make (self->identity->session_id, sent_at);
  stored = sd_store_get_message (self->store, message_id, error);
  if (stored == NULL || !sd_groups_send_message (self, stored, error)) {
    sd_store_set_group_message_status (self->store, group_id, self->identity->session_id,
                                       sent_at, FALSE, NULL, NULL);
    return NULL;
  }
  return g_steal_pointer (&message_id);
}

SdMessage *
sd_groups_send_reaction (SdGroups *self, const gchar *group_id, const gchar *message_id,
                         const gchar *emoji, gboolean add, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdMessage) target = NULL;
  g_autoptr(SdMessage) changed = NULL;
  g_autoptr(GBytes) content = NULL, encrypted = NULL;
  gint64 t;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  group = sd_group_state_load (self, group_id, error);
  if (group == NULL)
    return NULL;
  if (!sd_group_state_is_active (group) || !sd_group_keys_get_current (group->keys, NULL, NULL)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER,
                         "not a member of the group (yet, or any more)");
    return NULL;
  }
  target = sd_store_get_message (self->store, message_id, NULL);
  if (target == NULL || g_strcmp0 (target->conversation, group_id) != 0 ||
      target->kind != SD_MESSAGE_KIND_TEXT) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                         "not a message of this group");
    return NULL;
  }
  t = sd_network_now_ms (self->network);
  if (!sd_store_set_group_reaction (self->store, group_id, self->identity->session_id,
                                    target->author, target->sent_at, emoji, !add, t, &changed,
                                    error))
    return NULL;
  /* the same Content as a 1:1 reaction, inside the group's encryption; no profile, no timer
   * (groups have after-send disappearing only, not implemented yet) */
  content = sd_content_pack_reaction ((guint64) t, (guint64) target->sent_at, target->author,
                                      emoji, !add, NULL, 0, NULL, 0, 0);
  encrypted = encrypt_content (self, group, content, t, error);
  if (encrypted == NULL)
    return NULL;
  /* no message row of its own: sent like a control message */
  send_encrypted (self, group, t, encrypted, TRUE);
  return changed != NULL ? g_steal_pointer (&changed)
                         : sd_store_get_message (self->store, message_id, error);
}

/* the body of a group message's plaintext (an Envelope around a Content, or a bare Content),
 * with its sent time; NULL for anything but a visible text. A control message
 * (DataMessage.groupUpdateMessage) comes out as @update instead (free it) */
/* an emoji reaction read from a group message (the 1:1 DataMessage.Reaction) */
typedef struct {
  gchar *author;     /* (owned) (nullable) the author of the message reacted to; NULL: none */
  gint64 target_sent_at;
  gchar *emoji;      /* (owned) */
  gboolean remove;
} GroupReaction;

static void
group_reaction_clear (GroupReaction *reaction)
{
  g_clear_pointer (&reaction->author, g_free);
  g_clear_pointer (&reaction->emoji, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GroupReaction, group_reaction_clear)

static gchar *
unwrap_text (GBytes *plain, gint64 *sent_at, SessionProtos__GroupUpdateMessage **update,
             gchar **quote_author, gint64 *quote_sent_at, GroupReaction *reaction)
{
  const guint8 *bytes;
  gsize len;
  SessionProtos__Envelope *envelope;
  SessionProtos__Content *content = NULL;
  gchar *body = NULL;

  *update = NULL;
  bytes = g_bytes_get_data (plain, &len);
  envelope = session_protos__envelope__unpack (NULL, len, bytes);
  /* a Content may carry the 1:1 padding (0x80, zeros), as libsession's senders add it */
  if (envelope != NULL && envelope->has_content) {
    content = session_protos__content__unpack (
      NULL, sd_unpadded_length (envelope->content.data, envelope->content.len),
      envelope->content.data);
    *sent_at = (gint64) envelope->timestamp;
  }
  if (content == NULL) {
    content = session_protos__content__unpack (NULL, sd_unpadded_length (bytes, len), bytes);
    *sent_at = 0;
  }
  if (content != NULL && content->datamessage != NULL && *sent_at <= 0 &&
      content->datamessage->has_timestamp)
    *sent_at = (gint64) content->datamessage->timestamp;
  if (content != NULL && content->datamessage != NULL &&
      content->datamessage->has_groupupdatemessage) {
    *update = session_protos__group_update_message__unpack (
      NULL, content->datamessage->groupupdatemessage.len,
      content->datamessage->groupupdatemessage.data);
  } else if (content != NULL && content->datamessage != NULL &&
             content->datamessage->reaction != NULL) {
    SessionProtos__DataMessage__Reaction *r = content->datamessage->reaction;

    /* checked by the store (Session IDs, the emoji's size) */
    if (r->author != NULL && r->emoji != NULL && r->id > 0 && r->id < G_MAXINT64) {
      reaction->author = g_strdup (r->author);
      reaction->target_sent_at = (gint64) r->id;
      reaction->emoji = g_strdup (r->emoji);
      reaction->remove = r->action == SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REMOVE;
    }
  } else if (content != NULL && content->datamessage != NULL &&
             content->datamessage->body != NULL &&
             g_utf8_validate (content->datamessage->body, -1, NULL) &&
             strlen (content->datamessage->body) <= 8 * 2000) {
    body = g_strdup (content->datamessage->body);
    /* checked by the store: a quote naming no Session ID is left out */
    if (content->datamessage->quote != NULL && content->datamessage->quote->author != NULL &&
        content->datamessage->quote->id > 0 && content->datamessage->quote->id < G_MAXINT64) {
      *quote_author = g_strdup (content->datamessage->quote->author);
      *quote_sent_at = (gint64) content->datamessage->quote->id;
    }
  }
  if (content != NULL)
    session_protos__content__free_unpacked (content, NULL);
  if (envelope != NULL)
    session_protos__envelope__free_unpacked (envelope, NULL);
  return body;
}

/* ---- applying a poll ----------------------------------------------------------------------- */

/* merges @items of Info or Members into @stored (the kept merged message, nullable) */
static GBytes *
merge_config (SdGroupState *group, SdGroupConfigKind kind, GBytes *stored, GPtrArray *items,
              gchar **out_name, gboolean *out_merged)
{
  gint unmerged = 0;
  g_autoptr(GPtrArray) plaintexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SdConfigMessage) merged = NULL;
  g_autoptr(GError) error = NULL;

  if (stored != NULL)
    g_ptr_array_add (plaintexts, g_bytes_ref (stored));
  for (guint i = 0; i < items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (items, i);
    g_autoptr(GBytes) data = sd_base64_decode (item->data_b64, -1, NULL);
    GBytes *plain;

    if (data == NULL)
      continue;
    plain = sd_group_config_open (kind, group->keys, g_bytes_get_data (data, NULL),
                                  g_bytes_get_size (data), &error);
    if (plain == NULL) {
      g_debug ("a group config item does not open: %s", error->message);
      g_clear_error (&error);
      continue;
    }
    g_ptr_array_add (plaintexts, plain);
  }
  if (plaintexts->len == 0 || (stored != NULL && plaintexts->len == 1))
    return NULL;
  merged = sd_group_config_merge (&group->ident, plaintexts, &unmerged, NULL, &error);
  if (merged == NULL) {
    g_debug ("group config merge: %s", error->message);
    return NULL;
  }
  /* two admins edited at once: an admin's merge is a new message, which the members (who
   * only pick the best one) need from the swarm */
  if (unmerged < 0 && group->ident.is_admin)
    *out_merged = TRUE;
  if (out_name != NULL && kind == SD_GROUP_CONFIG_INFO)
    *out_name = sd_config_group_info_get_name (sd_config_message_get_data (merged));
  return sd_config_message_serialize (merged);
}

static void
group_update_free (SessionProtos__GroupUpdateMessage *update)
{
  session_protos__group_update_message__free_unpacked (update, NULL);
}

/* a control message shown in the conversation (our own, read back, as outgoing) */
static void
add_event (SdGroups *self, SdGroupState *group, const gchar *author, SdMessageKind kind,
           const gchar *body, gint64 sent_at, const gchar *hash, guint *added)
{
  g_autoptr(GError) error = NULL;
  gboolean is_new = FALSE;

  /* our own control messages read back are ours; what happened to us is not */
  gboolean outgoing = g_str_equal (author, self->identity->session_id) &&
                      kind != SD_MESSAGE_KIND_GROUP_REMOVED &&
                      kind != SD_MESSAGE_KIND_GROUP_DESTROYED;

  if (!sd_store_add_group_event (self->store, group->ident.id, author, outgoing, kind, body,
                                 sent_at, hash, &is_new, &error)) {
    g_warning ("a group event was not stored: %s", error->message);
    return;
  }
  if (is_new) {
    g_autofree gchar *message_id = sd_message_id_make (author, sent_at);

    (*added)++;
    g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, message_id);
  }
}

/* the Session IDs of a MEMBER_CHANGE, space-separated; NULL when one is not a Session ID */
static gchar *
join_member_ids (SessionProtos__GroupUpdateMemberChangeMessage *change)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  if (change->n_membersessionids == 0 ||
      change->n_membersessionids > SD_GROUP_CREATE_MAX_MEMBERS)
    return NULL;
  for (gsize i = 0; i < change->n_membersessionids; i++) {
    if (!sd_store_is_session_id (change->membersessionids[i]))
      return NULL;
    if (i > 0)
      g_string_append_c (ids, ' ');
    g_string_append (ids, change->membersessionids[i]);
  }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* INFO_CHANGE of the picture or of the timer (the name is take_update's), from an admin,
 * shown under the same rule as a rename: the admin signature over its own sent time holds.
 * What changed comes with the Info merge; the event only says who did it (and, for the timer,
 * the seconds the admin gave, bounded and rounded as the conversation's timer is) */
static void
take_info_change (SdGroups *self, SdGroupState *group, const gchar *sender, gint64 sent_at,
                  const gchar *hash, SessionProtos__GroupUpdateInfoChangeMessage *info,
                  guint *added)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *body = NULL;
  SdMessageKind kind;
  guint32 timer = 0;

  switch (info->type) {
  case SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__AVATAR:
    kind = SD_MESSAGE_KIND_GROUP_AVATAR_CHANGED;
    body = g_strdup ("");
    break;
  case SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__DISAPPEARING_MESSAGES:
    kind = SD_MESSAGE_KIND_GROUP_DISAPPEARING_CHANGED;
    /* absent is 0 (off), as the official clients read it */
    if (info->has_updatedexpiration && info->updatedexpiration > 0)
      timer = sd_expiration_timer_round_up (
        2, MIN (info->updatedexpiration, SD_GROUP_DISAPPEARING_MAX));
    body = g_strdup_printf ("%u", timer);
    break;
  default:
    return;
  }
  text = sd_group_control_info_change_text ((SdGroupInfoChange) info->type, sent_at);
  if (sd_group_control_verify (&group->ident, text, info->adminsignature.data,
                               info->adminsignature.len, NULL))
    add_event (self, group, sender, kind, body, sent_at, hash, added);
}

/* a control message read from the group. INFO_CHANGE (a new name; the picture and the timer
 * are take_info_change's) and MEMBER_CHANGE are shown
 * when their sender is an admin in Members and the admin signature over their sent time holds:
 * the signature covers neither the name nor the members, so a member storing an admin's
 * signature again (with another name) must not be shown. A member's leaving notification is
 * shown as it comes (the sender is the signed group-message sender). What admins act on is
 * collected for after the poll (accepted invites, members who left) */
static void
take_update (SdGroups *self, SdGroupState *group, const gchar *sender, gint64 sent_at,
             const gchar *hash, SessionProtos__GroupUpdateMessage *update, GPtrArray *accepted,
             GPtrArray *left, guint *added)
{
  SessionProtos__GroupUpdateInfoChangeMessage *info = update->infochangemessage;
  SessionProtos__GroupUpdateMemberChangeMessage *change = update->memberchangemessage;
  g_auto(SdConfigGroupMember) author = { 0 };
  gboolean from_admin = (info != NULL || change != NULL) &&
                        sd_group_state_get_member (group, sender, &author) && author.admin;

  if (from_admin && info != NULL &&
      info->type == SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__NAME &&
      info->updatedname != NULL && *info->updatedname != '\0' &&
      strlen (info->updatedname) <= SD_GROUP_NAME_MAX &&
      g_utf8_validate (info->updatedname, -1, NULL)) {
    g_autofree gchar *text = sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_NAME,
                                                                sent_at);

    if (sd_group_control_verify (&group->ident, text, info->adminsignature.data,
                                 info->adminsignature.len, NULL))
      add_event (self, group, sender, SD_MESSAGE_KIND_GROUP_RENAMED, info->updatedname, sent_at,
                 hash, added);
  }
  if (from_admin && info != NULL)
    take_info_change (self, group, sender, sent_at, hash, info, added);
  if (from_admin && change != NULL &&
      (gint) change->type >= (gint) SD_GROUP_MEMBER_CHANGE_ADDED &&
      (gint) change->type <= (gint) SD_GROUP_MEMBER_CHANGE_PROMOTED) {
    g_autofree gchar *text = sd_group_control_member_change_text (
      (SdGroupMemberChange) change->type, sent_at);
    g_autofree gchar *ids = join_member_ids (change);
    static const SdMessageKind kinds[] = {
      [SD_GROUP_MEMBER_CHANGE_ADDED] = SD_MESSAGE_KIND_GROUP_MEMBERS_ADDED,
      [SD_GROUP_MEMBER_CHANGE_REMOVED] = SD_MESSAGE_KIND_GROUP_MEMBERS_REMOVED,
      [SD_GROUP_MEMBER_CHANGE_PROMOTED] = SD_MESSAGE_KIND_GROUP_MEMBERS_PROMOTED,
    };

    if (ids != NULL &&
        sd_group_control_verify (&group->ident, text, change->adminsignature.data,
                                 change->adminsignature.len, NULL))
      add_event (self, group, sender, kinds[change->type], ids, sent_at, hash, added);
  }
  if (update->memberleftnotificationmessage != NULL)
    add_event (self, group, sender, SD_MESSAGE_KIND_GROUP_MEMBER_LEFT, "", sent_at, hash, added);
  if (update->deletemembercontent != NULL)
    sd_group_content_delete_take (self, group, sender, sent_at, update->deletemembercontent);

  /* our own, read back (or from our other device), asks nothing of us */
  if (g_str_equal (sender, self->identity->session_id) || !group->ident.is_admin)
    return;
  if (update->inviteresponse != NULL && update->inviteresponse->isapproved &&
      !g_ptr_array_find_with_equal_func (accepted, sender, g_str_equal, NULL) &&
      accepted->len < SD_GROUP_CREATE_MAX_MEMBERS)
    g_ptr_array_add (accepted, g_strdup (sender));
  if (update->memberleftmessage != NULL &&
      !g_ptr_array_find_with_equal_func (left, sender, g_str_equal, NULL) &&
      left->len < SD_GROUP_CREATE_MAX_MEMBERS)
    g_ptr_array_add (left, g_strdup (sender));
}

/* a member that accepted an invite tells the admins (GroupUpdateInviteResponseMessage), as the
 * official clients do, once it holds a key and the Members config still shows the invite as
 * sent: once per start and Members seqno (see below) */
static void
send_invite_response (SdGroups *self, SdGroupState *group)
{
  g_auto(SdConfigGroupMember) me = { 0 };
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInviteResponseMessage response =
    SESSION_PROTOS__GROUP_UPDATE_INVITE_RESPONSE_MESSAGE__INIT;
  g_autoptr(GError) error = NULL;

  /* once per Members seqno that shows us invited: a member invited again (after a removal)
   * answers again, an admin that missed it hears it after its next Members change */
  g_autoptr(SdConfigMessage) members = sd_group_state_config (group, SD_GROUP_CONFIG_MEMBERS);
  g_autofree gchar *key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, group->ident.id,
                                           members != NULL ? sd_config_message_get_seqno (members)
                                                           : -1);

  if (group->ident.is_admin || !sd_group_state_is_active (group) ||
      g_hash_table_contains (self->responded, key) ||
      !sd_group_state_get_member (group, self->identity->session_id, &me) ||
      me.invite == SD_CONFIG_MEMBER_STATUS_NONE ||
      !sd_group_keys_get_current (group->keys, NULL, NULL))
    return;
  response.isapproved = TRUE;
  update.inviteresponse = &response;
  if (!sd_groups_send_update (self, group, &update, sd_network_now_ms (self->network), &error)) {
    g_debug ("no invite response: %s", error->message);
    return;
  }
  g_hash_table_add (self->responded, g_steal_pointer (&key));
}

static void
after_poll (SdGroups *self, SdGroupState *group, GPtrArray *accepted, GPtrArray *left,
            gboolean push_info, gboolean push_members)
{
  send_invite_response (self, group);
  if (group->ident.is_admin && sd_group_state_is_active (group))
    sd_group_admin_upkeep (self, group->ident.id, accepted, left, push_info, push_members);
}

guint
sd_groups_apply_poll (SdGroups *self, const gchar *group_id, JsonNode *body)
{
  return sd_groups_apply_poll_from (self, group_id, NULL, NULL, body, NULL);
}

/* the items of @items not read before: a member read from its beginning (it failed lately,
 * or is new and the swarm had no hash) serves them again, and a control message or a kick
 * notice must not be taken twice */
static GPtrArray *
unseen_items (SdStore *store, GPtrArray *items)
{
  GPtrArray *fresh = g_ptr_array_new ();

  for (guint i = 0; i < items->len; i++) {
    SdRetrieveItem *item = g_ptr_array_index (items, i);
    gboolean seen = FALSE;

    if (!sd_store_is_seen (store, item->hash, &seen, NULL) || !seen)
      g_ptr_array_add (fresh, item);
  }
  return fresh;
}

/* @items are read: their namespace's cursors move to the last one and each is seen */
static void
page_read (SdGroups *self, const gchar *group_id, gint ns, GPtrArray *items,
           SdRetrieveCursors *cursors, const SdRetrievePage *page)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->store);
  g_autoptr(GError) error = NULL;
  const SdRetrieveItem *last = g_ptr_array_index (items, items->len - 1);
  gint64 now = sd_network_now_ms (self->network);

  for (guint i = 0; i < items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (items, i);

    sd_store_batch_add_seen (batch, item->hash, sd_ingest_seen_expiry (item->expiration, now));
  }
  if (!sd_store_apply_batch (self->store, batch, NULL, &error))
    g_warning ("marking group items seen: %s", error->message);
  g_clear_error (&error);
  if (cursors != NULL ? !sd_retrieve_cursors_move (cursors, page, last->hash, &error)
                      : !sd_store_set_group_last_hash (self->store, group_id, ns, last->hash,
                                                       &error))
    g_warning ("moving a group cursor: %s", error->message);
}

guint
sd_groups_apply_poll_from (SdGroups *self, const gchar *group_id, SdRetrieveCursors *cursors,
                           const SdSnode *node, JsonNode *body, gboolean *out_more)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *per_ns[SD_GROUP_POLL_N] = { NULL };
  GPtrArray *fresh[SD_GROUP_POLL_N] = { NULL };
  SdRetrievePage pages[SD_GROUP_POLL_N] = { { NULL, 0, FALSE } };
  gboolean more_any = FALSE, reacted = FALSE;
  g_autofree gchar *name = NULL;
  guint added = 0;
  GPtrArray *keys_items = NULL, *info_items = NULL, *members_items = NULL, *msg_items = NULL;
  GPtrArray *kick_items = NULL;
  gboolean msg_store_failed = FALSE, removed = FALSE, push_info = FALSE, push_members = FALSE;
  gboolean was_destroyed, media_changed = FALSE;
  gint64 removed_at = 0;
  const gchar *removed_hash = NULL;
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) left = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (SD_IS_GROUPS (self), 0);
  g_return_val_if_fail (cursors == NULL || node != NULL, 0);
  if (out_more != NULL)
    *out_more = FALSE;
  group = sd_group_state_load (self, group_id, &error);
  if (group == NULL)
    return 0;
  for (guint i = 0; i < SD_GROUP_POLL_N; i++) {
    gint64 code = 0;
    JsonNode *sub = NULL;
    gint ns = sd_group_poll_namespaces[i];
    gboolean more = FALSE;

    if (!sd_storage_rpc_batch_result (body, i, &code, &sub) || code != 200 || sub == NULL)
      continue;
    per_ns[i] = sd_storage_rpc_parse_retrieve (sub, &more, NULL);
    if (per_ns[i] == NULL)
      continue;
    /* the page's place is decided before its items count as seen */
    if (cursors != NULL &&
        !sd_retrieve_cursors_read_page (cursors, node, ns, per_ns[i], &pages[i])) {
      g_clear_pointer (&per_ns[i], g_ptr_array_unref);
      continue;
    }
    more_any = more_any || (more && per_ns[i]->len > 0);
    /* Keys and configs are taken again harmlessly (Keys by hash, the configs' merge), and a
     * group left and joined again needs them from the start */
    fresh[i] = ns == SD_GROUP_NS_MESSAGES || ns == SD_GROUP_NS_KICKED
                 ? unseen_items (self->store, per_ns[i]) : g_ptr_array_ref (per_ns[i]);
    switch (ns) {
    case SD_GROUP_NS_KEYS: keys_items = fresh[i]; break;
    case SD_GROUP_NS_INFO: info_items = fresh[i]; break;
    case SD_GROUP_NS_MEMBERS: members_items = fresh[i]; break;
    case SD_GROUP_NS_MESSAGES: msg_items = fresh[i]; break;
    default: kick_items = fresh[i]; break;
    }
  }

  /* Keys first: the configs and messages of this answer may need its keys */
  for (guint i = 0; keys_items != NULL && i < keys_items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (keys_items, i);
    g_autoptr(GBytes) data = sd_base64_decode (item->data_b64, -1, NULL);

    if (data == NULL ||
        !sd_group_keys_load_message (group->keys, item->hash, g_bytes_get_data (data, NULL),
                                     g_bytes_get_size (data), item->timestamp, NULL, &error)) {
      g_debug ("a Keys message was refused: %s", error != NULL ? error->message : "base64");
      g_clear_error (&error);
    }
  }
  was_destroyed = state_is_destroyed (group);
  if (info_items != NULL && info_items->len > 0) {
    GBytes *merged = merge_config (group, SD_GROUP_CONFIG_INFO, group->row->info, info_items,
                                   &name, &push_info);
    if (merged != NULL) {
      g_clear_pointer (&group->row->info, g_bytes_unref);
      group->row->info = merged;
    }
  }
  if (members_items != NULL && members_items->len > 0) {
    GBytes *merged = merge_config (group, SD_GROUP_CONFIG_MEMBERS, group->row->members,
                                   members_items, NULL, &push_members);
    if (merged != NULL) {
      g_clear_pointer (&group->row->members, g_bytes_unref);
      group->row->members = merged;
    }
  }
  /* a kick notice naming us for a generation newer than every key we hold: we were removed
   * (a notice older than our newest key predates a re-invite) */
  for (guint i = 0; kick_items != NULL && !group->ident.is_admin && i < kick_items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (kick_items, i);
    g_autoptr(GBytes) data = sd_base64_decode (item->data_b64, -1, NULL);
    gint64 generation = -1, ours = -1;

    if (data != NULL &&
        sd_group_kick_notice_check (&group->ident, self->identity, g_bytes_get_data (data, NULL),
                                    g_bytes_get_size (data), &generation, NULL) &&
        (!sd_group_keys_get_current (group->keys, NULL, &ours) || ours < generation)) {
      g_message ("removed from a group (generation %" G_GINT64_FORMAT ")", generation);
      removed = TRUE;
      removed_at = item->timestamp;
      removed_hash = item->hash;
    }
  }
  if (removed) {
    /* the grant is revoked: without it the group is read-only history, not polled */
    g_clear_pointer (&group->row->auth_data, g_bytes_unref);
    sodium_memzero (group->auth, sizeof (group->auth));
    group->has_auth = FALSE;
  }
  if (!sd_group_state_save (self, group, name, &error)) {
    g_warning ("saving a group: %s", error->message);
    for (guint i = 0; i < SD_GROUP_POLL_N; i++) {
      g_clear_pointer (&fresh[i], g_ptr_array_unref);
      g_clear_pointer (&per_ns[i], g_ptr_array_unref);
      sd_retrieve_page_clear (&pages[i]);
    }
    return 0;
  }
  /* the Info's picture and timer as the conversation shows them */
  if (info_items != NULL && info_items->len > 0 && sd_group_media_apply_info (self, group_id))
    media_changed = TRUE;
  /* what happened to us is shown in the conversation (we do not know which admin did it) */
  if (removed)
    add_event (self, group, self->identity->session_id, SD_MESSAGE_KIND_GROUP_REMOVED, "",
               removed_at > 0 ? removed_at : sd_network_now_ms (self->network), removed_hash,
               &added);
  if (!was_destroyed && state_is_destroyed (group))
    add_event (self, group, self->identity->session_id, SD_MESSAGE_KIND_GROUP_DESTROYED, "",
               sd_network_now_ms (self->network), NULL, &added);

  for (guint i = 0; msg_items != NULL && i < msg_items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (msg_items, i);
    g_autoptr(GBytes) data = sd_base64_decode (item->data_b64, -1, NULL);
    g_autoptr(GBytes) plain = NULL;
    g_autofree gchar *text = NULL;
    gchar sender[SD_SESSION_ID_LEN + 1];
    const SdGroupKeyBytes *keys;
    guint n_keys = 0;
    gint64 sent_at = 0, quote_sent_at = 0;
    g_autofree gchar *quote_author = NULL;
    g_auto(GroupReaction) reaction = { NULL, 0, NULL, FALSE };
    gboolean is_new = FALSE;
    SessionProtos__GroupUpdateMessage *update = NULL;
    g_autoptr(GPtrArray) pointers = NULL;
    guint32 timer = 0;
    SdGroupMessageRow row = { 0 };

    if (data == NULL)
      continue;
    keys = sd_group_keys_list (group->keys, &n_keys);
    plain = sd_group_message_decrypt (keys, n_keys, g_bytes_get_data (data, NULL),
                                      g_bytes_get_size (data), sender, NULL, &error);
    if (plain == NULL) {
      g_debug ("a group message does not open: %s", error->message);
      g_clear_error (&error);
      continue;
    }
    text = unwrap_text (plain, &sent_at, &update, &quote_author, &quote_sent_at, &reaction);
    /* the sender's time is its claim: plausible, as for 1:1 messages (sd-ingest.h) */
    if (!sd_ingest_sent_time_ok ((guint64) sent_at, sd_network_now_ms (self->network))) {
      g_clear_pointer (&update, group_update_free);
      continue;
    }
    if (update != NULL) {
      take_update (self, group, sender, sent_at, item->hash, update, accepted, left, &added);
      g_clear_pointer (&update, group_update_free);
      continue;
    }
    if (reaction.author != NULL) {
      g_autoptr(SdMessage) changed = NULL;

      if (!sd_store_set_group_reaction (self->store, group_id, sender, reaction.author,
                                        reaction.target_sent_at, reaction.emoji,
                                        reaction.remove, sent_at, &changed, &error)) {
        g_debug ("dropping a group reaction: %s", error->message);
        g_clear_error (&error);
      } else if (changed != NULL) {
        reacted = TRUE;
        /* others' reactions change the message as ours do (Conversation1.MessageChanged) */
        sd_groups_emit_message_changed (self, changed);
      }
      continue;
    }
    /* attachments and the after-send timer (docs/groups.md, "Media and disappearing
     * messages"); a message of attachments alone has no body */
    sd_group_media_read (plain, &pointers, &timer);
    if (text == NULL && pointers != NULL)
      text = g_strdup ("");
    if (text == NULL)
      continue;
    row.group_id = group_id;
    row.author = sender;
    row.outgoing = g_str_equal (sender, self->identity->session_id);
    row.body = text;
    row.sent_at = sent_at;
    row.server_hash = item->hash;
    row.quote_author = quote_author;
    row.quote_sent_at = quote_sent_at;
    row.expiration_timer = timer;
    row.pointers = pointers;
    if (!sd_store_add_group_message_media (self->store, &row, &is_new, &error)) {
      /* our fault, not the message's: keep the cursor so the next poll fetches it again */
      g_warning ("a group message was not stored: %s", error->message);
      g_clear_error (&error);
      msg_store_failed = TRUE;
      continue;
    }
    /* our own message read back: it was stored, whatever our request heard (it may have been
     * marked failed by a restart or a lost reply) */
    if (g_str_equal (sender, self->identity->session_id))
      sd_store_set_group_message_status (self->store, group_id, sender, sent_at, TRUE,
                                         item->hash, NULL);
    if (is_new) {
      g_autofree gchar *message_id = sd_message_id_make (sender, sent_at);

      added++;
      g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, message_id);
    }
  }

  for (guint i = 0; i < SD_GROUP_POLL_N; i++) {
    GPtrArray *items = per_ns[i];

    /* items that do not open or are not texts are skipped for good (retrying cannot help);
     * a message we failed to store holds its namespace's cursor back */
    if (items != NULL && items->len > 0 && !(fresh[i] == msg_items && msg_store_failed))
      page_read (self, group_id, sd_group_poll_namespaces[i], items, cursors, &pages[i]);
    g_clear_pointer (&fresh[i], g_ptr_array_unref);
    g_clear_pointer (&per_ns[i], g_ptr_array_unref);
    sd_retrieve_page_clear (&pages[i]);
  }
  if (out_more != NULL)
    *out_more = more_any;
  if (added > 0 || name != NULL || removed || reacted || media_changed)
    g_signal_emit (self, signals[SIGNAL_MESSAGE_ADDED], 0, group_id);
  /* the UserGroups entry follows a removal, and a destruction ("d") */
  if (removed || (!was_destroyed && state_is_destroyed (group)))
    sd_groups_emit_membership_changed (self, group_id);
  if (!removed)
    after_poll (self, group, accepted, left, push_info, push_members);
  return added;
}

/* ---- creating a group ---------------------------------------------------------------------- */

typedef struct {
  SdGroupState *group;           /* (owned) */
  GStrv members;          /* (owned) the invited, without us */
  GBytes *pushes[3];      /* Keys, Info, Members */
  guint next;
  gchar *name;
} CreateData;

static void
create_data_free (CreateData *data)
{
  sd_group_state_free (data->group);
  g_strfreev (data->members);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&data->pushes[i], g_bytes_unref);
  g_free (data->name);
  g_free (data);
}

static const gint push_namespaces[3] = { SD_GROUP_NS_KEYS, SD_GROUP_NS_INFO, SD_GROUP_NS_MEMBERS };

static GBytes *
pack_invite (const SdGroupIdentity *ident, const gchar *name, const gchar *invitee,
             gint64 sent_at, GError **error)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInviteMessage invite = SESSION_PROTOS__GROUP_UPDATE_INVITE_MESSAGE__INIT;
  g_autofree gchar *text = sd_group_control_invite_text (invitee, sent_at);
  guint8 grant[SD_SUBACCOUNT_VALUE_LEN];
  guint8 signature[64];
  GBytes *packed;

  if (!sd_subaccount_make (ident, invitee, TRUE, FALSE, grant, error) ||
      !sd_group_control_sign (ident, text, signature, error)) {
    sodium_memzero (grant, sizeof (grant));
    return NULL;
  }
  invite.groupsessionid = (char *) ident->id;
  invite.name = (char *) name;
  invite.memberauthdata.data = grant;
  invite.memberauthdata.len = sizeof (grant);
  invite.adminsignature.data = signature;
  invite.adminsignature.len = sizeof (signature);
  update.invitemessage = &invite;
  packed = sd_groups_pack_update (&update, sent_at);
  sodium_memzero (grant, sizeof (grant));
  return packed;
}

typedef struct {
  SdGroups *self;   /* (owned) */
  gchar *group_id;
  gchar *member;
} InviteSent;

static void
on_invite_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  InviteSent *sent = user_data;
  g_autoptr(GError) error = NULL;

  /* the member's entry says so ("failed"): an admin may invite it again */
  if (!sd_sender_send_control_finish (SD_SENDER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_message ("a group invite did not go out: %s", error->message);
    sd_group_admin_invite_failed (sent->self, sent->group_id, sent->member);
  }
  g_object_unref (sent->self);
  g_free (sent->group_id);
  g_free (sent->member);
  g_free (sent);
}

void
sd_groups_send_invites (SdGroups *self, SdGroupState *group, const gchar *name,
                        GPtrArray *members)
{
  for (guint i = 0; i < members->len; i++) {
    const gchar *member = g_ptr_array_index (members, i);
    g_autoptr(GError) error = NULL;
    gint64 now = sd_network_now_ms (self->network);
    g_autoptr(GBytes) invite = pack_invite (&group->ident, name, member, now, &error);
    InviteSent *sent;

    if (invite == NULL) {
      g_warning ("no invite for a member: %s", error->message);
      continue;
    }
    sent = g_new0 (InviteSent, 1);
    sent->self = g_object_ref (self);
    sent->group_id = g_strdup (group->ident.id);
    sent->member = g_strdup (member);
    sd_sender_send_control_async (self->sender, member, invite, (guint64) now, SD_OUTGOING_TEXT,
                                  on_invite_sent, sent);
  }
}

static void push_next (GTask *task);

static void
on_push_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = g_task_propagate_pointer (G_TASK (result), &error);

  if (hash != NULL && ((CreateData *) g_task_get_task_data (task))->next == 1) {
    CreateData *data = g_task_get_task_data (task);

    sd_groups_keys_stored (g_task_get_source_object (task), data->group->ident.id, hash,
                           data->pushes[0]);
  }
  if (hash == NULL) {
    SdGroups *self = g_task_get_source_object (task);
    CreateData *data = g_task_get_task_data (task);
    g_autoptr(GError) delete_error = NULL;

    /* the group never got out: forgotten, so the user's retry does not leave two */
    if (!sd_store_delete_conversation (self->store, data->group->ident.id, &delete_error))
      g_warning ("forgetting a group not created: %s", delete_error->message);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  push_next (g_steal_pointer (&task));
}

static void
push_next (GTask *task)
{
  SdGroups *self = g_task_get_source_object (task);
  CreateData *data = g_task_get_task_data (task);

  if (data->next < 3) {
    guint i = data->next++;
    sd_groups_store_async (self, data->group, push_namespaces[i], SD_GROUP_CONFIG_TTL_MS,
                       data->pushes[i], on_push_done, task);
    return;
  }
  /* the configs are in the swarm: the invites can go */
  {
    g_autoptr(GPtrArray) members = g_ptr_array_new ();

    for (guint i = 0; data->members[i] != NULL; i++)
      g_ptr_array_add (members, data->members[i]);
    sd_groups_send_invites (self, data->group, data->name, members);
  }
  g_task_return_pointer (task, g_strdup (data->group->ident.id), g_free);
  g_object_unref (task);
}

void
sd_groups_create_async (SdGroups *self, const gchar *name, const gchar *const *members,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) invited = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SdConfigMessage) info0 = NULL, info = NULL, members0 = NULL, list = NULL;
  g_auto(SdConfigGroupMember) m = { 0 };
  SdGroupIdentity generated;
  CreateData *data;
  SdGroupState *group;

  g_return_if_fail (SD_IS_GROUPS (self));
  if (name == NULL || *name == '\0' || strlen (name) > SD_GROUP_NAME_MAX ||
      !g_utf8_validate (name, -1, NULL) || members == NULL ||
      g_strv_length ((gchar **) members) > SD_GROUP_CREATE_MAX_MEMBERS) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "a group needs a name of 1 to %d bytes and at most %d members",
                             SD_GROUP_NAME_MAX, SD_GROUP_CREATE_MAX_MEMBERS);
    return;
  }
  for (guint i = 0; members[i] != NULL; i++) {
    if (!sd_store_is_session_id (members[i])) {
      g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                               "member %u is not a Session ID", i);
      return;
    }
    if (g_str_equal (members[i], self->identity->session_id))
      continue;
    if (!g_ptr_array_find_with_equal_func (invited, members[i], g_str_equal, NULL))
      g_ptr_array_add (invited, g_strdup (members[i]));
  }

  /* a new key pair: the seed makes us its admin */
  sd_group_identity_generate (&generated);
  data = g_new0 (CreateData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);
  data->name = g_strdup (name);
  group = data->group = g_new0 (SdGroupState, 1);
  group->user = self->identity;
  group->row = g_new0 (SdStoreGroup, 1);
  group->row->id = g_strdup (generated.id);
  group->row->seed = g_malloc (32);
  memcpy (group->row->seed, generated.ed25519_sk, 32);
  sd_group_identity_clear (&generated);
  if (!sd_group_identity_from_seed (&group->ident, group->row->seed, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  group->keys = sd_group_keys_new (&group->ident, self->identity);

  g_ptr_array_add (ids, (gpointer) self->identity->session_id);
  for (guint i = 0; i < invited->len; i++)
    g_ptr_array_add (ids, g_ptr_array_index (invited, i));
  data->pushes[0] = sd_group_keys_rekey (group->keys, ids, &error);
  if (data->pushes[0] == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  info0 = sd_group_config_new (&group->ident);
  info = sd_config_message_increment (info0);
  if (!sd_config_group_info_set_name (sd_config_message_get_data (info), name, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  sd_config_group_info_set_created (sd_config_message_get_data (info),
                                    sd_network_now_ms (self->network) / 1000);
  members0 = sd_group_config_new (&group->ident);
  list = sd_config_message_increment (members0);
  sd_config_group_member_init (&m, self->identity->session_id);
  m.admin = TRUE;
  if (!sd_config_group_members_set (sd_config_message_get_data (list), &m, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < invited->len; i++) {
    sd_config_group_member_clear (&m);
    sd_config_group_member_init (&m, g_ptr_array_index (invited, i));
    m.invite = SD_CONFIG_MEMBER_STATUS_SENT;
    if (!sd_config_group_members_set (sd_config_message_get_data (list), &m, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  }
  data->pushes[1] = sd_group_config_push (SD_GROUP_CONFIG_INFO, group->keys, info, &error);
  if (data->pushes[1] != NULL)
    data->pushes[2] = sd_group_config_push (SD_GROUP_CONFIG_MEMBERS, group->keys, list, &error);
  if (data->pushes[2] == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  group->row->info = sd_config_message_serialize (info);
  group->row->members = sd_config_message_serialize (list);
  g_ptr_array_add (invited, NULL);
  data->members = (GStrv) g_ptr_array_free (g_steal_pointer (&invited), FALSE);
  /* stored before anything goes out: a crash leaves a group we can still push */
  if (!sd_group_state_save (self, group, name, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  push_next (g_steal_pointer (&task));
}

gchar *
sd_groups_create_finish (SdGroups *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- invites ------------------------------------------------------------------------------- */

/* a promotion hands us the group seed: whoever holds it is an admin, so the seed is its own
 * proof (it must be the seed of a group we are in); the Members entry follows at the next
 * poll (sd_group_admin_upkeep) */
static void
take_promotion (SdStore *store, SessionProtos__GroupUpdatePromoteMessage *promote)
{
  g_autoptr(SdStoreGroup) existing = NULL;
  SdGroupIdentity ident = { 0 };

  if (promote->groupidentityseed.len != 32 ||
      !sd_group_identity_from_seed (&ident, promote->groupidentityseed.data, NULL)) {
    sd_group_identity_clear (&ident);
    return;
  }
  existing = sd_store_get_group (store, ident.id, NULL);
  if (existing != NULL && existing->seed == NULL && !existing->pending) {
    g_autoptr(GError) error = NULL;

    existing->seed = g_malloc (32);
    memcpy (existing->seed, promote->groupidentityseed.data, 32);
    if (!sd_store_save_group (store, existing, NULL, &error))
      g_warning ("saving a promotion: %s", error->message);
    else
      g_message ("promoted to admin of a group");
  }
  sd_group_identity_clear (&ident);
}

void
sd_groups_receive_update (SdStore *store, const SdIdentity *identity, const gchar *sender,
                          gint64 sent_at, const guint8 *data, gsize len)
{
  SessionProtos__GroupUpdateMessage *update;
  SessionProtos__GroupUpdateInviteMessage *invite;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) contact = NULL;
  g_autoptr(SdStoreGroup) existing = NULL;
  g_autofree gchar *text = NULL;
  SdGroupIdentity ident = { 0 };
  SdStoreGroup row = { 0 };

  update = session_protos__group_update_message__unpack (NULL, len, data);
  if (update == NULL)
    return;
  if (update->promotemessage != NULL) {
    take_promotion (store, update->promotemessage);
    goto out;
  }
  invite = update->invitemessage;
  if (invite == NULL || invite->groupsessionid == NULL || invite->name == NULL ||
      strlen (invite->name) > SD_GROUP_NAME_MAX || !g_utf8_validate (invite->name, -1, NULL) ||
      invite->memberauthdata.len != SD_SUBACCOUNT_VALUE_LEN ||
      !sd_group_identity_from_id (&ident, invite->groupsessionid, NULL))
    goto out;
  /* signed by the group for us at that time, with a grant our key can use */
  text = sd_group_control_invite_text (identity->session_id, sent_at);
  if (!sd_group_control_verify (&ident, text, invite->adminsignature.data,
                                invite->adminsignature.len, &error) ||
      !sd_subaccount_verify (&ident, identity, invite->memberauthdata.data, FALSE, FALSE)) {
    g_debug ("dropping a group invite: %s", error != NULL ? error->message : "bad grant");
    goto out;
  }
  contact = sd_store_get_conversation (store, sender, NULL);
  if (contact != NULL && contact->blocked) {
    g_debug ("dropping a group invite from a blocked sender");
    goto out;
  }
  existing = sd_store_get_group (store, ident.id, NULL);
  if (existing != NULL && (existing->seed != NULL || !existing->pending)) {
    /* already ours: a new grant (a re-invite) replaces the old one */
    if (existing->seed == NULL) {
      g_clear_pointer (&existing->auth_data, g_bytes_unref);
      existing->auth_data = g_bytes_new (invite->memberauthdata.data, SD_SUBACCOUNT_VALUE_LEN);
      sd_store_save_group (store, existing, NULL, NULL);
    }
    goto out;
  }
  /* invites are requests anyone can send: a bounded number wait for an answer */
  if (existing == NULL) {
    guint n_pending = 0;

    if (!sd_store_count_pending_groups (store, &n_pending, &error)) {
      g_warning ("counting group invites: %s", error->message);
      goto out;
    }
    if (n_pending >= SD_GROUPS_PENDING_MAX) {
      g_message ("dropping a group invite: %u are waiting already", n_pending);
      goto out;
    }
  }
  row.id = ident.id;
  row.auth_data = g_bytes_new (invite->memberauthdata.data, SD_SUBACCOUNT_VALUE_LEN);
  row.invited_by = (gchar *) sender;
  /* an approved contact's invite is taken at once, anyone else's is a request */
  row.pending = contact == NULL || !contact->approved;
  if (!sd_store_save_group (store, &row, invite->name, &error))
    g_warning ("saving a group invite: %s", error->message);
  g_bytes_unref (row.auth_data);
out:
  sd_group_identity_clear (&ident);
  session_protos__group_update_message__free_unpacked (update, NULL);
}

gboolean
sd_groups_respond_invite (SdGroups *self, const gchar *group_id, gboolean accept, GError **error)
{
  g_autoptr(SdStoreGroup) row = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  row = sd_store_get_group (self->store, group_id, &local_error);
  if (row == NULL) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND, "no such group");
    return FALSE;
  }
  /* only an invite may be answered: declining a group we are in (or admin)
   * would delete it, seed and all */
  if (!row->pending) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID, "not an invite");
    return FALSE;
  }
  if (!accept)
    return sd_store_delete_conversation (self->store, group_id, error);
  row->pending = FALSE;
  if (!sd_store_save_group (self->store, row, NULL, error))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_MESSAGE_ADDED], 0, group_id);
  return TRUE;
}

GStrv
sd_groups_dup_members (SdGroups *self, const gchar *group_id)
{
  g_autoptr(SdStoreGroup) row = NULL;
  g_autoptr(SdConfigMessage) members = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  row = sd_store_get_group (self->store, group_id, NULL);
  if (row == NULL || row->members == NULL)
    return NULL;
  /* ours: checked when it was merged */
  members = sd_config_message_parse (g_bytes_get_data (row->members, NULL),
                                     g_bytes_get_size (row->members), SD_CONFIG_DEFAULT_LAG, NULL);
  if (members == NULL)
    return NULL;
  ids = sd_config_group_members_list (sd_config_message_get_data (members));
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

static const gchar *
member_status_string (SdConfigMemberStatus status)
{
  switch (status) {
  case SD_CONFIG_MEMBER_STATUS_SENT: return "sent";
  case SD_CONFIG_MEMBER_STATUS_FAILED: return "failed";
  case SD_CONFIG_MEMBER_STATUS_NOT_SENT: return "not-sent";
  case SD_CONFIG_MEMBER_STATUS_NONE:
  default: return "none";
  }
}

GVariant *
sd_groups_describe (SdGroups *self, const gchar *group_id, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) info = NULL, members = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autofree gchar *description = NULL;
  GVariantBuilder builder, list;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  group = sd_group_state_load (self, group_id, error);
  if (group == NULL)
    return NULL;
  info = sd_group_state_config (group, SD_GROUP_CONFIG_INFO);
  members = sd_group_state_config (group, SD_GROUP_CONFIG_MEMBERS);
  conversation = sd_store_get_conversation (self->store, group_id, NULL);
  if (info != NULL)
    description = sd_config_group_info_get_description (sd_config_message_get_data (info));
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name",
                         g_variant_new_string (conversation != NULL && conversation->name != NULL
                                               ? conversation->name : ""));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (description != NULL ? description : ""));
  g_variant_builder_add (&builder, "{sv}", "admin", g_variant_new_boolean (group->ident.is_admin));
  g_variant_builder_add (&builder, "{sv}", "pending", g_variant_new_boolean (group->row->pending));
  g_variant_builder_add (&builder, "{sv}", "removed",
                         g_variant_new_boolean (!group->ident.is_admin && !group->has_auth &&
                                                !group->row->pending));
  g_variant_builder_add (&builder, "{sv}", "destroyed",
                         g_variant_new_boolean (state_is_destroyed (group)));
  /* Info E and p (docs/groups.md, "Media and disappearing messages") */
  g_variant_builder_add (&builder, "{sv}", "disappearing",
                         g_variant_new_uint32 (sd_groups_get_disappearing (self, group_id)));
  {
    g_autofree gchar *avatar_url = NULL;
    guint8 avatar_key[32];

    if (info == NULL ||
        !sd_config_group_info_get_avatar (sd_config_message_get_data (info), &avatar_url,
                                          avatar_key))
      g_clear_pointer (&avatar_url, g_free);
    sodium_memzero (avatar_key, sizeof avatar_key);
    g_variant_builder_add (&builder, "{sv}", "avatar-url",
                           g_variant_new_string (avatar_url != NULL ? avatar_url : ""));
  }
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  if (members != NULL) {
    SdConfigValue *data = sd_config_message_get_data (members);
    g_autoptr(GPtrArray) ids = sd_config_group_members_list (data);

    for (guint i = 0; i < ids->len; i++) {
      g_auto(SdConfigGroupMember) member = { 0 };

      if (!sd_config_group_members_get (data, g_ptr_array_index (ids, i), &member, NULL))
        continue;
      g_variant_builder_open (&list, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&list, "{sv}", "id", g_variant_new_string (member.session_id));
      g_variant_builder_add (&list, "{sv}", "admin", g_variant_new_boolean (member.admin));
      g_variant_builder_add (&list, "{sv}", "invite",
                             g_variant_new_string (member_status_string (member.invite)));
      g_variant_builder_add (&list, "{sv}", "promotion",
                             g_variant_new_string (member_status_string (member.promotion)));
      g_variant_builder_close (&list);
    }
  }
  g_variant_builder_add (&builder, "{sv}", "members", g_variant_builder_end (&list));
  return g_variant_builder_end (&builder);
}

void
sd_groups_emit_membership_changed (SdGroups *self, const gchar *group_id)
{
  g_signal_emit (self, signals[SIGNAL_MEMBERSHIP_CHANGED], 0, group_id);
}

void
sd_groups_emit_changed (SdGroups *self, const gchar *group_id)
{
  g_return_if_fail (SD_IS_GROUPS (self));
  g_signal_emit (self, signals[SIGNAL_MESSAGE_ADDED], 0, group_id);
}

void
sd_groups_emit_message_changed (SdGroups *self, SdMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, message);
}

void
sd_groups_emit_message_removed (SdGroups *self, SdMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_REMOVED], 0, message);
}

/* ---- object -------------------------------------------------------------------------------- */

static void
sd_groups_finalize (GObject *object)
{
  SdGroups *self = SD_GROUPS (object);

  g_clear_object (&self->network);
  g_clear_object (&self->store);
  g_clear_object (&self->sender);
  g_clear_pointer (&self->responded, g_hash_table_unref);
  g_clear_pointer (&self->upkeep, g_hash_table_unref);
  G_OBJECT_CLASS (sd_groups_parent_class)->finalize (object);
}

static void
sd_groups_class_init (SdGroupsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_groups_finalize;
  signals[SIGNAL_MESSAGE_ADDED] = g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_MEMBERSHIP_CHANGED] = g_signal_new ("membership-changed",
                                                     G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                     G_TYPE_STRING);
  signals[SIGNAL_MESSAGE_RECEIVED] = g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 1, G_TYPE_STRING);
  /* an SdMessage (unowned) another member changed (a reaction) or an admin removed */
  signals[SIGNAL_MESSAGE_CHANGED] = g_signal_new ("message-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_MESSAGE_REMOVED] = g_signal_new ("message-removed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
sd_groups_init (SdGroups *self)
{
  self->responded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->upkeep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SdGroups *
sd_groups_new (SdNetwork *network, SdStore *store, const SdIdentity *identity, SdSender *sender)
{
  SdGroups *self = g_object_new (SD_TYPE_GROUPS, NULL);

  self->network = g_object_ref (network);
  self->store = g_object_ref (store);
  self->sender = g_object_ref (sender);
  self->identity = identity;
  return self;
}
