/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-message.h"

#include "sd-display-name.h"

/*
 * The store's plain values: messages, conversations, reactions, outbox items and jobs, with
 * their names as strings. Everything here works without a database.
 */

G_DEFINE_QUARK (sd-store-error-quark, sd_store_error)

/* by hand: G_DEFINE_BOXED_TYPE's transparent union trips -Wpedantic */
GType
sd_message_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id)) {
    GType id = g_boxed_type_register_static (g_intern_static_string ("SdMessage"),
                                             (GBoxedCopyFunc) sd_message_copy,
                                             (GBoxedFreeFunc) sd_message_free);
    g_once_init_leave (&type_id, id);
  }
  return type_id;
}

GType
sd_conversation_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id)) {
    GType id = g_boxed_type_register_static (g_intern_static_string ("SdConversation"),
                                             (GBoxedCopyFunc) sd_conversation_copy,
                                             (GBoxedFreeFunc) sd_conversation_free);
    g_once_init_leave (&type_id, id);
  }
  return type_id;
}
/* ---- names ------------------------------------------------------------------------------- */

/* each enum's names, indexed by value; the database and the D-Bus API use the same strings */
static const gchar *const status_names[] = {
  [SD_MESSAGE_STATUS_SENDING] = "sending",
  [SD_MESSAGE_STATUS_SENT] = "sent",
  [SD_MESSAGE_STATUS_FAILED] = "failed",
  [SD_MESSAGE_STATUS_READ] = "read",
};

static const gchar *const kind_names[] = {
  [SD_MESSAGE_KIND_TEXT] = "text",
  [SD_MESSAGE_KIND_EXPIRATION_UPDATE] = "expiration-update",
  [SD_MESSAGE_KIND_SCREENSHOT] = "screenshot",
  [SD_MESSAGE_KIND_MEDIA_SAVED] = "media-saved",
  [SD_MESSAGE_KIND_GROUP_RENAMED] = "group-renamed",
  [SD_MESSAGE_KIND_GROUP_MEMBERS_ADDED] = "group-members-added",
  [SD_MESSAGE_KIND_GROUP_MEMBERS_REMOVED] = "group-members-removed",
  [SD_MESSAGE_KIND_GROUP_MEMBERS_PROMOTED] = "group-members-promoted",
  [SD_MESSAGE_KIND_GROUP_MEMBER_LEFT] = "group-member-left",
  [SD_MESSAGE_KIND_GROUP_REMOVED] = "group-removed",
  [SD_MESSAGE_KIND_GROUP_DESTROYED] = "group-destroyed",
  [SD_MESSAGE_KIND_GROUP_AVATAR_CHANGED] = "group-avatar-changed",
  [SD_MESSAGE_KIND_GROUP_DISAPPEARING_CHANGED] = "group-disappearing-changed",
};

static const gchar *const mode_names[] = {
  [SD_EXPIRATION_OFF] = "off",
  [SD_EXPIRATION_AFTER_READ] = "after-read",
  [SD_EXPIRATION_AFTER_SEND] = "after-send",
};

static const gchar *const conversation_kind_names[] = {
  [SD_CONVERSATION_KIND_DIRECT] = "direct",
  [SD_CONVERSATION_KIND_NOTE_TO_SELF] = "note-to-self",
  [SD_CONVERSATION_KIND_GROUP] = "group",
  [SD_CONVERSATION_KIND_COMMUNITY] = "community",
};

static const gchar *const attachment_state_names[] = {
  [SD_ATTACHMENT_STATE_UPLOADING] = "uploading",
  [SD_ATTACHMENT_STATE_PENDING] = "pending",
  [SD_ATTACHMENT_STATE_DOWNLOADING] = "downloading",
  [SD_ATTACHMENT_STATE_AVAILABLE] = "available",
  [SD_ATTACHMENT_STATE_FAILED] = "failed",
  [SD_ATTACHMENT_STATE_EXPIRED] = "expired",
};

static const gchar *const job_kind_names[] = {
  [SD_JOB_STORE] = "store",
  [SD_JOB_DELETE] = "delete",
  [SD_JOB_EXPIRE] = "expire",
};

/* the name of @value in @names, or @fallback (with a critical) for a value out of range */
static const gchar *
name_of (const gchar *const *names, guint n_names, guint value, const gchar *fallback)
{
  g_return_val_if_fail (value < n_names, fallback);
  return names[value];
}

/* the value whose name is @text; FALSE for an unknown name */
static gboolean
value_of (const gchar *const *names, guint n_names, const gchar *text, guint *out_value)
{
  for (guint i = 0; i < n_names; i++) {
    if (g_strcmp0 (text, names[i]) == 0) {
      *out_value = i;
      return TRUE;
    }
  }
  return FALSE;
}

#define NAME_OF(names, value, fallback) \
  name_of (names, G_N_ELEMENTS (names), (guint) (value), fallback)
/* returns from the calling from_string function */
#define RETURN_VALUE_OF(names, text, out_value, type) G_STMT_START { \
    guint value_;                                                 \
    if (!value_of (names, G_N_ELEMENTS (names), text, &value_))  \
      return FALSE;                                               \
    *(out_value) = (type) value_;                                 \
    return TRUE;                                                  \
  } G_STMT_END

const gchar *
sd_message_status_to_string (SdMessageStatus status)
{
  return NAME_OF (status_names, status, "failed");
}

gboolean
sd_message_status_from_string (const gchar *text, SdMessageStatus *out_status)
{
  RETURN_VALUE_OF (status_names, text, out_status, SdMessageStatus);
}

const gchar *
sd_message_kind_to_string (SdMessageKind kind)
{
  return NAME_OF (kind_names, kind, "text");
}

gboolean
sd_message_kind_from_string (const gchar *text, SdMessageKind *out_kind)
{
  RETURN_VALUE_OF (kind_names, text, out_kind, SdMessageKind);
}

const gchar *
sd_attachment_state_to_string (SdAttachmentState state)
{
  return NAME_OF (attachment_state_names, state, "failed");
}

gboolean
sd_attachment_state_from_string (const gchar *text, SdAttachmentState *out_state)
{
  RETURN_VALUE_OF (attachment_state_names, text, out_state, SdAttachmentState);
}

SdAttachmentInfo *
sd_attachment_info_copy (const SdAttachmentInfo *info)
{
  SdAttachmentInfo *copy = g_new (SdAttachmentInfo, 1);

  *copy = *info;
  copy->file_name = g_strdup (info->file_name);
  copy->content_type = g_strdup (info->content_type);
  copy->caption = g_strdup (info->caption);
  copy->file = g_strdup (info->file);
  copy->error = g_strdup (info->error);
  return copy;
}

void
sd_attachment_info_free (SdAttachmentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->file_name);
  g_free (info->content_type);
  g_free (info->caption);
  g_free (info->file);
  g_free (info->error);
  g_free (info);
}

const gchar *
sd_expiration_mode_to_string (SdExpirationMode mode)
{
  return NAME_OF (mode_names, mode, "off");
}

gboolean
sd_expiration_mode_from_string (const gchar *text, SdExpirationMode *out_mode)
{
  RETURN_VALUE_OF (mode_names, text, out_mode, SdExpirationMode);
}

const gchar *
sd_conversation_kind_to_string (SdConversationKind kind)
{
  return NAME_OF (conversation_kind_names, kind, "direct");
}

gboolean
sd_conversation_kind_from_string (const gchar *text, SdConversationKind *out_kind)
{
  RETURN_VALUE_OF (conversation_kind_names, text, out_kind, SdConversationKind);
}

const gchar *
sd_job_kind_to_string (SdJobKind kind)
{
  return NAME_OF (job_kind_names, kind, "store");
}

gboolean
sd_job_kind_from_string (const gchar *text, SdJobKind *out_kind)
{
  RETURN_VALUE_OF (job_kind_names, text, out_kind, SdJobKind);
}

/* ---- messages ------------------------------------------------------------------------------ */

gboolean
sd_store_is_session_id (const gchar *id)
{
  if (id == NULL || strlen (id) != 66 || id[0] != '0' || id[1] != '5')
    return FALSE;
  for (guint i = 2; i < 66; i++) {
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_hex_id (const gchar *id, gchar c0, gchar c1)
{
  if (id == NULL || strlen (id) != 66 || id[0] != c0 || id[1] != c1)
    return FALSE;
  for (guint i = 2; i < 66; i++) {
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  }
  return TRUE;
}

gboolean
sd_store_is_community_id (const gchar *id)
{
  return is_hex_id (id, '0', 'c');
}

gboolean
sd_store_is_blinded_id (const gchar *id)
{
  return is_hex_id (id, '1', '5') || is_hex_id (id, '2', '5');
}

gboolean
sd_store_is_author_id (const gchar *id)
{
  return sd_store_is_session_id (id) || is_hex_id (id, '1', '5') || is_hex_id (id, '2', '5');
}

gchar *
sd_message_id_make (const gchar *author, gint64 sent_at)
{
  return g_strdup_printf ("%s-%" G_GINT64_FORMAT, author, sent_at);
}

gboolean
sd_message_id_parse (const gchar *id, gchar **out_author, gint64 *out_sent_at, GError **error)
{
  guint64 sent_at = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL || strlen (id) < 68 || id[66] != '-' ||
      !g_ascii_isdigit (id[67]) ||
      !g_ascii_string_to_unsigned (id + 67, 10, 1, G_MAXINT64, &sent_at, NULL)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a message id (expected <session id>-<sent-at>)");
    return FALSE;
  }
  {
    g_autofree gchar *author = g_strndup (id, 66);

    if (!sd_store_is_author_id (author)) {
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                           "not a message id (bad session id part)");
      return FALSE;
    }
    if (out_author != NULL)
      *out_author = g_steal_pointer (&author);
  }
  if (out_sent_at != NULL)
    *out_sent_at = (gint64) sent_at;
  return TRUE;
}

static void
reaction_clear (gpointer data)
{
  g_free (((SdReaction *) data)->emoji);
}

GArray *
sd_reactions_new (guint reserved_size)
{
  GArray *reactions = g_array_sized_new (FALSE, FALSE, sizeof (SdReaction), reserved_size);

  g_array_set_clear_func (reactions, reaction_clear);
  return reactions;
}

SdMessage *
sd_message_copy (const SdMessage *message)
{
  SdMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_new0 (SdMessage, 1);
  *copy = *message;
  copy->id = g_strdup (message->id);
  copy->conversation = g_strdup (message->conversation);
  copy->author = g_strdup (message->author);
  copy->body = g_strdup (message->body);
  copy->error = g_strdup (message->error);
  copy->server_hash = g_strdup (message->server_hash);
  copy->quote_author = g_strdup (message->quote_author);
  copy->quote_body = g_strdup (message->quote_body);
  copy->sync_hash = g_strdup (message->sync_hash);
  copy->author_name = g_strdup (message->author_name);
  copy->author_session_id = g_strdup (message->author_session_id);
  if (message->reactions != NULL) {
    copy->reactions = sd_reactions_new (message->reactions->len);
    for (guint i = 0; i < message->reactions->len; i++) {
      SdReaction r = g_array_index (message->reactions, SdReaction, i);

      r.emoji = g_strdup (r.emoji);
      g_array_append_val (copy->reactions, r);
    }
  }
  if (message->attachments != NULL) {
    copy->attachments = g_ptr_array_new_full (message->attachments->len,
                                              (GDestroyNotify) sd_attachment_info_free);
    for (guint i = 0; i < message->attachments->len; i++)
      g_ptr_array_add (copy->attachments,
                       sd_attachment_info_copy (g_ptr_array_index (message->attachments, i)));
  }
  return copy;
}

void
sd_message_free (SdMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->id);
  g_free (message->conversation);
  g_free (message->author);
  g_free (message->body);
  g_free (message->error);
  g_free (message->server_hash);
  g_free (message->quote_author);
  g_free (message->quote_body);
  g_free (message->sync_hash);
  g_free (message->author_name);
  g_free (message->author_session_id);
  g_clear_pointer (&message->reactions, g_array_unref);
  g_clear_pointer (&message->attachments, g_ptr_array_unref);
  g_free (message);
}

gboolean
sd_message_is_read (const SdMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);
  return message->status == SD_MESSAGE_STATUS_READ;
}

/* ---- conversations ------------------------------------------------------------------------- */

SdConversation *
sd_conversation_copy (const SdConversation *conversation)
{
  SdConversation *copy;

  g_return_val_if_fail (conversation != NULL, NULL);

  copy = g_new0 (SdConversation, 1);
  *copy = *conversation;
  copy->id = g_strdup (conversation->id);
  copy->name = g_strdup (conversation->name);
  copy->nickname = g_strdup (conversation->nickname);
  copy->expiration_mode = g_strdup (conversation->expiration_mode);
  copy->last_message_preview = g_strdup (conversation->last_message_preview);
  copy->avatar_url = g_strdup (conversation->avatar_url);
  return copy;
}

void
sd_conversation_free (SdConversation *conversation)
{
  if (conversation == NULL)
    return;
  g_free (conversation->id);
  g_free (conversation->name);
  g_free (conversation->nickname);
  g_free (conversation->expiration_mode);
  g_free (conversation->last_message_preview);
  g_free (conversation->avatar_url);
  g_free (conversation);
}

const gchar *
sd_conversation_notify_to_string (gint notify_mode)
{
  switch (notify_mode) {
  case SD_CONVERSATION_NOTIFY_NONE:
    return "none";
  case SD_CONVERSATION_NOTIFY_MENTIONS:
    return "mentions";
  default:
    return "all";
  }
}

gboolean
sd_conversation_notify_from_string (const gchar *text, gint *out_notify_mode)
{
  if (g_strcmp0 (text, "all") == 0)
    *out_notify_mode = SD_CONVERSATION_NOTIFY_ALL;
  else if (g_strcmp0 (text, "none") == 0)
    *out_notify_mode = SD_CONVERSATION_NOTIFY_NONE;
  else if (g_strcmp0 (text, "mentions") == 0)
    *out_notify_mode = SD_CONVERSATION_NOTIFY_MENTIONS;
  else
    return FALSE;
  return TRUE;
}

const gchar *
sd_conversation_get_display_name (const SdConversation *conversation)
{
  g_return_val_if_fail (conversation != NULL, "");

  if (conversation->nickname != NULL && conversation->nickname[0] != '\0')
    return conversation->nickname;
  if (conversation->name != NULL)
    return conversation->name;
  return "";
}

gchar *
sd_conversation_dup_title (const SdConversation *conversation)
{
  /* cleaned again: a name stored before names were cleaned on receipt may still carry
   * controls or bidi overrides, and this is what notifications and searches show */
  g_autofree gchar *name = sd_display_name_clean (sd_conversation_get_display_name (conversation));

  if (name != NULL && *name != '\0')
    return g_steal_pointer (&name);
  return g_strdup_printf ("%.6s…%s", conversation->id, conversation->id + 62);
}

/* ---- outbox items and jobs ---------------------------------------------------------------- */

void
sd_outbox_item_free (SdOutboxItem *item)
{
  if (item == NULL)
    return;
  sd_message_free (item->message);
  g_free (item->recipient);
  g_free (item->last_error);
  g_free (item);
}

void
sd_job_free (SdJob *job)
{
  if (job == NULL)
    return;
  g_free (job->target);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_free (job);
}
