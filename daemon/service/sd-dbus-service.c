/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdDbusService"

#include "sd-dbus-service.h"

#include "sd-dbus-caller.h"
#include "sd-dbus-error.h"
#include "sd-dbus-generated.h"
#include "sd-message-dict.h"
#include "sd-communities.h"
#include "sd-display-name.h"

#include <gio/gunixfdlist.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define API_VERSION 1
#define GET_MESSAGES_DEFAULT 50
#define GET_MESSAGES_MAX 500
#define SEARCH_DEFAULT 50

typedef struct {
  gchar *sender;  /* unique bus name of the holder */
  guint watch_id;
} Inhibitor;

struct _SdDbusService {
  GObject parent_instance;

  GDBusConnection *connection;          /* (owned) */
  SdAccount *account;                   /* (owned) */
  SdDbusAccount1 *account_skeleton;     /* (owned) */
  SdDbusAccountAdmin1 *admin_skeleton;  /* (owned) secrets: refused to sandboxed callers */
  GDBusObjectManagerServer *manager;    /* (owned) */
  GHashTable *inhibitors;               /* (owned) cookie → Inhibitor */
  guint next_cookie;
  guint attach_id;                      /* the object manager goes on the bus */
  guint filter_id;                      /* trim_after_listing () */
  gboolean attach_after_start;          /* sd_dbus_service_attach_after_start () */
};

enum { SIGNAL_INHIBITED_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdDbusService, sd_dbus_service, G_TYPE_OBJECT)

gchar *
sd_dbus_conversation_path (const gchar *id)
{
  return g_strdup_printf ("%s/%s", SD_DBUS_CONVERSATIONS_PATH, id);
}

static void
return_invalid (GDBusMethodInvocation *invocation, const gchar *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, SD_DBUS_ERROR,
                                                 SD_DBUS_ERROR_INVALID_ARGUMENT, message);
}

/* ---- conversations ---- */

static SdDbusConversation1 *
lookup_conversation (SdDbusService *self, const gchar *id)
{
  g_autofree gchar *path = sd_dbus_conversation_path (id);
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (
    G_DBUS_OBJECT_MANAGER (self->manager), path);

  if (object == NULL)
    return NULL;
  return sd_dbus_object_get_conversation1 (SD_DBUS_OBJECT (object));
}

static const gchar *
invocation_conversation (GDBusMethodInvocation *invocation)
{
  /* the last path element is the conversation id */
  const gchar *path = g_dbus_method_invocation_get_object_path (invocation);

  return strrchr (path, '/') + 1;
}

/* option @key of an a{sv} (NULL when absent): FALSE, and @invocation answered with
 * @refusal, when it is there with another type than @type */
static gboolean
read_option (GVariant *options, const gchar *key, const GVariantType *type, GVariant **out_value,
             GDBusMethodInvocation *invocation, const gchar *refusal)
{
  *out_value = g_variant_lookup_value (options, key, NULL);
  if (*out_value == NULL || g_variant_is_of_type (*out_value, type))
    return TRUE;
  g_clear_pointer (out_value, g_variant_unref);
  return_invalid (invocation, refusal);
  return FALSE;
}

/* the options of Send and SendMessage */
typedef struct {
  gchar *quote_id;       /* "quote": the id of the message quoted */
  gchar *to;             /* "to": a poster's blinded id, for a community DM */
  GVariant *attachments; /* "attachments": a(ha{sv}), the fds with the call */
} SendOptions;

static void
send_options_clear (SendOptions *send)
{
  g_clear_pointer (&send->quote_id, g_free);
  g_clear_pointer (&send->to, g_free);
  g_clear_pointer (&send->attachments, g_variant_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendOptions, send_options_clear)

/* FALSE when an option has the wrong type, with @invocation answered. The strings are
 * copies: they live in values that may be normalised copies of the caller's data */
static gboolean
read_send_options (GVariant *options, SendOptions *send, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) quote = NULL;
  g_autoptr(GVariant) to = g_variant_lookup_value (options, "to", G_VARIANT_TYPE_STRING);

  if (!read_option (options, "quote", G_VARIANT_TYPE_STRING, &quote, invocation,
                    "the quote option is a message id (a string)") ||
      !read_option (options, "attachments", G_VARIANT_TYPE ("a(ha{sv})"), &send->attachments,
                    invocation, "the attachments option is a(ha{sv})"))
    return FALSE;
  send->quote_id = quote != NULL ? g_variant_dup_string (quote, NULL) : NULL;
  send->to = to != NULL ? g_variant_dup_string (to, NULL) : NULL;
  return TRUE;
}

/* A conversation's skeleton knows the service that answers its methods: the handlers are
 * installed once, in the class's interface vtable, not connected to every skeleton (13 signal
 * handlers were 3.8 KB per conversation; issue 20). A new method of Conversation1 gets its
 * handler in conversation_skeleton_iface_init (), with the same signature as its
 * "handle-…" signal, minus the user data */
typedef struct {
  SdDbusConversation1Skeleton parent_instance;
  SdDbusService *service; /* (unowned) NULL once the service is disposed */
} SdConversationSkeleton;

typedef struct {
  SdDbusConversation1SkeletonClass parent_class;
} SdConversationSkeletonClass;

static void conversation_skeleton_iface_init (SdDbusConversation1Iface *iface);
static GType sd_conversation_skeleton_get_type (void);

G_DEFINE_TYPE_WITH_CODE (SdConversationSkeleton, sd_conversation_skeleton,
                         SD_DBUS_TYPE_CONVERSATION1_SKELETON,
                         G_IMPLEMENT_INTERFACE (SD_DBUS_TYPE_CONVERSATION1,
                                                conversation_skeleton_iface_init))

static void
sd_conversation_skeleton_class_init (SdConversationSkeletonClass *klass)
{
}

static void
sd_conversation_skeleton_init (SdConversationSkeleton *self)
{
}

/* the service, or NULL (the call answered) when it is gone */
static SdDbusService *
conversation_service (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation)
{
  SdDbusService *service = ((SdConversationSkeleton *) skeleton)->service;

  if (service == NULL)
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   "sessiond is shutting down");
  return service;
}

/* the reply of Send ((os): the conversation's path and the message id) or SendMessage ((s)),
 * or @error when there is no @message */
static void
return_sent (GDBusMethodInvocation *invocation, gboolean account_send, const SdMessage *message,
             const GError *error)
{
  if (message == NULL) {
    sd_dbus_error_return (invocation, error);
  } else if (account_send) {
    g_autofree gchar *path = sd_dbus_conversation_path (message->conversation);

    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(os)", path, message->id));
  } else {
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", message->id));
  }
}

typedef struct {
  GDBusMethodInvocation *invocation; /* answered once, which consumes it */
  gboolean account_send;
} SendCall;

static SendCall *
send_call_new (GDBusMethodInvocation *invocation, gboolean account_send)
{
  SendCall *call = g_new0 (SendCall, 1);

  call->invocation = invocation;
  call->account_send = account_send;
  return call;
}

static void
on_sent_attachments (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = sd_account_send_attachments_finish (SD_ACCOUNT (source), result,
                                                                     &error);

  return_sent (call->invocation, call->account_send, message, error);
  g_free (call);
}

/* ---- communities (docs/communities.md): the room's server answers before the call does ---- */

static void
on_community_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = sd_communities_post_finish (SD_COMMUNITIES (source), result,
                                                             &error);

  return_sent (call->invocation, call->account_send, message, error);
  g_free (call);
}

static void
on_community_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_communities_finish (SD_COMMUNITIES (source), result, &error))
    sd_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

/* the communities, or NULL with @invocation answered when they are not running */
static SdCommunities *
running_communities (SdDbusService *self, GDBusMethodInvocation *invocation)
{
  SdCommunities *communities = sd_account_get_communities (self->account);

  if (communities == NULL)
    g_dbus_method_invocation_return_error_literal (invocation, SD_DBUS_ERROR,
                                                   SD_DBUS_ERROR_FAILED,
                                                   "communities need the network, which is "
                                                   "not started");
  return communities;
}

/* the account's communities when @id is a community's; otherwise NULL, and when it is one
 * without the network, @invocation is answered */
static SdCommunities *
community_of (SdDbusService *self, const gchar *id, GDBusMethodInvocation *invocation,
              gboolean *answered)
{
  SdCommunities *communities;

  *answered = FALSE;
  if (!sd_store_is_community_id (id))
    return NULL;
  communities = running_communities (self, invocation);
  *answered = communities == NULL;
  return communities;
}

/* a community's description as shown: valid UTF-8 without the characters a display name may
 * not hold (controls, bidi and other format characters), line breaks kept */
static gchar *
clean_room_text (const gchar *text)
{
  g_autofree gchar *valid = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (c == '\n' || sd_display_name_char_allowed (c))
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

static GVariant *
community_properties (SdDbusService *self, const SdConversation *conversation)
{
  g_autoptr(SdCommunity) room = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (conversation->kind == SD_CONVERSATION_KIND_COMMUNITY)
    room = sd_account_dup_community (self->account, conversation->id);
  if (room != NULL) {
    g_autofree gchar *url = g_strdup_printf ("%s/%s?public_key=%s", room->base_url, room->room,
                                             room->server_pk);
    g_auto(GStrv) permissions = g_strsplit (room->permissions, ",", -1);
    g_autofree gchar *room_name = sd_display_name_clean (room->name);
    GVariantBuilder list;

    g_variant_builder_add (&builder, "{sv}", "url", g_variant_new_string (url));
    g_variant_builder_add (&builder, "{sv}", "room", g_variant_new_string (room->room));
    /* the room's name and description are the server's words: shown, so cleaned as a
     * received display name is (the description keeps its line breaks) */
    g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_take_string (
                             room_name != NULL ? g_steal_pointer (&room_name) : g_strdup ("")));
    g_variant_builder_add (&builder, "{sv}", "description",
                           g_variant_new_take_string (clean_room_text (room->description)));
    g_variant_builder_add (&builder, "{sv}", "user-count", g_variant_new_int64 (room->user_count));
    g_variant_builder_add (&builder, "{sv}", "state",
                           g_variant_new_string (sd_account_get_communities (self->account) != NULL
                                                   ? sd_communities_room_state (
                                                       sd_account_get_communities (self->account),
                                                       room)
                                                   : "offline"));
    g_variant_builder_init (&list, G_VARIANT_TYPE_STRING_ARRAY);
    for (guint i = 0; permissions[i] != NULL; i++)
      if (*permissions[i] != '\0')
        g_variant_builder_add (&list, "s", permissions[i]);
    g_variant_builder_add (&builder, "{sv}", "permissions", g_variant_builder_end (&list));
    g_variant_builder_add (&builder, "{sv}", "moderators",
                           g_variant_new_strv ((const gchar *const *) room->moderators, -1));
    g_variant_builder_add (&builder, "{sv}", "admins",
                           g_variant_new_strv ((const gchar *const *) room->admins, -1));
    {
      g_auto(GStrv) pinned = sd_account_dup_pinned_messages (self->account, room);

      g_variant_builder_add (&builder, "{sv}", "pinned",
                             g_variant_new_strv ((const gchar *const *) pinned,
                                                 pinned != NULL ? -1 : 0));
    }
  }
  return g_variant_builder_end (&builder);
}

/* Send and SendMessage with their "quote" and "attachments" options; the fds of the
 * attachments come with the call (docs/attachments.md). Always answers @invocation: at once,
 * or once the files are read (in a worker) and the message is queued */
static void
send_with_options (SdDbusService *self, GDBusMethodInvocation *invocation,
                   const gchar *recipient, const gchar *body, GVariant *options,
                   gboolean account_send)
{
  g_autoptr(GError) error = NULL;
  g_auto(SendOptions) send = { 0 };
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (g_dbus_method_invocation_get_message (invocation));
  g_autofree SdAttachmentSource *sources = NULL;
  g_autoptr(GPtrArray) dicts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(SdMessage) message = NULL;
  SdCommunities *room_files = NULL;
  SendCall *call;
  /* too many: refused by sd_attachments_prepare_async, before any fd is read */
  gsize n;

  if (!read_send_options (options, &send, invocation))
    return;
  n = send.attachments != NULL ? g_variant_n_children (send.attachments) : 0;
  /* a group: text, quotes and attachments (docs/groups.md); any other id goes the 1:1 way,
   * which refuses what is not a Session ID */
  gboolean to_group = sd_account_has_group (self->account, recipient);

  if (to_group && n == 0) {
    message = sd_account_send_group (self->account, recipient, body, send.quote_id, &error);
    return_sent (invocation, account_send, message, error);
    return;
  }
  if (sd_store_is_community_id (recipient)) {
    gboolean answered;
    SdCommunities *communities = community_of (self, recipient, invocation, &answered);

    if (answered)
      return;
    if (n > 0 && send.to != NULL) {
      return_invalid (invocation, "a community DM carries text only");
      return;
    }
    if (n > 0) {
      /* the room's files, read from the fds below (docs/communities.md) */
      room_files = communities;
    } else {
      call = send_call_new (invocation, account_send);
      if (send.to != NULL) {
        /* a community DM to a poster's blinded id */
        sd_communities_dm_async (communities, recipient, send.to, body, NULL,
                                 on_community_posted, call);
        return;
      }
      sd_communities_post_async (communities, recipient, body, send.quote_id, NULL,
                                 on_community_posted, call);
      return;
    }
  }
  if (sd_store_is_blinded_id (recipient)) {
    /* our community DM conversation with a blinded id (docs/communities.md) */
    SdCommunities *communities = running_communities (self, invocation);

    if (communities == NULL)
      return;
    if (n > 0 || send.quote_id != NULL) {
      return_invalid (invocation, "a community DM carries text only");
      return;
    }
    sd_communities_dm_blinded_async (communities, recipient, body, NULL, on_community_posted,
                                     send_call_new (invocation, account_send));
    return;
  }
  if (n == 0) {
    message = sd_account_send_full (self->account, recipient, body, send.quote_id, &error);
    return_sent (invocation, account_send, message, error);
    return;
  }
  sources = g_new0 (SdAttachmentSource, n);
  for (gsize i = 0; i < n; i++) {
    GVariant *dict;
    gint32 handle;

    g_variant_get_child (send.attachments, i, "(h@a{sv})", &handle, &dict);
    g_ptr_array_add (dicts, dict);
    /* borrowed: duplicated before this returns (sd_attachments_prepare_async) */
    sources[i].fd = fds != NULL && handle >= 0 && handle < g_unix_fd_list_get_length (fds)
                      ? g_unix_fd_list_peek_fds (fds, NULL)[handle] : -1;
    if (!g_variant_lookup (dict, "file-name", "&s", &sources[i].file_name))
      sources[i].file_name = NULL;
    if (!g_variant_lookup (dict, "content-type", "&s", &sources[i].content_type))
      sources[i].content_type = NULL;
    if (!g_variant_lookup (dict, "caption", "&s", &sources[i].caption))
      sources[i].caption = NULL;
    if (!g_variant_lookup (dict, "voice", "b", &sources[i].voice))
      sources[i].voice = FALSE;
  }
  call = send_call_new (invocation, account_send);
  if (to_group) {
    sd_account_send_group_attachments_async (self->account, recipient, body, send.quote_id,
                                             sources, (guint) n, NULL, on_sent_attachments,
                                             call);
    return;
  }
  if (room_files != NULL) {
    sd_communities_post_files_async (room_files, recipient, body, send.quote_id, sources,
                                     (guint) n, NULL, on_community_posted, call);
    return;
  }
  sd_account_send_attachments_async (self->account, recipient, body, send.quote_id, sources,
                                     (guint) n, NULL, on_sent_attachments, call);
}

static gboolean
handle_resend_message (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *message_id)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!sd_account_resend_message (self->account, invocation_conversation (invocation),
                                  message_id, &error))
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_conversation1_complete_resend_message (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_download_attachment (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                            const gchar *message_id, guint index)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!sd_account_download_attachment (self->account, invocation_conversation (invocation),
                                       message_id, index, &error))
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_conversation1_complete_download_attachment (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_open_attachment (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                        GUnixFDList *in_fds, const gchar *message_id, guint index)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) out = NULL;
  gint fd;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  fd = sd_account_open_attachment (self->account, invocation_conversation (invocation),
                                   message_id, index, &error);
  if (fd < 0) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  out = g_unix_fd_list_new_from_array (&fd, 1); /* takes the fd */
  sd_dbus_conversation1_complete_open_attachment (skeleton, invocation, out,
                                                  g_variant_new_handle (0));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_open_avatar (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                    GUnixFDList *in_fds)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) out = NULL;
  gint fd;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  fd = sd_account_open_avatar (self->account, invocation_conversation (invocation), &error);
  if (fd < 0) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  out = g_unix_fd_list_new_from_array (&fd, 1); /* takes the fd */
  sd_dbus_conversation1_complete_open_avatar (skeleton, invocation, out, g_variant_new_handle (0));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_message (SdDbusConversation1 *skeleton,
                     GDBusMethodInvocation *invocation,
                     const gchar *body,
                     GVariant *options)
{
  SdDbusService *self = conversation_service (skeleton, invocation);

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  send_with_options (self, invocation, invocation_conversation (invocation), body, options,
                     FALSE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_messages (SdDbusConversation1 *skeleton,
                     GDBusMethodInvocation *invocation,
                     GVariant *query)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  GVariantBuilder builder;
  gint64 before, after;
  guint32 limit;
  g_autoptr(GVariant) before_value = NULL;
  g_autoptr(GVariant) after_value = NULL;
  g_autoptr(GVariant) limit_value = NULL;
  const gchar *refusal = "query keys are before (x), after (x) and limit (u)";

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!read_option (query, "before", G_VARIANT_TYPE_INT64, &before_value, invocation, refusal) ||
      !read_option (query, "after", G_VARIANT_TYPE_INT64, &after_value, invocation, refusal) ||
      !read_option (query, "limit", G_VARIANT_TYPE_UINT32, &limit_value, invocation, refusal))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  before = before_value != NULL ? g_variant_get_int64 (before_value) : 0;
  after = after_value != NULL ? g_variant_get_int64 (after_value) : 0;
  limit = limit_value != NULL ? g_variant_get_uint32 (limit_value) : GET_MESSAGES_DEFAULT;
  if (before < 0 || after < 0 || limit == 0 || limit > GET_MESSAGES_MAX) {
    return_invalid (invocation, "before and after are positive times, limit is 1 to 500");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  messages = sd_account_get_messages (self->account, invocation_conversation (invocation), before,
                                      after, limit, &error);
  if (messages == NULL) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  /* the store gives oldest first; the API promises newest first */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = messages->len; i > 0; i--)
    g_variant_builder_add_value (&builder, sd_message_dict_new (g_ptr_array_index (messages,
                                                                                     i - 1)));
  sd_dbus_conversation1_complete_get_messages (skeleton, invocation,
                                               g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* the answer of a method the account did at once: @complete, or the error it set in @error */
typedef void (*CompleteFunc) (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation);

static gboolean
answer_done (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation, gboolean done,
             GError **error, CompleteFunc complete)
{
  if (!done)
    sd_dbus_error_return (invocation, *error);
  else
    complete (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* a method without arguments that the account does at once */
#define SIMPLE_HANDLER(name, call, complete)                                                       \
  static gboolean name (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation)          \
  {                                                                                                \
    SdDbusService *self = conversation_service (skeleton, invocation);                             \
    g_autoptr(GError) error = NULL;                                                                \
    return self == NULL ? G_DBUS_METHOD_INVOCATION_HANDLED                                         \
      : answer_done (skeleton, invocation,                                                         \
                     call (self->account, invocation_conversation (invocation), &error),           \
                     &error, complete);                                                            \
  }

/* a method of one argument (of @type) that the account does at once: a setting */
#define SETTER_HANDLER(name, type, call, complete)                                                 \
  static gboolean name (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,          \
                        type value)                                                                \
  {                                                                                                \
    SdDbusService *self = conversation_service (skeleton, invocation);                             \
    g_autoptr(GError) error = NULL;                                                                \
    return self == NULL ? G_DBUS_METHOD_INVOCATION_HANDLED                                         \
      : answer_done (skeleton, invocation,                                                         \
                     call (self->account, invocation_conversation (invocation), value, &error),    \
                     &error, complete);                                                            \
  }

SIMPLE_HANDLER (handle_approve, sd_account_approve, sd_dbus_conversation1_complete_approve)
SIMPLE_HANDLER (handle_delete,
                sd_account_delete_conversation,
                sd_dbus_conversation1_complete_delete)
SETTER_HANDLER (handle_set_typing, gboolean, sd_account_set_typing,
                sd_dbus_conversation1_complete_set_typing)
SETTER_HANDLER (handle_set_blocked, gboolean, sd_account_set_blocked,
                sd_dbus_conversation1_complete_set_blocked)
SETTER_HANDLER (handle_set_muted_until, gint64, sd_account_set_muted_until,
                sd_dbus_conversation1_complete_set_muted_until)
SETTER_HANDLER (handle_set_priority, gint64, sd_account_set_priority,
                sd_dbus_conversation1_complete_set_priority)
SETTER_HANDLER (handle_set_notify_mode, const gchar *, sd_account_set_notify_mode,
                sd_dbus_conversation1_complete_set_notify_mode)
SETTER_HANDLER (handle_set_marked_unread, gboolean, sd_account_set_marked_unread,
                sd_dbus_conversation1_complete_set_marked_unread)
SETTER_HANDLER (handle_set_nickname, const gchar *, sd_account_set_nickname,
                sd_dbus_conversation1_complete_set_nickname)

static gboolean
handle_mark_read (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation, gint64 up_to)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (up_to < 0) {
    return_invalid (invocation, "a time cannot be negative");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  done = sd_account_mark_read (self->account, invocation_conversation (invocation), up_to,
                               &error);
  return answer_done (skeleton, invocation, done, &error,
                      sd_dbus_conversation1_complete_mark_read);
}

static gboolean
handle_set_expiration (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *mode, guint32 timer)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  done = sd_account_set_expiration (self->account, invocation_conversation (invocation), mode,
                                    timer, &error);
  return answer_done (skeleton, invocation, done, &error,
                      sd_dbus_conversation1_complete_set_expiration);
}

/* AddReaction and RemoveReaction: a community's on its server, any other's by a message */
static gboolean
react (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation, const gchar *message_id,
       const gchar *emoji, gboolean add, CompleteFunc complete)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  gboolean answered, done;
  SdCommunities *communities;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  communities = community_of (self, invocation_conversation (invocation), invocation,
                              &answered);
  if (answered)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (communities != NULL) {
    sd_communities_react_async (communities, invocation_conversation (invocation), message_id,
                                emoji, add, NULL, on_community_done, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (sd_account_has_group (self->account, invocation_conversation (invocation)))
    done = sd_account_react_group (self->account, invocation_conversation (invocation),
                                   message_id, emoji, add, &error);
  else
    done = sd_account_set_reaction (self->account, invocation_conversation (invocation),
                                    message_id, emoji, add, &error);
  return answer_done (skeleton, invocation, done, &error, complete);
}

static gboolean
handle_add_reaction (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                     const gchar *message_id, const gchar *emoji)
{
  return react (skeleton, invocation, message_id, emoji, TRUE,
                sd_dbus_conversation1_complete_add_reaction);
}

static gboolean
handle_remove_reaction (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                        const gchar *message_id, const gchar *emoji)
{
  return react (skeleton, invocation, message_id, emoji, FALSE,
                sd_dbus_conversation1_complete_remove_reaction);
}

static gboolean
handle_delete_message (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *message_id, gboolean for_everyone)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  gboolean answered, done;
  SdCommunities *communities;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  communities = community_of (self, invocation_conversation (invocation), invocation,
                              &answered);
  if (answered)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (communities != NULL && for_everyone) {
    /* a post is deleted on the server, for everyone */
    sd_communities_delete_async (communities, invocation_conversation (invocation), message_id,
                                 NULL, on_community_done, invocation);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  done = sd_account_delete_message (self->account, invocation_conversation (invocation),
                                    message_id, for_everyone, &error);
  return answer_done (skeleton, invocation, done, &error,
                      sd_dbus_conversation1_complete_delete_message);
}

static gboolean
handle_pin_message (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                    const gchar *message_id, gboolean pin)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  gboolean answered;
  SdCommunities *communities;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  communities = community_of (self, invocation_conversation (invocation), invocation,
                              &answered);
  if (answered)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (communities == NULL) {
    return_invalid (invocation, "only posts of a community can be pinned");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  sd_communities_pin_async (communities, invocation_conversation (invocation), message_id, pin,
                            NULL, on_community_done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_report_data_extraction (SdDbusConversation1 *skeleton, GDBusMethodInvocation *invocation,
                               const gchar *kind, const gchar *message_id)
{
  SdDbusService *self = conversation_service (skeleton, invocation);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (self == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  done = sd_account_report_data_extraction (self->account, invocation_conversation (invocation),
                                            kind, message_id, &error);
  return answer_done (skeleton, invocation, done, &error,
                      sd_dbus_conversation1_complete_report_data_extraction);
}

static void
conversation_skeleton_iface_init (SdDbusConversation1Iface *iface)
{
  iface->handle_send_message = handle_send_message;
  iface->handle_get_messages = handle_get_messages;
  iface->handle_mark_read = handle_mark_read;
  iface->handle_set_typing = handle_set_typing;
  iface->handle_approve = handle_approve;
  iface->handle_set_blocked = handle_set_blocked;
  iface->handle_set_muted_until = handle_set_muted_until;
  iface->handle_delete = handle_delete;
  iface->handle_set_nickname = handle_set_nickname;
  iface->handle_set_expiration = handle_set_expiration;
  iface->handle_add_reaction = handle_add_reaction;
  iface->handle_remove_reaction = handle_remove_reaction;
  iface->handle_delete_message = handle_delete_message;
  iface->handle_report_data_extraction = handle_report_data_extraction;
  iface->handle_download_attachment = handle_download_attachment;
  iface->handle_resend_message = handle_resend_message;
  iface->handle_open_attachment = handle_open_attachment;
  iface->handle_open_avatar = handle_open_avatar;
  iface->handle_set_priority = handle_set_priority;
  iface->handle_set_notify_mode = handle_set_notify_mode;
  iface->handle_set_marked_unread = handle_set_marked_unread;
  iface->handle_pin_message = handle_pin_message;
}

static void
update_conversation (SdDbusService *self, const SdConversation *conversation)
{
  g_autoptr(SdDbusConversation1) skeleton = lookup_conversation (self, conversation->id);
  /* cleaned as received names are, also names stored before cleaning existed */
  g_autofree gchar *title = sd_conversation_dup_title (conversation);
  g_autoptr(SdDbusObjectSkeleton) object = NULL;

  if (skeleton == NULL) {
    g_autofree gchar *path = sd_dbus_conversation_path (conversation->id);

    object = sd_dbus_object_skeleton_new (path);
    skeleton = g_object_new (sd_conversation_skeleton_get_type (), NULL);
    ((SdConversationSkeleton *) skeleton)->service = self;
    sd_dbus_conversation1_set_version (skeleton, API_VERSION);
    sd_dbus_conversation1_set_id (skeleton, conversation->id);
  }
  /* one PropertiesChanged for all of it */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (skeleton));
  g_object_freeze_notify (G_OBJECT (skeleton));
  sd_dbus_conversation1_set_kind (skeleton, sd_conversation_kind_to_string (conversation->kind));
  if (conversation->kind == SD_CONVERSATION_KIND_GROUP) {
    g_auto(GStrv) members = sd_account_dup_group_members (self->account, conversation->id);
    const gchar *const none[] = { NULL };

    sd_dbus_conversation1_set_members (skeleton, members != NULL ? (const gchar *const *) members
                                                                 : none);
  }
  sd_dbus_conversation1_set_name (skeleton, title);
  sd_dbus_conversation1_set_unread_count (skeleton, conversation->unread);
  sd_dbus_conversation1_set_last_activity (skeleton, conversation->last_activity);
  sd_dbus_conversation1_set_last_message_preview (
    skeleton, conversation->last_message_preview != NULL ? conversation->last_message_preview : "");
  sd_dbus_conversation1_set_approved (skeleton, conversation->approved);
  sd_dbus_conversation1_set_blocked (skeleton, conversation->blocked);
  sd_dbus_conversation1_set_muted_until (skeleton, conversation->muted_until);
  sd_dbus_conversation1_set_peer_typing (
    skeleton, sd_account_get_peer_typing (self->account, conversation->id));
  sd_dbus_conversation1_set_nickname (skeleton,
                                      conversation->nickname != NULL ? conversation->nickname : "");
  sd_dbus_conversation1_set_expiration_mode (skeleton, conversation->expiration_mode != NULL
                                                         ? conversation->expiration_mode : "off");
  sd_dbus_conversation1_set_expiration_timer (skeleton,
                                              (guint32) CLAMP (conversation->expiration_timer, 0,
                                                               G_MAXUINT32));
  sd_dbus_conversation1_set_priority (skeleton, conversation->priority);
  sd_dbus_conversation1_set_pinned (skeleton, conversation->priority > 0);
  sd_dbus_conversation1_set_hidden (skeleton, conversation->priority < 0);
  sd_dbus_conversation1_set_notify_mode (
    skeleton, sd_conversation_notify_to_string (conversation->notify_mode));
  sd_dbus_conversation1_set_marked_unread (skeleton, conversation->marked_unread);
  sd_dbus_conversation1_set_community (skeleton, community_properties (self, conversation));
  g_object_thaw_notify (G_OBJECT (skeleton));
  if (object != NULL) {
    sd_dbus_object_skeleton_set_conversation1 (object, skeleton);
    g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
  }
}

static void
on_conversation_changed (SdAccount *account, SdConversation *conversation, SdDbusService *self)
{
  update_conversation (self, conversation);
}

static void
on_conversation_removed (SdAccount *account, const gchar *id, SdDbusService *self)
{
  g_autofree gchar *path = sd_dbus_conversation_path (id);

  g_dbus_object_manager_server_unexport (self->manager, path);
}

static void
on_message_added (SdAccount *account, SdMessage *message, gboolean arrived, SdDbusService *self)
{
  g_autoptr(SdDbusConversation1) skeleton = lookup_conversation (self, message->conversation);
  g_autofree gchar *path = sd_dbus_conversation_path (message->conversation);

  if (skeleton != NULL)
    sd_dbus_conversation1_emit_message_added (skeleton, sd_message_dict_new (message));
  if (arrived)
    sd_dbus_account1_emit_message_received (self->account_skeleton, path,
                                            sd_message_dict_new (message));
}

static void
on_message_changed (SdAccount *account, SdMessage *message, SdDbusService *self)
{
  g_autoptr(SdDbusConversation1) skeleton = lookup_conversation (self, message->conversation);

  if (skeleton != NULL)
    sd_dbus_conversation1_emit_message_changed (skeleton, message->id,
                                                sd_message_dict_new_changes (message));
}

static void
on_message_removed (SdAccount *account, SdMessage *message, SdDbusService *self)
{
  g_autoptr(SdDbusConversation1) skeleton = lookup_conversation (self, message->conversation);

  if (skeleton != NULL)
    sd_dbus_conversation1_emit_message_removed (skeleton, message->id);
}

static void
on_typing_changed (SdAccount *account, const gchar *id, gboolean typing, SdDbusService *self)
{
  g_autoptr(SdDbusConversation1) skeleton = lookup_conversation (self, id);

  if (skeleton != NULL)
    sd_dbus_conversation1_set_peer_typing (skeleton, typing);
}

/* ---- account ---- */

static void
update_sync (SdDbusService *self)
{
  guint64 fetched = 0;
  guint conversations = 0;
  gboolean syncing = sd_account_get_syncing (self->account, &fetched, &conversations);

  sd_dbus_account1_set_syncing (self->account_skeleton, syncing);
  sd_dbus_account1_set_sync_fetched (self->account_skeleton, fetched);
  sd_dbus_account1_set_sync_conversations (self->account_skeleton, conversations);
}

static void
on_sync_changed (SdAccount *account, SdDbusService *self)
{
  update_sync (self);
}

/* one signal per slice of history: (conversation, how many) */
static void
on_history_added (SdAccount *account, GPtrArray *messages, SdDbusService *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  GVariantBuilder builder;

  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, message->conversation));

    if (n == 0)
      g_ptr_array_add (order, message->conversation);
    g_hash_table_insert (counts, message->conversation, GUINT_TO_POINTER (n + 1));
  }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ou)"));
  for (guint i = 0; i < order->len; i++) {
    const gchar *id = g_ptr_array_index (order, i);
    g_autofree gchar *path = sd_dbus_conversation_path (id);

    g_variant_builder_add (&builder, "(ou)", path,
                           GPOINTER_TO_UINT (g_hash_table_lookup (counts, id)));
  }
  sd_dbus_account1_emit_history_added (self->account_skeleton,
                                       g_variant_builder_end (&builder));
}

static void
update_account (SdDbusService *self)
{
  g_object_freeze_notify (G_OBJECT (self->account_skeleton));
  sd_dbus_account1_set_state (self->account_skeleton, sd_account_get_state (self->account));
  sd_dbus_account1_set_session_id (self->account_skeleton,
                                   sd_account_get_session_id (self->account));
  sd_dbus_account1_set_display_name (self->account_skeleton,
                                     sd_account_get_display_name (self->account));
  sd_dbus_account1_set_unread_count (self->account_skeleton,
                                     sd_account_get_unread_count (self->account));
  {
    g_autofree gchar *avatar_url = sd_account_dup_avatar_url (self->account);

    sd_dbus_account1_set_avatar_url (self->account_skeleton, avatar_url);
  }
  sd_dbus_account1_set_config_synced (self->account_skeleton,
                                      sd_account_get_config_synced (self->account));
  update_sync (self);
  g_object_thaw_notify (G_OBJECT (self->account_skeleton));
}

static void
on_account_changed (SdAccount *account, SdDbusService *self)
{
  update_account (self);
}

/* the optional "display-name" option */
static gboolean
option_display_name (GVariant *options, const gchar **name, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) value = NULL;

  *name = NULL;
  if (!read_option (options, "display-name", G_VARIANT_TYPE_STRING, &value, invocation,
                    "the display-name option is a string"))
    return FALSE;
  if (value != NULL)
    *name = g_variant_get_string (value, NULL);
  return TRUE;
}

/* CreateAccount and RestoreAccount both answer the new Session ID, once the keystore (in a
 * worker thread) has the seed: other calls are served meanwhile */
static void
on_account_adopted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sd_account_adopt_finish (SD_ACCOUNT (source), result, &error);

  if (id == NULL)
    sd_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", id));
}

/* a recovery phrase is the account: no copy of it is freed for the heap to keep */
static void
wipe_string (const gchar *text)
{
  if (text != NULL)
    sodium_memzero ((gchar *) text, strlen (text));
}

/* ---- org.sessiond.AccountAdmin1: who may reveal or replace the identity ---- */

typedef void (*AdminMethod) (SdDbusService *self, GDBusMethodInvocation *invocation);

typedef struct {
  SdDbusService *self;                 /* (owned) */
  GDBusMethodInvocation *invocation;   /* (owned) */
  AdminMethod method;
} AdminCall;

static void
admin_call_free (AdminCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->invocation);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AdminCall, admin_call_free)

/* the RestoreAccount phrase in the call's message, kept until the reply: wiped once used or
 * refused */
static void
wipe_invocation_phrase (GDBusMethodInvocation *invocation)
{
  const gchar *phrase = NULL;

  if (g_strcmp0 (g_dbus_method_invocation_get_method_name (invocation), "RestoreAccount") != 0)
    return;
  g_variant_get_child (g_dbus_method_invocation_get_parameters (invocation), 0, "&s", &phrase);
  wipe_string (phrase);
}

static void
on_caller_known (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AdminCall) call = user_data;
  g_autoptr(GError) error = NULL;
  SdDbusCallerKind kind = sd_dbus_caller_lookup_finish (result, &error);

  if (error != NULL)
    g_debug ("could not look the caller up: %s", error->message);
  /* a sandbox was given the bus name for messaging (xdg-dbus-proxy cannot filter by
   * interface): the identity stays with the host; see docs/security.md */
  if (kind != SD_DBUS_CALLER_HOST) {
    g_info ("refused %s to a caller in a sandbox (%s)",
            g_dbus_method_invocation_get_method_name (call->invocation),
            sd_dbus_caller_kind_to_string (kind));
    wipe_invocation_phrase (call->invocation);
    g_dbus_method_invocation_return_error (
      call->invocation, SD_DBUS_ERROR, SD_DBUS_ERROR_ACCESS_DENIED,
      kind == SD_DBUS_CALLER_UNKNOWN
        ? "sessiond cannot tell whether the caller runs in a sandbox; programs in a Flatpak or "
          "Snap may not create, restore or read the account's identity"
        : "programs in a Flatpak or Snap sandbox may not create, restore or read the account's "
          "identity");
    return;
  }
  call->method (call->self, call->invocation);
}

/* every AdminMethod runs only after its caller is known not to be sandboxed */
static void
admin_authorize (SdDbusService *self, GDBusMethodInvocation *invocation, AdminMethod method)
{
  AdminCall *call = g_new0 (AdminCall, 1);

  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->method = method;
  sd_dbus_caller_lookup_async (g_dbus_method_invocation_get_connection (invocation),
                               g_dbus_method_invocation_get_sender (invocation), NULL,
                               on_caller_known, call);
}

static void
create_account (SdDbusService *self, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) options = g_variant_get_child_value (
    g_dbus_method_invocation_get_parameters (invocation), 0);
  const gchar *name;

  if (!option_display_name (options, &name, invocation))
    return;
  sd_account_create_account_async (self->account, name, NULL, on_account_adopted,
                                   g_object_ref (invocation));
}

static gboolean
handle_create_account (SdDbusAccountAdmin1 *skeleton, GDBusMethodInvocation *invocation,
                       GVariant *options, SdDbusService *self)
{
  admin_authorize (self, invocation, create_account);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
restore_account (SdDbusService *self, GDBusMethodInvocation *invocation)
{
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 1);
  const gchar *mnemonic = NULL;
  const gchar *name;

  g_variant_get_child (parameters, 0, "&s", &mnemonic);
  if (option_display_name (options, &name, invocation))
    sd_account_restore_account_async (self->account, mnemonic, name, NULL, on_account_adopted,
                                      g_object_ref (invocation));
  /* the phrase is a seed by now (or was refused); nothing reads the message's copy again */
  wipe_string (mnemonic);
}

static gboolean
handle_restore_account (SdDbusAccountAdmin1 *skeleton, GDBusMethodInvocation *invocation,
                        const gchar *mnemonic, GVariant *options, SdDbusService *self)
{
  const gchar *in_message = NULL;

  /* @mnemonic is the skeleton's copy, freed after we return; the one in the message body
   * stays until the reply, for restore_account () */
  g_variant_get_child (g_dbus_method_invocation_get_parameters (invocation), 0, "&s",
                       &in_message);
  if (in_message != mnemonic)
    wipe_string (mnemonic);
  admin_authorize (self, invocation, restore_account);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_recovery_phrase (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  gchar *phrase = sd_account_get_recovery_phrase_finish (SD_ACCOUNT (source), result, &error);

  if (phrase == NULL) {
    sd_dbus_error_return (invocation, error);
    return;
  }
  /* the reply message gets its own copy, beyond our reach */
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", phrase));
  wipe_string (phrase);
  g_free (phrase);
}

static void
get_recovery_phrase (SdDbusService *self, GDBusMethodInvocation *invocation)
{
  sd_account_get_recovery_phrase_async (self->account, NULL, on_recovery_phrase,
                                        g_object_ref (invocation));
}

static gboolean
handle_get_recovery_phrase (SdDbusAccountAdmin1 *skeleton, GDBusMethodInvocation *invocation,
                            SdDbusService *self)
{
  admin_authorize (self, invocation, get_recovery_phrase);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_display_name (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                         const gchar *name, SdDbusService *self)
{
  g_autoptr(GError) error = NULL;

  if (!sd_account_set_display_name (self->account, name, &error))
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_account1_complete_set_display_name (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_avatar_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_account_set_avatar_finish (SD_ACCOUNT (source), result, &error))
    sd_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_set_avatar (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                   GUnixFDList *fds, GVariant *handle, SdDbusService *self)
{
  gint32 index = g_variant_get_handle (handle);
  /* borrowed: the fd list closes it with the message, after the read */
  gint fd = fds != NULL && index >= 0 && index < g_unix_fd_list_get_length (fds)
              ? g_unix_fd_list_peek_fds (fds, NULL)[index] : -1;

  sd_account_set_avatar_async (self->account, fd, NULL, on_avatar_set,
                               g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_avatar (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                      SdDbusService *self)
{
  g_autoptr(GError) error = NULL;

  if (!sd_account_remove_avatar (self->account, &error))
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_account1_complete_remove_avatar (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_community_message_requests (SdDbusAccount1 *skeleton,
                                       GDBusMethodInvocation *invocation, gboolean allow,
                                       SdDbusService *self)
{
  g_autoptr(GError) error = NULL;

  if (!sd_account_set_community_message_requests (self->account, allow, &error))
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_account1_complete_set_community_message_requests (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- groups v2 (docs/groups.md) ---- */

typedef struct {
  SdDbusService *self;
  GDBusMethodInvocation *invocation;
} GroupCall;

static void
on_group_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GroupCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sd_account_create_group_finish (SD_ACCOUNT (source), result, &error);
  g_autofree gchar *path = NULL;

  if (id == NULL) {
    sd_dbus_error_return (call->invocation, error);
  } else {
    g_autoptr(SdConversation) conversation = sd_account_get_conversation (SD_ACCOUNT (source),
                                                                          id, NULL);
    if (conversation != NULL)
      update_conversation (call->self, conversation);
    path = sd_dbus_conversation_path (id);
    g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(o)", path));
  }
  g_object_unref (call->self);
  g_free (call);
}

static gboolean
handle_create_group (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                     const gchar *name, const gchar *const *members, SdDbusService *self)
{
  GroupCall *call = g_new0 (GroupCall, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation;
  sd_account_create_group_async (self->account, name, members, NULL, on_group_created, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
respond_group_invite (GDBusMethodInvocation *invocation, const gchar *group_id, gboolean accept,
                      SdDbusService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) conversation = NULL;

  if (!sd_account_respond_group_invite (self->account, group_id, accept, &error)) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (accept && (conversation = sd_account_get_conversation (self->account, group_id, NULL)))
    update_conversation (self, conversation);
  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_accept_group_invite (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                            const gchar *group_id, SdDbusService *self)
{
  return respond_group_invite (invocation, group_id, TRUE, self);
}

static gboolean
handle_decline_group_invite (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                             const gchar *group_id, SdDbusService *self)
{
  return respond_group_invite (invocation, group_id, FALSE, self);
}

static void
on_group_change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GroupCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_account_change_group_finish (SD_ACCOUNT (source), result, &error))
    sd_dbus_error_return (call->invocation, error);
  else
    g_dbus_method_invocation_return_value (call->invocation, NULL);
  g_object_unref (call->self);
  g_free (call);
}

static gboolean
change_group (GDBusMethodInvocation *invocation, SdAccountGroupChange change,
              const gchar *group_id, const gchar *name, const gchar *description,
              const gchar *const *members, SdDbusService *self)
{
  GroupCall *call = g_new0 (GroupCall, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation;
  sd_account_change_group_async (self->account, change, group_id, name, description, members,
                                 NULL, on_group_change_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_group_media_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_account_group_media_finish (SD_ACCOUNT (source), result, &error))
    sd_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_set_group_avatar (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                         GUnixFDList *fds, const gchar *group_id, GVariant *handle,
                         SdDbusService *self)
{
  gint32 index = g_variant_get_handle (handle);
  /* borrowed: the fd list closes it with the message, which the call keeps until answered */
  gint fd = fds != NULL && index >= 0 && index < g_unix_fd_list_get_length (fds)
              ? g_unix_fd_list_peek_fds (fds, NULL)[index] : -1;

  sd_account_set_group_avatar_async (self->account, group_id, fd, NULL, on_group_media_done,
                                     g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_group_info (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *group_id, GVariant *changes, SdDbusService *self)
{
  const gchar *name = NULL, *description = NULL;
  g_autoptr(GVariant) disappearing = g_variant_lookup_value (changes, "disappearing", NULL);
  g_autoptr(GVariant) avatar = g_variant_lookup_value (changes, "avatar", NULL);

  /* the group's after-send timer (docs/groups.md): a change of its own */
  if (disappearing != NULL) {
    if (!g_variant_is_of_type (disappearing, G_VARIANT_TYPE_UINT32) || avatar != NULL ||
        g_variant_lookup (changes, "name", "&s", &name) ||
        g_variant_lookup (changes, "description", "&s", &description)) {
      return_invalid (invocation, "disappearing is a u, set on its own");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    sd_account_set_group_disappearing_async (self->account, group_id,
                                             g_variant_get_uint32 (disappearing), NULL,
                                             on_group_media_done, g_object_ref (invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  /* the group's picture cleared (a new one is SetGroupAvatar's): a change of its own too */
  if (avatar != NULL) {
    if (!g_variant_is_of_type (avatar, G_VARIANT_TYPE_STRING) ||
        *g_variant_get_string (avatar, NULL) != '\0' || g_variant_n_children (changes) != 1) {
      return_invalid (invocation, "avatar is \"\" (cleared), set on its own");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    sd_account_clear_group_avatar_async (self->account, group_id, NULL, on_group_media_done,
                                         g_object_ref (invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_variant_lookup (changes, "name", "&s", &name);
  g_variant_lookup (changes, "description", "&s", &description);
  return change_group (invocation, SD_ACCOUNT_GROUP_SET_INFO, group_id, name, description, NULL,
                       self);
}

static gboolean
handle_destroy_group (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                      const gchar *group_id, SdDbusService *self)
{
  return change_group (invocation, SD_ACCOUNT_GROUP_DESTROY, group_id, NULL, NULL, NULL, self);
}

static gboolean
handle_leave_group (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                    const gchar *group_id, SdDbusService *self)
{
  return change_group (invocation, SD_ACCOUNT_GROUP_LEAVE, group_id, NULL, NULL, NULL, self);
}

static gboolean
handle_promote_group_members (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                              const gchar *group_id, const gchar *const *members,
                              SdDbusService *self)
{
  return change_group (invocation, SD_ACCOUNT_GROUP_PROMOTE, group_id, NULL, NULL, members,
                       self);
}

static gboolean
handle_remove_group_members (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                             const gchar *group_id, const gchar *const *members,
                             SdDbusService *self)
{
  return change_group (invocation, SD_ACCOUNT_GROUP_REMOVE, group_id, NULL, NULL, members,
                       self);
}

static gboolean
handle_remove_group_members_and_content (SdDbusAccount1 *skeleton,
                                         GDBusMethodInvocation *invocation,
                                         const gchar *group_id, const gchar *const *members,
                                         SdDbusService *self)
{
  return change_group (invocation, SD_ACCOUNT_GROUP_REMOVE_WITH_CONTENT, group_id, NULL, NULL,
                       members, self);
}

static gboolean
handle_delete_group_member_content (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                                    const gchar *group_id, const gchar *const *members,
                                    const gchar *const *messages, SdDbusService *self)
{
  GroupCall *call = g_new0 (GroupCall, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation;
  sd_account_delete_group_content_async (self->account, group_id, members, messages, NULL,
                                         on_group_change_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_invite_group_members (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                             const gchar *group_id, const gchar *const *members,
                             gboolean share_history, SdDbusService *self)
{
  return change_group (invocation,
                       share_history ? SD_ACCOUNT_GROUP_INVITE_WITH_HISTORY
                                     : SD_ACCOUNT_GROUP_INVITE,
                       group_id, NULL, NULL, members, self);
}

static gboolean
handle_get_group_info (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *group_id, SdDbusService *self)
{
  g_autoptr(GError) error = NULL;
  GVariant *info = sd_account_describe_group (self->account, group_id, &error);

  if (info == NULL)
    sd_dbus_error_return (invocation, error);
  else
    sd_dbus_account1_complete_get_group_info (skeleton, invocation, info);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_open_conversation (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                          const gchar *id, SdDbusService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) conversation = sd_account_open_conversation (self->account, id, &error);
  g_autofree gchar *path = NULL;

  if (conversation == NULL) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  update_conversation (self, conversation);
  path = sd_dbus_conversation_path (conversation->id);
  sd_dbus_account1_complete_open_conversation (skeleton, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_join_community (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                       const gchar *url, SdDbusService *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sd_account_join_community (self->account, url, &error);
  g_autoptr(SdConversation) conversation = NULL;
  g_autofree gchar *path = NULL;

  if (id != NULL)
    conversation = sd_account_get_conversation (self->account, id, &error);
  if (conversation == NULL) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  update_conversation (self, conversation);
  path = sd_dbus_conversation_path (conversation->id);
  sd_dbus_account1_complete_join_community (skeleton, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_name_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sd_account_resolve_name_finish (SD_ACCOUNT (source), result, &error);

  if (id == NULL)
    sd_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", id));
}

static gboolean
handle_resolve_name (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation,
                     const gchar *name, SdDbusService *self)
{
  sd_account_resolve_name_async (self->account, name, NULL, on_name_resolved, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation, const gchar *recipient,
             const gchar *body, GVariant *options, SdDbusService *self)
{
  send_with_options (self, invocation, recipient, body, options, TRUE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_search (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation, const gchar *query,
               GVariant *options, SdDbusService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GVariant) limit_value = NULL;
  const gchar *refusal = "limit is a number from 1 to 500 (u)";
  guint32 limit;
  GVariantBuilder builder;

  if (!read_option (options, "limit", G_VARIANT_TYPE_UINT32, &limit_value, invocation, refusal))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  limit = limit_value != NULL ? g_variant_get_uint32 (limit_value) : SEARCH_DEFAULT;
  if (limit == 0 || limit > GET_MESSAGES_MAX) {
    return_invalid (invocation, refusal);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  results = sd_account_search (self->account, query, limit, &error);
  if (results == NULL) {
    sd_dbus_error_return (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < results->len; i++)
    g_variant_builder_add_value (&builder, sd_message_dict_new (g_ptr_array_index (results, i)));
  sd_dbus_account1_complete_search (skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
inhibitor_free (Inhibitor *inhibitor)
{
  g_bus_unwatch_name (inhibitor->watch_id);
  g_free (inhibitor->sender);
  g_free (inhibitor);
}

typedef struct {
  SdDbusService *self; /* (unowned) */
  guint cookie;
} InhibitorWatch;

static void
on_inhibitor_vanished (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  InhibitorWatch *watch = user_data;

  /* released when the caller leaves the bus */
  if (g_hash_table_remove (watch->self->inhibitors, GUINT_TO_POINTER (watch->cookie)))
    g_signal_emit (watch->self, signals[SIGNAL_INHIBITED_CHANGED], 0);
}

#define MAX_INHIBITORS_PER_CLIENT 16

static gboolean
handle_inhibit (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation, const gchar *reason,
                SdDbusService *self)
{
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  GHashTableIter iter;
  gpointer value;
  guint held = 0;
  Inhibitor *inhibitor;
  InhibitorWatch *watch;

  g_hash_table_iter_init (&iter, self->inhibitors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    held += g_strcmp0 (((Inhibitor *) value)->sender, sender) == 0;
  if (held >= MAX_INHIBITORS_PER_CLIENT) {
    return_invalid (invocation, "too many inhibitions held by this client");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  inhibitor = g_new0 (Inhibitor, 1);
  inhibitor->sender = g_strdup (sender);
  watch = g_new0 (InhibitorWatch, 1);
  watch->self = self;
  watch->cookie = ++self->next_cookie;
  inhibitor->watch_id = g_bus_watch_name_on_connection (self->connection, sender,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                        on_inhibitor_vanished, watch, g_free);
  g_hash_table_insert (self->inhibitors, GUINT_TO_POINTER (watch->cookie), inhibitor);
  sd_dbus_account1_complete_inhibit_notifications (skeleton, invocation, watch->cookie);
  g_signal_emit (self, signals[SIGNAL_INHIBITED_CHANGED], 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_uninhibit (SdDbusAccount1 *skeleton, GDBusMethodInvocation *invocation, guint cookie,
                  SdDbusService *self)
{
  Inhibitor *inhibitor = g_hash_table_lookup (self->inhibitors, GUINT_TO_POINTER (cookie));

  /* only the holder may release its cookie */
  if (inhibitor == NULL ||
      g_strcmp0 (inhibitor->sender, g_dbus_method_invocation_get_sender (invocation)) != 0) {
    g_dbus_method_invocation_return_error (invocation, SD_DBUS_ERROR, SD_DBUS_ERROR_NOT_FOUND,
                                           "no inhibition %u held by this client", cookie);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_hash_table_remove (self->inhibitors, GUINT_TO_POINTER (cookie));
  sd_dbus_account1_complete_uninhibit_notifications (skeleton, invocation);
  g_signal_emit (self, signals[SIGNAL_INHIBITED_CHANGED], 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
sd_dbus_service_notifications_inhibited (SdDbusService *self)
{
  return g_hash_table_size (self->inhibitors) > 0;
}

/* ---- giving the heap back ---- */

/* glibc keeps freed memory in its heap, and what an answer listing every conversation leaves
 * behind (GetManagedObjects builds about 7 KB of GVariants and message per conversation) lies
 * below long-lived objects, where free () cannot return it: at 1,000 conversations private
 * dirty stayed at 16 MB, of which 8 MB were live (issue 20). malloc_trim () gives the free
 * pages back; it runs at low priority a moment after the answer has gone out, or start-up is
 * done (about a millisecond for a 20 MB heap), once for all answers in that moment */
#define TRIM_DELAY_MS 200
static gint trim_queued;

static gboolean
trim_heap (gpointer user_data)
{
  g_atomic_int_set (&trim_queued, 0);
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

static void
queue_trim (GMainContext *context)
{
  g_autoptr(GSource) source = NULL;

  if (!g_atomic_int_compare_and_exchange (&trim_queued, 0, 1))
    return;
  /* the answer goes when the worker thread has written it, which takes a moment at 600 KB */
  source = g_timeout_source_new (TRIM_DELAY_MS);
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, trim_heap, NULL, NULL);
  g_source_set_static_name (source, "[sessiond] trim heap");
  g_source_attach (source, context);
}

/* the serials of GetManagedObjects calls not answered yet (a few: another is not trimmed for) */
#define MAX_LISTINGS 8
static GMutex listing_lock;
static guint32 listing_serials[MAX_LISTINGS];
static guint n_listings;

/* In the GDBus worker thread, for every message in or out: notes GetManagedObjects calls
 * (the object manager answers them on the main loop), and when one's answer is on its way
 * out, queues a trim */
static GDBusMessage *
trim_after_listing (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                    gpointer user_data)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);
  gboolean answered = FALSE;

  if (incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
      g_strcmp0 (g_dbus_message_get_member (message), "GetManagedObjects") == 0) {
    g_mutex_lock (&listing_lock);
    if (n_listings < MAX_LISTINGS)
      listing_serials[n_listings++] = g_dbus_message_get_serial (message);
    g_mutex_unlock (&listing_lock);
  } else if (!incoming &&
             (type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN || type == G_DBUS_MESSAGE_TYPE_ERROR)) {
    guint32 serial = g_dbus_message_get_reply_serial (message);

    g_mutex_lock (&listing_lock);
    for (guint i = 0; i < n_listings && !answered; i++) {
      if (listing_serials[i] == serial) {
        listing_serials[i] = listing_serials[--n_listings];
        answered = TRUE;
      }
    }
    g_mutex_unlock (&listing_lock);
  }
  if (answered)
    queue_trim (user_data);
  return message;
}

static void attach_now (SdDbusService *self);

static void
on_account_started (SdAccount *account, SdDbusService *self)
{
  if (self->attach_after_start)
    attach_now (self);
  queue_trim (g_main_context_get_thread_default ());
}

/* The object manager goes on the bus once the account's conversations are exported:
 * exported while the manager has no connection, a conversation is only added to its table,
 * and set_connection () registers them all in one pass. Attached first, every export built
 * and broadcast an InterfacesAdded dictionary, at start-up for nobody: sd-main requests the
 * bus name only after sd_account_start () is done (sd_dbus_service_attach_after_start ()),
 * so no client can have listed the objects yet (issue 20: 376 ms and 17.7 KB per
 * conversation at 1,000 conversations). Otherwise, and for accounts created or restored
 * later, the manager is attached from the main loop, before any method call is dispatched,
 * and conversations are announced */
static void
attach_now (SdDbusService *self)
{
  g_autoptr(GDBusConnection) attached = g_dbus_object_manager_server_get_connection (
    self->manager);

  g_clear_handle_id (&self->attach_id, g_source_remove);
  self->attach_after_start = FALSE;
  if (attached == NULL)
    g_dbus_object_manager_server_set_connection (self->manager, self->connection);
}

static gboolean
attach_manager (gpointer user_data)
{
  SdDbusService *self = user_data;

  self->attach_id = 0;
  attach_now (self);
  return G_SOURCE_REMOVE;
}

void
sd_dbus_service_attach_after_start (SdDbusService *self)
{
  g_return_if_fail (SD_IS_DBUS_SERVICE (self));

  g_clear_handle_id (&self->attach_id, g_source_remove);
  self->attach_after_start = TRUE;
}

static void
sd_dbus_service_dispose (GObject *object)
{
  SdDbusService *self = SD_DBUS_SERVICE (object);

  g_clear_handle_id (&self->attach_id, g_source_remove);
  if (self->filter_id != 0 && self->connection != NULL)
    g_dbus_connection_remove_filter (self->connection, self->filter_id);
  self->filter_id = 0;

  if (self->account_skeleton != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->account_skeleton));
  g_clear_object (&self->account_skeleton);
  if (self->admin_skeleton != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->admin_skeleton));
  g_clear_object (&self->admin_skeleton);
  if (self->manager != NULL) {
    /* a skeleton outliving us (a call in flight holds it) answers without us */
    g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (
      G_DBUS_OBJECT_MANAGER (self->manager));

    for (GList *l = objects; l != NULL; l = l->next) {
      g_autoptr(SdDbusConversation1) skeleton = sd_dbus_object_get_conversation1 (l->data);

      if (skeleton != NULL)
        ((SdConversationSkeleton *) skeleton)->service = NULL;
    }
  }
  g_clear_object (&self->manager);
  g_clear_pointer (&self->inhibitors, g_hash_table_unref);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (sd_dbus_service_parent_class)->dispose (object);
}

static void
sd_dbus_service_class_init (SdDbusServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sd_dbus_service_dispose;
  /* InhibitNotifications holders came or went */
  signals[SIGNAL_INHIBITED_CHANGED] = g_signal_new ("inhibited-changed",
                                                    G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sd_dbus_service_init (SdDbusService *self)
{
  self->inhibitors = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) inhibitor_free);
}

SdDbusService *
sd_dbus_service_new (GDBusConnection *connection, SdAccount *account, GError **error)
{
  g_autoptr(SdDbusService) self = g_object_new (SD_TYPE_DBUS_SERVICE, NULL);
  g_autoptr(GPtrArray) conversations = NULL;

  self->connection = g_object_ref (connection);
  self->account = g_object_ref (account);
  self->manager = g_dbus_object_manager_server_new (SD_DBUS_PATH);
  self->account_skeleton = sd_dbus_account1_skeleton_new ();
  sd_dbus_account1_set_version (self->account_skeleton, API_VERSION);
  update_account (self);

  self->admin_skeleton = sd_dbus_account_admin1_skeleton_new ();
  sd_dbus_account_admin1_set_version (self->admin_skeleton, API_VERSION);
  g_signal_connect (self->admin_skeleton, "handle-create-account",
                    G_CALLBACK (handle_create_account), self);
  g_signal_connect (self->admin_skeleton, "handle-restore-account",
                    G_CALLBACK (handle_restore_account), self);
  g_signal_connect (self->admin_skeleton, "handle-get-recovery-phrase",
                    G_CALLBACK (handle_get_recovery_phrase), self);
  g_signal_connect (self->account_skeleton, "handle-set-display-name",
                    G_CALLBACK (handle_set_display_name), self);
  g_signal_connect (self->account_skeleton, "handle-set-avatar",
                    G_CALLBACK (handle_set_avatar), self);
  g_signal_connect (self->account_skeleton, "handle-remove-avatar",
                    G_CALLBACK (handle_remove_avatar), self);
  g_signal_connect (self->account_skeleton, "handle-set-community-message-requests",
                    G_CALLBACK (handle_set_community_message_requests), self);
  g_signal_connect (self->account_skeleton, "handle-open-conversation",
                    G_CALLBACK (handle_open_conversation), self);
  g_signal_connect (self->account_skeleton, "handle-send", G_CALLBACK (handle_send), self);
  g_signal_connect (self->account_skeleton, "handle-create-group",
                    G_CALLBACK (handle_create_group), self);
  g_signal_connect (self->account_skeleton, "handle-accept-group-invite",
                    G_CALLBACK (handle_accept_group_invite), self);
  g_signal_connect (self->account_skeleton, "handle-decline-group-invite",
                    G_CALLBACK (handle_decline_group_invite), self);
  g_signal_connect (self->account_skeleton, "handle-get-group-info",
                    G_CALLBACK (handle_get_group_info), self);
  g_signal_connect (self->account_skeleton, "handle-set-group-info",
                    G_CALLBACK (handle_set_group_info), self);
  g_signal_connect (self->account_skeleton, "handle-set-group-avatar",
                    G_CALLBACK (handle_set_group_avatar), self);
  g_signal_connect (self->account_skeleton, "handle-destroy-group",
                    G_CALLBACK (handle_destroy_group), self);
  g_signal_connect (self->account_skeleton, "handle-leave-group",
                    G_CALLBACK (handle_leave_group), self);
  g_signal_connect (self->account_skeleton, "handle-promote-group-members",
                    G_CALLBACK (handle_promote_group_members), self);
  g_signal_connect (self->account_skeleton, "handle-remove-group-members",
                    G_CALLBACK (handle_remove_group_members), self);
  g_signal_connect (self->account_skeleton, "handle-remove-group-members-and-content",
                    G_CALLBACK (handle_remove_group_members_and_content), self);
  g_signal_connect (self->account_skeleton, "handle-delete-group-member-content",
                    G_CALLBACK (handle_delete_group_member_content), self);
  g_signal_connect (self->account_skeleton, "handle-invite-group-members",
                    G_CALLBACK (handle_invite_group_members), self);
  g_signal_connect (self->account_skeleton, "handle-join-community",
                    G_CALLBACK (handle_join_community), self);
  g_signal_connect (self->account_skeleton, "handle-resolve-name",
                    G_CALLBACK (handle_resolve_name), self);
  g_signal_connect (self->account_skeleton, "handle-search", G_CALLBACK (handle_search), self);
  g_signal_connect (self->account_skeleton, "handle-inhibit-notifications",
                    G_CALLBACK (handle_inhibit), self);
  g_signal_connect (self->account_skeleton, "handle-uninhibit-notifications",
                    G_CALLBACK (handle_uninhibit), self);

  g_signal_connect (account, "account-changed", G_CALLBACK (on_account_changed), self);
  g_signal_connect (account, "conversation-changed", G_CALLBACK (on_conversation_changed), self);
  g_signal_connect (account, "conversation-removed", G_CALLBACK (on_conversation_removed), self);
  g_signal_connect (account, "message-added", G_CALLBACK (on_message_added), self);
  g_signal_connect (account, "message-changed", G_CALLBACK (on_message_changed), self);
  g_signal_connect (account, "message-removed", G_CALLBACK (on_message_removed), self);
  g_signal_connect (account, "typing-changed", G_CALLBACK (on_typing_changed), self);
  g_signal_connect (account, "history-added", G_CALLBACK (on_history_added), self);
  g_signal_connect (account, "sync-changed", G_CALLBACK (on_sync_changed), self);
  g_signal_connect (account, "started", G_CALLBACK (on_account_started), self);
  self->filter_id = g_dbus_connection_add_filter (
    connection, trim_after_listing, g_main_context_ref_thread_default (),
    (GDestroyNotify) g_main_context_unref);

  conversations = sd_account_list_conversations (account, NULL);
  for (guint i = 0; conversations != NULL && i < conversations->len; i++)
    update_conversation (self, g_ptr_array_index (conversations, i));

  /* high priority: before any method call the bus delivers is dispatched */
  self->attach_id = g_idle_add_full (G_PRIORITY_HIGH, attach_manager, self, NULL);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->account_skeleton),
                                         connection, SD_DBUS_PATH, error))
    return NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->admin_skeleton),
                                         connection, SD_DBUS_PATH, error))
    return NULL;
  return g_steal_pointer (&self);
}
