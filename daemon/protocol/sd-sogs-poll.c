/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-sogs-poll.h"

#include <string.h>

#include "sd-blinded-dm.h"
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-sogs-post.h"
#include "sd-sogs-url.h"

/* base64 of the largest post and of the largest community DM */
#define DATA_B64_MAX (4 * ((SD_SOGS_POST_MAX_DATA + 2) / 3))
#define DM_B64_MAX   (4 * ((SD_BLINDED_DM_MAX + 2) / 3))
#define SIG_B64_MAX  88
#define PINS_MAX     256
#define REACTORS_MAX 64

void
sd_sogs_message_free (SdSogsMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->data);
  g_free (message->signature);
  g_free (message->whisper_to);
  g_clear_pointer (&message->reactions, g_ptr_array_unref);
  g_free (message);
}

void
sd_sogs_dm_free (SdSogsDm *dm)
{
  if (dm == NULL)
    return;
  g_free (dm->message);
  g_free (dm);
}

static void
reaction_free (SdSogsReaction *reaction)
{
  g_free (reaction->emoji);
  g_free (reaction);
}

void
sd_sogs_room_info_free (SdSogsRoomInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->token);
  g_free (info->name);
  g_free (info->description);
  g_clear_pointer (&info->moderators, g_ptr_array_unref);
  g_clear_pointer (&info->admins, g_ptr_array_unref);
  g_clear_pointer (&info->pinned, g_array_unref);
  g_free (info);
}

static void
room_poll_free (SdSogsRoomPoll *room)
{
  g_free (room->token);
  sd_sogs_room_info_free (room->details);
  g_clear_pointer (&room->messages, g_ptr_array_unref);
  g_free (room);
}

void
sd_sogs_poll_clear (SdSogsPoll *poll)
{
  if (poll == NULL)
    return;
  g_clear_pointer (&poll->capabilities, g_strfreev);
  g_clear_pointer (&poll->rooms, g_ptr_array_unref);
  g_clear_pointer (&poll->inbox, g_ptr_array_unref);
  g_clear_pointer (&poll->outbox, g_ptr_array_unref);
  memset (poll, 0, sizeof *poll);
}

/* ---- building ---- */

static void
add_get (JsonArray *batch, gchar *path)
{
  JsonObject *sub = json_object_new ();

  json_object_set_string_member (sub, "method", "GET");
  json_object_set_string_member (sub, "path", path);
  json_array_add_object_element (batch, sub);
  g_free (path);
}

gchar *
sd_sogs_poll_build (const SdSogsRoomCursor *rooms,
                    gsize n_rooms,
                    gboolean with_dms,
                    gint64 inbox_since,
                    gint64 outbox_since,
                    GError **error)
{
  g_autoptr(JsonArray) batch = json_array_new ();
  g_autoptr(JsonNode) root = NULL;

  if (n_rooms > SD_SOGS_POLL_ROOMS_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "at most %d rooms per server in one poll", SD_SOGS_POLL_ROOMS_MAX);
    return NULL;
  }
  add_get (batch, g_strdup ("/capabilities"));
  for (gsize i = 0; i < n_rooms; i++) {
    if (!sd_sogs_room_token_valid (rooms[i].token)) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL,
                           "a room token is 1 to 64 letters, digits, _ or -");
      return NULL;
    }
    add_get (batch, g_strdup_printf ("/room/%s/pollInfo/%" G_GINT64_FORMAT, rooms[i].token,
                                     MAX (rooms[i].info_updates, 0)));
    if (rooms[i].seqno > 0)
      add_get (batch, g_strdup_printf ("/room/%s/messages/since/%" G_GINT64_FORMAT
                                       "?t=r&reactors=%d", rooms[i].token, rooms[i].seqno,
                                       SD_SOGS_REACTORS));
    else
      add_get (batch, g_strdup_printf ("/room/%s/messages/recent?t=r&reactors=%d",
                                       rooms[i].token, SD_SOGS_REACTORS));
  }
  if (with_dms) {
    add_get (batch, inbox_since > 0 ? g_strdup_printf ("/inbox/since/%" G_GINT64_FORMAT,
                                                       inbox_since)
                                    : g_strdup ("/inbox"));
    add_get (batch, outbox_since > 0 ? g_strdup_printf ("/outbox/since/%" G_GINT64_FORMAT,
                                                        outbox_since)
                                     : g_strdup ("/outbox"));
  }
  root = json_node_init_array (json_node_alloc (), batch);
  return json_to_string (root, FALSE);
}

/* ---- checked field access ---- */

/* FALSE when present with the wrong type or out of range; absent keeps *out */
static gboolean
opt_int (JsonObject *obj, const gchar *name, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
req_int (JsonObject *obj, const gchar *name, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) && opt_int (obj, name, min, max, out);
}

/* a time in unix seconds, integer or not, within a sane span */
static gboolean
opt_time (JsonObject *obj, const gchar *name, gdouble *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  gdouble v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    v = (gdouble) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    v = json_node_get_double (node);
  else
    return FALSE;
  /* 0 to the year 2500 */
  if (!(v >= 0 && v < 16725225600.0))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
opt_bool (JsonObject *obj, const gchar *name, gboolean *out)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* a UTF-8 string of at most @max bytes; absent leaves *out NULL */
static gboolean
opt_string (JsonObject *obj, const gchar *name, gsize max, const gchar **out)
{
  JsonNode *node = json_object_get_member (obj, name);
  const gchar *s;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  s = json_node_get_string (node);
  if (strlen (s) > max || !g_utf8_validate (s, -1, NULL))
    return FALSE;
  *out = s;
  return TRUE;
}

/* 00, 05, 15 or 25 followed by 64 hex digits; copied lower-cased */
static gboolean
account_id (const gchar *text, gboolean blinded_only, gchar out[67])
{
  if (text == NULL || strlen (text) != 66)
    return FALSE;
  for (gsize i = 0; i < 66; i++) {
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
    out[i] = g_ascii_tolower (text[i]);
  }
  out[66] = '\0';
  if (g_str_has_prefix (out, "15") || g_str_has_prefix (out, "25"))
    return TRUE;
  return !blinded_only && (g_str_has_prefix (out, "00") || g_str_has_prefix (out, "05"));
}

/* ---- messages ---- */

static GPtrArray *
parse_reactions (JsonObject *obj)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) reaction_free);
  g_autoptr(GList) names = json_object_get_members (obj);

  if (g_list_length (names) > SD_SOGS_REACTIONS_MAX)
    return NULL;
  for (GList *l = names; l != NULL; l = l->next) {
    const gchar *emoji = l->data;
    JsonObject *entry = sd_json_get_object (obj, emoji);
    SdSogsReaction *r;
    gint64 index = 0, count = 0;
    gboolean you = FALSE;
    JsonArray *reactors;

    if (entry == NULL || *emoji == '\0' || strlen (emoji) > SD_SOGS_EMOJI_MAX ||
        !g_utf8_validate (emoji, -1, NULL) || !opt_int (entry, "index", 0, G_MAXINT32, &index) ||
        !req_int (entry, "count", 0, G_MAXINT32, &count) || !opt_bool (entry, "you", &you))
      return NULL;
    reactors = sd_json_get_array (entry, "reactors");
    if (json_object_has_member (entry, "reactors") &&
        (reactors == NULL || json_array_get_length (reactors) > REACTORS_MAX))
      return NULL;
    r = g_new0 (SdSogsReaction, 1);
    r->emoji = g_strdup (emoji);
    r->index = index;
    r->count = count;
    r->you = you;
    g_ptr_array_add (out, r);
  }
  return g_steal_pointer (&out);
}

static SdSogsMessage *
parse_message (JsonObject *obj, gint64 *seqno)
{
  g_autoptr(SdSogsMessage) m = g_new0 (SdSogsMessage, 1);
  const gchar *session_id, *data, *signature, *whisper_to;
  JsonObject *reactions;

  /* the seqno first: even a dropped entry moves the cursor past itself */
  if (!req_int (obj, "seqno", 0, G_MAXINT64, &m->seqno))
    return NULL;
  *seqno = m->seqno;
  if (!req_int (obj, "id", 1, G_MAXINT64, &m->id) ||
      !opt_string (obj, "session_id", 66, &session_id))
    return NULL;
  /* the reference: a message row always has a `data` key (null for a
   * deletion); an update of reactions alone has none */
  m->reactions_only = !json_object_has_member (obj, "data");
  if (m->reactions_only && session_id == NULL)
    m->session_id[0] = '\0';
  else if (!account_id (session_id, FALSE, m->session_id))
    return NULL;
  if (!opt_time (obj, "posted", &m->posted) ||
      !opt_time (obj, "edited", &m->edited) || !opt_bool (obj, "deleted", &m->deleted) ||
      !opt_string (obj, "data", DATA_B64_MAX, &data) ||
      !opt_string (obj, "signature", SIG_B64_MAX, &signature) ||
      !opt_bool (obj, "whisper", &m->whisper) ||
      !opt_bool (obj, "whisper_mods", &m->whisper_mods) ||
      !opt_string (obj, "whisper_to", 66, &whisper_to))
    return NULL;
  /* a post has both; a tombstone and a reaction update have neither */
  if (m->reactions_only) {
    if (signature != NULL || m->deleted || !json_object_has_member (obj, "reactions"))
      return NULL;
  } else if (data == NULL && signature == NULL) {
    m->deleted = TRUE;
  } else if (m->deleted || data == NULL || signature == NULL) {
    return NULL;
  }
  if (whisper_to != NULL) {
    gchar id[67];

    if (!account_id (whisper_to, FALSE, id))
      return NULL;
    m->whisper_to = g_strdup (id);
  }
  m->data = g_strdup (data);
  m->signature = g_strdup (signature);
  if (json_object_has_member (obj, "reactions") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (obj, "reactions"))) {
    reactions = sd_json_get_object (obj, "reactions");
    if (reactions == NULL || (m->reactions = parse_reactions (reactions)) == NULL)
      return NULL;
  } else {
    m->reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) reaction_free);
  }
  return g_steal_pointer (&m);
}

GPtrArray *
sd_sogs_messages_parse (JsonNode *node, gint64 *max_seqno, guint *dropped, GError **error)
{
  g_autoptr(GPtrArray) out = NULL;
  JsonArray *array;

  *max_seqno = 0;
  *dropped = 0;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a page of messages is a JSON list");
    return NULL;
  }
  array = json_node_get_array (node);
  if (json_array_get_length (array) > SD_SOGS_PAGE_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a page holds at most %d messages", SD_SOGS_PAGE_MAX);
    return NULL;
  }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_sogs_message_free);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *obj = sd_json_array_get_object (array, i);
    gint64 seqno = 0;
    SdSogsMessage *m = obj != NULL ? parse_message (obj, &seqno) : NULL;

    *max_seqno = MAX (*max_seqno, seqno);
    if (m == NULL)
      (*dropped)++;
    else
      g_ptr_array_add (out, m);
  }
  return g_steal_pointer (&out);
}

/* ---- rooms ---- */

static GPtrArray *
parse_ids (JsonObject *obj, const gchar *name)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array = sd_json_get_array (obj, name);

  if (array == NULL)
    return json_object_has_member (obj, name) ? NULL : g_steal_pointer (&out);
  if (json_array_get_length (array) > SD_SOGS_IDS_MAX)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    gchar id[67];

    if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
        !account_id (json_node_get_string (node), FALSE, id))
      return NULL;
    g_ptr_array_add (out, g_strdup (id));
  }
  return g_steal_pointer (&out);
}

/* read, write, … and active_users, shared by pollInfo and the details */
static gboolean
parse_permissions (JsonObject *obj, gint64 *active_users, gboolean *read, gboolean *write,
                   gboolean *upload, gboolean *moderator, gboolean *admin)
{
  *active_users = -1;
  *read = *write = *upload = TRUE;
  *moderator = *admin = FALSE;
  return opt_int (obj, "active_users", 0, G_MAXINT64, active_users) &&
         opt_bool (obj, "read", read) && opt_bool (obj, "write", write) &&
         opt_bool (obj, "upload", upload) && opt_bool (obj, "moderator", moderator) &&
         opt_bool (obj, "admin", admin);
}

SdSogsRoomInfo *
sd_sogs_room_info_parse (JsonObject *obj, GError **error)
{
  g_autoptr(SdSogsRoomInfo) info = g_new0 (SdSogsRoomInfo, 1);
  const gchar *token, *name, *description;
  JsonArray *pins;

  if (obj == NULL || !opt_string (obj, "token", SD_SOGS_ROOM_MAX, &token) ||
      !sd_sogs_room_token_valid (token) || !opt_string (obj, "name", SD_SOGS_NAME_MAX, &name) ||
      !opt_string (obj, "description", SD_SOGS_TEXT_MAX, &description) ||
      !opt_int (obj, "info_updates", 0, G_MAXINT64, &info->info_updates) ||
      !opt_int (obj, "message_sequence", 0, G_MAXINT64, &info->message_sequence) ||
      !opt_int (obj, "image_id", 0, G_MAXINT64, &info->image_id) ||
      !parse_permissions (obj, &info->active_users, &info->read, &info->write, &info->upload,
                          &info->moderator, &info->admin) ||
      (info->moderators = parse_ids (obj, "moderators")) == NULL ||
      (info->admins = parse_ids (obj, "admins")) == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "malformed room details");
    return NULL;
  }
  info->token = g_strdup (token);
  info->name = g_strdup (name);
  info->description = g_strdup (description);
  info->pinned = g_array_new (FALSE, FALSE, sizeof (gint64));
  pins = sd_json_get_array (obj, "pinned_messages");
  if (pins != NULL && json_array_get_length (pins) <= PINS_MAX) {
    for (guint i = 0; i < json_array_get_length (pins); i++) {
      JsonObject *pin = sd_json_array_get_object (pins, i);
      gint64 id = 0;

      if (pin != NULL && req_int (pin, "id", 1, G_MAXINT64, &id))
        g_array_append_val (info->pinned, id);
    }
  }
  return g_steal_pointer (&info);
}

/* ---- DMs ---- */

static SdSogsDm *
parse_dm (JsonObject *obj)
{
  SdSogsDm *dm = g_new0 (SdSogsDm, 1);
  const gchar *sender, *recipient, *message;

  if (!req_int (obj, "id", 1, G_MAXINT64, &dm->id) || !opt_time (obj, "posted_at", &dm->posted_at) ||
      !opt_time (obj, "expires_at", &dm->expires_at) ||
      !opt_string (obj, "sender", 66, &sender) || !account_id (sender, TRUE, dm->sender) ||
      !opt_string (obj, "recipient", 66, &recipient) ||
      !account_id (recipient, TRUE, dm->recipient) ||
      !opt_string (obj, "message", DM_B64_MAX, &message) || message == NULL) {
    g_free (dm);
    return NULL;
  }
  dm->message = g_strdup (message);
  return dm;
}

static GPtrArray *
parse_dms (JsonNode *node, guint *dropped)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_sogs_dm_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) > SD_SOGS_PAGE_MAX)
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *obj = sd_json_array_get_object (array, i);
    SdSogsDm *dm = obj != NULL ? parse_dm (obj) : NULL;

    if (dm == NULL)
      (*dropped)++;
    else
      g_ptr_array_add (out, dm);
  }
  return g_steal_pointer (&out);
}

/* ---- the batch answer ---- */

/* the code of subrequest @i and its body; 0 for a malformed entry */
static guint
sub_status (JsonArray *answers, guint i, JsonNode **body)
{
  JsonObject *obj = sd_json_array_get_object (answers, i);
  gint64 code = 0;

  *body = NULL;
  if (obj == NULL || !req_int (obj, "code", 100, 599, &code))
    return 0;
  *body = json_object_get_member (obj, "body");
  return (guint) code;
}

gboolean
sd_sogs_poll_parse (const gchar *body,
                    gsize len,
                    const SdSogsRoomCursor *rooms,
                    gsize n_rooms,
                    gboolean with_dms,
                    SdSogsPoll *out,
                    GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *answers;
  gsize expected = 1 + 2 * n_rooms + (with_dms ? 2 : 0);
  guint k = 0;
  JsonNode *node;

  memset (out, 0, sizeof *out);
  if (n_rooms > SD_SOGS_POLL_ROOMS_MAX) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "too many rooms in one poll");
    return FALSE;
  }
  root = sd_json_parse (body, len, error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (root) ||
      json_array_get_length (json_node_get_array (root)) != expected) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "a poll answer is a list of %" G_GSIZE_FORMAT " results", expected);
    return FALSE;
  }
  answers = json_node_get_array (root);
  out->with_dms = with_dms;

  out->capabilities_status = sub_status (answers, k++, &node);
  if (out->capabilities_status == 200 && node != NULL && JSON_NODE_HOLDS_OBJECT (node)) {
    JsonArray *caps = sd_json_get_array (json_node_get_object (node), "capabilities");
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

    for (guint i = 0; caps != NULL && i < json_array_get_length (caps) && i < 64; i++) {
      JsonNode *c = json_array_get_element (caps, i);

      if (JSON_NODE_HOLDS_VALUE (c) && json_node_get_value_type (c) == G_TYPE_STRING &&
          strlen (json_node_get_string (c)) <= 64)
        g_strv_builder_add (builder, json_node_get_string (c));
    }
    out->capabilities = g_strv_builder_end (builder);
  }

  out->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) room_poll_free);
  for (gsize r = 0; r < n_rooms; r++) {
    SdSogsRoomPoll *room = g_new0 (SdSogsRoomPoll, 1);

    room->token = g_strdup (rooms[r].token);
    g_ptr_array_add (out->rooms, room);

    room->info_status = sub_status (answers, k++, &node);
    if (room->info_status == 200) {
      JsonObject *info = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                             ? json_node_get_object (node) : NULL;
      JsonObject *details = info != NULL ? sd_json_get_object (info, "details") : NULL;

      if (info == NULL ||
          !parse_permissions (info, &room->active_users, &room->read, &room->write,
                              &room->upload, &room->moderator, &room->admin))
        room->info_status = 0;
      else if (details != NULL)
        room->details = sd_sogs_room_info_parse (details, NULL);
    }

    room->messages_status = sub_status (answers, k++, &node);
    if (room->messages_status == 200) {
      room->messages = sd_sogs_messages_parse (node, &room->max_seqno, &room->dropped, NULL);
      if (room->messages == NULL)
        room->messages_status = 0;
    }
    if (room->messages == NULL)
      room->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_sogs_message_free);
  }

  if (with_dms) {
    out->inbox_status = sub_status (answers, k++, &node);
    if (out->inbox_status == 200 && (out->inbox = parse_dms (node, &out->dropped)) == NULL)
      out->inbox_status = 0;
    out->outbox_status = sub_status (answers, k++, &node);
    if (out->outbox_status == 200 && (out->outbox = parse_dms (node, &out->dropped)) == NULL)
      out->outbox_status = 0;
  }
  if (out->inbox == NULL)
    out->inbox = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_sogs_dm_free);
  if (out->outbox == NULL)
    out->outbox = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_sogs_dm_free);
  return TRUE;
}
