/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-contract.h"
#include "sessiond-private.h"

/**
 * SessiondMessage:
 *
 * One message, as the daemon described it when it was fetched or
 * announced. It never changes: when the daemon reports a change (for
 * example a new status or new reactions) through
 * [signal@Conversation::message-changed], replace it with
 * [method@Message.copy_with_changes] or fetch it again.
 *
 * Besides text messages, a conversation holds events (see
 * [method@Message.get_kind]): a change of the disappearing-messages
 * setting, or a screenshot or saved file being reported. Events have an
 * empty body and are never unread.
 *
 * Since: 0.1
 */
struct _SessiondMessage {
  GObject parent_instance;

  GVariant *dict;          /* (owned) the a{sv} as received, for keys we do not know */
  gchar *id;               /* (owned) */
  gchar *conversation_id;  /* (owned) */
  gchar *author;           /* (owned) */
  gchar *body;             /* (owned) */
  gchar *status;           /* (owned) */
  gchar *error_message;    /* (owned) (nullable) */
  gboolean outgoing;
  gint64 sent_at;
  gint64 received_at;
  gint64 expires_at;
  gchar *kind;             /* (owned) */
  gchar *quote_id;         /* (owned) (nullable) */
  gchar *quote_author;     /* (owned) (nullable) */
  gchar *quote_body;       /* (owned) (nullable) */
  gchar *expiration_mode;  /* (owned) (nullable) */
  guint expiration_timer;
  GPtrArray *reactions;    /* (owned) of SessiondReaction */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_CONVERSATION_ID,
  PROP_AUTHOR,
  PROP_OUTGOING,
  PROP_BODY,
  PROP_SENT_AT,
  PROP_RECEIVED_AT,
  PROP_STATUS,
  PROP_ERROR_MESSAGE,
  PROP_EXPIRES_AT,
  PROP_KIND,
  PROP_QUOTE_ID,
  PROP_QUOTE_AUTHOR,
  PROP_QUOTE_BODY,
  PROP_EXPIRATION_MODE,
  PROP_EXPIRATION_TIMER,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (SessiondMessage, sessiond_message, G_TYPE_OBJECT)

static gchar *
dup_string (GVariantDict *dict, const gchar *key)
{
  const gchar *value = NULL;

  if (!g_variant_dict_lookup (dict, key, "&s", &value))
    return g_strdup ("");
  return g_strdup (value);
}

static gchar *
dup_string_or_null (GVariantDict *dict, const gchar *key)
{
  const gchar *value = NULL;

  if (!g_variant_dict_lookup (dict, key, "&s", &value))
    return NULL;
  return g_strdup (value);
}

static gint64
get_int64 (GVariantDict *dict, const gchar *key)
{
  gint64 value = 0;

  g_variant_dict_lookup (dict, key, "x", &value);
  return value;
}

/**
 * sessiond_message_new_from_variant:
 * @dict: a message dictionary (`a{sv}`) as the daemon sends it
 *
 * Makes a message from its D-Bus form. Keys that are missing get empty
 * values; keys this version does not know are kept, see
 * [method@Message.lookup].
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
SessiondMessage *
sessiond_message_new_from_variant (GVariant *dict)
{
  SessiondMessage *self;
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (NULL);
  const gchar *error_message = NULL;
  g_autoptr(GVariant) reactions = NULL;

  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), NULL);

  self = g_object_new (SESSIOND_TYPE_MESSAGE, NULL);
  self->dict = g_variant_ref_sink (dict);
  g_variant_dict_init (&d, dict);
  self->id = dup_string (&d, SESSIOND_MESSAGE_KEY_ID);
  self->conversation_id = dup_string (&d, SESSIOND_MESSAGE_KEY_CONVERSATION);
  self->author = dup_string (&d, SESSIOND_MESSAGE_KEY_AUTHOR);
  self->body = dup_string (&d, SESSIOND_MESSAGE_KEY_BODY);
  self->status = dup_string (&d, SESSIOND_MESSAGE_KEY_STATUS);
  if (g_variant_dict_lookup (&d, SESSIOND_MESSAGE_KEY_ERROR, "&s", &error_message))
    self->error_message = g_strdup (error_message);
  g_variant_dict_lookup (&d, SESSIOND_MESSAGE_KEY_OUTGOING, "b", &self->outgoing);
  self->sent_at = get_int64 (&d, SESSIOND_MESSAGE_KEY_SENT_AT);
  self->received_at = get_int64 (&d, SESSIOND_MESSAGE_KEY_RECEIVED_AT);
  self->expires_at = get_int64 (&d, SESSIOND_MESSAGE_KEY_EXPIRES_AT);
  self->kind = dup_string_or_null (&d, SESSIOND_MESSAGE_KEY_KIND);
  /* daemons before events existed only had text */
  if (self->kind == NULL)
    self->kind = g_strdup ("text");
  self->quote_id = dup_string_or_null (&d, SESSIOND_MESSAGE_KEY_QUOTE_ID);
  self->quote_author = dup_string_or_null (&d, SESSIOND_MESSAGE_KEY_QUOTE_AUTHOR);
  self->quote_body = dup_string_or_null (&d, SESSIOND_MESSAGE_KEY_QUOTE_BODY);
  self->expiration_mode = dup_string_or_null (&d, SESSIOND_MESSAGE_KEY_EXPIRATION_MODE);
  g_variant_dict_lookup (&d, SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER, "u",
                         &self->expiration_timer);
  reactions = g_variant_dict_lookup_value (&d, SESSIOND_MESSAGE_KEY_REACTIONS,
                                           G_VARIANT_TYPE ("a(sub)"));
  self->reactions = sessiond_reactions_from_variant (reactions);
  return self;
}

/**
 * sessiond_message_copy_with_changes:
 * @self: a message
 * @changes: the changes (`a{sv}`) of [signal@Conversation::message-changed]
 *
 * Makes the message as it is after a change the daemon announced: the
 * keys in @changes replace those of @self (and a status other than
 * `failed` drops the error message). A front end that keeps the
 * messages it shows can swap the old object for the new one instead of
 * fetching the message again.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
SessiondMessage *
sessiond_message_copy_with_changes (SessiondMessage *self, GVariant *changes)
{
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (NULL);
  GVariantIter iter;
  const gchar *key;
  const gchar *status = NULL;
  GVariant *value;

  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (changes, G_VARIANT_TYPE_VARDICT), NULL);

  g_variant_dict_init (&d, self->dict);
  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    g_variant_dict_insert_value (&d, key, value);
    g_variant_unref (value);
  }
  /* changes cannot remove a key; "error" only goes with "failed" (a retry) */
  if (g_variant_dict_lookup (&d, SESSIOND_MESSAGE_KEY_STATUS, "&s", &status) &&
      g_strcmp0 (status, "failed") != 0)
    g_variant_dict_remove (&d, SESSIOND_MESSAGE_KEY_ERROR);
  return sessiond_message_new_from_variant (g_variant_dict_end (&d));
}

/* turns an aa{sv} into SessiondMessage objects */
GPtrArray *
sessiond_messages_from_variant (GVariant *list)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL) {
    g_ptr_array_add (messages, sessiond_message_new_from_variant (child));
    g_variant_unref (child);
  }
  return messages;
}

/**
 * sessiond_message_get_id:
 * @self: a message
 *
 * Gets the message's id, unique within the daemon.
 *
 * Returns: the message's id, unique within the daemon
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_id (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->id;
}

/**
 * sessiond_message_get_conversation_id:
 * @self: a message
 *
 * Gets the Session ID of the conversation the message belongs to.
 *
 * Returns: the Session ID of the conversation the message belongs to
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_conversation_id (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->conversation_id;
}

/**
 * sessiond_message_get_author:
 * @self: a message
 *
 * Gets the Session ID of the author.
 *
 * Returns: the Session ID of the author
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_author (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->author;
}

/**
 * sessiond_message_get_outgoing:
 * @self: a message
 *
 * Tells whether the message is one of ours.
 *
 * Returns: %TRUE if this account sent the message
 *
 * Since: 0.1
 */
gboolean
sessiond_message_get_outgoing (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), FALSE);
  return self->outgoing;
}

/**
 * sessiond_message_get_body:
 * @self: a message
 *
 * Gets the text of the message.
 *
 * Returns: the text of the message
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_body (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->body;
}

/**
 * sessiond_message_get_sent_at:
 * @self: a message
 *
 * Gets the envelope timestamp, in milliseconds since the epoch.
 *
 * Returns: the envelope timestamp, in milliseconds since the epoch
 *
 * Since: 0.1
 */
gint64
sessiond_message_get_sent_at (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), 0);
  return self->sent_at;
}

/**
 * sessiond_message_get_received_at:
 * @self: a message
 *
 * Gets when the daemon stored the message.
 *
 * Returns: when the daemon stored the message, in milliseconds since the epoch
 *
 * Since: 0.1
 */
gint64
sessiond_message_get_received_at (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), 0);
  return self->received_at;
}

/**
 * sessiond_message_get_status:
 * @self: a message
 *
 * Gets the message's delivery status.
 *
 * Returns: `sending`, `sent`, `failed` or `read`
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_status (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->status;
}

/**
 * sessiond_message_get_error_message:
 * @self: a message
 *
 * Gets the reason a message could not be sent.
 *
 * Returns: (nullable): why sending failed, or %NULL
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_error_message (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->error_message;
}

/**
 * sessiond_message_get_expires_at:
 * @self: a message
 *
 * Gets when a disappearing message expires.
 *
 * Returns: when a disappearing message expires (ms), or 0
 *
 * Since: 0.1
 */
gint64
sessiond_message_get_expires_at (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), 0);
  return self->expires_at;
}

/**
 * sessiond_message_get_kind:
 * @self: a message
 *
 * Gets what kind of message this is: text or an event.
 *
 * Returns: `text` for a message someone wrote; for an event shown in the
 *   conversation `expiration-update` (the disappearing-messages setting
 *   changed to [method@Message.get_expiration_mode] and
 *   [method@Message.get_expiration_timer]), `screenshot` or `media-saved`
 *   (the author took a screenshot or saved a file); other kinds may be
 *   added
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_kind (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->kind;
}

/**
 * sessiond_message_get_quote_id:
 * @self: a message
 *
 * Gets the id of the message this one replies to, or %NULL if it is not a reply.
 *
 * Returns: (nullable): the id of the message this one replies to, or %NULL
 *   if it is not a reply
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_quote_id (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->quote_id;
}

/**
 * sessiond_message_get_quote_author:
 * @self: a message
 *
 * Gets the Session ID of the author of the quoted message, or %NULL if this is not a reply.
 *
 * Returns: (nullable): the Session ID of the author of the quoted message,
 *   or %NULL if this is not a reply
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_quote_author (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->quote_author;
}

/**
 * sessiond_message_get_quote_body:
 * @self: a message
 *
 * Gets the text of the message this one replies to.
 *
 * Returns: (nullable): the text of the quoted message, or %NULL if this is
 *   not a reply or the quoted message is not stored here
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_quote_body (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->quote_body;
}

/**
 * sessiond_message_get_expiration_mode:
 * @self: a message
 *
 * For a disappearing message, how it disappears; for an
 * `expiration-update` event, the new setting of the conversation
 * (`off` included).
 *
 * Returns: (nullable): `after-send` or `after-read` (the clock starts
 *   when the message is read), or %NULL if the message does not disappear
 *
 * Since: 0.1
 */
const gchar *
sessiond_message_get_expiration_mode (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->expiration_mode;
}

/**
 * sessiond_message_get_expiration_timer:
 * @self: a message
 *
 * Gets the disappearing-messages timer of the message.
 *
 * Returns: how long the message lives once its clock started, in seconds;
 *   0 if it does not disappear
 *
 * Since: 0.1
 */
guint
sessiond_message_get_expiration_timer (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), 0);
  return self->expiration_timer;
}

/**
 * sessiond_message_get_reactions:
 * @self: a message
 *
 * The reactions to the message, one per emoji.
 *
 * Returns: (transfer none) (element-type SessiondReaction): the reactions;
 *   empty when there are none
 *
 * Since: 0.1
 */
GPtrArray *
sessiond_message_get_reactions (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->reactions;
}

/**
 * sessiond_message_lookup:
 * @self: a message
 * @key: a key of the message dictionary
 *
 * Looks up any key of the message dictionary, including ones added to the
 * D-Bus API after this version of the library.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if absent
 *
 * Since: 0.1
 */
GVariant *
sessiond_message_lookup (SessiondMessage *self, const gchar *key)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_variant_lookup_value (self->dict, key, NULL);
}

/**
 * sessiond_message_get_variant:
 * @self: a message
 *
 * Gets the message as the daemon sent it, keys this version does not
 * know included.
 *
 * Returns: (transfer none): the message dictionary (`a{sv}`) as received
 *
 * Since: 0.1
 */
GVariant *
sessiond_message_get_variant (SessiondMessage *self)
{
  g_return_val_if_fail (SESSIOND_IS_MESSAGE (self), NULL);
  return self->dict;
}

static void
sessiond_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SessiondMessage *self = SESSIOND_MESSAGE (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, self->id);
    break;
  case PROP_CONVERSATION_ID:
    g_value_set_string (value, self->conversation_id);
    break;
  case PROP_AUTHOR:
    g_value_set_string (value, self->author);
    break;
  case PROP_OUTGOING:
    g_value_set_boolean (value, self->outgoing);
    break;
  case PROP_BODY:
    g_value_set_string (value, self->body);
    break;
  case PROP_SENT_AT:
    g_value_set_int64 (value, self->sent_at);
    break;
  case PROP_RECEIVED_AT:
    g_value_set_int64 (value, self->received_at);
    break;
  case PROP_STATUS:
    g_value_set_string (value, self->status);
    break;
  case PROP_ERROR_MESSAGE:
    g_value_set_string (value, self->error_message);
    break;
  case PROP_EXPIRES_AT:
    g_value_set_int64 (value, self->expires_at);
    break;
  case PROP_KIND:
    g_value_set_string (value, self->kind);
    break;
  case PROP_QUOTE_ID:
    g_value_set_string (value, self->quote_id);
    break;
  case PROP_QUOTE_AUTHOR:
    g_value_set_string (value, self->quote_author);
    break;
  case PROP_QUOTE_BODY:
    g_value_set_string (value, self->quote_body);
    break;
  case PROP_EXPIRATION_MODE:
    g_value_set_string (value, self->expiration_mode);
    break;
  case PROP_EXPIRATION_TIMER:
    g_value_set_uint (value, self->expiration_timer);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
sessiond_message_finalize (GObject *object)
{
  SessiondMessage *self = SESSIOND_MESSAGE (object);

  g_clear_pointer (&self->dict, g_variant_unref);
  g_free (self->id);
  g_free (self->conversation_id);
  g_free (self->author);
  g_free (self->body);
  g_free (self->status);
  g_free (self->error_message);
  g_free (self->kind);
  g_free (self->quote_id);
  g_free (self->quote_author);
  g_free (self->quote_body);
  g_free (self->expiration_mode);
  g_clear_pointer (&self->reactions, g_ptr_array_unref);
  G_OBJECT_CLASS (sessiond_message_parent_class)->finalize (object);
}

static void
sessiond_message_class_init (SessiondMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = sessiond_message_get_property;
  object_class->finalize = sessiond_message_finalize;

  /**
   * SessiondMessage:id:
   *
   * The message's id.
   *
   * Since: 0.1
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:conversation-id:
   *
   * The Session ID of the conversation.
   *
   * Since: 0.1
   */
  props[PROP_CONVERSATION_ID] = g_param_spec_string ("conversation-id", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:author:
   *
   * The Session ID of the author.
   *
   * Since: 0.1
   */
  props[PROP_AUTHOR] = g_param_spec_string ("author", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:outgoing:
   *
   * Whether this account sent the message.
   *
   * Since: 0.1
   */
  props[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, flags);
  /**
   * SessiondMessage:body:
   *
   * The text.
   *
   * Since: 0.1
   */
  props[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:sent-at:
   *
   * The envelope timestamp in ms.
   *
   * Since: 0.1
   */
  props[PROP_SENT_AT] = g_param_spec_int64 ("sent-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /**
   * SessiondMessage:received-at:
   *
   * When the daemon stored it, in ms.
   *
   * Since: 0.1
   */
  props[PROP_RECEIVED_AT] = g_param_spec_int64 ("received-at", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                                flags);
  /**
   * SessiondMessage:status:
   *
   * `sending`, `sent`, `failed` or `read`.
   *
   * Since: 0.1
   */
  props[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:error-message:
   *
   * Why sending failed, if it did.
   *
   * Since: 0.1
   */
  props[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:expires-at:
   *
   * When a disappearing message expires (ms), or 0.
   *
   * Since: 0.1
   */
  props[PROP_EXPIRES_AT] = g_param_spec_int64 ("expires-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /**
   * SessiondMessage:kind:
   *
   * `text`, or an event: `expiration-update`, `screenshot`, `media-saved`.
   *
   * Since: 0.1
   */
  props[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:quote-id:
   *
   * The id of the message this one replies to, if any.
   *
   * Since: 0.1
   */
  props[PROP_QUOTE_ID] = g_param_spec_string ("quote-id", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:quote-author:
   *
   * The author of the quoted message, if any.
   *
   * Since: 0.1
   */
  props[PROP_QUOTE_AUTHOR] = g_param_spec_string ("quote-author", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:quote-body:
   *
   * The text of the quoted message, when it is stored here.
   *
   * Since: 0.1
   */
  props[PROP_QUOTE_BODY] = g_param_spec_string ("quote-body", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:expiration-mode:
   *
   * `after-send` or `after-read` for a disappearing message.
   *
   * Since: 0.1
   */
  props[PROP_EXPIRATION_MODE] = g_param_spec_string ("expiration-mode", NULL, NULL, NULL, flags);
  /**
   * SessiondMessage:expiration-timer:
   *
   * How long a disappearing message lives, in seconds; 0 otherwise.
   *
   * Since: 0.1
   */
  props[PROP_EXPIRATION_TIMER] = g_param_spec_uint ("expiration-timer", NULL, NULL, 0, G_MAXUINT,
                                                    0, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
sessiond_message_init (SessiondMessage *self)
{
}
