/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sessionctl: the command-line front end of sessiond, built on
 * libsessiond-client.
 *
 * Exit status 0 on success, 1 with one line on standard error otherwise.
 *
 * With --json every command prints one JSON object per line on standard
 * output (and an error as one JSON object on standard error):
 *   status          {"state": s, "session_id": s, "display_name": s, "unread_count": n,
 *                    "config_synced": b}
 *   create, restore {"session_id": s}
 *   id              {"session_id": s}
 *   phrase          {"mnemonic": s}
 *   set-name        {"display_name": s}
 *   send, reply     {"conversation": s, "message_id": s}
 *   join            {"id": s} (a community's conversation id, usable as any ID)
 *   communities     one per joined room: {"id": s, "name": s, "description": s,
 *                    "url": s, "user_count": n (-1 unknown), "state": s,
 *                    "permissions": [s, …]}
 *   resolve         {"session_id": s} (send also takes an ONS name for its ID)
 *   leave           {"conversation": s, "action": "leave"}
 *   conversations   one per conversation, most recent first:
 *                   {"id": s, "kind": s, "name": s, "nickname": s, "unread_count": n,
 *                    "last_activity": n, "last_message_preview": s, "approved": b,
 *                    "blocked": b, "muted_until": n, "expiration_mode": s,
 *                    "expiration_timer": n, "priority": n, "notify_mode": s,
 *                    "marked_unread": b}
 *   messages        one per message, oldest first; search: newest first:
 *                   {"id": s, "conversation": s, "author": s, "outgoing": b,
 *                    "kind": s ("text", or an event: "expiration-update",
 *                    "screenshot", "media-saved", or in a group "group-renamed",
 *                    "group-members-added", "group-members-removed",
 *                    "group-members-promoted", "group-member-left", "group-removed",
 *                    "group-destroyed", "group-avatar-changed",
 *                    "group-disappearing-changed" (body: the timer in seconds, "0"
 *                    off)), "body": s, "sent_at": n,
 *                    "received_at": n, "status": s,
 *                    "reactions": [{"emoji": s, "count": n, "reacted_by_me": b}, …]
 *                    [, "error": s] [, "expires_at": n]
 *                    [, "expiration_mode": s, "expiration_timer": n]
 *                    [, "quote_id": s, "quote_author": s [, "quote_body": s]]
 *                    [, "author_name": s] [, "author_session_id": s]}
 *                   (in a community "author" is the poster's blinded id, "15…";
 *                   author_session_id is their Session ID only when it is known)
 *   mark-read, approve, block, unblock, screenshot, pin, unpin, hide, mark-unread
 *                   {"conversation": s, "action": s}
 *   notify          {"conversation": s, "action": "notify", "notify_mode": s}
 *   react, unreact, unsend, delete
 *                   {"conversation": s, "action": s, "message_id": s [, "emoji": s]}
 *   disappear       {"conversation": s, "action": "disappear", "expiration_mode": s,
 *                    "expiration_timer": n}
 *   nickname        {"conversation": s, "action": "nickname", "nickname": s}
 *   watch           {"event": "watching", "session_id": s, "state": s} first, then
 *                   {"event": "message", "message": {…as above…}},
 *                   {"event": "state", "state": s},
 *                   {"event": "unread-count", "unread_count": n}
 *   group-create, group-accept, group-rename, group-describe, group-avatar, group-disappear,
 *   group-invite, group-promote, group-remove, group-leave, group-destroy,
 *   group-delete-content
 *                   {"group_id": s}
 *   group-info      {"name": s, "description": s, "admin": b, "pending": b, "removed": b,
 *                    "destroyed": b, "members": [{"id": s, "admin": b, "invite": s,
 *                    "promotion": s}, …]} (invite, promotion: "none", "sent", "failed",
 *                    "not-sent"; an accepted invite is "none")
 *   errors          {"error": s (the D-Bus error name without prefix, or NotRunning,
 *                    Usage), "message": s}
 * Times are milliseconds since the epoch; expiration timers are seconds.
 */
#define G_LOG_DOMAIN "sessionctl"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sessiond.h"
#include "sessiond-contract.h"

typedef struct {
  SessiondClient *client;   /* (owned) */
  gboolean json;
  gboolean color;
  gchar *name;              /* (owned) (nullable) --name */
  gint limit;
  gint64 before;
  gboolean show_secret;
  GMainLoop *loop;          /* (owned) (nullable) for watch */
  gint watch_status;
  guint timer;              /* disappear's TIMER, parsed before connecting */
  gchar **attach;           /* (owned) (nullable) send --attach FILE… */
  gboolean voice;           /* send --voice */
  gboolean history;         /* group-invite --history */
  gboolean remove;          /* set-avatar --remove, group-avatar --remove */
} Ctl;

/* the names of --json errors: the D-Bus error names without their prefix, from the contract */
#define ERROR_NAME(code, name) [SESSIOND_CLIENT_ERROR_##code] = name,
static const gchar *const error_names[] = {
  SESSIOND_DBUS_ERRORS (ERROR_NAME)
  [SESSIOND_CLIENT_ERROR_NOT_RUNNING] = "NotRunning",
};
#undef ERROR_NAME

/* ---- output ---- */

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
  fflush (stdout);
}

/* whether @c could drive the terminal or reorder what is around it: C0 and C1 controls and
 * DEL (ESC starts CSI and OSC sequences: window title, clipboard writes, clearing the screen),
 * bidi controls and marks, line and paragraph separators */
static gboolean
is_terminal_unsafe (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c ||
         c == 0x2028 || c == 0x2029;
}

/* what others wrote (bodies, names, reactions), made safe to print in plain output: unsafe
 * characters become visible escapes (\n, \x1b, \u202e). --json prints the exact text */
static gchar *
printable (const gchar *text)
{
  g_autofree gchar *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  /* the library hands out valid UTF-8; anything else would be U+FFFD, not bytes for the tty */
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (!is_terminal_unsafe (c))
      g_string_append_unichar (out, c);
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c == '\t')
      g_string_append (out, "\\t");
    else if (c == '\r')
      g_string_append (out, "\\r");
    else if (c < 0x80)
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_printf (out, "\\u%04x", c);
  }
  return g_string_free (out, FALSE);
}

/* one member of the JSON object @builder is building */
static void
add_string_member (JsonBuilder *builder, const gchar *name, const gchar *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int_member (JsonBuilder *builder, const gchar *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_boolean_member (JsonBuilder *builder, const gchar *name, gboolean value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static gint
fail (Ctl *ctl, const gchar *name, const gchar *message)
{
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autofree gchar *text = NULL;

    json_builder_begin_object (builder);
    add_string_member (builder, "error", name);
    add_string_member (builder, "message", message);
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    json_generator_set_root (generator, root);
    text = json_generator_to_data (generator, NULL);
    g_printerr ("%s\n", text);
  } else {
    /* daemon messages may quote what someone sent */
    g_autofree gchar *safe = printable (message);

    g_printerr ("sessionctl: %s\n", safe);
  }
  return 1;
}

static gint
fail_error (Ctl *ctl, const GError *error)
{
  const gchar *name = "Failed";
  const gchar *message = error->message;

  if (error->domain == SESSIOND_CLIENT_ERROR && error->code >= 0 &&
      (gsize) error->code < G_N_ELEMENTS (error_names))
    name = error_names[error->code];
  if (g_error_matches (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_RUNNING))
    message = _("sessiond is not running");
  else if (g_error_matches (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NO_ACCOUNT))
    message = _("there is no account yet; make one with “sessionctl create” or “sessionctl restore”");
  return fail (ctl, name, message);
}

static gint
usage (Ctl *ctl, const gchar *message)
{
  return fail (ctl, "Usage", message);
}

static void
print_field (Ctl *ctl, const gchar *label, gint width, const gchar *value)
{
  /* pad by characters, not bytes, so translated labels line up */
  gint pad = width - (gint) g_utf8_strlen (label, -1);
  g_autofree gchar *safe = printable (value);

  g_print ("%s%s:%s%*s %s\n", ctl->color ? "\033[1m" : "", label, ctl->color ? "\033[0m" : "",
           MAX (pad, 0), "", safe);
}

static gchar *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = NULL;

  if (ms <= 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (ms / 1000);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("-");
}

/* "5 minutes", "1 day": the largest unit that divides @seconds */
static gchar *
format_duration (guint seconds)
{
  if (seconds != 0 && seconds % 604800 == 0)
    return g_strdup_printf (ngettext ("%u week", "%u weeks", seconds / 604800),
                            seconds / 604800);
  if (seconds != 0 && seconds % 86400 == 0)
    return g_strdup_printf (ngettext ("%u day", "%u days", seconds / 86400), seconds / 86400);
  if (seconds != 0 && seconds % 3600 == 0)
    return g_strdup_printf (ngettext ("%u hour", "%u hours", seconds / 3600), seconds / 3600);
  if (seconds != 0 && seconds % 60 == 0)
    return g_strdup_printf (ngettext ("%u minute", "%u minutes", seconds / 60), seconds / 60);
  return g_strdup_printf (ngettext ("%u second", "%u seconds", seconds), seconds);
}

static void
build_message (JsonBuilder *builder, SessiondMessage *message)
{
  const gchar *error = sessiond_message_get_error_message (message);
  const gchar *mode = sessiond_message_get_expiration_mode (message);
  const gchar *quote_id = sessiond_message_get_quote_id (message);
  GPtrArray *reactions = sessiond_message_get_reactions (message);

  json_builder_begin_object (builder);
  add_string_member (builder, "id", sessiond_message_get_id (message));
  add_string_member (builder, "conversation", sessiond_message_get_conversation_id (message));
  add_string_member (builder, "author", sessiond_message_get_author (message));
  add_boolean_member (builder, "outgoing", sessiond_message_get_outgoing (message));
  add_string_member (builder, "kind", sessiond_message_get_kind (message));
  add_string_member (builder, "body", sessiond_message_get_body (message));
  add_int_member (builder, "sent_at", sessiond_message_get_sent_at (message));
  add_int_member (builder, "received_at", sessiond_message_get_received_at (message));
  add_string_member (builder, "status", sessiond_message_get_status (message));
  json_builder_set_member_name (builder, "reactions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < reactions->len; i++) {
    SessiondReaction *reaction = g_ptr_array_index (reactions, i);

    json_builder_begin_object (builder);
    add_string_member (builder, "emoji", sessiond_reaction_get_emoji (reaction));
    add_int_member (builder, "count", sessiond_reaction_get_count (reaction));
    add_boolean_member (builder, "reacted_by_me", sessiond_reaction_get_reacted_by_me (reaction));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  if (error != NULL) {
    add_string_member (builder, "error", error);
  }
  if (sessiond_message_get_expires_at (message) != 0) {
    add_int_member (builder, "expires_at", sessiond_message_get_expires_at (message));
  }
  if (mode != NULL) {
    add_string_member (builder, "expiration_mode", mode);
    add_int_member (builder, "expiration_timer", sessiond_message_get_expiration_timer (message));
  }
  if (quote_id != NULL) {
    const gchar *quote_author = sessiond_message_get_quote_author (message);
    const gchar *quote_body = sessiond_message_get_quote_body (message);

    add_string_member (builder, "quote_id", quote_id);
    add_string_member (builder, "quote_author", quote_author != NULL ? quote_author : "");
    if (quote_body != NULL) {
      add_string_member (builder, "quote_body", quote_body);
    }
  }
  {
    g_autoptr(GVariant) name = sessiond_message_lookup (message,
                                                        SESSIOND_MESSAGE_KEY_AUTHOR_NAME);
    g_autoptr(GVariant) real = sessiond_message_lookup (message,
                                                        SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID);

    if (name != NULL && g_variant_is_of_type (name, G_VARIANT_TYPE_STRING)) {
      add_string_member (builder, "author_name", g_variant_get_string (name, NULL));
    }
    if (real != NULL && g_variant_is_of_type (real, G_VARIANT_TYPE_STRING)) {
      add_string_member (builder, "author_session_id", g_variant_get_string (real, NULL));
    }
  }
  json_builder_end_object (builder);
}

/* an event's line, without the dashes around it */
static gchar *
describe_event (SessiondMessage *message)
{
  const gchar *kind = sessiond_message_get_kind (message);
  gboolean mine = sessiond_message_get_outgoing (message);
  g_autofree gchar *who = g_strdup_printf ("%.10s…", sessiond_message_get_author (message));

  if (g_str_equal (kind, "expiration-update")) {
    const gchar *mode = sessiond_message_get_expiration_mode (message);
    guint timer = sessiond_message_get_expiration_timer (message);
    g_autofree gchar *duration = format_duration (timer);

    if (g_strcmp0 (mode, "after-send") == 0 && timer != 0)
      return g_strdup_printf (_("disappearing messages set to after-send, %s"), duration);
    if (g_strcmp0 (mode, "after-read") == 0 && timer != 0)
      return g_strdup_printf (_("disappearing messages set to after-read, %s"), duration);
    return g_strdup (_("disappearing messages turned off"));
  }
  if (g_str_equal (kind, "screenshot"))
    return mine ? g_strdup (_("you took a screenshot"))
                : g_strdup_printf (_("%s took a screenshot"), who);
  if (g_str_equal (kind, "media-saved"))
    return mine ? g_strdup (_("you saved a file"))
                : g_strdup_printf (_("%s saved a file"), who);
  /* groups (docs/groups.md): the author is the admin (or who left); "me" for ours */
  if (g_str_has_prefix (kind, "group-")) {
    const gchar *body = sessiond_message_get_body (message);
    const gchar *by = mine ? _("me") : who;

    if (body == NULL)
      body = "";
    if (g_str_equal (kind, "group-renamed"))
      return g_strdup_printf (_("%s renamed the group to “%s”"), by, body);
    if (g_str_equal (kind, "group-avatar-changed"))
      return g_strdup_printf (_("%s changed the group picture"), by);
    if (g_str_equal (kind, "group-disappearing-changed")) {
      guint64 seconds = g_ascii_strtoull (body, NULL, 10);
      g_autofree gchar *duration = NULL;

      if (seconds == 0 || seconds > G_MAXUINT)
        return g_strdup_printf (_("%s turned off disappearing messages"), by);
      duration = format_duration ((guint) seconds);
      return g_strdup_printf (_("%s set disappearing messages to after-send, %s"), by,
                              duration);
    }
    if (g_str_equal (kind, "group-members-added"))
      return g_strdup_printf (_("%s added %s"), by, body);
    if (g_str_equal (kind, "group-members-removed"))
      return g_strdup_printf (_("%s removed %s"), by, body);
    if (g_str_equal (kind, "group-members-promoted"))
      return g_strdup_printf (_("%s made %s admin"), by, body);
    if (g_str_equal (kind, "group-member-left"))
      return g_strdup_printf (_("%s left the group"), by);
    if (g_str_equal (kind, "group-removed"))
      return g_strdup (_("you were removed from the group"));
    if (g_str_equal (kind, "group-destroyed"))
      return g_strdup (_("the group was deleted by an admin"));
  }
  /* a kind newer than this sessionctl */
  return g_strdup (kind);
}

/* the first line of a quoted message, shortened */
static gchar *
quote_excerpt (const gchar *body)
{
  const gchar *newline;
  g_autofree gchar *line = NULL;

  if (body == NULL)
    return g_strdup (_("original message not found"));
  newline = strchr (body, '\n');
  line = newline != NULL ? g_strndup (body, newline - body) : g_strdup (body);
  if (g_utf8_strlen (line, -1) > 60 || newline != NULL) {
    g_autofree gchar *start = g_utf8_substring (line, 0, MIN (g_utf8_strlen (line, -1), 60));

    return g_strconcat (start, "…", NULL);
  }
  return g_steal_pointer (&line);
}

/* the indented lines under a message: reactions, expiry */
static void
print_message_details (SessiondMessage *message)
{
  GPtrArray *reactions = sessiond_message_get_reactions (message);
  const gchar *mode = sessiond_message_get_expiration_mode (message);
  gint64 expires_at = sessiond_message_get_expires_at (message);

  if (reactions->len > 0) {
    g_autoptr(GString) line = g_string_new ("   ");

    for (guint i = 0; i < reactions->len; i++) {
      SessiondReaction *reaction = g_ptr_array_index (reactions, i);

      g_autofree gchar *emoji = printable (sessiond_reaction_get_emoji (reaction));

      g_string_append_printf (line, " %s %u", emoji, sessiond_reaction_get_count (reaction));
      if (sessiond_reaction_get_reacted_by_me (reaction))
        g_string_append_printf (line, " %s", _("(you)"));
      if (i + 1 < reactions->len)
        g_string_append_c (line, ' ');
    }
    g_print ("%s\n", line->str);
  }
  if (expires_at > 0) {
    g_autofree gchar *when = format_time (expires_at);

    g_print ("    ");
    g_print (_("disappears %s"), when);
    g_print ("\n");
  } else if (g_strcmp0 (mode, "after-read") == 0) {
    g_autofree gchar *duration = format_duration (sessiond_message_get_expiration_timer (message));

    g_print ("    ");
    g_print (_("disappears %s after it is read"), duration);
    g_print ("\n");
  }
}

static void
print_message (Ctl *ctl, SessiondMessage *message, gboolean with_conversation)
{
  g_autofree gchar *when = NULL;
  g_autofree gchar *safe_author = NULL;
  g_autofree gchar *body = NULL;
  const gchar *author;

  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    build_message (builder, message);
    print_json (builder);
    return;
  }
  when = format_time (sessiond_message_get_sent_at (message));
  safe_author = printable (sessiond_message_get_author (message));
  body = printable (sessiond_message_get_body (message));
  author = sessiond_message_get_outgoing (message) ? _("me") : safe_author;
  if (!g_str_equal (sessiond_message_get_kind (message), "text")) {
    g_autofree gchar *raw_event = describe_event (message);
    g_autofree gchar *event = printable (raw_event);

    if (with_conversation)
      g_print ("%s  %.10s…  ", when, sessiond_message_get_conversation_id (message));
    g_print ("— %s —\n", event);
    return;
  }
  if (sessiond_message_get_quote_id (message) != NULL) {
    const gchar *quote_author = sessiond_message_get_quote_author (message);
    g_autofree gchar *raw_excerpt = quote_excerpt (sessiond_message_get_quote_body (message));
    g_autofree gchar *excerpt = printable (raw_excerpt);
    g_autofree gchar *safe_quote_author = printable (quote_author);
    g_autofree gchar *own_id = sessiond_client_dup_session_id (ctl->client);

    if (g_strcmp0 (quote_author, own_id) == 0)
      g_print ("  > %s: %s\n", _("me"), excerpt);
    else
      g_print ("  > %.10s…: %s\n", safe_quote_author != NULL ? safe_quote_author : "", excerpt);
  }
  if (with_conversation)
    g_print ("%s  %.10s…  ", when, sessiond_message_get_conversation_id (message));
  if (sessiond_message_get_outgoing (message))
    g_print ("%s%-12s%s %s  (%s)\n", ctl->color ? "\033[1m" : "", author,
             ctl->color ? "\033[0m" : "", body, sessiond_message_get_status (message));
  else
    g_print ("%s%.10s…%s  %s\n", ctl->color ? "\033[1;34m" : "", author,
             ctl->color ? "\033[0m" : "", body);
  print_message_details (message);
}

/* ---- waiting for async calls ---- */

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* ---- commands ---- */

/* "0" + @kind + 64 lower-case hex digits: a community's conversation id ('c') or a group's
 * ('3') */
static gboolean
is_prefixed_id (const gchar *id, gchar kind)
{
  if (id == NULL || strlen (id) != 66 || id[0] != '0' || id[1] != kind)
    return FALSE;
  for (guint i = 2; i < 66; i++)
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_community_id (const gchar *id)
{
  return is_prefixed_id (id, 'c');
}

static gint
check_id (Ctl *ctl, const gchar *id)
{
  g_autofree gchar *message = NULL;

  if (sessiond_session_id_is_valid (id) || is_community_id (id) || is_prefixed_id (id, '3'))
    return 0;
  message = g_strdup_printf (_("“%s” is not a valid Session ID"), id);
  return fail (ctl, "InvalidSessionId", message);
}

static gint
cmd_status (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autofree gchar *state = sessiond_client_dup_state (ctl->client);
  g_autofree gchar *id = sessiond_client_dup_session_id (ctl->client);
  g_autofree gchar *name = sessiond_client_dup_display_name (ctl->client);
  guint unread = sessiond_client_get_unread_count (ctl->client);
  g_autofree gchar *unread_text = g_strdup_printf ("%u", unread);
  const gchar *labels[] = { _("State"), _("Session ID"), _("Display name"), _("Unread") };
  gint width = 0;

  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    add_string_member (builder, "state", state);
    add_string_member (builder, "session_id", id);
    add_string_member (builder, "display_name", name);
    add_int_member (builder, "unread_count", unread);
    add_boolean_member (builder, "config_synced", sessiond_client_get_config_synced (ctl->client));
    json_builder_end_object (builder);
    print_json (builder);
    return 0;
  }
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    width = MAX (width, (gint) g_utf8_strlen (labels[i], -1));
  print_field (ctl, labels[0], width, state);
  print_field (ctl, labels[1], width, *id != '\0' ? id : _("(no account)"));
  print_field (ctl, labels[2], width, *name != '\0' ? name : _("(none)"));
  print_field (ctl, labels[3], width, unread_text);
  return 0;
}

static gint
print_string_result (Ctl *ctl, const gchar *key, const gchar *value)
{
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    add_string_member (builder, key, value);
    json_builder_end_object (builder);
    print_json (builder);
  } else {
    g_print ("%s\n", value);
  }
  return 0;
}

static gint
cmd_create (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;

  sessiond_client_create_account_async (ctl->client, ctl->name, NULL, on_done, &result);
  id = sessiond_client_create_account_finish (ctl->client, wait_for (&result), &error);
  if (id == NULL)
    return fail_error (ctl, error);
  return print_string_result (ctl, "session_id", id);
}

static gchar *
read_stdin (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gchar buffer[4096];
  gsize n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* a recovery phrase is at most 13 words of a few letters: anything longer is not one, and a
 * fixed buffer means no reallocation leaves a copy behind */
#define PHRASE_INPUT_MAX 1024

/* overwrites a secret in a way the compiler may not drop (a memset before free may be) */
static void
wipe (gchar *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
}

/* the phrase from standard input, words joined by one space, in one buffer that the caller
 * wipes; NULL when there is none or it is far too long */
static gchar *
read_phrase (void)
{
  gchar input[PHRASE_INPUT_MAX + 1];
  gchar *phrase = g_malloc0 (PHRASE_INPUT_MAX + 1);
  gsize n = 0, out = 0;
  gboolean space = TRUE;

  for (;;) {
    gsize got = fread (input + n, 1, sizeof input - 1 - n, stdin);

    if (got == 0)
      break;
    n += got;
    if (n >= sizeof input - 1)
      break;
  }
  /* one space between words, whatever the input used */
  for (gsize i = 0; i < n; i++) {
    gchar c = input[i];

    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = TRUE;
      continue;
    }
    if (space && out > 0)
      phrase[out++] = ' ';
    space = FALSE;
    phrase[out++] = c;
  }
  explicit_bzero (input, sizeof input);
  if (n >= PHRASE_INPUT_MAX || out == 0) {
    explicit_bzero (phrase, PHRASE_INPUT_MAX + 1);
    g_free (phrase);
    return NULL;
  }
  return phrase;
}

/* how long a restore waits for the first sync to begin or to move on (the daemon may be
 * offline); the sync goes on in the daemon anyway */
#define SYNC_START_WAIT_S 20
#define SYNC_STALL_S 60

static gboolean
on_sync_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* the start may come and go within one iteration: note it as it is notified */
static void
on_syncing (SessiondClient *client, GParamSpec *pspec, gboolean *seen)
{
  *seen = *seen || sessiond_client_get_sync_progress (client, NULL, NULL);
}

/* follows the first sync after a restore: a bar on a terminal, then one line */
static void
follow_sync (Ctl *ctl)
{
  gboolean tty = isatty (STDERR_FILENO);
  gboolean seen = FALSE;
  gint64 start = g_get_monotonic_time ();
  guint64 fetched = 0;
  guint conversations = 0;
  guint tick = g_timeout_add (100, on_sync_tick, NULL);
  guint frame = 0;
  guint64 last_fetched = 0;
  gint64 last_move = start;
  g_autofree gchar *count = NULL;
  gulong handler = g_signal_connect (ctl->client, "notify::syncing", G_CALLBACK (on_syncing),
                                     &seen);

  for (;;) {
    gboolean syncing = sessiond_client_get_sync_progress (ctl->client, &fetched, &conversations);

    seen = seen || syncing;
    if (!syncing && (seen || fetched > 0))
      break;
    if (fetched != last_fetched) {
      last_fetched = fetched;
      last_move = g_get_monotonic_time ();
    }
    if (seen && g_get_monotonic_time () - last_move > SYNC_STALL_S * G_USEC_PER_SEC) {
      if (tty)
        g_printerr ("\r\033[K");
      g_printerr ("%s\n", _("The daemon goes on fetching the messages in the background"));
      g_signal_handler_disconnect (ctl->client, handler);
      g_source_remove (tick);
      return;
    }
    if (!seen && g_get_monotonic_time () - start > SYNC_START_WAIT_S * G_USEC_PER_SEC) {
      if (tty)
        g_printerr ("\r\033[K");
      g_printerr ("%s\n", _("Restored; the messages will come when the daemon is online"));
      g_signal_handler_disconnect (ctl->client, handler);
      g_source_remove (tick);
      return;
    }
    if (tty) {
      static const gchar bar[] = "=========";
      guint pos = frame++ % 10;

      /* no total is known beforehand: a moving bar and the counts so far */
      g_autofree gchar *so_far = g_strdup_printf ("%" G_GUINT64_FORMAT, fetched);

      g_printerr ("\r\033[K[%.*s>%.*s] ", (int) pos, bar, (int) (9 - pos), "         ");
      g_printerr (g_dngettext (GETTEXT_PACKAGE, "%s message fetched", "%s messages fetched",
                               (gulong) fetched), so_far);
    }
    g_main_context_iteration (NULL, TRUE);
  }
  g_signal_handler_disconnect (ctl->client, handler);
  g_source_remove (tick);
  if (tty)
    g_printerr ("\r\033[K");
  count = g_strdup_printf ("%" G_GUINT64_FORMAT, fetched);
  g_printerr (g_dngettext (GETTEXT_PACKAGE, "Synced %s item", "Synced %s items",
                           (gulong) fetched), count);
  g_printerr (" ");
  g_printerr (g_dngettext (GETTEXT_PACKAGE, "in %u conversation", "in %u conversations",
                           conversations), conversations);
  g_printerr ("\n");
}

static gint
cmd_restore (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gchar *phrase;
  g_autofree gchar *id = NULL;

  if (isatty (STDIN_FILENO))
    g_printerr ("%s", _("Enter the recovery phrase, then press Ctrl-D: "));
  phrase = read_phrase ();
  if (phrase == NULL)
    return usage (ctl, _("no recovery phrase on standard input"));
  sessiond_client_restore_account_async (ctl->client, phrase, ctl->name, NULL, on_done, &result);
  id = sessiond_client_restore_account_finish (ctl->client, wait_for (&result), &error);
  /* do not keep the phrase around longer than needed */
  wipe (phrase);
  g_free (phrase);
  if (id == NULL)
    return fail_error (ctl, error);
  print_string_result (ctl, "session_id", id);
  /* the id first (it is the result); then, for a person, how the history arrives */
  if (!ctl->json)
    follow_sync (ctl);
  return 0;
}

static gint
cmd_id (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autofree gchar *id = sessiond_client_dup_session_id (ctl->client);

  if (*id == '\0') {
    g_autoptr(GError) error = g_error_new_literal (SESSIOND_CLIENT_ERROR,
                                                   SESSIOND_CLIENT_ERROR_NO_ACCOUNT, "");

    return fail_error (ctl, error);
  }
  return print_string_result (ctl, "session_id", id);
}

static gint
cmd_phrase (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *phrase = NULL;
  gint status;

  if (!ctl->show_secret)
    return usage (ctl, _("the recovery phrase gives full control of the account; "
                         "add --yes-show-secret to print it"));
  sessiond_client_get_recovery_phrase_async (ctl->client, NULL, on_done, &result);
  phrase = sessiond_client_get_recovery_phrase_finish (ctl->client, wait_for (&result), &error);
  if (phrase == NULL)
    return fail_error (ctl, error);
  status = print_string_result (ctl, "mnemonic", phrase);
  wipe (phrase);
  return status;
}

static gint
cmd_set_name (Ctl *ctl, const gchar *command, gchar **args)
{
  const gchar *name = args[0];
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sessiond_client_set_display_name_async (ctl->client, name, NULL, on_done, &result);
  if (!sessiond_client_set_display_name_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "display_name", name);
  return 0;
}

/* set-avatar FILE|--remove */
static gint
cmd_set_avatar (Ctl *ctl, const gchar *command, gchar **args)
{
  const gchar *path = args[0];
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if ((path == NULL) == !ctl->remove)
    return usage (ctl, _("set-avatar takes a FILE or --remove"));
  sessiond_client_set_avatar_async (ctl->client, path, NULL, on_done, &result);
  if (!sessiond_client_set_avatar_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "avatar", path != NULL ? path : "");
  return 0;
}

/* TEXT of send and reply; "-" reads it from standard input */
static gchar *
get_body (const gchar *text)
{
  gchar *body;

  if (g_strcmp0 (text, "-") != 0)
    return g_strdup (text);
  body = read_stdin ();
  /* the newline that ends the input is not part of the message */
  if (g_str_has_suffix (body, "\n"))
    body[strlen (body) - 1] = '\0';
  return body;
}

/* an ONS name's Session ID through the daemon; NULL after reporting the failure. With
 * @as_id a name that is not registered (or cannot be one) is reported as the bad ID it then
 * is */
static gchar *
resolve_name (Ctl *ctl, const gchar *name, gboolean as_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gchar *id;

  sessiond_client_resolve_name_async (ctl->client, name, NULL, on_done, &result);
  id = sessiond_client_resolve_name_finish (ctl->client, wait_for (&result), &error);
  if (id != NULL)
    return id;
  if (as_id && (g_error_matches (error, SESSIOND_CLIENT_ERROR,
                                 SESSIOND_CLIENT_ERROR_ONS_NOT_FOUND) ||
                g_error_matches (error, SESSIOND_CLIENT_ERROR,
                                 SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT)))
    check_id (ctl, name);
  else
    fail_error (ctl, error);
  return NULL;
}

static gint
cmd_resolve (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autofree gchar *id = resolve_name (ctl, args[0], FALSE);

  if (id == NULL)
    return 1;
  return print_string_result (ctl, "session_id", id);
}

/* send, or with @quote_id reply */
static gint
send_message (Ctl *ctl, const gchar *recipient, const gchar *quote_id, const gchar *text)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *conversation = NULL;
  g_autofree gchar *message_id = NULL;
  g_autofree gchar *resolved = NULL;

  /* not an id: an ONS name (the official apps start chats from names too). Hex digits only
   * is taken for a mistyped id, which deserves InvalidSessionId */
  if (quote_id == NULL && !sessiond_session_id_is_valid (recipient) &&
      !is_community_id (recipient) && strlen (recipient) <= 64 && strlen (recipient) > 0 &&
      strspn (recipient, "0123456789abcdefABCDEF") != strlen (recipient) &&
      strspn (recipient, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
        strlen (recipient)) {
    resolved = resolve_name (ctl, recipient, TRUE);
    if (resolved == NULL)
      return 1;
    recipient = resolved;
  }
  if (check_id (ctl, recipient) != 0)
    return 1;
  body = get_body (text);
  if (!g_utf8_validate (body, -1, NULL))
    return usage (ctl, _("the message is not valid UTF-8"));
  if (ctl->attach != NULL && quote_id == NULL) {
    g_autoptr(SessiondConversation) c = NULL;

    /* the files are opened here and passed as fds: the daemon needs no access to them */
    sessiond_client_open_conversation_async (ctl->client, recipient, NULL, on_done, &result);
    c = sessiond_client_open_conversation_finish (ctl->client, wait_for (&result), &error);
    g_clear_object (&result);
    if (c == NULL)
      return fail_error (ctl, error);
    sessiond_conversation_send_attachments_async (c, body, (const gchar *const *) ctl->attach,
                                                  ctl->voice, NULL, on_done, &result);
    message_id = sessiond_conversation_send_attachments_finish (c, wait_for (&result), &error);
    conversation = g_strdup (recipient);
  } else if (quote_id != NULL) {
    sessiond_client_send_reply_async (ctl->client, recipient, body, quote_id, NULL, on_done,
                                      &result);
    message_id = sessiond_client_send_reply_finish (ctl->client, wait_for (&result),
                                                    &conversation, &error);
  } else {
    sessiond_client_send_async (ctl->client, recipient, body, NULL, on_done, &result);
    message_id = sessiond_client_send_finish (ctl->client, wait_for (&result), &conversation,
                                              &error);
  }
  if (message_id == NULL)
    return fail_error (ctl, error);
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    add_string_member (builder, "conversation", conversation);
    add_string_member (builder, "message_id", message_id);
    json_builder_end_object (builder);
    print_json (builder);
  } else {
    g_print ("%s\n", message_id);
  }
  return 0;
}

/* send ID TEXT */
static gint
cmd_send (Ctl *ctl, const gchar *command, gchar **args)
{
  return send_message (ctl, args[0], NULL, args[1]);
}

static JsonBuilder *begin_action (SessiondConversation *c, const gchar *action);
static void end_action (Ctl *ctl, JsonBuilder *builder);
static gint find_conversation (Ctl *ctl, const gchar *id, SessiondConversation **out);

/* the message @message_id of @c (its id names its sent-at time) */
static SessiondMessage *
find_message (Ctl *ctl, SessiondConversation *c, const gchar *message_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  const gchar *dash = strrchr (message_id, '-');
  gint64 sent_at = dash != NULL ? g_ascii_strtoll (dash + 1, NULL, 10) : 0;

  if (sent_at <= 1) {
    g_set_error_literal (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT,
                         _("not a message id"));
    return NULL;
  }
  sessiond_conversation_get_messages_async (c, sent_at + 1, sent_at - 1, 0, NULL, on_done,
                                            &result);
  messages = sessiond_conversation_get_messages_finish (c, wait_for (&result), error);
  if (messages == NULL)
    return NULL;
  for (guint i = 0; i < messages->len; i++) {
    SessiondMessage *m = g_ptr_array_index (messages, i);

    if (g_str_equal (sessiond_message_get_id (m), message_id))
      return g_object_ref (m);
  }
  g_set_error_literal (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_FOUND,
                       _("there is no such message in this conversation"));
  return NULL;
}

/* attachments ID MESSAGE-ID */
static gint
cmd_attachments (Ctl *ctl, const gchar *command, gchar **args)
{
  SessiondConversation *c = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondMessage) message = NULL;
  g_autoptr(GVariant) list = NULL;

  if (find_conversation (ctl, args[0], &c) != 0)
    return 1;
  message = find_message (ctl, c, args[1], &error);
  if (message == NULL)
    return fail_error (ctl, error);
  list = sessiond_message_lookup (message, SESSIOND_MESSAGE_KEY_ATTACHMENTS);
  for (gsize i = 0; list != NULL && g_variant_is_of_type (list, G_VARIANT_TYPE ("aa{sv}")) &&
                    i < g_variant_n_children (list); i++) {
    g_autoptr(GVariant) a = g_variant_get_child_value (list, i);
    const gchar *name = NULL, *type = NULL, *state = "?", *caption = NULL;
    guint32 index = 0, width = 0, height = 0;
    gint64 size = -1;
    gboolean voice = FALSE;

    g_variant_lookup (a, "index", "u", &index);
    g_variant_lookup (a, "file-name", "&s", &name);
    g_variant_lookup (a, "content-type", "&s", &type);
    g_variant_lookup (a, "caption", "&s", &caption);
    g_variant_lookup (a, "state", "&s", &state);
    g_variant_lookup (a, "size", "x", &size);
    g_variant_lookup (a, "width", "u", &width);
    g_variant_lookup (a, "height", "u", &height);
    g_variant_lookup (a, "voice", "b", &voice);
    if (ctl->json) {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_int_member (b, "index", index);
      add_string_member (b, "file_name", name != NULL ? name : "");
      add_string_member (b, "content_type", type != NULL ? type : "");
      add_int_member (b, "size", size);
      add_int_member (b, "width", width);
      add_int_member (b, "height", height);
      add_boolean_member (b, "voice", voice);
      add_string_member (b, "caption", caption != NULL ? caption : "");
      add_string_member (b, "state", state);
      json_builder_end_object (b);
      print_json (b);
    } else {
      /* the sender chose the name and caption: shown escaped */
      g_autofree gchar *safe_name = printable (name != NULL ? name : "");
      g_autofree gchar *safe_type = printable (type != NULL ? type : "");

      g_print ("%u  %-11s  %10" G_GINT64_FORMAT "  %-24s  %s%s\n", index, state, size, safe_type,
               safe_name, voice ? _(" (voice)") : "");
    }
  }
  return 0;
}

/* save ID MESSAGE-ID INDEX PATH: downloads first when needed */
static gint
cmd_save (Ctl *ctl, const gchar *command, gchar **args)
{
  SessiondConversation *c = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (args[3]);
  g_autoptr(JsonBuilder) builder = NULL;
  gchar *end = NULL;
  guint64 index = g_ascii_strtoull (args[2], &end, 10);
  gint fd = -1;

  if (end == args[2] || *end != '\0' || index > G_MAXUINT32)
    return usage (ctl, _("INDEX is a number"));
  if (find_conversation (ctl, args[0], &c) != 0)
    return 1;
  /* a pending download is started, then waited for (at most two minutes) */
  for (guint tries = 0; fd < 0; tries++) {
    g_clear_object (&result);
    g_clear_error (&error);
    sessiond_conversation_open_attachment_async (c, args[1], (guint) index, NULL, on_done,
                                                 &result);
    fd = sessiond_conversation_open_attachment_finish (c, wait_for (&result), &error);
    if (fd >= 0)
      break;
    if (!g_error_matches (error, SESSIOND_CLIENT_ERROR,
                          SESSIOND_CLIENT_ERROR_ATTACHMENT_NOT_AVAILABLE) || tries >= 240)
      return fail_error (ctl, error);
    if (tries == 0) {
      g_autoptr(GError) download_error = NULL;

      g_clear_object (&result);
      sessiond_conversation_download_attachment_async (c, args[1], (guint) index, NULL, on_done,
                                                       &result);
      if (!sessiond_conversation_download_attachment_finish (c, wait_for (&result),
                                                             &download_error))
        return fail_error (ctl, download_error);
    } else {
      g_autoptr(SessiondMessage) m = find_message (ctl, c, args[1], NULL);
      g_autoptr(GVariant) list = m != NULL ? sessiond_message_lookup (m, "attachments") : NULL;
      const gchar *state = NULL;

      if (list != NULL && g_variant_is_of_type (list, G_VARIANT_TYPE ("aa{sv}")) &&
          index < g_variant_n_children (list)) {
        g_autoptr(GVariant) a = g_variant_get_child_value (list, (gsize) index);

        g_variant_lookup (a, "state", "&s", &state);
      }
      if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "expired") == 0) {
        g_autofree gchar *text = g_strdup_printf (_("the download %s"), state);

        return fail (ctl, "AttachmentNotAvailable", text);
      }
    }
    g_usleep (500 * 1000);
  }
  in = g_unix_input_stream_new (fd, TRUE);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &error);
  if (out == NULL ||
      g_output_stream_splice (G_OUTPUT_STREAM (out), in,
                              G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
    return fail_error (ctl, error);
  builder = begin_action (c, command);
  add_string_member (builder, "message_id", args[1]);
  add_int_member (builder, "index", (gint64) index);
  add_string_member (builder, "path", args[3]);
  end_action (ctl, builder);
  return 0;
}

/* reply ID MESSAGE-ID TEXT */
static gint
cmd_reply (Ctl *ctl, const gchar *command, gchar **args)
{
  return send_message (ctl, args[0], args[1], args[2]);
}

static gint
cmd_conversations (Ctl *ctl, const gchar *command, gchar **args)
{
  GListModel *model = sessiond_client_get_conversations (ctl->client);
  guint n = g_list_model_get_n_items (model);

  if (!ctl->json && n > 0)
    g_print ("%s%-66s  %6s  %-16s  %s%s\n", ctl->color ? "\033[1m" : "", _("ID"), _("UNREAD"),
             _("LAST ACTIVITY"), _("NAME"), ctl->color ? "\033[0m" : "");
  for (guint i = 0; i < n; i++) {
    g_autoptr(SessiondConversation) c = g_list_model_get_item (model, i);
    g_autofree gchar *name = sessiond_conversation_dup_name (c);
    g_autofree gchar *preview = sessiond_conversation_dup_last_message_preview (c);
    g_autofree gchar *nickname = sessiond_conversation_dup_nickname (c);
    g_autofree gchar *mode = sessiond_conversation_dup_expiration_mode (c);
    g_autofree gchar *notify_mode = sessiond_conversation_dup_notify_mode (c);
    guint timer = sessiond_conversation_get_expiration_timer (c);
    g_autofree gchar *when = NULL;
    g_autofree gchar *disappearing = NULL;
    g_autofree gchar *safe_name = NULL;

    if (ctl->json) {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_string_member (b, "id", sessiond_conversation_get_id (c));
      add_string_member (b, "kind", sessiond_conversation_get_kind (c));
      add_string_member (b, "name", name);
      add_string_member (b, "nickname", nickname);
      add_int_member (b, "unread_count", sessiond_conversation_get_unread_count (c));
      add_int_member (b, "last_activity", sessiond_conversation_get_last_activity (c));
      add_string_member (b, "last_message_preview", preview);
      add_boolean_member (b, "approved", sessiond_conversation_get_approved (c));
      add_boolean_member (b, "blocked", sessiond_conversation_get_blocked (c));
      add_int_member (b, "muted_until", sessiond_conversation_get_muted_until (c));
      add_string_member (b, "expiration_mode", mode);
      add_int_member (b, "expiration_timer", timer);
      add_int_member (b, "priority", sessiond_conversation_get_priority (c));
      add_string_member (b, "notify_mode", notify_mode);
      add_boolean_member (b, "marked_unread", sessiond_conversation_get_marked_unread (c));
      json_builder_end_object (b);
      print_json (b);
      continue;
    }
    when = format_time (sessiond_conversation_get_last_activity (c));
    if (timer != 0 && g_str_equal (mode, "after-send")) {
      g_autofree gchar *duration = format_duration (timer);

      disappearing = g_strdup_printf (_(" (disappearing after-send, %s)"), duration);
    } else if (timer != 0 && g_str_equal (mode, "after-read")) {
      g_autofree gchar *duration = format_duration (timer);

      disappearing = g_strdup_printf (_(" (disappearing after-read, %s)"), duration);
    }
    safe_name = printable (name);
    g_print ("%-66s  %6u  %-16s  %s%s%s%s\n", sessiond_conversation_get_id (c),
             sessiond_conversation_get_unread_count (c), when, safe_name != NULL ? safe_name : "",
             sessiond_conversation_get_approved (c) ? "" : _(" (request)"),
             sessiond_conversation_get_blocked (c) ? _(" (blocked)") : "",
             disappearing != NULL ? disappearing : "");
  }
  return 0;
}

static gint
find_conversation (Ctl *ctl, const gchar *id, SessiondConversation **out)
{
  g_autofree gchar *message = NULL;

  if (check_id (ctl, id) != 0)
    return 1;
  *out = sessiond_client_lookup_conversation (ctl->client, id);
  if (*out != NULL)
    return 0;
  message = g_strdup_printf (_("there is no conversation with %s"), id);
  return fail (ctl, "NotFound", message);
}

static gint
cmd_messages (Ctl *ctl, const gchar *command, gchar **args)
{
  const gchar *id = args[0];
  SessiondConversation *conversation = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  if (find_conversation (ctl, id, &conversation) != 0)
    return 1;
  sessiond_conversation_get_messages_async (conversation, ctl->before, 0, (guint) ctl->limit,
                                            NULL, on_done, &result);
  messages = sessiond_conversation_get_messages_finish (conversation, wait_for (&result),
                                                        &error);
  if (messages == NULL)
    return fail_error (ctl, error);
  /* the daemon answers newest first; show them as a chat reads */
  for (guint i = messages->len; i > 0; i--)
    print_message (ctl, g_ptr_array_index (messages, i - 1), FALSE);
  return 0;
}

static gint
cmd_search (Ctl *ctl, const gchar *command, gchar **args)
{
  const gchar *query = args[0];
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  sessiond_client_search_async (ctl->client, query, (guint) ctl->limit, NULL, on_done, &result);
  messages = sessiond_client_search_finish (ctl->client, wait_for (&result), &error);
  if (messages == NULL)
    return fail_error (ctl, error);
  for (guint i = 0; i < messages->len; i++)
    print_message (ctl, g_ptr_array_index (messages, i), TRUE);
  return 0;
}

/* the result of a conversation action: {"conversation": s, "action": s, …};
 * the caller adds … between begin_action () and end_action () */
static JsonBuilder *
begin_action (SessiondConversation *c, const gchar *action)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "conversation", sessiond_conversation_get_id (c));
  add_string_member (builder, "action", action);
  return builder;
}

/* prints it with --json; plain actions print nothing */
static void
end_action (Ctl *ctl, JsonBuilder *builder)
{
  json_builder_end_object (builder);
  if (ctl->json)
    print_json (builder);
}

/* mark-read, approve, block, unblock, screenshot, pin, unpin, hide, mark-unread: ID */
static gint
cmd_conversation_action (Ctl *ctl, const gchar *action, gchar **args)
{
  const gchar *id = args[0];
  SessiondConversation *c = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(SessiondConversation) hold = NULL;
  gboolean ok;

  if (find_conversation (ctl, id, &c) != 0)
    return 1;
  if (g_str_equal (action, "leave") && !is_community_id (id))
    return fail (ctl, "InvalidArgument", _("only a community can be left"));
  if (g_str_equal (action, "leave")) {
    /* the conversation goes away while we wait: hold it for the answer */
    hold = g_object_ref (c);
    sessiond_conversation_delete_async (c, NULL, on_done, &result);
    ok = sessiond_conversation_delete_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "mark-read")) {
    sessiond_conversation_mark_read_async (c, G_MAXINT64, NULL, on_done, &result);
    ok = sessiond_conversation_mark_read_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "approve")) {
    sessiond_conversation_approve_async (c, NULL, on_done, &result);
    ok = sessiond_conversation_approve_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "pin") || g_str_equal (action, "unpin") ||
             g_str_equal (action, "hide")) {
    gint64 priority = g_str_equal (action, "pin") ? 1 : g_str_equal (action, "hide") ? -1 : 0;

    /* pinning a pinned conversation keeps its place among the pins */
    if (g_str_equal (action, "pin") && sessiond_conversation_get_priority (c) > 0)
      priority = sessiond_conversation_get_priority (c);
    sessiond_conversation_set_priority_async (c, priority, NULL, on_done, &result);
    ok = sessiond_conversation_set_priority_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "mark-unread")) {
    sessiond_conversation_set_marked_unread_async (c, TRUE, NULL, on_done, &result);
    ok = sessiond_conversation_set_marked_unread_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "screenshot")) {
    sessiond_conversation_report_data_extraction_async (c, "screenshot", NULL, NULL, on_done,
                                                        &result);
    ok = sessiond_conversation_report_data_extraction_finish (c, wait_for (&result), &error);
  } else {
    sessiond_conversation_set_blocked_async (c, g_str_equal (action, "block"), NULL, on_done,
                                             &result);
    ok = sessiond_conversation_set_blocked_finish (c, wait_for (&result), &error);
  }
  if (!ok)
    return fail_error (ctl, error);
  builder = begin_action (c, action);
  end_action (ctl, builder);
  return 0;
}

/* the joined rooms, with what the server says of them */
static gint
cmd_communities (Ctl *ctl, const gchar *command, gchar **args)
{
  GListModel *model = sessiond_client_get_conversations (ctl->client);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++) {
    g_autoptr(SessiondConversation) c = g_list_model_get_item (model, i);
    GVariant *info = sessiond_conversation_get_community (c);
    const gchar *name = "", *description = "", *url = "", *state = "";
    g_autofree const gchar **permissions = NULL;
    gint64 users = -1;

    if (g_strcmp0 (sessiond_conversation_get_kind (c), "community") != 0 || info == NULL)
      continue;
    g_variant_lookup (info, "name", "&s", &name);
    g_variant_lookup (info, "description", "&s", &description);
    g_variant_lookup (info, "url", "&s", &url);
    g_variant_lookup (info, "state", "&s", &state);
    g_variant_lookup (info, "user-count", "x", &users);
    g_variant_lookup (info, "permissions", "^a&s", &permissions);
    if (ctl->json) {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_string_member (b, "id", sessiond_conversation_get_id (c));
      add_string_member (b, "name", name);
      add_string_member (b, "description", description);
      add_string_member (b, "url", url);
      add_int_member (b, "user_count", users);
      add_string_member (b, "state", state);
      json_builder_set_member_name (b, "permissions");
      json_builder_begin_array (b);
      for (guint j = 0; permissions != NULL && permissions[j] != NULL; j++)
        json_builder_add_string_value (b, permissions[j]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      print_json (b);
    } else {
      g_autofree gchar *safe_name = printable (name);
      g_autofree gchar *safe_url = printable (url);

      g_print ("%s  %s  %" G_GINT64_FORMAT "  %s  %s\n", sessiond_conversation_get_id (c),
               safe_name, users, state, safe_url);
    }
  }
  return 0;
}

/* join URL */
static gint
cmd_join (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondConversation) c = NULL;

  sessiond_client_join_community_async (ctl->client, args[0], NULL, on_done, &result);
  c = sessiond_client_join_community_finish (ctl->client, wait_for (&result), &error);
  if (c == NULL)
    return fail_error (ctl, error);
  return print_string_result (ctl, "id", sessiond_conversation_get_id (c));
}

/* react, unreact, unsend, delete */
static gint
cmd_message_action (Ctl *ctl, const gchar *action, gchar **args)
{
  const gchar *id = args[0];
  const gchar *message_id = args[1];
  const gchar *emoji = args[2]; /* NULL for unsend and delete */
  SessiondConversation *c = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  gboolean ok;

  if (find_conversation (ctl, id, &c) != 0)
    return 1;
  if (g_str_equal (action, "react")) {
    sessiond_conversation_add_reaction_async (c, message_id, emoji, NULL, on_done, &result);
    ok = sessiond_conversation_add_reaction_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "unreact")) {
    sessiond_conversation_remove_reaction_async (c, message_id, emoji, NULL, on_done, &result);
    ok = sessiond_conversation_remove_reaction_finish (c, wait_for (&result), &error);
  } else if (g_str_equal (action, "resend")) {
    sessiond_conversation_resend_message_async (c, message_id, NULL, on_done, &result);
    ok = sessiond_conversation_resend_message_finish (c, wait_for (&result), &error);
  } else {
    sessiond_conversation_delete_message_async (c, message_id, g_str_equal (action, "unsend"),
                                                NULL, on_done, &result);
    ok = sessiond_conversation_delete_message_finish (c, wait_for (&result), &error);
  }
  if (!ok)
    return fail_error (ctl, error);
  builder = begin_action (c, action);
  add_string_member (builder, "message_id", message_id);
  if (emoji != NULL) {
    add_string_member (builder, "emoji", emoji);
  }
  end_action (ctl, builder);
  return 0;
}

/* "300", "5m", "1h", "12h", "1d", "1w": seconds */
static gboolean
parse_timer (const gchar *text, guint *out)
{
  static const struct { gchar suffix; guint seconds; } units[] = {
    { '\0', 1 }, { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
  };
  gchar *end = NULL;
  guint64 n;

  if (!g_ascii_isdigit (*text))
    return FALSE;
  n = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' && end[1] != '\0')
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++) {
    if (*end == units[i].suffix) {
      if (n > G_MAXUINT32 / units[i].seconds)
        return FALSE;
      *out = (guint) n * units[i].seconds;
      return TRUE;
    }
  }
  return FALSE;
}

/* MODE and TIMER of disappear (ID MODE [TIMER]), checked before talking to the daemon; the
 * daemon decides which timers a mode takes */
static gint
check_disappear (Ctl *ctl, gchar **args)
{
  const gchar *mode = args[1];
  const gchar *timer_text = args[2];
  guint *timer = &ctl->timer;

  *timer = 0;
  if (!g_str_equal (mode, "off") && !g_str_equal (mode, "after-send") &&
      !g_str_equal (mode, "after-read")) {
    g_autofree gchar *message = g_strdup_printf (
      _("unknown mode “%s”; use off, after-send or after-read"), mode);

    return usage (ctl, message);
  }
  if (timer_text == NULL && !g_str_equal (mode, "off"))
    return usage (ctl, _("usage: sessionctl disappear ID MODE TIMER (TIMER: seconds, or "
                         "a number with s, m, h, d or w)"));
  if (timer_text != NULL && !parse_timer (timer_text, timer)) {
    g_autofree gchar *message = g_strdup_printf (
      _("“%s” is not a timer; use seconds, or a number with s, m, h, d or w (5m, 12h, 1w)"),
      timer_text);

    return usage (ctl, message);
  }
  return 0;
}

static gint
check_notify (Ctl *ctl, gchar **args)
{
  const gchar *mode = args[1];

  if (g_strcmp0 (mode, "all") != 0 && g_strcmp0 (mode, "mentions") != 0 &&
      g_strcmp0 (mode, "none") != 0)
    return fail (ctl, "Usage", _("NOTIFY-MODE is all, mentions or none"));
  return 0;
}

/* disappear ID MODE [TIMER], notify ID NOTIFY-MODE, nickname ID NAME: a setting of the
 * conversation, which --json prints back */
static gint
cmd_conversation_setting (Ctl *ctl, const gchar *action, gchar **args)
{
  const gchar *value = args[1];
  SessiondConversation *c = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const gchar *member;
  gboolean ok;

  if (find_conversation (ctl, args[0], &c) != 0)
    return 1;
  if (g_str_equal (action, "disappear")) {
    /* the timer as check_disappear () read it */
    sessiond_conversation_set_expiration_async (c, value, ctl->timer, NULL, on_done, &result);
    ok = sessiond_conversation_set_expiration_finish (c, wait_for (&result), &error);
    member = "expiration_mode";
  } else if (g_str_equal (action, "notify")) {
    sessiond_conversation_set_notify_mode_async (c, value, NULL, on_done, &result);
    ok = sessiond_conversation_set_notify_mode_finish (c, wait_for (&result), &error);
    member = "notify_mode";
  } else {
    sessiond_conversation_set_nickname_async (c, value, NULL, on_done, &result);
    ok = sessiond_conversation_set_nickname_finish (c, wait_for (&result), &error);
    member = "nickname";
  }
  if (!ok)
    return fail_error (ctl, error);
  builder = begin_action (c, action);
  add_string_member (builder, member, value);
  if (g_str_equal (action, "disappear"))
    add_int_member (builder, "expiration_timer", ctl->timer);
  end_action (ctl, builder);
  return 0;
}

static void
on_watch_message (SessiondClient *client, const gchar *conversation_id,
                  SessiondMessage *message, Ctl *ctl)
{
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    add_string_member (builder, "event", "message");
    json_builder_set_member_name (builder, "message");
    build_message (builder, message);
    json_builder_end_object (builder);
    print_json (builder);
    return;
  }
  print_message (ctl, message, TRUE);
  fflush (stdout);
}

static void
on_watch_notify (SessiondClient *client, GParamSpec *pspec, Ctl *ctl)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (g_str_equal (pspec->name, "state")) {
    g_autofree gchar *state = sessiond_client_dup_state (client);

    if (!ctl->json) {
      g_print (_("state: %s\n"), state);
      fflush (stdout);
      return;
    }
    json_builder_begin_object (builder);
    add_string_member (builder, "event", "state");
    add_string_member (builder, "state", state);
    json_builder_end_object (builder);
  } else {
    guint unread = sessiond_client_get_unread_count (client);

    if (!ctl->json) {
      g_print (_("unread: %u\n"), unread);
      fflush (stdout);
      return;
    }
    json_builder_begin_object (builder);
    add_string_member (builder, "event", "unread-count");
    add_int_member (builder, "unread_count", unread);
    json_builder_end_object (builder);
  }
  print_json (builder);
}

static gboolean
on_watch_signal (gpointer user_data)
{
  Ctl *ctl = user_data;

  g_main_loop_quit (ctl->loop);
  /* removed by cmd_watch () */
  return G_SOURCE_CONTINUE;
}

static void
on_daemon_vanished (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Ctl *ctl = user_data;

  ctl->watch_status = fail (ctl, "NotRunning", _("sessiond stopped"));
  g_main_loop_quit (ctl->loop);
}

static gint
cmd_watch (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autofree gchar *id = sessiond_client_dup_session_id (ctl->client);
  g_autofree gchar *state = sessiond_client_dup_state (ctl->client);
  guint watch_id, sigint_id, sigterm_id;

  ctl->loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (ctl->client, "message-received", G_CALLBACK (on_watch_message), ctl);
  g_signal_connect (ctl->client, "notify::state", G_CALLBACK (on_watch_notify), ctl);
  g_signal_connect (ctl->client, "notify::unread-count", G_CALLBACK (on_watch_notify), ctl);
  watch_id = g_bus_watch_name_on_connection (sessiond_client_get_connection (ctl->client),
                                             "org.sessiond.Daemon1",
                                             G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                             on_daemon_vanished, ctl, NULL);
  sigint_id = g_unix_signal_add (SIGINT, on_watch_signal, ctl);
  sigterm_id = g_unix_signal_add (SIGTERM, on_watch_signal, ctl);
  if (ctl->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    add_string_member (builder, "event", "watching");
    add_string_member (builder, "session_id", id);
    add_string_member (builder, "state", state);
    json_builder_end_object (builder);
    print_json (builder);
  } else {
    g_print (_("watching %s (%s); press Ctrl-C to stop\n"), *id != '\0' ? id : _("(no account)"),
             state);
    fflush (stdout);
  }
  g_main_loop_run (ctl->loop);
  g_bus_unwatch_name (watch_id);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (ctl->client, ctl);
  return ctl->watch_status;
}

/* group-avatar ID FILE|--remove: the group's picture (admins), set or cleared */
static gint
check_group_avatar (Ctl *ctl, gchar **args)
{
  if ((args[1] == NULL) == !ctl->remove)
    return usage (ctl, _("usage: sessionctl group-avatar ID FILE|--remove"));
  return 0;
}

static gint
cmd_group_avatar (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* no FILE (--remove): the picture is cleared */
  sessiond_client_set_group_avatar_async (ctl->client, args[0], args[1], NULL, on_done,
                                          &result);
  if (!sessiond_client_set_avatar_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "group_id", args[0]);
  return 0;
}

/* group-disappear ID SECONDS: the group's after-send timer (admins; 0 turns it off) */
static gint
check_group_disappear (Ctl *ctl, gchar **args)
{
  guint64 seconds;

  if (!g_ascii_string_to_unsigned (args[1], 10, 0, G_MAXUINT32, &seconds, NULL))
    return usage (ctl, _("usage: sessionctl group-disappear GROUP SECONDS (0 turns it off)"));
  return 0;
}

static gint
cmd_group_disappear (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 seconds = 0;

  g_ascii_string_to_unsigned (args[1], 10, 0, G_MAXUINT32, &seconds, NULL);
  sessiond_client_set_group_disappearing_async (ctl->client, args[0], (guint32) seconds, NULL,
                                                on_done, &result);
  if (!sessiond_client_change_group_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "group_id", args[0]);
  return 0;
}

/* every member must be a Session ID, before anything is asked of the daemon */
static gint
check_group_create (Ctl *ctl, gchar **args)
{
  for (guint i = 1; args[i] != NULL; i++) {
    if (!sessiond_session_id_is_valid (args[i]))
      return usage (ctl, _("usage: sessionctl group-create NAME ID… (Session IDs)"));
  }
  return 0;
}

/* group-create NAME ID… (up to 10 members from the command line) */
static gint
cmd_group_create (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;

  sessiond_client_create_group_async (ctl->client, args[0], (const gchar *const *) args + 1,
                                      NULL, on_done, &result);
  id = sessiond_client_create_group_finish (ctl->client, wait_for (&result), &error);
  if (id == NULL)
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "group_id", id);
  g_print ("%s\n", id);
  return 0;
}

/* group-accept ID */
static gint
cmd_group_accept (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sessiond_client_accept_group_invite_async (ctl->client, args[0], NULL, on_done, &result);
  if (!sessiond_client_accept_group_invite_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "group_id", args[0]);
  return 0;
}

/* group-rename ID NAME, group-describe ID TEXT, group-leave ID, group-destroy ID,
 * group-promote ID MEMBER…, group-remove ID MEMBER… (up to 10 members from the command line) */
static gint
cmd_group_change (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (command, "group-rename"))
    sessiond_client_set_group_info_async (ctl->client, args[0], args[1], NULL, NULL, on_done,
                                          &result);
  else if (g_str_equal (command, "group-describe"))
    sessiond_client_set_group_info_async (ctl->client, args[0], NULL, args[1], NULL, on_done,
                                          &result);
  else if (g_str_equal (command, "group-leave"))
    sessiond_client_leave_group_async (ctl->client, args[0], NULL, on_done, &result);
  else if (g_str_equal (command, "group-destroy"))
    sessiond_client_destroy_group_async (ctl->client, args[0], NULL, on_done, &result);
  else if (g_str_equal (command, "group-delete-content")) {
    g_autoptr(GPtrArray) members = g_ptr_array_new ();
    g_autoptr(GPtrArray) messages = g_ptr_array_new ();

    /* a Session ID names a member (all its messages), anything else a message id */
    for (guint i = 1; args[i] != NULL; i++)
      g_ptr_array_add (sessiond_session_id_is_valid (args[i]) ? members : messages, args[i]);
    g_ptr_array_add (members, NULL);
    g_ptr_array_add (messages, NULL);
    sessiond_client_delete_group_content_async (ctl->client, args[0],
                                                (const gchar *const *) members->pdata,
                                                (const gchar *const *) messages->pdata, NULL,
                                                on_done, &result);
  } else if (g_str_equal (command, "group-invite"))
    sessiond_client_invite_group_members_async (ctl->client, args[0],
                                                (const gchar *const *) args + 1, ctl->history,
                                                NULL, on_done, &result);
  else
    sessiond_client_change_group_members_async (ctl->client, args[0],
                                                g_str_equal (command, "group-promote"),
                                                (const gchar *const *) args + 1, NULL, on_done,
                                                &result);
  if (!sessiond_client_change_group_finish (ctl->client, wait_for (&result), &error))
    return fail_error (ctl, error);
  if (ctl->json)
    return print_string_result (ctl, "group_id", args[0]);
  return 0;
}

/* every member must be a Session ID, before anything is asked of the daemon */
static gboolean
group_members_valid (gchar **args)
{
  for (guint i = 1; args[i] != NULL; i++) {
    if (!sessiond_session_id_is_valid (args[i]))
      return FALSE;
  }
  return TRUE;
}

static gint
check_group_promote (Ctl *ctl, gchar **args)
{
  if (!group_members_valid (args))
    return usage (ctl, _("usage: sessionctl group-promote GROUP ID… (Session IDs)"));
  return 0;
}

static gint
check_group_invite (Ctl *ctl, gchar **args)
{
  if (!group_members_valid (args))
    return usage (ctl, _("usage: sessionctl group-invite GROUP ID… (Session IDs)"));
  return 0;
}

static gint
check_group_remove (Ctl *ctl, gchar **args)
{
  if (!group_members_valid (args))
    return usage (ctl, _("usage: sessionctl group-remove GROUP ID… (Session IDs)"));
  return 0;
}

/* each WHAT a Session ID (a member) or a message id (a Session ID, "-", its sent time) */
static gint
check_group_delete_content (Ctl *ctl, gchar **args)
{
  for (guint i = 1; args[i] != NULL; i++) {
    const gchar *dash = strrchr (args[i], '-');
    g_autofree gchar *author = dash != NULL ? g_strndup (args[i], dash - args[i]) : NULL;
    gboolean time_ok = dash != NULL && dash[1] != '\0';

    for (const gchar *p = dash != NULL ? dash + 1 : ""; *p != '\0'; p++)
      time_ok = time_ok && g_ascii_isdigit (*p);
    if (!sessiond_session_id_is_valid (args[i]) &&
        !(time_ok && sessiond_session_id_is_valid (author)))
      return usage (ctl, _("usage: sessionctl group-delete-content GROUP WHAT… (Session IDs or "
                           "message ids)"));
  }
  return 0;
}

/* group-info ID */
static gint
cmd_group_info (Ctl *ctl, const gchar *command, gchar **args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) members = NULL;
  const gchar *name = "", *description = "";
  gboolean admin = FALSE, removed = FALSE, destroyed = FALSE;

  sessiond_client_get_group_info_async (ctl->client, args[0], NULL, on_done, &result);
  info = sessiond_client_get_group_info_finish (ctl->client, wait_for (&result), &error);
  if (info == NULL)
    return fail_error (ctl, error);
  if (ctl->json) {
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(JsonNode) root = json_gvariant_serialize (info);
    g_autofree gchar *text = NULL;

    json_generator_set_root (generator, root);
    text = json_generator_to_data (generator, NULL);
    g_print ("%s\n", text);
    return 0;
  }
  g_variant_lookup (info, "name", "&s", &name);
  g_variant_lookup (info, "description", "&s", &description);
  g_variant_lookup (info, "admin", "b", &admin);
  g_variant_lookup (info, "removed", "b", &removed);
  g_variant_lookup (info, "destroyed", "b", &destroyed);
  g_print ("%s\n", name);
  if (*description != '\0')
    g_print ("%s\n", description);
  if (admin)
    g_print ("%s\n", _("we are an admin"));
  if (removed)
    g_print ("%s\n", _("we were removed"));
  if (destroyed)
    g_print ("%s\n", _("destroyed"));
  members = g_variant_lookup_value (info, "members", G_VARIANT_TYPE ("aa{sv}"));
  for (gsize i = 0; members != NULL && i < g_variant_n_children (members); i++) {
    g_autoptr(GVariant) member = g_variant_get_child_value (members, i);
    const gchar *id = "", *invite = "none";
    gboolean is_admin = FALSE;

    g_variant_lookup (member, "id", "&s", &id);
    g_variant_lookup (member, "admin", "b", &is_admin);
    g_variant_lookup (member, "invite", "&s", &invite);
    g_print ("  %s%s%s\n", id, is_admin ? _(" (admin)") : "",
             g_str_equal (invite, "none") ? "" : _(" (invited)"));
  }
  return 0;
}

/* ---- the command table ---- */

typedef gint (*CtlCommandFunc) (Ctl *ctl, const gchar *command, gchar **args);
typedef gint (*CtlCheckFunc) (Ctl *ctl, gchar **args);

/* one table drives the argument check, dispatch, --help and completion, so they cannot
 * drift apart (fwupd's fu_util_cmd_array pattern) */
typedef struct {
  const gchar *name;
  const gchar *arguments;   /* what is checked: words, [optional] ones last */
  const gchar *synopsis;    /* (nullable) what --help shows instead of @arguments */
  const gchar *options;     /* (nullable) the options that apply, for completion */
  const gchar *description; /* (nullable) N_(); NULL shares the --help line of the one before */
  CtlCheckFunc check;       /* (nullable) argument checks that need no daemon */
  CtlCommandFunc func;
} CtlCommand;

static const CtlCommand commands[] = {
  { "status", "", NULL, NULL, N_("the account's state, Session ID and unread count"), NULL,
    cmd_status },
  { "create", "", "[--name NAME]", "--name", N_("create a new account"), NULL, cmd_create },
  { "restore", "", "[--name NAME]", "--name",
    N_("restore an account; the phrase is read from standard input"), NULL, cmd_restore },
  { "id", "", NULL, NULL, N_("print the Session ID"), NULL, cmd_id },
  { "phrase", "", "--yes-show-secret", "--yes-show-secret", N_("print the recovery phrase"),
    NULL, cmd_phrase },
  { "set-name", "NAME", NULL, NULL, N_("set the display name"), NULL, cmd_set_name },
  { "set-avatar", "[FILE]", "FILE|--remove", "--remove",
    N_("set (or with --remove take away) our profile picture"), NULL, cmd_set_avatar },
  { "send", "ID TEXT", "ID TEXT|- [--attach FILE]… [--voice]", "--attach --voice",
    /* TRANSLATORS: keep the line break: --help indents the second line */
    N_("send a message (- reads it from standard input),\n"
       "with files (TEXT may then be \"\")"),
    NULL, cmd_send },
  { "conversations", "", NULL, NULL, N_("list conversations"), NULL, cmd_conversations },
  { "join", "URL", NULL, NULL, N_("join a community by its URL"), NULL, cmd_join },
  { "communities", "", NULL, NULL, N_("list joined communities"), NULL, cmd_communities },
  { "resolve", "NAME", NULL, NULL, N_("the Session ID an ONS name stands for"), NULL,
    cmd_resolve },
  { "leave", "ID", NULL, NULL, N_("leave a community"), NULL, cmd_conversation_action },
  { "messages", "ID", "ID [--limit N] [--before MS]", "--limit --before",
    N_("list the messages of a conversation"), NULL, cmd_messages },
  { "watch", "", NULL, NULL, N_("print incoming messages and changes until interrupted"), NULL,
    cmd_watch },
  { "mark-read", "ID", NULL, NULL, N_("mark a conversation read"), NULL, cmd_conversation_action },
  { "approve", "ID", NULL, NULL, N_("accept a message request"), NULL, cmd_conversation_action },
  { "block", "ID", NULL, NULL, N_("block or unblock a contact"), NULL, cmd_conversation_action },
  { "unblock", "ID", NULL, NULL, NULL, NULL, cmd_conversation_action },
  { "search", "QUERY", NULL, "--limit", N_("search all messages"), NULL, cmd_search },
  { "reply", "ID MESSAGE-ID TEXT", "ID MESSAGE-ID TEXT|-", NULL,
    N_("send a message that quotes MESSAGE-ID"), NULL, cmd_reply },
  { "attachments", "ID MESSAGE-ID", NULL, NULL, N_("list the attachments of a message"), NULL,
    cmd_attachments },
  { "save", "ID MESSAGE-ID INDEX PATH", NULL, NULL,
    N_("save an attachment to PATH (downloading it first)"), NULL, cmd_save },
  { "react", "ID MESSAGE-ID EMOJI", NULL, NULL, N_("add or take back a reaction to a message"),
    NULL, cmd_message_action },
  { "unreact", "ID MESSAGE-ID EMOJI", NULL, NULL, NULL, NULL, cmd_message_action },
  { "unsend", "ID MESSAGE-ID", NULL, NULL, N_("delete one of our messages for everyone"), NULL,
    cmd_message_action },
  { "delete", "ID MESSAGE-ID", NULL, NULL, N_("delete a message on this device only"), NULL,
    cmd_message_action },
  { "resend", "ID MESSAGE-ID", NULL, NULL,
    N_("send a failed message of ours again (only failed uploads are redone)"), NULL,
    cmd_message_action },
  { "disappear", "ID MODE [TIMER]", NULL, NULL,
    /* TRANSLATORS: keep the line break: --help indents the second line */
    N_("disappearing messages: MODE off, after-send or\n"
       "after-read; TIMER in seconds or with s, m, h, d, w"),
    check_disappear, cmd_conversation_setting },
  { "nickname", "ID NAME", NULL, NULL, N_("our own name for a contact (\"\" clears it)"), NULL,
    cmd_conversation_setting },
  { "screenshot", "ID", NULL, NULL, N_("tell the contact we took a screenshot"), NULL,
    cmd_conversation_action },
  { "pin", "ID", NULL, NULL, N_("pin, unpin or hide a conversation (on all devices)"), NULL,
    cmd_conversation_action },
  { "unpin", "ID", NULL, NULL, NULL, NULL, cmd_conversation_action },
  { "hide", "ID", NULL, NULL, NULL, NULL, cmd_conversation_action },
  { "notify", "ID NOTIFY-MODE", NULL, NULL,
    N_("which messages notify: NOTIFY-MODE all, mentions or none"),
    check_notify, cmd_conversation_setting },
  { "group-create", "NAME ID [ID] [ID] [ID] [ID] [ID] [ID] [ID] [ID] [ID]", "NAME ID…", NULL,
    N_("create a group with us as admin and invite the members"), check_group_create,
    cmd_group_create },
  { "group-accept", "ID", NULL, NULL, N_("accept a group invite"), NULL, cmd_group_accept },
  { "group-info", "ID", NULL, NULL, N_("a group's name, description and members"), NULL,
    cmd_group_info },
  { "group-rename", "ID NAME", NULL, NULL, N_("rename a group (admins)"), NULL,
    cmd_group_change },
  { "group-describe", "ID TEXT", NULL, NULL, N_("set a group's description (admins)"), NULL,
    cmd_group_change },
  { "group-promote", "ID MEMBER [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER]"
    " [MEMBER] [MEMBER]", "ID MEMBER…", NULL, N_("make group members admins (admins)"),
    check_group_promote, cmd_group_change },
  { "group-invite", "ID MEMBER [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER]"
    " [MEMBER] [MEMBER]", "ID MEMBER… [--history]", "--history",
    N_("invite members to a group (admins)"), check_group_invite, cmd_group_change },
  { "group-remove", "ID MEMBER [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER] [MEMBER]"
    " [MEMBER] [MEMBER]", "ID MEMBER…", NULL, N_("remove members from a group (admins)"),
    check_group_remove, cmd_group_change },
  { "group-delete-content", "ID WHAT [WHAT] [WHAT] [WHAT] [WHAT] [WHAT] [WHAT] [WHAT] [WHAT]"
    " [WHAT]", "ID MEMBER|MESSAGE…", NULL,
    N_("delete members' messages or given messages for everyone (admins)"),
    check_group_delete_content, cmd_group_change },
  { "group-leave", "ID", NULL, NULL, N_("leave a group and forget it"), NULL, cmd_group_change },
  { "group-destroy", "ID", NULL, NULL, N_("destroy a group for everyone (admins)"), NULL,
    cmd_group_change },
  { "group-avatar", "ID [FILE]", "ID FILE|--remove", "--remove",
    N_("set (or with --remove clear) a group's picture (admins)"), check_group_avatar,
    cmd_group_avatar },
  { "group-disappear", "ID SECONDS", NULL, NULL,
    N_("a group's disappearing messages, after send (admins; 0 is off)"),
    check_group_disappear, cmd_group_disappear },
  { "mark-unread", "ID", NULL, NULL, N_("mark a conversation unread"), NULL,
    cmd_conversation_action },
};

/* the options every command takes, for completion; keep in step with main ()'s entries */
static const gchar *const global_options[] = { "--json", "--help", "--version" };

/* the width of the command column of --help */
#define HELP_COLUMN 28

static const CtlCommand *
find_command (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (g_str_equal (name, commands[i].name))
      return &commands[i];
  }
  return NULL;
}

static void
append_form (GString *str, const CtlCommand *cmd)
{
  const gchar *args = cmd->synopsis != NULL ? cmd->synopsis : cmd->arguments;

  g_string_append (str, cmd->name);
  if (*args != '\0')
    g_string_append_printf (str, " %s", args);
}

/* the "Commands:" part of --help */
static gchar *
commands_help (void)
{
  GString *str = g_string_new (_("Commands:"));

  g_string_append_c (str, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    g_autoptr(GString) form = g_string_new (NULL);
    g_auto(GStrv) lines = NULL;

    if (commands[i].description == NULL)
      continue;
    append_form (form, &commands[i]);
    for (guint j = i + 1; j < G_N_ELEMENTS (commands) && commands[j].description == NULL; j++) {
      g_string_append (form, ", ");
      append_form (form, &commands[j]);
    }
    /* the form is ASCII, so bytes are columns */
    if (form->len < HELP_COLUMN - 2)
      g_string_append_printf (str, "  %-*s", HELP_COLUMN - 2, form->str);
    else
      g_string_append_printf (str, "  %s\n%*s", form->str, HELP_COLUMN, "");
    lines = g_strsplit (_(commands[i].description), "\n", -1);
    for (guint k = 0; lines[k] != NULL; k++) {
      if (k > 0)
        g_string_append_printf (str, "\n%*s", HELP_COLUMN, "");
      g_string_append (str, lines[k]);
    }
    g_string_append_c (str, '\n');
  }
  return g_string_free (str, FALSE);
}

/* ---- completion ---- */

static void
complete_conversations (SessiondClient *client)
{
  GListModel *model = sessiond_client_get_conversations (client);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr(SessiondConversation) c = g_list_model_get_item (model, i);

    g_print ("%s\n", sessiond_conversation_get_id (c));
  }
}

static void
complete_messages (SessiondClient *client, const gchar *id)
{
  SessiondConversation *c = sessiond_client_lookup_conversation (client, id);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  if (c == NULL)
    return;
  sessiond_conversation_get_messages_async (c, 0, 0, 20, NULL, on_done, &result);
  messages = sessiond_conversation_get_messages_finish (c, wait_for (&result), NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    g_print ("%s\n", sessiond_message_get_id (g_ptr_array_index (messages, i)));
}

/* the candidates for one argument of a command; ID and MESSAGE-ID ask the daemon */
static void
complete_argument (const gchar *placeholder, gchar **previous)
{
  static const struct {
    const gchar *placeholder;
    const gchar *values;
  } fixed[] = {
    { "MODE", "off after-send after-read" },
    { "NOTIFY-MODE", "all mentions none" },
    { "TIMER", "10 30 60 5m 1h 12h 1d 1w 2w" },
    { "EMOJI", "👍 ❤️ 😂 😮 😢 😡" },
  };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SessiondClient) client = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++) {
    if (g_str_equal (placeholder, fixed[i].placeholder)) {
      g_auto(GStrv) values = g_strsplit (fixed[i].values, " ", -1);

      for (guint j = 0; values[j] != NULL; j++)
        g_print ("%s\n", values[j]);
      return;
    }
  }
  if (!g_str_equal (placeholder, "ID") && !g_str_equal (placeholder, "MESSAGE-ID"))
    return;
  sessiond_client_new_async (NULL, NULL, on_done, &result);
  client = sessiond_client_new_finish (wait_for (&result), NULL);
  if (client == NULL)
    return;
  if (g_str_equal (placeholder, "ID"))
    complete_conversations (client);
  else if (previous[0] != NULL)
    complete_messages (client, previous[0]);
}

/* sessionctl __complete WORD… (hidden): the candidates for the last WORD, one a line, for
 * the bash completion; WORDs are those after "sessionctl", the last one being completed */
static gint
complete (gint n_words, gchar **words)
{
  const CtlCommand *cmd = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(GStrv) placeholders = NULL;
  const gchar *current = n_words > 0 ? words[n_words - 1] : "";
  gboolean option_value = FALSE;

  for (gint i = 0; i < n_words - 1; i++) {
    const gchar *word = words[i];

    if (option_value) {
      option_value = FALSE;
    } else if (word[0] == '-') {
      /* the options that take a value */
      option_value = strchr (word, '=') == NULL &&
                     (g_str_equal (word, "--name") || g_str_equal (word, "--limit") ||
                      g_str_equal (word, "--before"));
    } else if (cmd == NULL) {
      cmd = find_command (word);
      if (cmd == NULL)
        return 0;
    } else {
      g_ptr_array_add (args, (gpointer) word);
    }
  }
  if (option_value)
    return 0;
  if (current[0] == '-') {
    for (guint i = 0; i < G_N_ELEMENTS (global_options); i++)
      g_print ("%s\n", global_options[i]);
    if (cmd != NULL && cmd->options != NULL) {
      g_auto(GStrv) options = g_strsplit (cmd->options, " ", -1);

      for (guint i = 0; options[i] != NULL; i++)
        g_print ("%s\n", options[i]);
    }
    return 0;
  }
  if (cmd == NULL) {
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      g_print ("%s\n", commands[i].name);
    return 0;
  }
  placeholders = g_strsplit (cmd->arguments, " ", -1);
  if (*cmd->arguments == '\0' || args->len >= g_strv_length (placeholders))
    return 0;
  g_ptr_array_add (args, NULL);
  complete_argument (g_strstrip (g_strdelimit (placeholders[args->len - 1], "[]", ' ')),
                     (gchar **) args->pdata);
  return 0;
}

/* ---- main ---- */

static gint
run (Ctl *ctl, gchar **args)
{
  const gchar *name = args[0];
  const CtlCommand *cmd = find_command (name);
  guint nargs = g_strv_length (args) - 1;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = NULL;
  gint expected;
  gint optional = 0;

  if (cmd == NULL) {
    g_autofree gchar *message = g_strdup_printf (_("unknown command “%s”; see sessionctl --help"),
                                                 name);

    return usage (ctl, message);
  }
  words = g_strsplit (cmd->arguments, " ", -1);
  expected = *cmd->arguments == '\0' ? 0 : (gint) g_strv_length (words);
  for (guint j = 0; words[j] != NULL; j++)
    optional += words[j][0] == '[';
  if ((gint) nargs > expected || (gint) nargs < expected - optional) {
    g_autofree gchar *message = g_strdup_printf (_("usage: sessionctl %s %s"), name,
                                                 cmd->arguments);

    return usage (ctl, g_strstrip (message));
  }
  /* D-Bus strings must be UTF-8 */
  for (guint i = 1; args[i] != NULL; i++) {
    if (!g_utf8_validate (args[i], -1, NULL))
      return usage (ctl, _("the arguments must be valid UTF-8"));
  }
  if (cmd->check != NULL && cmd->check (ctl, args + 1) != 0)
    return 1;

  sessiond_client_new_async (NULL, NULL, on_done, &result);
  ctl->client = sessiond_client_new_finish (wait_for (&result), &error);
  if (ctl->client == NULL)
    return fail_error (ctl, error);
  return cmd->func (ctl, name, args + 1);
}

int
main (int argc, char **argv)
{
  Ctl ctl = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  gboolean version = FALSE;
  gboolean json_requested = FALSE;
  gint64 limit = 0;
  gint status;
  g_autofree gchar *help = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json, N_("One JSON object per line"), NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &ctl.name, N_("Display name (create, restore)"),
      N_("NAME") },
    { "limit", 0, 0, G_OPTION_ARG_INT64, &limit, N_("At most N messages (messages, search)"),
      "N" },
    { "before", 0, 0, G_OPTION_ARG_INT64, &ctl.before,
      N_("Only messages sent before MS (messages)"), "MS" },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ctl.attach,
      N_("Attach FILE (send; repeatable)"), N_("FILE") },
    { "remove", 0, 0, G_OPTION_ARG_NONE, &ctl.remove,
      N_("Remove our profile picture (set-avatar) or a group's (group-avatar)"), NULL },
    { "voice", 0, 0, G_OPTION_ARG_NONE, &ctl.voice,
      N_("The attachments are voice messages (send)"), NULL },
    { "history", 0, 0, G_OPTION_ARG_NONE, &ctl.history,
      N_("The invited read the group's history (group-invite)"), NULL },
    { "yes-show-secret", 0, 0, G_OPTION_ARG_NONE, &ctl.show_secret,
      N_("Really print the recovery phrase (phrase)"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, N_("COMMAND [ARGS…]") },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* before option parsing: the words may hold half-typed options */
  if (argc >= 2 && g_str_equal (argv[1], "__complete"))
    return complete (argc - 2, argv + 2);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Control sessiond, the Session messenger daemon."));
  help = commands_help ();
  g_option_context_set_description (context, help);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* a bad option is reported in JSON too when --json is there; GOption
   * undoes what it set when parsing fails */
  for (gint i = 1; i < argc && g_strcmp0 (argv[i], "--") != 0; i++) {
    if (g_str_equal (argv[i], "--json"))
      json_requested = TRUE;
  }
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    ctl.json = json_requested;
    return usage (&ctl, error->message);
  }
  if (version) {
    g_print ("sessionctl %s\n", PACKAGE_VERSION);
    return 0;
  }
  if (limit < 0 || limit > G_MAXINT)
    return usage (&ctl, _("--limit must be a positive number"));
  ctl.limit = (gint) limit;
  if (args == NULL || args[0] == NULL)
    return usage (&ctl, _("no command given; see sessionctl --help"));
  ctl.color = isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL;

  status = run (&ctl, args);
  g_clear_object (&ctl.client);
  g_clear_pointer (&ctl.loop, g_main_loop_unref);
  g_free (ctl.name);
  g_strfreev (ctl.attach);
  return status;
}
