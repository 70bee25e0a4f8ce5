/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdMessageDict"

#include "sd-message-dict.h"

#include "sessiond-contract.h"

/* only the D-Bus layer builds GVariants: the store hands out plain structs */

static GVariant *
reactions_new (const SdMessage *message)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sub)"));
  for (guint i = 0; message->reactions != NULL && i < message->reactions->len; i++) {
    const SdReaction *r = &g_array_index (message->reactions, SdReaction, i);

    g_variant_builder_add (&builder, "(sub)", r->emoji, r->count, r->mine);
  }
  return g_variant_builder_end (&builder);
}

static void
add (GVariantBuilder *builder, const gchar *key, GVariant *value)
{
  g_variant_builder_add (builder, "{sv}", key, value);
}

/* aa{sv}: what a front end needs to show an attachment and ask for it (the XML) */
static GVariant *
attachments_new (const SdMessage *message)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < message->attachments->len; i++) {
    const SdAttachmentInfo *a = g_ptr_array_index (message->attachments, i);
    GVariantBuilder one;

    g_variant_builder_init (&one, G_VARIANT_TYPE_VARDICT);
    add (&one, "index", g_variant_new_uint32 (a->index));
    add (&one, "size", g_variant_new_int64 (a->size));
    add (&one, "width", g_variant_new_uint32 (a->width));
    add (&one, "height", g_variant_new_uint32 (a->height));
    add (&one, "voice", g_variant_new_boolean (a->voice));
    add (&one, "state", g_variant_new_string (sd_attachment_state_to_string (a->state)));
    add (&one, "progress", g_variant_new_uint32 (a->progress));
    /* from the network: texts are checked UTF-8 (sd_attachment_pointer_from_pb) */
    if (a->file_name != NULL && g_utf8_validate (a->file_name, -1, NULL))
      add (&one, "file-name", g_variant_new_string (a->file_name));
    if (a->content_type != NULL && g_utf8_validate (a->content_type, -1, NULL))
      add (&one, "content-type", g_variant_new_string (a->content_type));
    if (a->caption != NULL && g_utf8_validate (a->caption, -1, NULL))
      add (&one, "caption", g_variant_new_string (a->caption));
    if (a->error != NULL && g_utf8_validate (a->error, -1, NULL))
      add (&one, "error", g_variant_new_string (a->error));
    g_variant_builder_add_value (&builder, g_variant_builder_end (&one));
  }
  return g_variant_builder_end (&builder);
}

static void
add_common (GVariantBuilder *builder, const SdMessage *message)
{
  add (builder, SESSIOND_MESSAGE_KEY_ID, g_variant_new_string (message->id));
  add (builder, SESSIOND_MESSAGE_KEY_CONVERSATION, g_variant_new_string (message->conversation));
  add (builder, SESSIOND_MESSAGE_KEY_AUTHOR, g_variant_new_string (message->author));
  if (message->author_name != NULL)
    add (builder, SESSIOND_MESSAGE_KEY_AUTHOR_NAME, g_variant_new_string (message->author_name));
  if (message->author_session_id != NULL)
    add (builder, SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID,
         g_variant_new_string (message->author_session_id));
  add (builder, SESSIOND_MESSAGE_KEY_OUTGOING, g_variant_new_boolean (message->outgoing));
  add (builder, SESSIOND_MESSAGE_KEY_BODY, g_variant_new_string (message->body));
  add (builder, SESSIOND_MESSAGE_KEY_SENT_AT, g_variant_new_int64 (message->sent_at));
  add (builder, SESSIOND_MESSAGE_KEY_RECEIVED_AT, g_variant_new_int64 (message->received_at));
  add (builder, SESSIOND_MESSAGE_KEY_STATUS,
       g_variant_new_string (sd_message_status_to_string (message->status)));
  if (message->status == SD_MESSAGE_STATUS_FAILED)
    add (builder, SESSIOND_MESSAGE_KEY_ERROR,
         g_variant_new_string (message->error != NULL ? message->error : ""));
  add (builder, SESSIOND_MESSAGE_KEY_KIND,
       g_variant_new_string (sd_message_kind_to_string (message->kind)));
  if (message->expires_at > 0)
    add (builder, SESSIOND_MESSAGE_KEY_EXPIRES_AT, g_variant_new_int64 (message->expires_at));
  if (message->expiration_mode != SD_EXPIRATION_OFF) {
    add (builder, SESSIOND_MESSAGE_KEY_EXPIRATION_MODE,
         g_variant_new_string (sd_expiration_mode_to_string (message->expiration_mode)));
    add (builder, SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER,
         g_variant_new_uint32 (message->expiration_timer));
  }
  if (message->kind == SD_MESSAGE_KIND_TEXT && message->quote_author != NULL) {
    g_autofree gchar *quote_id = sd_message_id_make (message->quote_author,
                                                     message->quote_sent_at);

    add (builder, SESSIOND_MESSAGE_KEY_QUOTE_ID, g_variant_new_string (quote_id));
    add (builder, SESSIOND_MESSAGE_KEY_QUOTE_AUTHOR,
         g_variant_new_string (message->quote_author));
    if (message->quote_body != NULL)
      add (builder, SESSIOND_MESSAGE_KEY_QUOTE_BODY, g_variant_new_string (message->quote_body));
  }
  /* both shapes: a change that moves an attachment's state sends the whole list */
  if (message->attachments != NULL && message->attachments->len > 0)
    add (builder, SESSIOND_MESSAGE_KEY_ATTACHMENTS, attachments_new (message));
}

GVariant *
sd_message_dict_new (const SdMessage *message)
{
  GVariantBuilder builder;

  g_return_val_if_fail (message != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  add_common (&builder, message);
  if (message->reactions != NULL && message->reactions->len > 0)
    add (&builder, SESSIOND_MESSAGE_KEY_REACTIONS, reactions_new (message));
  return g_variant_builder_end (&builder);
}

GVariant *
sd_message_dict_new_changes (const SdMessage *message)
{
  GVariantBuilder builder;

  g_return_val_if_fail (message != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  add_common (&builder, message);
  add (&builder, SESSIOND_MESSAGE_KEY_REACTIONS, reactions_new (message));
  return g_variant_builder_end (&builder);
}
