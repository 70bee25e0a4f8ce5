/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSearchProvider"

#include "config.h"

#include "sd-search-provider.h"

#include "sd-front-end.h"


#define SEARCH_PROVIDER_IFACE "org.gnome.Shell.SearchProvider2"
#define MAX_MESSAGE_RESULTS 20
#define MAX_CACHED_METAS 1000
#define DESCRIPTION_MAX 80 /* characters */
/* the shell sends a few words; anyone on the bus may send more. The same
 * bounds as Account1.Search (sd-store.c: 16 terms, 1024 bytes of query), so
 * a call costs at most 16 case-folded matches per conversation field */
#define MAX_TERMS 16
#define MAX_QUERY_BYTES 1024

/* the interface as gnome-shell publishes it
 * (data/dbus-interfaces/org.gnome.Shell.SearchProvider2.xml there) */
static const gchar introspection_xml[] =
  "<node>"
  "  <interface name='org.gnome.Shell.SearchProvider2'>"
  "    <method name='GetInitialResultSet'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetSubsearchResultSet'>"
  "      <arg type='as' name='previous_results' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetResultMetas'>"
  "      <arg type='as' name='identifiers' direction='in'/>"
  "      <arg type='aa{sv}' name='metas' direction='out'/>"
  "    </method>"
  "    <method name='ActivateResult'>"
  "      <arg type='s' name='identifier' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "    <method name='LaunchSearch'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct {
  gchar *name;        /* what the result is called */
  gchar *description; /* a line under it */
} Meta;

struct _SdSearchProvider {
  GObject parent_instance;

  GDBusConnection *connection; /* (owned) */
  SdAccount *account;          /* (owned) */
  guint registration_id;
  gchar *front_end;            /* (owned) (nullable) */
  GHashTable *metas;           /* (owned) result id → Meta, from recent searches */
};

G_DEFINE_FINAL_TYPE (SdSearchProvider, sd_search_provider, G_TYPE_OBJECT)

static void
meta_free (Meta *meta)
{
  g_free (meta->name);
  g_free (meta->description);
  g_free (meta);
}

/* result ids: "conversation:<session id>" and "message:<session id>/<message id>" */
static gchar *
conversation_result_id (const gchar *conversation)
{
  return g_strconcat ("conversation:", conversation, NULL);
}

static gchar *
message_result_id (const SdMessage *message)
{
  return g_strconcat ("message:", message->conversation, "/", message->id, NULL);
}

/* one line of at most DESCRIPTION_MAX characters */
static gchar *
shorten (const gchar *text)
{
  g_autofree gchar *line = g_strdup (text != NULL ? text : "");
  g_autofree gchar *start = NULL;
  glong len;

  g_strdelimit (line, "\r\n\t", ' ');
  len = g_utf8_strlen (line, -1);
  if (len <= DESCRIPTION_MAX)
    return g_steal_pointer (&line);
  start = g_utf8_substring (line, 0, DESCRIPTION_MAX - 1);
  return g_strconcat (start, "…", NULL);
}

static void
remember (SdSearchProvider *self, gchar *id, gchar *name, gchar *description)
{
  Meta *meta = g_new0 (Meta, 1);

  meta->name = name;
  meta->description = description;
  g_hash_table_replace (self->metas, id, meta);
}

/* every term must appear (case-insensitively) in one of the fields */
static gboolean
matches_all (const gchar *const *terms, const gchar *const *fields)
{
  for (guint i = 0; terms[i] != NULL; i++) {
    g_autofree gchar *term = g_utf8_casefold (terms[i], -1);
    gboolean found = FALSE;

    for (guint j = 0; fields[j] != NULL && !found; j++) {
      g_autofree gchar *field = g_utf8_casefold (fields[j], -1);

      found = strstr (field, term) != NULL;
    }
    if (!found)
      return FALSE;
  }
  return TRUE;
}

static GPtrArray *
search (SdSearchProvider *self, const gchar *const *terms)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *query = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  if (terms[0] == NULL)
    return g_steal_pointer (&results);
  /* the cache only has to cover what the shell asks about next */
  if (g_hash_table_size (self->metas) > MAX_CACHED_METAS)
    g_hash_table_remove_all (self->metas);

  conversations = sd_account_list_conversations (self->account, &error);
  if (conversations == NULL) {
    g_debug ("cannot list conversations: %s", error->message);
    g_clear_error (&error);
  }
  for (guint i = 0; conversations != NULL && i < conversations->len; i++) {
    const SdConversation *conversation = g_ptr_array_index (conversations, i);
    gchar *name = sd_conversation_dup_title (conversation);
    const gchar *fields[] = { name, conversation->id,
                              conversation->nickname != NULL ? conversation->nickname : "",
                              conversation->name != NULL ? conversation->name : "", NULL };

    /* a blocked conversation shows in no result, nor do its messages (no name: skipped below) */
    if (conversation->blocked) {
      g_free (name);
      continue;
    }
    g_hash_table_insert (names, conversation->id, name);
    if (!matches_all (terms, fields))
      continue;
    g_ptr_array_add (results, conversation_result_id (conversation->id));
    remember (self, conversation_result_id (conversation->id), g_strdup (name),
              shorten (conversation->last_message_preview));
  }

  /* the store matches each word as a word prefix, and takes any text literally */
  query = g_strjoinv (" ", (gchar **) terms);
  messages = sd_account_search (self->account, query, MAX_MESSAGE_RESULTS, &error);
  if (messages == NULL)
    g_debug ("no message search: %s", error->message);
  for (guint i = 0; messages != NULL && i < messages->len; i++) {
    const SdMessage *message = g_ptr_array_index (messages, i);
    const gchar *name = g_hash_table_lookup (names, message->conversation);

    if (name == NULL)
      continue;
    g_ptr_array_add (results, message_result_id (message));
    remember (self, message_result_id (message), g_strdup (name), shorten (message->body));
  }
  return g_steal_pointer (&results);
}

static GVariant *
result_set (GPtrArray *results)
{
  g_ptr_array_add (results, NULL);
  return g_variant_new ("(^as)", (gchar **) results->pdata);
}

static GVariant *
result_metas (SdSearchProvider *self, const gchar *const *ids)
{
  GVariantBuilder metas;

  g_variant_builder_init (&metas, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; ids[i] != NULL; i++) {
    const Meta *meta = g_hash_table_lookup (self->metas, ids[i]);
    GVariantBuilder dict;

    /* an id from an older search the cache forgot: the shell drops it */
    if (meta == NULL)
      continue;
    g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&dict, "{sv}", "id", g_variant_new_string (ids[i]));
    g_variant_builder_add (&dict, "{sv}", "name", g_variant_new_string (meta->name));
    g_variant_builder_add (&dict, "{sv}", "description",
                           g_variant_new_string (meta->description));
    g_variant_builder_add (&metas, "a{sv}", &dict);
  }
  return g_variant_new ("(aa{sv})", &metas);
}

/* the conversation a result id names ("conversation:ID" or "message:ID/MESSAGE-ID") */
static gchar *
result_conversation (const gchar *result_id)
{
  const gchar *rest;

  if (g_str_has_prefix (result_id, "conversation:"))
    return g_strdup (result_id + strlen ("conversation:"));
  if (g_str_has_prefix (result_id, "message:")) {
    rest = result_id + strlen ("message:");
    return g_strndup (rest, strcspn (rest, "/"));
  }
  return NULL;
}

/* FALSE, with the call answered, for more terms or bytes than a search takes */
static gboolean
check_terms (const gchar *const *terms, GDBusMethodInvocation *invocation)
{
  gsize bytes = 0;
  guint n = 0;

  for (; terms[n] != NULL; n++) {
    bytes += strlen (terms[n]) + 1;
    if (n >= MAX_TERMS || bytes > MAX_QUERY_BYTES + 1) {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "at most %d search terms of %d bytes in all",
                                             MAX_TERMS, MAX_QUERY_BYTES);
      return FALSE;
    }
  }
  return TRUE;
}

static void
handle_method_call (GDBusConnection *connection,
                    const gchar *sender,
                    const gchar *object_path,
                    const gchar *interface_name,
                    const gchar *method_name,
                    GVariant *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer user_data)
{
  SdSearchProvider *self = user_data;

  if (g_strcmp0 (method_name, "GetInitialResultSet") == 0) {
    g_autofree const gchar **terms = NULL;
    g_autoptr(GPtrArray) results = NULL;

    g_variant_get (parameters, "(^a&s)", &terms);
    if (!check_terms (terms, invocation))
      return;
    results = search (self, terms);
    g_dbus_method_invocation_return_value (invocation, result_set (results));
  } else if (g_strcmp0 (method_name, "GetSubsearchResultSet") == 0) {
    g_autofree const gchar **previous = NULL;
    g_autofree const gchar **terms = NULL;
    g_autoptr(GPtrArray) results = NULL;

    /* a new search is as cheap as filtering, and also finds longer prefixes */
    g_variant_get (parameters, "(^a&s^a&s)", &previous, &terms);
    if (!check_terms (terms, invocation))
      return;
    results = search (self, terms);
    g_dbus_method_invocation_return_value (invocation, result_set (results));
  } else if (g_strcmp0 (method_name, "GetResultMetas") == 0) {
    g_autofree const gchar **ids = NULL;

    g_variant_get (parameters, "(^a&s)", &ids);
    g_dbus_method_invocation_return_value (invocation, result_metas (self, ids));
  } else if (g_strcmp0 (method_name, "ActivateResult") == 0) {
    const gchar *id;
    guint32 timestamp;

    g_autofree gchar *conversation = NULL;

    g_variant_get (parameters, "(&sasu)", &id, NULL, &timestamp);
    conversation = result_conversation (id);
    sd_front_end_open (self->connection, self->front_end, conversation);
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_strcmp0 (method_name, "LaunchSearch") == 0) {
    guint32 timestamp;

    g_variant_get (parameters, "(asu)", NULL, &timestamp);
    sd_front_end_open (self->connection, self->front_end, NULL);
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "no method %s", method_name);
  }
}

static const GDBusInterfaceVTable vtable = { handle_method_call, NULL, NULL, { 0 } };

void
sd_search_provider_set_front_end (SdSearchProvider *self, const gchar *desktop_id)
{
  g_return_if_fail (SD_IS_SEARCH_PROVIDER (self));

  g_free (self->front_end);
  self->front_end = desktop_id != NULL && *desktop_id != '\0' ? g_strdup (desktop_id) : NULL;
}

static void
sd_search_provider_dispose (GObject *object)
{
  SdSearchProvider *self = SD_SEARCH_PROVIDER (object);

  if (self->registration_id != 0) {
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
    self->registration_id = 0;
  }
  g_clear_object (&self->connection);
  g_clear_object (&self->account);
  G_OBJECT_CLASS (sd_search_provider_parent_class)->dispose (object);
}

static void
sd_search_provider_finalize (GObject *object)
{
  SdSearchProvider *self = SD_SEARCH_PROVIDER (object);

  g_free (self->front_end);
  g_hash_table_unref (self->metas);
  G_OBJECT_CLASS (sd_search_provider_parent_class)->finalize (object);
}

static void
sd_search_provider_class_init (SdSearchProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_search_provider_dispose;
  object_class->finalize = sd_search_provider_finalize;
}

static void
sd_search_provider_init (SdSearchProvider *self)
{
  self->metas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) meta_free);
}

SdSearchProvider *
sd_search_provider_new (GDBusConnection *connection, SdAccount *account, GError **error)
{
  g_autoptr(SdSearchProvider) self = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (SD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SD_TYPE_SEARCH_PROVIDER, NULL);
  self->connection = g_object_ref (connection);
  self->account = g_object_ref (account);
  info = g_dbus_node_info_new_for_xml (introspection_xml, error);
  if (info == NULL)
    return NULL;
  self->registration_id = g_dbus_connection_register_object (
    connection, SD_SEARCH_PROVIDER_PATH, info->interfaces[0], &vtable, self, NULL, error);
  if (self->registration_id == 0)
    return NULL;
  return g_steal_pointer (&self);
}
