/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdMessageVariant"

#include "config.h"

#include "sd-message-variant.h"

/*
 * The store's values as the D-Bus API's dictionaries (design.md §5). Moved out of the store
 * unchanged, so the store returns plain C values only; the D-Bus layer owns this.
 */

static GVariant *
reactions_to_variant (const SdMessage *message)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sub)"));
  for (guint i = 0; message->reactions != NULL && i < message->reactions->len; i++) {
    const SdReaction *r = &g_array_index (message->reactions, SdReaction, i);

    g_variant_builder_add (&builder, "(sub)", r->emoji, r->count, r->mine);
  }
  return g_variant_builder_end (&builder);
}

GVariant *
sd_message_to_variant (const SdMessage *message)
{
  GVariantBuilder builder;

  g_return_val_if_fail (message != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (message->id));
  g_variant_builder_add (&builder, "{sv}", "conversation",
                         g_variant_new_string (message->conversation));
  g_variant_builder_add (&builder, "{sv}", "author", g_variant_new_string (message->author));
  g_variant_builder_add (&builder, "{sv}", "outgoing", g_variant_new_boolean (message->outgoing));
  g_variant_builder_add (&builder, "{sv}", "body", g_variant_new_string (message->body));
  g_variant_builder_add (&builder, "{sv}", "sent-at", g_variant_new_int64 (message->sent_at));
  g_variant_builder_add (&builder, "{sv}", "received-at",
                         g_variant_new_int64 (message->received_at));
  g_variant_builder_add (&builder, "{sv}", "status",
                         g_variant_new_string (sd_message_status_to_string (message->status)));
  if (message->status == SD_MESSAGE_STATUS_FAILED)
    g_variant_builder_add (&builder, "{sv}", "error",
                           g_variant_new_string (message->error != NULL ? message->error : ""));
  g_variant_builder_add (&builder, "{sv}", "kind",
                         g_variant_new_string (sd_message_kind_to_string (message->kind)));
  if (message->expires_at > 0)
    g_variant_builder_add (&builder, "{sv}", "expires-at",
                           g_variant_new_int64 (message->expires_at));
  if (message->expiration_mode != SD_EXPIRATION_OFF) {
    g_variant_builder_add (&builder, "{sv}", "expiration-mode",
                           g_variant_new_string (
                             sd_expiration_mode_to_string (message->expiration_mode)));
    g_variant_builder_add (&builder, "{sv}", "expiration-timer",
                           g_variant_new_uint32 (message->expiration_timer));
  }
  if (message->kind == SD_MESSAGE_KIND_TEXT && message->quote_author != NULL) {
    g_autofree gchar *quote_id = sd_message_id_make (message->quote_author,
                                                     message->quote_sent_at);

    g_variant_builder_add (&builder, "{sv}", "quote-id", g_variant_new_string (quote_id));
    g_variant_builder_add (&builder, "{sv}", "quote-author",
                           g_variant_new_string (message->quote_author));
    if (message->quote_body != NULL)
      g_variant_builder_add (&builder, "{sv}", "quote-body",
                             g_variant_new_string (message->quote_body));
  }
  if (message->reactions != NULL && message->reactions->len > 0)
    g_variant_builder_add (&builder, "{sv}", "reactions", reactions_to_variant (message));
  return g_variant_builder_end (&builder);
}

GVariant *
sd_message_to_changes_variant (const SdMessage *message)
{
  g_autoptr(GVariant) full = g_variant_ref_sink (sd_message_to_variant (message));
  GVariantBuilder builder;
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, full);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    g_variant_builder_add (&builder, "{sv}", key, value);
  if (message->reactions == NULL || message->reactions->len == 0)
    g_variant_builder_add (&builder, "{sv}", "reactions", reactions_to_variant (message));
  return g_variant_builder_end (&builder);
}

GVariant *
sd_conversation_to_variant (const SdConversation *conversation)
{
  GVariantBuilder builder;
  const gchar *preview;

  g_return_val_if_fail (conversation != NULL, NULL);

  preview = conversation->last_message_preview != NULL ? conversation->last_message_preview : "";
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "Id", g_variant_new_string (conversation->id));
  g_variant_builder_add (&builder, "{sv}", "Kind",
                         g_variant_new_string (sd_conversation_kind_to_string (conversation->kind)));
  g_variant_builder_add (&builder, "{sv}", "Name",
                         g_variant_new_string (sd_conversation_get_display_name (conversation)));
  g_variant_builder_add (&builder, "{sv}", "UnreadCount",
                         g_variant_new_uint32 (conversation->unread));
  g_variant_builder_add (&builder, "{sv}", "LastActivity",
                         g_variant_new_int64 (conversation->last_activity));
  g_variant_builder_add (&builder, "{sv}", "LastMessagePreview", g_variant_new_string (preview));
  g_variant_builder_add (&builder, "{sv}", "Approved",
                         g_variant_new_boolean (conversation->approved));
  g_variant_builder_add (&builder, "{sv}", "Blocked",
                         g_variant_new_boolean (conversation->blocked));
  g_variant_builder_add (&builder, "{sv}", "MutedUntil",
                         g_variant_new_int64 (conversation->muted_until));
  return g_variant_builder_end (&builder);
}
