/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroups"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "sd-groups-private.h"

#include "config/sd-config-group-info.h"
#include "config/sd-config-message.h"
#include "groups/sd-group-control.h"
#include "sd-backoff.h"
#include "sd-protocol-error.h"
#include "sd-storage-rpc.h"

/*
 * What changes a group (docs/groups.md, "Admin flows"): an admin's rename, description,
 * destruction, invitations, promotions and removals, a member leaving, and the upkeep an admin
 * does after a poll (invites accepted, members who left, our own promotion, merges of
 * concurrent edits, conflicting or ageing keys). Every change is made and saved here first, at
 * once, then goes out as a chain of requests to the group's swarm: Keys before the configs
 * encrypted with its key, the configs before the control message announcing them. A refused
 * step is tried again twice; then the chain stops (the call fails; what was saved stays, and
 * the next change pushes the newest state again).
 */

typedef enum {
  STEP_STORE,
  STEP_REVOKE,
  STEP_UNREVOKE,
  STEP_DELETE,
} StepKind;

typedef struct {
  StepKind kind;
  gint namespace_;
  gint64 ttl_ms;
  GBytes *data;   /* (owned) the item, the tokens of a revoke, or the hashes of a delete
                   * (one a line) */
} Step;

static void
step_free (Step *step)
{
  g_bytes_unref (step->data);
  g_free (step);
}

typedef struct {
  gchar *group_id;
  GPtrArray *steps;       /* (element-type Step) */
  guint next;
  guint attempts;         /* of the current step */
  GStrv promoted;         /* (nullable) they get the seed 1:1 once the chain went out */
  GPtrArray *invited;     /* (nullable) they get an invite 1:1 once the chain went out */
  gboolean forget;        /* leaving: the group is forgotten once the chain went out */
} Chain;

static void
chain_free (Chain *chain)
{
  g_free (chain->group_id);
  g_ptr_array_unref (chain->steps);
  g_strfreev (chain->promoted);
  g_clear_pointer (&chain->invited, g_ptr_array_unref);
  g_free (chain);
}

static Chain *
chain_new (const gchar *group_id)
{
  Chain *chain = g_new0 (Chain, 1);

  chain->group_id = g_strdup (group_id);
  chain->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  return chain;
}

static void
chain_store (Chain *chain, gint namespace_, gint64 ttl_ms, GBytes *data)
{
  Step *step = g_new0 (Step, 1);

  step->kind = STEP_STORE;
  step->namespace_ = namespace_;
  step->ttl_ms = ttl_ms;
  step->data = g_bytes_ref (data);
  g_ptr_array_add (chain->steps, step);
}

static void
chain_revoke (Chain *chain, GBytes *tokens, gboolean unrevoke)
{
  Step *step = g_new0 (Step, 1);

  step->kind = unrevoke ? STEP_UNREVOKE : STEP_REVOKE;
  step->data = g_bytes_ref (tokens);
  g_ptr_array_add (chain->steps, step);
}

static void chain_next (GTask *task);

/* a step the swarm refused or did not answer is tried again, the same bytes (a store that did
 * land is not duplicated: one item per hash), 1 and 2 s later, before the call fails */
#define CHAIN_STEP_ATTEMPTS 3

static gboolean
retry_step (gpointer user_data)
{
  GTask *task = user_data;
  Chain *chain = g_task_get_task_data (task);

  chain->next--;
  chain_next (task);
  return G_SOURCE_REMOVE;
}

static void
on_step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Chain *chain = g_task_get_task_data (task);
  Step *step = g_ptr_array_index (chain->steps, chain->next - 1);
  g_autofree gchar *hash = NULL;
  gboolean ok;

  if (step->kind == STEP_STORE) {
    hash = g_task_propagate_pointer (G_TASK (result), &error);
    ok = hash != NULL;
  } else {
    ok = g_task_propagate_boolean (G_TASK (result), &error);
  }
  if (!ok) {
    if (++chain->attempts < CHAIN_STEP_ATTEMPTS &&
        !g_error_matches (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND) &&
        !g_error_matches (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED)) {
      g_debug ("a group change step failed (attempt %u): %s", chain->attempts, error->message);
      g_timeout_add ((guint) sd_backoff_delay (1000, 4000, chain->attempts), retry_step,
                     g_steal_pointer (&task));
      return;
    }
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain->attempts = 0;
  if (step->kind == STEP_STORE && step->namespace_ == SD_GROUP_NS_KEYS)
    sd_groups_keys_stored (g_task_get_source_object (task), chain->group_id, hash, step->data);
  chain_next (g_steal_pointer (&task));
}

static GBytes *pack_promote (const SdGroupState *group, const gchar *name, gint64 sent_at);

static void
chain_done (GTask *task)
{
  SdGroups *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (chain->promoted != NULL) {
    g_autoptr(SdGroupState) group = sd_group_state_load (self, chain->group_id, NULL);
    g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store,
                                                                        chain->group_id, NULL);

    for (guint i = 0; group != NULL && chain->promoted[i] != NULL; i++) {
      gint64 now = sd_network_now_ms (self->network);
      g_autoptr(GBytes) promote = pack_promote (group, conversation != NULL ?
                                                         conversation->name : NULL, now);

      sd_sender_send_control (self->sender, chain->promoted[i], promote, (guint64) now,
                              SD_OUTGOING_TEXT);
    }
  }
  if (chain->invited != NULL) {
    g_autoptr(SdGroupState) group = sd_group_state_load (self, chain->group_id, NULL);
    g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store,
                                                                        chain->group_id, NULL);

    if (group != NULL)
      sd_groups_send_invites (self, group, conversation != NULL && conversation->name != NULL ?
                                             conversation->name : "", chain->invited);
  }
  if (chain->forget &&
      !sd_store_delete_conversation (self->store, chain->group_id, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
chain_next (GTask *task)
{
  SdGroups *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GError) error = NULL;
  Step *step;

  if (chain->next >= chain->steps->len) {
    chain_done (task);
    g_object_unref (task);
    return;
  }
  group = sd_group_state_load (self, chain->group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  step = g_ptr_array_index (chain->steps, chain->next++);
  if (step->kind == STEP_STORE) {
    sd_groups_store_async (self, group, step->namespace_, step->ttl_ms, step->data,
                           on_step_done, task);
  } else if (step->kind == STEP_DELETE) {
    g_autofree gchar *text = g_strndup (g_bytes_get_data (step->data, NULL),
                                        g_bytes_get_size (step->data));
    g_auto(GStrv) hashes = g_strsplit (text, "\n", -1);

    sd_groups_delete_async (self, group, (const gchar *const *) hashes, on_step_done, task);
  } else
    sd_groups_revoke_async (self, group, step->data, step->kind == STEP_UNREVOKE, on_step_done,
                            task);
}

static void
chain_run (GTask *task, Chain *chain)
{
  g_task_set_task_data (task, chain, (GDestroyNotify) chain_free);
  chain_next (task);
}

gboolean
sd_groups_admin_finish (SdGroups *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- editing Info and Members -------------------------------------------------------------- */

/* the admin's editable successor of the group's Info or Members (a new one when none) */
static SdConfigMessage *
config_successor (SdGroupState *group, SdGroupConfigKind kind)
{
  g_autoptr(SdConfigMessage) current = sd_group_state_config (group, kind);

  if (current == NULL)
    current = sd_group_config_new (&group->ident);
  return sd_config_message_increment (current);
}

/* @message encrypted and kept as the group's newest @kind; the push is added to @chain */
static gboolean
config_commit (SdGroupState *group, SdGroupConfigKind kind, SdConfigMessage *message,
               Chain *chain, GError **error)
{
  g_autoptr(GBytes) push = NULL;
  GBytes **stored = kind == SD_GROUP_CONFIG_INFO ? &group->row->info : &group->row->members;

  if (!sd_config_message_check_limits (message, error))
    return FALSE;
  push = sd_group_config_push (kind, group->keys, message, error);
  if (push == NULL)
    return FALSE;
  g_clear_pointer (stored, g_bytes_unref);
  *stored = sd_config_message_serialize (message);
  chain_store (chain, sd_group_config_namespace (kind), SD_GROUP_CONFIG_TTL_MS, push);
  return TRUE;
}

/* the group's Info or Members as we hold it, encrypted with the current key, added to @chain */
static gboolean
chain_config_as_is (SdGroupState *group, SdGroupConfigKind kind, Chain *chain, GError **error)
{
  g_autoptr(SdConfigMessage) message = sd_group_state_config (group, kind);
  g_autoptr(GBytes) push = NULL;

  if (message == NULL)
    return TRUE;
  push = sd_group_config_push (kind, group->keys, message, error);
  if (push == NULL)
    return FALSE;
  chain_store (chain, sd_group_config_namespace (kind), SD_GROUP_CONFIG_TTL_MS, push);
  return TRUE;
}

SdGroupState *
sd_group_state_load_for_admin (SdGroups *self, const gchar *group_id, GError **error)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (self, group_id, error);

  if (group == NULL)
    return NULL;
  if (!group->ident.is_admin) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_ADMIN,
                         "only an admin of the group may do that");
    return NULL;
  }
  if (!sd_group_state_is_active (group) || !sd_group_keys_get_current (group->keys, NULL, NULL)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_MEMBER,
                         "the group was destroyed, or we are no longer in it");
    return NULL;
  }
  return g_steal_pointer (&group);
}

/* @ids: Session IDs, each in the group's Members, not us, not repeated, 1 to 50 of them */
static GPtrArray *
check_members (SdGroups *self, SdGroupState *group, const gchar *const *ids, gboolean not_admins,
               GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  if (ids == NULL || ids[0] == NULL ||
      g_strv_length ((gchar **) ids) > SD_GROUP_CHANGE_MAX_MEMBERS) {
    g_set_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                 "1 to %d members at once", SD_GROUP_CHANGE_MAX_MEMBERS);
    return NULL;
  }
  for (guint i = 0; ids[i] != NULL; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };

    if (!sd_store_is_session_id (ids[i]) || g_str_equal (ids[i], self->identity->session_id) ||
        !sd_group_state_get_member (group, ids[i], &member)) {
      g_set_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                   "member %u is not another member of the group", i);
      return NULL;
    }
    if (not_admins && member.admin) {
      g_set_error (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                   "member %u is an admin already", i);
      return NULL;
    }
    if (!g_ptr_array_find_with_equal_func (out, ids[i], g_str_equal, NULL))
      g_ptr_array_add (out, g_strdup (ids[i]));
  }
  return g_steal_pointer (&out);
}

/* the control message, signed and encrypted, as the chain's last step */
static gboolean
chain_update (SdGroups *self, SdGroupState *group, Chain *chain,
              SessionProtos__GroupUpdateMessage *update, gint64 sent_at, GError **error)
{
  g_autoptr(GBytes) encrypted = sd_groups_encrypt_update (self, group, update, sent_at, error);

  if (encrypted == NULL)
    return FALSE;
  chain_store (chain, SD_GROUP_NS_MESSAGES, SD_GROUP_MESSAGE_TTL_MS, encrypted);
  return TRUE;
}

static gboolean
chain_member_change (SdGroups *self, SdGroupState *group, Chain *chain,
                     SdGroupMemberChange type, GPtrArray *ids, GError **error)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateMemberChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_MEMBER_CHANGE_MESSAGE__INIT;
  gint64 sent_at = sd_network_now_ms (self->network);
  g_autofree gchar *text = sd_group_control_member_change_text (type, sent_at);
  guint8 signature[64];

  if (!sd_group_control_sign (&group->ident, text, signature, error))
    return FALSE;
  change.type = (SessionProtos__GroupUpdateMemberChangeMessage__Type) type;
  change.n_membersessionids = ids->len;
  change.membersessionids = (char **) ids->pdata;
  change.adminsignature.data = signature;
  change.adminsignature.len = sizeof (signature);
  update.memberchangemessage = &change;
  return chain_update (self, group, chain, &update, sent_at, error);
}

/* ---- rename, describe, destroy ------------------------------------------------------------- */

void
sd_groups_set_info_async (SdGroups *self, const gchar *group_id, const gchar *name,
                          const gchar *description, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  g_autofree gchar *old_name = NULL;
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  if ((name != NULL && (*name == '\0' || strlen (name) > SD_GROUP_NAME_MAX ||
                        !g_utf8_validate (name, -1, NULL))) ||
      (description != NULL && (strlen (description) > SD_GROUP_DESCRIPTION_MAX ||
                               !g_utf8_validate (description, -1, NULL))) ||
      (name == NULL && description == NULL)) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "a name of 1 to %d bytes and/or a description of at most %d bytes",
                             SD_GROUP_NAME_MAX, SD_GROUP_DESCRIPTION_MAX);
    return;
  }
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain = chain_new (group_id);
  info = config_successor (group, SD_GROUP_CONFIG_INFO);
  old_name = sd_config_group_info_get_name (sd_config_message_get_data (info));
  if ((name != NULL &&
       !sd_config_group_info_set_name (sd_config_message_get_data (info), name, &error)) ||
      (description != NULL &&
       !sd_config_group_info_set_description (sd_config_message_get_data (info), description,
                                              &error)) ||
      !config_commit (group, SD_GROUP_CONFIG_INFO, info, chain, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* a new name is announced to the group, as the official clients do (a description is not) */
  if (name != NULL && g_strcmp0 (name, old_name) != 0) {
    SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
    SessionProtos__GroupUpdateInfoChangeMessage change =
      SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__INIT;
    gint64 sent_at = sd_network_now_ms (self->network);
    g_autofree gchar *text = sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_NAME,
                                                                sent_at);
    guint8 signature[64];

    if (!sd_group_control_sign (&group->ident, text, signature, &error)) {
      chain_free (chain);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    change.type = SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__TYPE__NAME;
    change.updatedname = (char *) name;
    change.adminsignature.data = signature;
    change.adminsignature.len = sizeof (signature);
    update.infochangemessage = &change;
    if (!chain_update (self, group, chain, &update, sent_at, &error)) {
      chain_free (chain);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  }
  if (!sd_group_state_save (self, group, name, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain_run (g_steal_pointer (&task), chain);
}

void
sd_groups_destroy_async (SdGroups *self, const gchar *group_id, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain = chain_new (group_id);
  info = config_successor (group, SD_GROUP_CONFIG_INFO);
  sd_config_group_info_destroy (sd_config_message_get_data (info));
  if (!config_commit (group, SD_GROUP_CONFIG_INFO, info, chain, &error) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain_run (g_steal_pointer (&task), chain);
}

/* ---- promote ------------------------------------------------------------------------------- */

static GBytes *
pack_promote (const SdGroupState *group, const gchar *name, gint64 sent_at)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdatePromoteMessage promote =
    SESSION_PROTOS__GROUP_UPDATE_PROMOTE_MESSAGE__INIT;

  promote.groupidentityseed.data = (guint8 *) group->ident.ed25519_sk;
  promote.groupidentityseed.len = 32;
  promote.name = (char *) (name != NULL ? name : "");
  update.promotemessage = &promote;
  /* it holds the group seed: the packer wipes its copy */
  return sd_groups_pack_update (&update, sent_at);
}

void
sd_groups_promote_async (SdGroups *self, const gchar *group_id, const gchar *const *members,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) list = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group != NULL)
    ids = check_members (self, group, members, TRUE, &error);
  if (ids == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain = chain_new (group_id);
  list = config_successor (group, SD_GROUP_CONFIG_MEMBERS);
  for (guint i = 0; i < ids->len; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };

    /* the promoted member marks itself admin once it has the seed (sd_group_admin_upkeep) */
    sd_config_group_members_get (sd_config_message_get_data (list),
                                 g_ptr_array_index (ids, i), &member, NULL);
    member.promotion = SD_CONFIG_MEMBER_STATUS_SENT;
    if (!sd_config_group_members_set (sd_config_message_get_data (list), &member, &error))
      break;
  }
  if (error != NULL || !config_commit (group, SD_GROUP_CONFIG_MEMBERS, list, chain, &error) ||
      !chain_member_change (self, group, chain, SD_GROUP_MEMBER_CHANGE_PROMOTED, ids, &error) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_ptr_array_add (ids, NULL);
  chain->promoted = (GStrv) g_ptr_array_steal (ids, NULL);
  chain_run (g_steal_pointer (&task), chain);
}

/* @ids' subaccount tokens (read and write, as their grants are made) revoked, or unrevoked:
 * a token is the same for every grant of one member, so one invited again after a removal
 * needs its revocation lifted, as the official clients do on every invite */
static gboolean
chain_tokens (SdGroupState *group, Chain *chain, GPtrArray *ids, gboolean unrevoke,
              GError **error)
{
  g_autofree guint8 *packed = g_malloc0 ((gsize) ids->len * SD_SUBACCOUNT_TOKEN_LEN);
  g_autoptr(GBytes) tokens = NULL;

  for (guint i = 0; i < ids->len; i++)
    if (!sd_subaccount_token (&group->ident, g_ptr_array_index (ids, i), TRUE, FALSE,
                              packed + (gsize) i * SD_SUBACCOUNT_TOKEN_LEN, error))
      return FALSE;
  tokens = g_bytes_new (packed, (gsize) ids->len * SD_SUBACCOUNT_TOKEN_LEN);
  chain_revoke (chain, tokens, unrevoke);
  return TRUE;
}

/* ---- invite -------------------------------------------------------------------------------- */

void
sd_groups_invite_async (SdGroups *self, const gchar *group_id, const gchar *const *members,
                        gboolean share_history, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) list = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) everyone = NULL;
  g_autoptr(GBytes) keys_message = NULL;
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateMemberChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_MEMBER_CHANGE_MESSAGE__INIT;
  gint64 sent_at;
  g_autofree gchar *text = NULL;
  guint8 signature[64];
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (members == NULL || members[0] == NULL ||
      g_strv_length ((gchar **) members) > SD_GROUP_CHANGE_MAX_MEMBERS) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "1 to %d members at once", SD_GROUP_CHANGE_MAX_MEMBERS);
    return;
  }
  list = config_successor (group, SD_GROUP_CONFIG_MEMBERS);
  for (guint i = 0; members[i] != NULL; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };

    if (!sd_store_is_session_id (members[i]) ||
        g_str_equal (members[i], self->identity->session_id)) {
      g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                               "member %u is not another Session ID", i);
      return;
    }
    /* one who joined is not invited again; one still invited gets a new invite */
    if (sd_config_group_members_get (sd_config_message_get_data (list), members[i], &member,
                                     NULL) &&
        member.invite == SD_CONFIG_MEMBER_STATUS_NONE) {
      g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                               "member %u is in the group already", i);
      return;
    }
    if (g_ptr_array_find_with_equal_func (ids, members[i], g_str_equal, NULL))
      continue;
    sd_config_group_member_clear (&member);
    sd_config_group_member_init (&member, members[i]);
    member.invite = SD_CONFIG_MEMBER_STATUS_SENT;
    member.supplement = share_history;
    if (!sd_config_group_members_set (sd_config_message_get_data (list), &member, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_ptr_array_add (ids, g_strdup (members[i]));
  }
  chain = chain_new (group_id);
  if (share_history) {
    /* the keys we hold, for them only: they read what is still in the swarm */
    keys_message = sd_group_keys_supplement (group->keys, ids, &error);
  } else {
    /* a new key for everyone, them included: what came before stays closed to them */
    everyone = sd_config_group_members_list (sd_config_message_get_data (list));
    keys_message = sd_group_keys_rekey (group->keys, everyone, &error);
  }
  if (keys_message == NULL) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain_store (chain, SD_GROUP_NS_KEYS, SD_GROUP_CONFIG_TTL_MS, keys_message);
  /* without the history, Info again under the new key */
  if (!share_history && !chain_config_as_is (group, SD_GROUP_CONFIG_INFO, chain, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  sent_at = sd_network_now_ms (self->network);
  text = sd_group_control_member_change_text (SD_GROUP_MEMBER_CHANGE_ADDED, sent_at);
  if (!config_commit (group, SD_GROUP_CONFIG_MEMBERS, list, chain, &error) ||
      !chain_tokens (group, chain, ids, TRUE, &error) ||
      !sd_group_control_sign (&group->ident, text, signature, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  change.type = SESSION_PROTOS__GROUP_UPDATE_MEMBER_CHANGE_MESSAGE__TYPE__ADDED;
  change.n_membersessionids = ids->len;
  change.membersessionids = (char **) ids->pdata;
  change.has_historyshared = TRUE;
  change.historyshared = share_history;
  change.adminsignature.data = signature;
  change.adminsignature.len = sizeof (signature);
  update.memberchangemessage = &change;
  if (!chain_update (self, group, chain, &update, sent_at, &error) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain->invited = g_steal_pointer (&ids);
  chain_run (g_steal_pointer (&task), chain);
}

/* ---- remove (kick) ------------------------------------------------------------------------- */

/* @ids leave @group: Members, a new key for the others, their tokens revoked, a kick notice;
 * MEMBER_CHANGE REMOVED to the group when @announce */
static gboolean
chain_removal (SdGroups *self, SdGroupState *group, Chain *chain, GPtrArray *ids,
               gboolean announce, GError **error)
{
  g_autoptr(SdConfigMessage) list = config_successor (group, SD_GROUP_CONFIG_MEMBERS);
  g_autoptr(GPtrArray) remaining = NULL;
  g_autoptr(GBytes) keys_message = NULL, notice = NULL;
  gint64 generation = 0;

  for (guint i = 0; i < ids->len; i++)
    sd_config_group_members_remove (sd_config_message_get_data (list),
                                    g_ptr_array_index (ids, i));
  /* every member left, admins included, gets the new key; the removed ones do not */
  remaining = sd_config_group_members_list (sd_config_message_get_data (list));
  keys_message = sd_group_keys_rekey (group->keys, remaining, error);
  if (keys_message == NULL)
    return FALSE;
  sd_group_keys_get_current (group->keys, NULL, &generation);
  chain_store (chain, SD_GROUP_NS_KEYS, SD_GROUP_CONFIG_TTL_MS, keys_message);
  /* Info again under the new key: the members left must read it without the old one */
  if (!chain_config_as_is (group, SD_GROUP_CONFIG_INFO, chain, error) ||
      !config_commit (group, SD_GROUP_CONFIG_MEMBERS, list, chain, error) ||
      !chain_tokens (group, chain, ids, FALSE, error))
    return FALSE;
  notice = sd_group_kick_notice_encrypt (&group->ident, ids, generation, error);
  if (notice == NULL)
    return FALSE;
  chain_store (chain, SD_GROUP_NS_KICKED, SD_GROUP_CONFIG_TTL_MS, notice);
  if (announce &&
      !chain_member_change (self, group, chain, SD_GROUP_MEMBER_CHANGE_REMOVED, ids, error))
    return FALSE;
  return TRUE;
}

/* ---- deleting members' content ------------------------------------------------------------ */

/* the items of a swarm delete, at most 100 a request (the hashes, one a line) */
#define DELETE_HASHES_PER_STEP 100

static void
chain_delete (Chain *chain, GPtrArray *hashes)
{
  for (guint first = 0; first < hashes->len; first += DELETE_HASHES_PER_STEP) {
    g_autoptr(GString) text = g_string_new (NULL);
    Step *step = g_new0 (Step, 1);

    for (guint i = first; i < hashes->len && i < first + DELETE_HASHES_PER_STEP; i++)
      g_string_append_printf (text, "%s%s", i > first ? "\n" : "",
                              (const gchar *) g_ptr_array_index (hashes, i));
    step->kind = STEP_DELETE;
    step->data = g_string_free_to_bytes (g_steal_pointer (&text));
    g_ptr_array_add (chain->steps, step);
  }
}

/* DELETE_CONTENT for @members (every text they sent) and @hashes (those items): signed and
 * added to @chain, what we hold of it removed here at once (MessageRemoved), then the items we
 * know deleted from the group's swarm (we are admin) */
static gboolean
chain_content_delete (SdGroups *self, SdGroupState *group, Chain *chain, GPtrArray *members,
                      GPtrArray *hashes, GError **error)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateDeleteMemberContentMessage msg =
    SESSION_PROTOS__GROUP_UPDATE_DELETE_MEMBER_CONTENT_MESSAGE__INIT;
  gint64 sent_at = sd_network_now_ms (self->network);
  guint8 signature[64];
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GPtrArray) swarm = g_ptr_array_new_with_free_func (g_free);

  if (!sd_group_content_delete_build (group, members, hashes, sent_at, &update, &msg, signature,
                                      error) ||
      !chain_update (self, group, chain, &update, sent_at, error))
    return FALSE;
  g_ptr_array_add (members, NULL);
  g_ptr_array_add (hashes, NULL);
  removed = sd_store_remove_group_content (self->store, group->ident.id,
                                           (const gchar *const *) members->pdata,
                                           (const gchar *const *) hashes->pdata, NULL, sent_at,
                                           error);
  g_ptr_array_remove_index (members, members->len - 1);
  g_ptr_array_remove_index (hashes, hashes->len - 1);
  if (removed == NULL)
    return FALSE;
  for (guint i = 0; i < hashes->len; i++)
    g_ptr_array_add (swarm, g_strdup (g_ptr_array_index (hashes, i)));
  for (guint i = 0; i < removed->len; i++) {
    SdMessage *message = g_ptr_array_index (removed, i);

    if (message->server_hash != NULL &&
        !g_ptr_array_find_with_equal_func (swarm, message->server_hash, g_str_equal, NULL))
      g_ptr_array_add (swarm, g_strdup (message->server_hash));
    sd_groups_emit_message_removed (self, message);
  }
  if (removed->len > 0)
    sd_groups_emit_changed (self, group->ident.id);
  chain_delete (chain, swarm);
  return TRUE;
}

void
sd_groups_delete_member_content_async (SdGroups *self, const gchar *group_id,
                                       const gchar *const *members,
                                       const gchar *const *message_ids,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  guint n_members = members != NULL ? g_strv_length ((gchar **) members) : 0;
  guint n_messages = message_ids != NULL ? g_strv_length ((gchar **) message_ids) : 0;
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  if (n_members + n_messages == 0 || n_members > SD_GROUP_CHANGE_MAX_MEMBERS ||
      n_messages > SD_GROUP_CHANGE_MAX_MEMBERS) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "0 to %d members and 0 to %d messages, not none at all",
                             SD_GROUP_CHANGE_MAX_MEMBERS, SD_GROUP_CHANGE_MAX_MEMBERS);
    return;
  }
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* a member who left or was removed may still have content: any Session ID will do */
  for (guint i = 0; i < n_members; i++) {
    if (!sd_store_is_session_id (members[i])) {
      g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                               "member %u is not a Session ID", i);
      return;
    }
    if (!g_ptr_array_find_with_equal_func (ids, members[i], g_str_equal, NULL))
      g_ptr_array_add (ids, g_strdup (members[i]));
  }
  /* messages are named by their id; the group knows them by their swarm hash */
  for (guint i = 0; i < n_messages; i++) {
    g_autoptr(SdMessage) message = sd_store_get_message (self->store, message_ids[i], NULL);

    if (message == NULL || g_strcmp0 (message->conversation, group_id) != 0 ||
        message->kind != SD_MESSAGE_KIND_TEXT || message->server_hash == NULL ||
        !sd_group_content_hash_ok (message->server_hash)) {
      g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                               "message %u is not a message of this group on its swarm", i);
      return;
    }
    if (!g_ptr_array_find_with_equal_func (hashes, message->server_hash, g_str_equal, NULL))
      g_ptr_array_add (hashes, g_strdup (message->server_hash));
  }
  chain = chain_new (group_id);
  if (!chain_content_delete (self, group, chain, ids, hashes, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain_run (g_steal_pointer (&task), chain);
}

static void
on_unsend_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_message ("our unsent group message stays in the swarm: %s", error->message);
}

SdMessage *
sd_groups_unsend (SdGroups *self, const gchar *group_id, const gchar *message_id,
                  GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdMessage) target = NULL;
  g_autoptr(GPtrArray) no_members = g_ptr_array_new ();
  g_autoptr(GPtrArray) hashes = g_ptr_array_new ();
  g_autoptr(GPtrArray) removed = NULL;
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateDeleteMemberContentMessage msg =
    SESSION_PROTOS__GROUP_UPDATE_DELETE_MEMBER_CONTENT_MESSAGE__INIT;
  const gchar *only[] = { NULL, NULL };
  guint8 signature[64];
  gint64 sent_at;

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
      target->kind != SD_MESSAGE_KIND_TEXT ||
      !g_str_equal (target->author, self->identity->session_id) ||
      target->server_hash == NULL || !sd_group_content_hash_ok (target->server_hash)) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                         "not a message of ours that reached the group");
    return NULL;
  }
  g_ptr_array_add (hashes, target->server_hash);
  sent_at = sd_network_now_ms (self->network);
  /* as the official clients send it: our own item by hash, signed only by an admin (a member's
   * is taken for the sender's own items alone) */
  if (group->ident.is_admin) {
    if (!sd_group_content_delete_build (group, no_members, hashes, sent_at, &update, &msg,
                                        signature, error))
      return NULL;
  } else {
    msg.n_messagehashes = 1;
    msg.messagehashes = (char **) hashes->pdata;
    update.deletemembercontent = &msg;
  }
  if (!sd_groups_send_update (self, group, &update, sent_at, error))
    return NULL;
  only[0] = target->server_hash;
  removed = sd_store_remove_group_content (self->store, group_id, NULL, only,
                                           self->identity->session_id, sent_at, error);
  if (removed == NULL)
    return NULL;
  /* an admin may also take it off the swarm; a member's grant has no delete */
  if (group->ident.is_admin)
    sd_groups_delete_async (self, group, only, on_unsend_deleted, NULL);
  if (removed->len == 0) {
    g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND,
                         "the message is gone already");
    return NULL;
  }
  return sd_message_copy (g_ptr_array_index (removed, 0));
}

void
sd_groups_remove_members_async (SdGroups *self, const gchar *group_id,
                                const gchar *const *members, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  sd_groups_remove_members_full_async (self, group_id, members, FALSE, cancellable, callback,
                                       user_data);
}

void
sd_groups_remove_members_full_async (SdGroups *self, const gchar *group_id,
                                     const gchar *const *members, gboolean with_content,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  Chain *chain;

  g_return_if_fail (SD_IS_GROUPS (self));
  group = sd_group_state_load_for_admin (self, group_id, &error);
  if (group != NULL)
    ids = check_members (self, group, members, FALSE, &error);
  if (ids == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  chain = chain_new (group_id);
  if (!chain_removal (self, group, chain, ids, TRUE, &error) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    chain_free (chain);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* and their messages, as the official clients' "remove with messages": under the new key,
   * for the members who stay */
  if (with_content) {
    g_autoptr(GPtrArray) no_hashes = g_ptr_array_new ();

    if (!chain_content_delete (self, group, chain, ids, no_hashes, &error)) {
      chain_free (chain);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  }
  chain_run (g_steal_pointer (&task), chain);
}

/* ---- leave --------------------------------------------------------------------------------- */

static gboolean
has_other_admin (SdGroups *self, SdGroupState *group)
{
  g_autoptr(SdConfigMessage) members = sd_group_state_config (group, SD_GROUP_CONFIG_MEMBERS);
  g_autoptr(GPtrArray) ids = NULL;

  if (members == NULL)
    return FALSE;
  ids = sd_config_group_members_list (sd_config_message_get_data (members));
  for (guint i = 0; i < ids->len; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };
    const gchar *id = g_ptr_array_index (ids, i);

    if (!g_str_equal (id, self->identity->session_id) &&
        sd_config_group_members_get (sd_config_message_get_data (members), id, &member, NULL) &&
        member.admin)
      return TRUE;
  }
  return FALSE;
}

void
sd_groups_leave_async (SdGroups *self, const gchar *group_id, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = NULL;
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateMemberLeftMessage left =
    SESSION_PROTOS__GROUP_UPDATE_MEMBER_LEFT_MESSAGE__INIT;
  SessionProtos__GroupUpdateMemberLeftNotificationMessage notification =
    SESSION_PROTOS__GROUP_UPDATE_MEMBER_LEFT_NOTIFICATION_MESSAGE__INIT;
  Chain *chain;
  gint64 now;

  g_return_if_fail (SD_IS_GROUPS (self));
  group = sd_group_state_load (self, group_id, &error);
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (group->row->pending) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "an invite is declined, not left");
    return;
  }
  if (group->ident.is_admin && sd_group_state_is_active (group) &&
      !has_other_admin (self, group)) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "the only admin destroys the group rather than leaving it");
    return;
  }
  chain = chain_new (group_id);
  chain->forget = TRUE;
  /* a removed member or a destroyed group has nobody to tell: it is only forgotten */
  if (sd_group_state_is_active (group) && sd_group_keys_get_current (group->keys, NULL, NULL)) {
    g_autoptr(GBytes) first = NULL, second = NULL;

    now = sd_network_now_ms (self->network);
    update.memberleftmessage = &left;
    first = sd_groups_encrypt_update (self, group, &update, now, &error);
    update.memberleftmessage = NULL;
    update.memberleftnotificationmessage = &notification;
    if (first != NULL)
      second = sd_groups_encrypt_update (self, group, &update, now + 1, &error);
    if (second == NULL) {
      chain_free (chain);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    chain_store (chain, SD_GROUP_NS_MESSAGES, SD_GROUP_MESSAGE_TTL_MS, first);
    chain_store (chain, SD_GROUP_NS_MESSAGES, SD_GROUP_MESSAGE_TTL_MS, second);
  }
  chain_run (g_steal_pointer (&task), chain);
}

/* ---- an invite that did not go out ---------------------------------------------------------- */

static void
on_invite_failed_pushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sd_groups_admin_finish (SD_GROUPS (source), result, &error))
    g_message ("a failed invite's status did not go out: %s", error->message);
}

void
sd_group_admin_invite_failed (SdGroups *self, const gchar *group_id, const gchar *member)
{
  g_autoptr(SdGroupState) group = sd_group_state_load_for_admin (self, group_id, NULL);
  g_autoptr(SdConfigMessage) list = NULL;
  g_auto(SdConfigGroupMember) entry = { 0 };
  g_autoptr(GError) error = NULL;
  Chain *chain;

  if (group == NULL)
    return;
  list = config_successor (group, SD_GROUP_CONFIG_MEMBERS);
  /* only an invite still waiting (it may have been answered, or the member removed) */
  if (!sd_config_group_members_get (sd_config_message_get_data (list), member, &entry, NULL) ||
      entry.invite != SD_CONFIG_MEMBER_STATUS_SENT)
    return;
  entry.invite = SD_CONFIG_MEMBER_STATUS_FAILED;
  chain = chain_new (group_id);
  if (!sd_config_group_members_set (sd_config_message_get_data (list), &entry, &error) ||
      !config_commit (group, SD_GROUP_CONFIG_MEMBERS, list, chain, &error) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    g_message ("a failed invite cannot be recorded: %s", error->message);
    chain_free (chain);
    return;
  }
  sd_groups_emit_changed (self, group_id);
  chain_run (g_task_new (self, NULL, on_invite_failed_pushed, NULL), chain);
}

/* ---- after a poll -------------------------------------------------------------------------- */

static void
on_upkeep_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree gchar *group_id = user_data;
  g_autoptr(GError) error = NULL;

  g_hash_table_remove (SD_GROUPS (source)->upkeep, group_id);
  if (!sd_groups_admin_finish (SD_GROUPS (source), result, &error))
    g_message ("a group's upkeep did not go out: %s", error->message);
}

static gboolean
keys_need_renewal (SdGroups *self, SdGroupState *group)
{
  guint n = sd_group_keys_get_n_keys (group->keys);
  const SdGroupKey *newest = n > 0 ? sd_group_keys_get_key (group->keys, n - 1) : NULL;

  return newest != NULL && newest->timestamp_ms > 0 &&
         sd_network_now_ms (self->network) - newest->timestamp_ms > SD_GROUP_CONFIG_RENEW_MS;
}

void
sd_group_admin_upkeep (SdGroups *self, const gchar *group_id, GPtrArray *accepted,
                       GPtrArray *left, gboolean push_info, gboolean push_members)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) list = NULL;
  g_autoptr(GPtrArray) leaving = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(SdConfigGroupMember) me = { 0 };
  g_autoptr(GTask) task = NULL;
  gboolean changed = FALSE, promoted = FALSE, rekey;
  Chain *chain;

  /* one change at a time per group: the next poll sees what is still to do */
  if (g_hash_table_contains (self->upkeep, group_id))
    return;
  group = sd_group_state_load_for_admin (self, group_id, NULL);
  if (group == NULL)
    return;
  list = config_successor (group, SD_GROUP_CONFIG_MEMBERS);
  /* invites accepted: "I" goes (an admin's entry has none) */
  for (guint i = 0; i < accepted->len; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };

    if (sd_config_group_members_get (sd_config_message_get_data (list),
                                     g_ptr_array_index (accepted, i), &member, NULL) &&
        member.invite != SD_CONFIG_MEMBER_STATUS_NONE) {
      member.invite = SD_CONFIG_MEMBER_STATUS_NONE;
      changed |= sd_config_group_members_set (sd_config_message_get_data (list), &member, NULL);
    }
  }
  /* we hold the seed: a promotion we were sent is taken */
  if (sd_config_group_members_get (sd_config_message_get_data (list),
                                   self->identity->session_id, &me, NULL) &&
      (!me.admin || me.promotion != SD_CONFIG_MEMBER_STATUS_NONE ||
       me.invite != SD_CONFIG_MEMBER_STATUS_NONE)) {
    promoted = !me.admin;
    me.admin = TRUE;
    me.promotion = SD_CONFIG_MEMBER_STATUS_NONE;
    me.invite = SD_CONFIG_MEMBER_STATUS_NONE;
    changed |= sd_config_group_members_set (sd_config_message_get_data (list), &me, NULL);
  }
  for (guint i = 0; i < left->len; i++) {
    g_auto(SdConfigGroupMember) member = { 0 };
    const gchar *id = g_ptr_array_index (left, i);

    if (sd_config_group_members_get (sd_config_message_get_data (list), id, &member, NULL) &&
        leaving->len < SD_GROUP_CHANGE_MAX_MEMBERS)
      g_ptr_array_add (leaving, g_strdup (id));
  }
  /* two admins rekeyed at once (two keys of the newest generation): one more rekey for the
   * members as they are now settles it; the same when the newest Keys message is old enough
   * that the configs would soon leave the swarm (a rekey pushes all three again; two admins
   * renewing at once publish the same bytes). A removal rekeys anyway */
  rekey = leaving->len == 0 &&
          (sd_group_keys_needs_rekey (group->keys) || keys_need_renewal (self, group));
  if (!changed && leaving->len == 0 && !push_info && !push_members && !rekey)
    return;
  chain = chain_new (group_id);
  if (rekey) {
    g_autoptr(GPtrArray) everyone = sd_config_group_members_list (
      sd_config_message_get_data (list));
    g_autoptr(GBytes) keys_message = sd_group_keys_rekey (group->keys, everyone, &error);

    if (keys_message == NULL) {
      g_message ("a group's conflicting keys cannot be settled: %s", error->message);
      g_clear_error (&error);
    } else {
      /* Keys first, then Info and Members under the new key */
      chain_store (chain, SD_GROUP_NS_KEYS, SD_GROUP_CONFIG_TTL_MS, keys_message);
      push_info = TRUE;
      push_members = TRUE;
    }
  }
  /* a merge of concurrent edits goes out as it is (it is signed and holds both) */
  if (push_info && !chain_config_as_is (group, SD_GROUP_CONFIG_INFO, chain, &error)) {
    g_message ("a group's merged Info cannot go: %s", error->message);
    g_clear_error (&error);
  }
  if (push_members && !changed && leaving->len == 0 &&
      !chain_config_as_is (group, SD_GROUP_CONFIG_MEMBERS, chain, &error)) {
    g_message ("a group's merged Members cannot go: %s", error->message);
    g_clear_error (&error);
  }
  if ((changed && !config_commit (group, SD_GROUP_CONFIG_MEMBERS, list, chain, &error)) ||
      (leaving->len > 0 && !chain_removal (self, group, chain, leaving, FALSE, &error)) ||
      !sd_group_state_save (self, group, NULL, &error)) {
    g_message ("a group's upkeep failed: %s", error->message);
    chain_free (chain);
    return;
  }
  sd_groups_emit_changed (self, group_id);
  if (promoted)
    sd_groups_emit_membership_changed (self, group_id);
  g_hash_table_add (self->upkeep, g_strdup (group_id));
  task = g_task_new (self, NULL, on_upkeep_done, g_strdup (group_id));
  chain_run (g_steal_pointer (&task), chain);
}
