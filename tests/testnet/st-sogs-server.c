/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a community server like session-pysogs, behind onion requests v4:
 * capabilities, rooms, posts, reactions, deletions, pins, room files,
 * batch/sequence and the blinded inbox, with the reference's request
 * authentication, and faults for the client's tests (README.md lists the
 * endpoints and the control actions) */
#define G_LOG_DOMAIN "StSogsServer"

#include "config.h"

#include "st-sogs-server.h"

#include <sodium.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-onion-layer.h"
#include "sd-onion-v4.h"
#include "sd-protocol-error.h"
#include "sd-sogs-post.h"
#include "sd-sogs-request.h"
#include "sd-sogs-url.h"
#include "st-control.h"
#include "st-onion-v4.h"
#include "st-tcp.h"

/* the reference's limits */
#define PAGE_DEFAULT     100
#define PAGE_MAX         256
#define REACTORS_DEFAULT 4
#define EMOJI_MAX_BYTES  48
#define DM_TTL_SECONDS   (15 * 24 * 3600)
#define ACTIVE_CUTOFF    (7 * 24 * 3600)
/* a test that goes past these is broken */
#define BATCH_MAX        64
#define POSTS_MAX        100000
#define DMS_MAX          100000
#define NONCES_MAX       1000000
/* room files: the 10 MB attachment limit, all rooms together in memory */
#define FILE_MAX         (10 * 1024 * 1024)
#define FILES_TOTAL_MAX  (256 * 1024 * 1024)

/* what a hostile server answers instead, for the client's tests */
typedef enum {
  ST_GARBAGE_NONE,
  ST_GARBAGE_JSON,      /* 200 with malformed JSON */
  ST_GARBAGE_OVERSIZE,  /* 200 with a body bigger than any client should read */
  ST_GARBAGE_SIGNATURE, /* posts with signatures that do not verify */
  ST_GARBAGE_CIPHER,    /* an onion reply that does not decrypt */
} StGarbage;

#define GARBAGE_BYTES_DEFAULT (16 * 1024 * 1024)
#define GARBAGE_BYTES_MAX     (64 * 1024 * 1024)

typedef struct {
  gchar *emoji;         /* (owned) */
  GPtrArray *reactors;  /* (owned) ids, first reactor first */
} StReaction;

typedef struct {
  gint64 id;
  gint64 seqno;          /* set when posted and deleted */
  gint64 reaction_seqno; /* set when its reactions change; 0: never */
  gchar *session_id;    /* (owned) the poster, as authenticated */
  gdouble posted;
  gdouble edited;       /* 0: never */
  gchar *data;          /* (owned) (nullable) base64; NULL once deleted */
  gchar *signature;     /* (owned) (nullable) */
  gchar *whisper_to;    /* (owned) (nullable) */
  gboolean whisper_mods;
  GPtrArray *reactions; /* (owned) StReaction*, in first-use order */
} StPost;

typedef struct {
  gchar *token;         /* (owned) */
  gchar *name;          /* (owned) */
  gchar *description;   /* (owned) (nullable) */
  gint64 created;
  gint64 info_updates;
  gint64 message_sequence;
  GPtrArray *posts;     /* (owned) StPost*, in id order */
  GPtrArray *moderators; /* (owned) ids as the control action gave them */
  GPtrArray *admins;    /* (owned) */
  GHashTable *banned;   /* (owned) id → (owned) gint64* end, unix seconds; 0: for ever */
  GArray *pinned;       /* (owned) StPin, oldest pin first */
  GHashTable *files;    /* (owned) file id (gint64*) → (owned) GBytes* */
  gint64 image_id;      /* 0: no image; else one of @files */
} StRoom;

typedef struct {
  gint64 id;
  gdouble pinned_at;
  gchar pinned_by[67];
} StPin;

typedef struct {
  gint64 id;
  gchar *sender;        /* (owned) */
  gchar *recipient;     /* (owned) */
  gdouble posted_at;
  gdouble expires_at;
  gchar *message;       /* (owned) base64 */
} StDm;

struct _StSogsServer {
  StNetwork *network;   /* (unowned) */
  SdIdentity identity;  /* x25519_pk: the key in join URLs */
  SoupServer *server;   /* (owned) */
  gchar *url;           /* (owned) */
  GHashTable *rooms;    /* (owned) token → (owned) StRoom* */
  GPtrArray *room_order; /* (unowned) StRoom*, creation order */
  GPtrArray *dms;       /* (owned) StDm*, in id order */
  GHashTable *nonces;   /* (owned) "id:nonce hex" set */
  GHashTable *users;    /* (owned) id → last active, unix seconds (gint64*) */
  gint64 next_post_id;
  gint64 next_dm_id;
  gint64 next_file_id;
  gsize file_bytes;
  guint posts;
  guint requests;
  /* faults, set by control actions */
  gboolean down;        /* plain 502 outside the onion layer, as an unreachable server */
  guint fail_status;    /* 0: none */
  gint fail_remaining;  /* -1: until cleared */
  guint latency_ms;
  StGarbage garbage;
  gint garbage_remaining;
  gsize garbage_bytes;  /* size of an "oversize" answer */
  gboolean corrupt_now; /* this request's posts go out with broken signatures */
  guint file_fail_status; /* 0: none; else what GET /room/{r}/file/{id} answers */
  guint file_gets;      /* GET /room/{r}/file/{id} asked, since the start */
};

/* one routed request: who asked (NULL: no X-SOGS-* headers) and what */
typedef struct {
  const gchar *author;
  const gchar *method;
  const gchar *path;    /* percent-decoded, without the query */
  GHashTable *query;    /* (nullable) name → value */
  GBytes *body;         /* (nullable) */
  gboolean in_batch;
} StCall;

typedef struct {
  guint status;
  const gchar *ctype;
  GBytes *body;         /* (owned) */
} StReply;

static gdouble
now_f (void)
{
  return (gdouble) g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
st_reaction_free (StReaction *r)
{
  g_free (r->emoji);
  g_ptr_array_unref (r->reactors);
  g_free (r);
}

static void
st_post_free (StPost *p)
{
  g_free (p->session_id);
  g_free (p->data);
  g_free (p->signature);
  g_free (p->whisper_to);
  g_ptr_array_unref (p->reactions);
  g_free (p);
}

static void
st_room_free (StRoom *room)
{
  g_free (room->token);
  g_free (room->name);
  g_free (room->description);
  g_ptr_array_unref (room->posts);
  g_ptr_array_unref (room->moderators);
  g_ptr_array_unref (room->admins);
  g_hash_table_unref (room->banned);
  g_array_unref (room->pinned);
  g_hash_table_unref (room->files);
  g_free (room);
}

static void
st_dm_free (StDm *dm)
{
  g_free (dm->sender);
  g_free (dm->recipient);
  g_free (dm->message);
  g_free (dm);
}

static StRoom *
room_new (StSogsServer *ss, const gchar *token, const gchar *name, const gchar *description)
{
  StRoom *room = g_new0 (StRoom, 1);

  room->token = g_strdup (token);
  room->name = g_strdup (name != NULL ? name : token);
  room->description = g_strdup (description);
  room->created = now_s ();
  room->info_updates = 1;
  room->posts = g_ptr_array_new_with_free_func ((GDestroyNotify) st_post_free);
  room->moderators = g_ptr_array_new_with_free_func (g_free);
  room->admins = g_ptr_array_new_with_free_func (g_free);
  room->banned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  room->pinned = g_array_new (FALSE, TRUE, sizeof (StPin));
  room->files = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
  g_hash_table_insert (ss->rooms, room->token, room);
  g_ptr_array_add (ss->room_order, room);
  return room;
}

/* ---- replies ---- */

static guint
reply_text (StReply *r, guint status, const gchar *text)
{
  r->status = status;
  r->ctype = "text/plain";
  r->body = g_bytes_new (text, strlen (text));
  return status;
}

static guint
reply_node (StReply *r, guint status, JsonNode *node)
{
  gchar *text = json_to_string (node, FALSE);

  r->status = status;
  r->ctype = "application/json";
  r->body = g_bytes_new_take (text, strlen (text));
  json_node_unref (node);
  return status;
}

static guint
reply_object (StReply *r, guint status, JsonObject *obj)
{
  return reply_node (r, status, json_node_init_object (json_node_alloc (), obj));
}

static guint
reply_array (StReply *r, guint status, JsonArray *array)
{
  return reply_node (r, status, json_node_init_array (json_node_alloc (), array));
}

/* ---- who may do what ---- */

/* @id is what a control action named (05, 15 or 00 form); a blinded
 * author matches the 05 form through the blinding, as the reference does
 * for moderators it knows by Session ID */
static gboolean
same_user (StSogsServer *ss, const gchar *author, const gchar *id)
{
  if (author == NULL || id == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (author, id) == 0)
    return TRUE;
  if (g_str_has_prefix (id, "05") && (g_str_has_prefix (author, "15") ||
                                      g_str_has_prefix (author, "25")))
    return sd_blinded_id_matches (author, id, ss->identity.x25519_pk);
  return FALSE;
}

static gboolean
in_list (StSogsServer *ss, GPtrArray *ids, const gchar *author)
{
  for (guint i = 0; i < ids->len; i++) {
    if (same_user (ss, author, ids->pdata[i]))
      return TRUE;
  }
  return FALSE;
}

static gboolean
is_admin (StSogsServer *ss, StRoom *room, const gchar *author)
{
  return in_list (ss, room->admins, author);
}

static gboolean
is_moderator (StSogsServer *ss, StRoom *room, const gchar *author)
{
  return is_admin (ss, room, author) || in_list (ss, room->moderators, author);
}

static gboolean
is_banned (StSogsServer *ss, StRoom *room, const gchar *author)
{
  GHashTableIter iter;
  gpointer id, end;

  g_hash_table_iter_init (&iter, room->banned);
  while (g_hash_table_iter_next (&iter, &id, &end)) {
    /* a ban with a timeout is over once its time has come */
    if (*(gint64 *) end != 0 && *(gint64 *) end <= now_s ())
      continue;
    if (same_user (ss, author, id))
      return TRUE;
  }
  return FALSE;
}

/* either id may be the 05 form of the other's blinded one, as the
 * reference resolves a user named either way to the same user */
static gboolean
same_person (StSogsServer *ss, const gchar *a, const gchar *b)
{
  return same_user (ss, a, b) || same_user (ss, b, a);
}

/* removes every entry of @ids that names @who */
static guint
forget_person (StSogsServer *ss, GPtrArray *ids, const gchar *who)
{
  guint n = 0;

  for (guint i = ids->len; i > 0; i--) {
    if (same_person (ss, ids->pdata[i - 1], who)) {
      g_ptr_array_remove_index (ids, i - 1);
      n++;
    }
  }
  return n;
}

static void
unban (StSogsServer *ss, StRoom *room, const gchar *who)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, room->banned);
  while (g_hash_table_iter_next (&iter, &id, NULL)) {
    if (same_person (ss, id, who))
      g_hash_table_iter_remove (&iter);
  }
}

static void
ban (StRoom *room, const gchar *id, gint64 end)
{
  gint64 *value = g_new (gint64, 1);

  *value = end;
  g_hash_table_replace (room->banned, g_ascii_strdown (id, -1), value);
}

static gboolean
visible_to (StSogsServer *ss, StRoom *room, StPost *post, const gchar *author)
{
  if (post->whisper_to == NULL && !post->whisper_mods)
    return TRUE;
  if (author == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (post->session_id, author) == 0)
    return TRUE;
  if (post->whisper_to != NULL && same_user (ss, author, post->whisper_to))
    return TRUE;
  return post->whisper_mods && is_moderator (ss, room, author);
}

static gint64
active_users (StSogsServer *ss)
{
  GHashTableIter iter;
  gpointer value;
  gint64 n = 0, cutoff = now_s () - ACTIVE_CUTOFF;

  g_hash_table_iter_init (&iter, ss->users);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (*(gint64 *) value >= cutoff)
      n++;
  }
  return n;
}

/* ---- JSON shapes ---- */

static JsonArray *
id_array (GPtrArray *ids)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < ids->len; i++)
    json_array_add_string_element (array, ids->pdata[i]);
  return array;
}

static void
add_permissions (StSogsServer *ss, StRoom *room, const gchar *author, JsonObject *obj)
{
  gboolean banned = is_banned (ss, room, author);
  gboolean mod = is_moderator (ss, room, author);

  json_object_set_boolean_member (obj, "read", !banned);
  json_object_set_boolean_member (obj, "write", !banned);
  json_object_set_boolean_member (obj, "upload", !banned);
  json_object_set_boolean_member (obj, "moderator", mod);
  json_object_set_boolean_member (obj, "admin", is_admin (ss, room, author));
  json_object_set_boolean_member (obj, "global_moderator", FALSE);
  json_object_set_boolean_member (obj, "global_admin", FALSE);
}

static JsonObject *
room_details (StSogsServer *ss, StRoom *room, const gchar *author)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "token", room->token);
  json_object_set_string_member (obj, "name", room->name);
  if (room->description != NULL)
    json_object_set_string_member (obj, "description", room->description);
  json_object_set_int_member (obj, "created", room->created);
  json_object_set_int_member (obj, "info_updates", room->info_updates);
  json_object_set_int_member (obj, "message_sequence", room->message_sequence);
  json_object_set_int_member (obj, "active_users", active_users (ss));
  json_object_set_int_member (obj, "active_users_cutoff", ACTIVE_CUTOFF);
  json_object_set_array_member (obj, "moderators", id_array (room->moderators));
  json_object_set_array_member (obj, "admins", id_array (room->admins));
  if (room->image_id > 0)
    json_object_set_int_member (obj, "image_id", room->image_id);
  {
    JsonArray *pins = json_array_new ();

    for (guint i = 0; i < room->pinned->len; i++) {
      StPin *pin = &g_array_index (room->pinned, StPin, i);
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "id", pin->id);
      json_object_set_double_member (entry, "pinned_at", pin->pinned_at);
      json_object_set_string_member (entry, "pinned_by", pin->pinned_by);
      json_array_add_object_element (pins, entry);
    }
    json_object_set_array_member (obj, "pinned_messages", pins);
  }
  json_object_set_boolean_member (obj, "default_read", TRUE);
  json_object_set_boolean_member (obj, "default_write", TRUE);
  json_object_set_boolean_member (obj, "default_upload", TRUE);
  add_permissions (ss, room, author, obj);
  return obj;
}

static JsonObject *
post_json (StSogsServer *ss, StPost *post, const gchar *author, gboolean with_reactions,
           gint64 reactors)
{
  JsonObject *obj = json_object_new ();

  json_object_set_int_member (obj, "id", post->id);
  json_object_set_string_member (obj, "session_id", post->session_id);
  json_object_set_double_member (obj, "posted", post->posted);
  if (post->edited > 0)
    json_object_set_double_member (obj, "edited", post->edited);
  json_object_set_int_member (obj, "seqno", post->seqno);
  if (post->data == NULL) {
    /* the reference's tombstone */
    json_object_set_boolean_member (obj, "deleted", TRUE);
    json_object_set_null_member (obj, "data");
    return obj;
  }
  json_object_set_string_member (obj, "data", post->data);
  if (ss->corrupt_now) {
    /* still 64 bytes of base64, but another signature */
    g_autofree gchar *bad = g_strdup (post->signature);

    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    json_object_set_string_member (obj, "signature", bad);
  } else {
    json_object_set_string_member (obj, "signature", post->signature);
  }
  if (post->whisper_to != NULL || post->whisper_mods) {
    json_object_set_boolean_member (obj, "whisper", TRUE);
    json_object_set_boolean_member (obj, "whisper_mods", post->whisper_mods);
    if (post->whisper_to != NULL)
      json_object_set_string_member (obj, "whisper_to", post->whisper_to);
  }
  if (with_reactions) {
    JsonObject *reactions = json_object_new ();

    for (guint i = 0; i < post->reactions->len; i++) {
      StReaction *r = post->reactions->pdata[i];
      JsonObject *entry = json_object_new ();
      JsonArray *who = json_array_new ();
      gboolean you = FALSE;

      for (guint j = 0; j < r->reactors->len; j++) {
        if ((gint64) j < reactors)
          json_array_add_string_element (who, r->reactors->pdata[j]);
        if (author != NULL && strcmp (r->reactors->pdata[j], author) == 0)
          you = TRUE;
      }
      json_object_set_int_member (entry, "index", i);
      json_object_set_int_member (entry, "count", r->reactors->len);
      json_object_set_array_member (entry, "reactors", who);
      if (you)
        json_object_set_boolean_member (entry, "you", TRUE);
      json_object_set_object_member (reactions, r->emoji, entry);
    }
    json_object_set_object_member (obj, "reactions", reactions);
  }
  return obj;
}

static JsonObject *
dm_json (StDm *dm, gboolean with_message)
{
  JsonObject *obj = json_object_new ();

  json_object_set_int_member (obj, "id", dm->id);
  json_object_set_double_member (obj, "posted_at", dm->posted_at);
  json_object_set_double_member (obj, "expires_at", dm->expires_at);
  json_object_set_string_member (obj, "sender", dm->sender);
  json_object_set_string_member (obj, "recipient", dm->recipient);
  if (with_message)
    json_object_set_string_member (obj, "message", dm->message);
  return obj;
}

/* ---- helpers for routes ---- */

static gboolean
parse_int (const gchar *text, gint64 *out)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &v, NULL))
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

static gint64
query_int (StCall *call, const gchar *name, gint64 fallback, gint64 min, gint64 max)
{
  const gchar *text = call->query != NULL ? g_hash_table_lookup (call->query, name) : NULL;
  gint64 v;

  if (!parse_int (text, &v))
    return fallback;
  return CLAMP (v, min, max);
}

static JsonObject *
body_object (StCall *call)
{
  if (call->body == NULL || g_bytes_get_size (call->body) == 0)
    return NULL;
  return sd_json_parse_object (g_bytes_get_data (call->body, NULL),
                               g_bytes_get_size (call->body), NULL);
}

static StPost *
find_post (StRoom *room, gint64 id)
{
  for (guint i = 0; i < room->posts->len; i++) {
    StPost *p = room->posts->pdata[i];

    if (p->id == id)
      return p;
  }
  return NULL;
}

/* the room's update counter at this post's last change */
static gint64
last_update (const StPost *p)
{
  return MAX (p->seqno, p->reaction_seqno);
}

static gint
by_update (gconstpointer a, gconstpointer b)
{
  gint64 ua = last_update (*(StPost *const *) a), ub = last_update (*(StPost *const *) b);

  return ua < ub ? -1 : ua > ub;
}

/* the reference's reaction update: the id, the update's seqno, the reactions
 * and nothing else (no `data` key tells it from a message row) */
static JsonObject *
reaction_update_json (StSogsServer *ss, StPost *post, const gchar *author, gint64 reactors)
{
  JsonObject *full = post_json (ss, post, author, TRUE, reactors);
  JsonObject *obj = json_object_new ();

  json_object_set_int_member (obj, "id", post->id);
  json_object_set_int_member (obj, "seqno", post->reaction_seqno);
  json_object_set_member (obj, "reactions",
                          json_node_copy (json_object_get_member (full, "reactions")));
  json_object_unref (full);
  return obj;
}

/* ---- routes ---- */

static guint
route_capabilities (StCall *call, StReply *r)
{
  static const gchar *const caps[] = { "blind", "reactions", "sogs", NULL };
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonArray *have = json_array_new ();
  const gchar *required = call->query != NULL ? g_hash_table_lookup (call->query, "required")
                                              : NULL;
  JsonArray *missing = json_array_new ();

  for (gsize i = 0; caps[i] != NULL; i++)
    json_array_add_string_element (have, caps[i]);
  json_object_set_array_member (obj, "capabilities", have);
  if (required != NULL) {
    g_auto(GStrv) wanted = g_strsplit (required, ",", 32);

    for (gsize i = 0; wanted[i] != NULL; i++) {
      if (*wanted[i] != '\0' && !g_strv_contains (caps, wanted[i]))
        json_array_add_string_element (missing, wanted[i]);
    }
  }
  if (json_array_get_length (missing) > 0) {
    json_object_set_array_member (obj, "missing", missing);
    return reply_object (r, 412, g_steal_pointer (&obj));
  }
  json_array_unref (missing);
  return reply_object (r, 200, g_steal_pointer (&obj));
}

static guint
route_messages_list (StSogsServer *ss, StCall *call, StRoom *room, const gchar *kind,
                     const gchar *arg, StReply *r)
{
  g_autoptr(GPtrArray) picked = g_ptr_array_new ();
  JsonArray *out = json_array_new ();
  gint64 limit = query_int (call, "limit", PAGE_DEFAULT, 1, PAGE_MAX);
  gint64 reactors = query_int (call, "reactors", REACTORS_DEFAULT, 0, 20);
  const gchar *t = call->query != NULL ? g_hash_table_lookup (call->query, "t") : NULL;
  gboolean reaction_updates = t != NULL && strchr (t, 'r') != NULL;
  gint64 n = 0;

  if (strcmp (kind, "since") == 0) {
    if (!parse_int (arg, &n)) {
      json_array_unref (out);
      return reply_text (r, 404, "Not found");
    }
    for (guint i = 0; i < room->posts->len; i++) {
      StPost *p = room->posts->pdata[i];

      if ((p->seqno > n || (reaction_updates && p->reaction_seqno > n)) &&
          visible_to (ss, room, p, call->author))
        g_ptr_array_add (picked, p);
    }
    /* in update order; a post that changed itself since @n comes whole,
     * one whose reactions alone changed as a reaction update (t=r) */
    g_ptr_array_sort (picked, by_update);
    for (guint i = 0; i < picked->len && (gint64) i < limit; i++) {
      StPost *p = picked->pdata[i];

      json_array_add_object_element (out, p->seqno > n
                                              ? post_json (ss, p, call->author, TRUE, reactors)
                                              : reaction_update_json (ss, p, call->author,
                                                                      reactors));
    }
    return reply_array (r, 200, out);
  }
  /* recent and before: newest first, no tombstones */
  if (strcmp (kind, "before") == 0 && !parse_int (arg, &n)) {
    json_array_unref (out);
    return reply_text (r, 404, "Not found");
  }
  for (guint i = room->posts->len; i > 0 && (gint64) json_array_get_length (out) < limit; i--) {
    StPost *p = room->posts->pdata[i - 1];

    if (p->data == NULL || !visible_to (ss, room, p, call->author))
      continue;
    if (strcmp (kind, "before") == 0 && p->id >= n)
      continue;
    json_array_add_object_element (out, post_json (ss, p, call->author, TRUE, reactors));
  }
  return reply_array (r, 200, out);
}

static guint
route_post_message (StSogsServer *ss, StCall *call, StRoom *room, StReply *r)
{
  g_autoptr(JsonObject) req = body_object (call);
  g_autoptr(GBytes) data = NULL, sig = NULL;
  const gchar *data_b64, *sig_b64, *whisper_to;
  StPost *post;

  if (is_banned (ss, room, call->author))
    return reply_text (r, 403, "Banned");
  if (req == NULL || (data_b64 = sd_json_get_string (req, "data")) == NULL ||
      (sig_b64 = sd_json_get_string (req, "signature")) == NULL)
    return reply_text (r, 400, "Invalid request: data and signature are required");
  if (ss->posts >= POSTS_MAX)
    return reply_text (r, 507, "Insufficient storage");
  data = sd_base64_decode (data_b64, -1, NULL);
  sig = sd_base64_decode (sig_b64, -1, NULL);
  if (data == NULL || sig == NULL || g_bytes_get_size (sig) != 64 ||
      g_bytes_get_size (data) == 0 || g_bytes_get_size (data) > SD_SOGS_POST_MAX_DATA)
    return reply_text (r, 400, "Invalid request: data or signature is not valid base64");
  /* the signature is the poster's, over the raw data bytes */
  if (!sd_sogs_verify_by_id (call->author, g_bytes_get_data (data, NULL),
                             g_bytes_get_size (data), g_bytes_get_data (sig, NULL), NULL))
    return reply_text (r, 400, "Message signature failed validation");
  whisper_to = sd_json_get_string (req, "whisper_to");
  if (whisper_to != NULL && strlen (whisper_to) != 66)
    return reply_text (r, 400, "Invalid request: whisper_to is not a Session ID");
  if ((whisper_to != NULL || sd_json_get_bool (req, "whisper_mods", FALSE)) &&
      !is_moderator (ss, room, call->author))
    return reply_text (r, 403, "Only moderators may whisper");

  post = g_new0 (StPost, 1);
  post->id = ++ss->next_post_id;
  post->seqno = ++room->message_sequence;
  post->session_id = g_ascii_strdown (call->author, -1);
  post->posted = now_f ();
  post->data = g_strdup (data_b64);
  post->signature = g_strdup (sig_b64);
  post->whisper_to = g_strdup (whisper_to);
  post->whisper_mods = sd_json_get_bool (req, "whisper_mods", FALSE);
  post->reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) st_reaction_free);
  g_ptr_array_add (room->posts, post);
  ss->posts++;
  return reply_object (r, 201, post_json (ss, post, call->author, FALSE, 0));
}

static guint
route_reaction (StSogsServer *ss, StCall *call, StRoom *room, StPost *post, const gchar *emoji,
                StReply *r)
{
  gboolean add = strcmp (call->method, "PUT") == 0;
  JsonObject *obj;
  StReaction *found = NULL;
  gboolean changed = FALSE;

  if (!add && strcmp (call->method, "DELETE") != 0)
    return reply_text (r, 405, "Method not allowed");
  if (is_banned (ss, room, call->author))
    return reply_text (r, 403, "Banned");
  /* the reference: 1 to 12 code points, on a regular post */
  if (*emoji == '\0' || strlen (emoji) > EMOJI_MAX_BYTES || !g_utf8_validate (emoji, -1, NULL) ||
      g_utf8_strlen (emoji, -1) > 12)
    return reply_text (r, 400, "Invalid reaction");
  if (post->data == NULL || post->whisper_to != NULL || post->whisper_mods)
    return reply_text (r, 404, "Not found");
  for (guint i = 0; i < post->reactions->len; i++) {
    StReaction *x = post->reactions->pdata[i];

    if (strcmp (x->emoji, emoji) == 0)
      found = x;
  }
  if (add) {
    if (found == NULL) {
      found = g_new0 (StReaction, 1);
      found->emoji = g_strdup (emoji);
      found->reactors = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (post->reactions, found);
    }
    if (!g_ptr_array_find_with_equal_func (found->reactors, call->author, g_str_equal, NULL)) {
      g_ptr_array_add (found->reactors, g_ascii_strdown (call->author, -1));
      changed = TRUE;
    }
  } else if (found != NULL) {
    guint index;

    if (g_ptr_array_find_with_equal_func (found->reactors, call->author, g_str_equal, &index)) {
      g_ptr_array_remove_index (found->reactors, index);
      changed = TRUE;
    }
    if (found->reactors->len == 0)
      g_ptr_array_remove (post->reactions, found);
  }
  if (changed)
    post->reaction_seqno = ++room->message_sequence;
  obj = json_object_new ();
  json_object_set_boolean_member (obj, add ? "added" : "removed", changed);
  json_object_set_int_member (obj, "seqno", last_update (post));
  return reply_object (r, 200, obj);
}

/* a deleted post keeps its id and gets a new seqno, so pollers see it go */
static void
tombstone (StRoom *room, StPost *post)
{
  if (post->data == NULL)
    return;
  for (guint i = 0; i < room->pinned->len; i++) {
    if (g_array_index (room->pinned, StPin, i).id == post->id) {
      g_array_remove_index (room->pinned, i);
      room->info_updates++;
      break;
    }
  }
  g_clear_pointer (&post->data, g_free);
  g_clear_pointer (&post->signature, g_free);
  g_ptr_array_set_size (post->reactions, 0);
  post->seqno = ++room->message_sequence;
}

/* every post of @user (matched through the blinding) in @room; returns how many */
static guint
tombstone_all (StSogsServer *ss, StRoom *room, const gchar *user)
{
  guint n = 0;

  for (guint i = 0; i < room->posts->len; i++) {
    StPost *post = room->posts->pdata[i];

    if (post->data != NULL && same_user (ss, post->session_id, user)) {
      tombstone (room, post);
      n++;
    }
  }
  return n;
}

/* /room/{token}[/…] */
static guint
route_room (StSogsServer *ss, StCall *call, gchar **parts, guint n, StReply *r)
{
  StRoom *room = g_hash_table_lookup (ss->rooms, parts[2]);
  gboolean get = strcmp (call->method, "GET") == 0;
  gint64 id;
  StPost *post;

  if (room == NULL)
    return reply_text (r, 404, "No such room");
  if (n == 3 && get)
    return reply_object (r, 200, room_details (ss, room, call->author));
  if (n == 5 && get && strcmp (parts[3], "pollInfo") == 0) {
    JsonObject *obj = json_object_new ();
    gint64 since;

    json_object_set_string_member (obj, "token", room->token);
    json_object_set_int_member (obj, "active_users", active_users (ss));
    add_permissions (ss, room, call->author, obj);
    if (!parse_int (parts[4], &since) || since != room->info_updates)
      json_object_set_object_member (obj, "details", room_details (ss, room, call->author));
    return reply_object (r, 200, obj);
  }
  if (n >= 5 && get && strcmp (parts[3], "messages") == 0 &&
      (strcmp (parts[4], "since") == 0 || strcmp (parts[4], "before") == 0) && n == 6)
    return route_messages_list (ss, call, room, parts[4], parts[5], r);
  if (n == 5 && get && strcmp (parts[3], "messages") == 0 && strcmp (parts[4], "recent") == 0)
    return route_messages_list (ss, call, room, "recent", NULL, r);

  if (n == 4 && strcmp (parts[3], "message") == 0) {
    if (strcmp (call->method, "POST") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    return route_post_message (ss, call, room, r);
  }
  if (n == 5 && strcmp (parts[3], "message") == 0) {
    if (!parse_int (parts[4], &id) || (post = find_post (room, id)) == NULL ||
        !visible_to (ss, room, post, call->author))
      return reply_text (r, 404, "Not found");
    if (get)
      return reply_object (r, 200, post_json (ss, post, call->author, TRUE, REACTORS_DEFAULT));
    if (strcmp (call->method, "DELETE") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (g_ascii_strcasecmp (post->session_id, call->author) != 0 &&
        !is_moderator (ss, room, call->author))
      return reply_text (r, 403, "You may only delete your own messages");
    tombstone (room, post);
    return reply_object (r, 200, json_object_new ());
  }
  if ((n == 5 || n == 6) && strcmp (parts[3], "file") == 0 && get) {
    GBytes *file;

    ss->file_gets++;
    if (ss->file_fail_status != 0)
      return reply_text (r, ss->file_fail_status, "Injected failure");
    if (!parse_int (parts[4], &id) || (file = g_hash_table_lookup (room->files, &id)) == NULL)
      return reply_text (r, 404, "Not found");
    r->status = 200;
    r->ctype = "application/octet-stream";
    r->body = g_bytes_ref (file);
    return 200;
  }
  if (n == 4 && strcmp (parts[3], "file") == 0) {
    JsonObject *obj;
    gint64 *key;

    if (strcmp (call->method, "POST") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (is_banned (ss, room, call->author))
      return reply_text (r, 403, "Banned");
    if (call->body == NULL || g_bytes_get_size (call->body) == 0)
      return reply_text (r, 400, "No file");
    if (g_bytes_get_size (call->body) > FILE_MAX)
      return reply_text (r, 413, "File too large");
    if (ss->file_bytes + g_bytes_get_size (call->body) > FILES_TOTAL_MAX)
      return reply_text (r, 507, "Insufficient storage");
    key = g_new (gint64, 1);
    *key = ++ss->next_file_id;
    /* stored as sent: community files are not encrypted */
    g_hash_table_insert (room->files, key, g_bytes_ref (call->body));
    ss->file_bytes += g_bytes_get_size (call->body);
    obj = json_object_new ();
    json_object_set_int_member (obj, "id", *key);
    return reply_object (r, 201, obj);
  }
  if ((n == 5 && (strcmp (parts[3], "pin") == 0 || strcmp (parts[3], "unpin") == 0))) {
    if (strcmp (call->method, "POST") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (!is_admin (ss, room, call->author))
      return reply_text (r, 403, "This endpoint requires admin room permissions");
    JsonObject *obj = json_object_new ();
    guint removed = 0;

    if (strcmp (parts[3], "unpin") == 0 && strcmp (parts[4], "all") == 0) {
      removed = room->pinned->len;
      g_array_set_size (room->pinned, 0);
      json_object_set_int_member (obj, "unpinned", removed);
    } else {
      gboolean pin = strcmp (parts[3], "pin") == 0;

      /* the reference: deleted posts and whispers cannot be pinned */
      if (!parse_int (parts[4], &id) || (post = find_post (room, id)) == NULL ||
          (pin && (post->data == NULL || post->whisper_to != NULL || post->whisper_mods))) {
        json_object_unref (obj);
        return reply_text (r, 404, "Not found");
      }
      for (guint i = 0; i < room->pinned->len; i++) {
        if (g_array_index (room->pinned, StPin, i).id == id) {
          g_array_remove_index (room->pinned, i);
          removed++;
          break;
        }
      }
      /* pinning again moves the pin to the end, with a new time */
      if (pin) {
        StPin entry = { id, now_f (), "" };

        g_strlcpy (entry.pinned_by, call->author, sizeof entry.pinned_by);
        g_array_append_val (room->pinned, entry);
      } else {
        json_object_set_boolean_member (obj, "unpinned", removed > 0);
      }
      if (pin)
        removed = 1;
    }
    /* info_updates moves only when the pins changed */
    if (removed > 0)
      room->info_updates++;
    json_object_set_int_member (obj, "info_updates", room->info_updates);
    return reply_object (r, 200, obj);
  }
  if ((n == 5 || n == 6) && strcmp (parts[3], "reactions") == 0) {
    JsonObject *obj;
    guint removed = 0;

    if (strcmp (call->method, "DELETE") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (!is_moderator (ss, room, call->author))
      return reply_text (r, 403, "This endpoint requires moderator room permissions");
    if (!parse_int (parts[4], &id) || (post = find_post (room, id)) == NULL ||
        post->data == NULL)
      return reply_text (r, 404, "Not found");
    for (guint i = post->reactions->len; i > 0; i--) {
      StReaction *x = post->reactions->pdata[i - 1];

      if (n == 6 && strcmp (x->emoji, parts[5]) != 0)
        continue;
      removed += x->reactors->len;
      g_ptr_array_remove_index (post->reactions, i - 1);
    }
    if (removed > 0)
      post->reaction_seqno = ++room->message_sequence;
    obj = json_object_new ();
    json_object_set_int_member (obj, "removed", removed);
    json_object_set_int_member (obj, "seqno", last_update (post));
    return reply_object (r, 200, obj);
  }
  if (n == 5 && strcmp (parts[3], "all") == 0) {
    gchar who[67];
    guint8 raw[33];

    if (strcmp (call->method, "DELETE") != 0)
      return reply_text (r, 405, "Method not allowed");
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (!is_moderator (ss, room, call->author))
      return reply_text (r, 403, "This endpoint requires moderator room permissions");
    if (strlen (parts[4]) != 66 || !sd_hex_decode_exact (parts[4], raw, sizeof raw, NULL))
      return reply_text (r, 404, "Not found");
    for (gsize i = 0; i < 67; i++)
      who[i] = g_ascii_tolower (parts[4][i]);
    tombstone_all (ss, room, who);
    return reply_object (r, 200, json_object_new ());
  }
  if (n == 6 && strcmp (parts[3], "reaction") == 0) {
    if (call->author == NULL)
      return reply_text (r, 401, "X-SOGS-* request authentication required");
    if (!parse_int (parts[4], &id) || (post = find_post (room, id)) == NULL)
      return reply_text (r, 404, "Not found");
    return route_reaction (ss, call, room, post, parts[5], r);
  }
  return reply_text (r, 404, "Not found");
}

static guint
route_box (StSogsServer *ss, StCall *call, gboolean outbox, const gchar *since_text, StReply *r)
{
  JsonArray *out;
  gint64 limit = query_int (call, "limit", PAGE_DEFAULT, 1, PAGE_MAX);
  gint64 since = 0;
  gdouble now = now_f ();

  if (call->author == NULL)
    return reply_text (r, 401, "X-SOGS-* request authentication required");
  if (!g_str_has_prefix (call->author, "15") && !g_str_has_prefix (call->author, "25"))
    return reply_text (r, 401, "Blinded user authentication required");
  if (since_text != NULL && !parse_int (since_text, &since))
    return reply_text (r, 404, "Not found");
  out = json_array_new ();
  for (guint i = 0; i < ss->dms->len && (gint64) json_array_get_length (out) < limit; i++) {
    StDm *dm = ss->dms->pdata[i];

    if (dm->id <= since || dm->expires_at <= now ||
        g_ascii_strcasecmp (outbox ? dm->sender : dm->recipient, call->author) != 0)
      continue;
    json_array_add_object_element (out, dm_json (dm, TRUE));
  }
  /* the reference answers an empty poll with 304 */
  if (json_array_get_length (out) == 0 && since_text != NULL) {
    json_array_unref (out);
    r->status = 304;
    r->ctype = "text/plain";
    r->body = g_bytes_new (NULL, 0);
    return 304;
  }
  return reply_array (r, 200, out);
}

static guint
route_inbox_post (StSogsServer *ss, StCall *call, const gchar *recipient, StReply *r)
{
  g_autoptr(JsonObject) req = body_object (call);
  g_autoptr(GBytes) message = NULL;
  guint8 pk[32];
  const gchar *b64;
  StDm *dm;

  if (call->author == NULL)
    return reply_text (r, 401, "X-SOGS-* request authentication required");
  /* only ids the server has seen, as the reference (it autovivifies none) */
  if (!sd_blinded_id_parse (recipient, NULL, pk, NULL) ||
      !g_hash_table_contains (ss->users, recipient))
    return reply_text (r, 404, "Not found");
  if (req == NULL || (b64 = sd_json_get_string (req, "message")) == NULL ||
      (message = sd_base64_decode (b64, -1, NULL)) == NULL || g_bytes_get_size (message) == 0)
    return reply_text (r, 400, "Bad request");
  if (ss->dms->len >= DMS_MAX)
    return reply_text (r, 507, "Insufficient storage");
  dm = g_new0 (StDm, 1);
  dm->id = ++ss->next_dm_id;
  dm->sender = g_ascii_strdown (call->author, -1);
  dm->recipient = g_ascii_strdown (recipient, -1);
  dm->posted_at = now_f ();
  dm->expires_at = dm->posted_at + DM_TTL_SECONDS;
  dm->message = g_strdup (b64);
  g_ptr_array_add (ss->dms, dm);
  return reply_object (r, 201, dm_json (dm, FALSE));
}

/* the rooms a /user/… request names ({"rooms": [tokens] or ["*"]}), all of
 * which the caller must moderate (or administer, for @admin); global
 * requests are refused, the testnet has no global moderators */
static GPtrArray *
user_request_rooms (StSogsServer *ss, StCall *call, JsonObject *req, gboolean admin,
                    StReply *r)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new ();
  JsonArray *tokens = req != NULL ? sd_json_get_array (req, "rooms") : NULL;
  guint n = tokens != NULL ? json_array_get_length (tokens) : 0;

  if (req == NULL || sd_json_get_bool (req, "global", FALSE)) {
    reply_text (r, req == NULL ? 400 : 403, req == NULL ? "Bad request" : "Forbidden");
    return NULL;
  }
  if (n == 0 || n > 64) {
    reply_text (r, 400, "Bad request");
    return NULL;
  }
  if (n == 1 && g_strcmp0 (json_array_get_string_element (tokens, 0), "*") == 0) {
    for (guint i = 0; i < ss->room_order->len; i++) {
      StRoom *room = ss->room_order->pdata[i];

      if (admin ? is_admin (ss, room, call->author) : is_moderator (ss, room, call->author))
        g_ptr_array_add (rooms, room);
    }
    if (rooms->len == 0) {
      reply_text (r, 403, "Forbidden");
      return NULL;
    }
    return g_steal_pointer (&rooms);
  }
  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (tokens, i);
    StRoom *room = JSON_NODE_HOLDS_VALUE (node) &&
                           json_node_get_value_type (node) == G_TYPE_STRING
                       ? g_hash_table_lookup (ss->rooms, json_node_get_string (node))
                       : NULL;

    if (room == NULL) {
      reply_text (r, 404, "Not found");
      return NULL;
    }
    if (admin ? !is_admin (ss, room, call->author) : !is_moderator (ss, room, call->author)) {
      reply_text (r, 403, "Forbidden");
      return NULL;
    }
    g_ptr_array_add (rooms, room);
  }
  return g_steal_pointer (&rooms);
}

/* POST /user/{id}/ban, /unban, /moderator */
static guint
route_user (StSogsServer *ss, StCall *call, const gchar *id, const gchar *what, StReply *r)
{
  g_autoptr(JsonObject) req = body_object (call);
  g_autoptr(GPtrArray) rooms = NULL;
  g_autofree gchar *who = g_ascii_strdown (id, -1);
  guint8 raw[33];

  if (call->author == NULL)
    return reply_text (r, 401, "X-SOGS-* request authentication required");
  if (strlen (id) != 66 || !sd_hex_decode_exact (id, raw, sizeof raw, NULL))
    return reply_text (r, 404, "Not found");

  if (strcmp (what, "ban") == 0 || strcmp (what, "unban") == 0) {
    JsonNode *timeout = req != NULL ? json_object_get_member (req, "timeout") : NULL;
    gint64 end = 0;

    if ((rooms = user_request_rooms (ss, call, req, FALSE, r)) == NULL)
      return r->status;
    if (timeout != NULL && !JSON_NODE_HOLDS_NULL (timeout)) {
      if (!JSON_NODE_HOLDS_VALUE (timeout) ||
          (json_node_get_value_type (timeout) != G_TYPE_INT64 &&
           json_node_get_value_type (timeout) != G_TYPE_DOUBLE))
        return reply_text (r, 400, "Bad request");
      end = now_s () + MAX ((gint64) json_node_get_double (timeout), 1);
    }
    for (guint i = 0; i < rooms->len; i++) {
      if (strcmp (what, "ban") == 0)
        ban (rooms->pdata[i], who, end);
      else
        unban (ss, rooms->pdata[i], who);
    }
    return reply_object (r, 200, json_object_new ());
  }

  /* moderator: {admin, moderator} as the reference combines them */
  {
    JsonNode *m = req != NULL ? json_object_get_member (req, "moderator") : NULL;
    JsonNode *a = req != NULL ? json_object_get_member (req, "admin") : NULL;
    gint mod = m == NULL || JSON_NODE_HOLDS_NULL (m) ? -1 : sd_json_get_bool (req, "moderator",
                                                                                FALSE);
    gint adm = a == NULL || JSON_NODE_HOLDS_NULL (a) ? -1 : sd_json_get_bool (req, "admin",
                                                                              FALSE);

    if ((mod == -1 && adm == -1) || (adm == 1 && mod == 0))
      return reply_text (r, 400, "Bad request");
    if ((rooms = user_request_rooms (ss, call, req, TRUE, r)) == NULL)
      return r->status;
    for (guint i = 0; i < rooms->len; i++) {
      StRoom *room = rooms->pdata[i];

      if (adm == 0 || mod == 0)
        forget_person (ss, room->admins, who);
      if (mod == 0)
        forget_person (ss, room->moderators, who);
      if (adm == 1 && !g_ptr_array_find_with_equal_func (room->admins, who, g_str_equal, NULL))
        g_ptr_array_add (room->admins, g_strdup (who));
      if (mod == 1 && adm != 1 &&
          !g_ptr_array_find_with_equal_func (room->moderators, who, g_str_equal, NULL))
        g_ptr_array_add (room->moderators, g_strdup (who));
      room->info_updates++;
    }
    return reply_object (r, 200, json_object_new ());
  }
}

static guint route (StSogsServer *ss, StCall *call, StReply *r);

/* one subrequest of /batch or /sequence → {code, headers, body} */
static JsonObject *
run_subrequest (StSogsServer *ss, StCall *outer, JsonObject *sub)
{
  JsonObject *result = json_object_new ();
  JsonObject *headers = json_object_new ();
  const gchar *method = sd_json_get_string (sub, "method");
  const gchar *path = sd_json_get_string (sub, "path");
  g_autoptr(GBytes) body = NULL;
  g_autofree gchar *decoded = NULL;
  g_autoptr(GHashTable) query = NULL;
  StReply r = { 0, NULL, NULL };
  const gchar *q;
  JsonNode *json = json_object_get_member (sub, "json");

  if (json != NULL) {
    gchar *text = json_to_string (json, FALSE);

    body = g_bytes_new_take (text, strlen (text));
  } else if (sd_json_get_string (sub, "b64") != NULL) {
    body = sd_base64_decode (sd_json_get_string (sub, "b64"), -1, NULL);
  } else if (sd_json_get_string (sub, "bytes") != NULL) {
    body = g_bytes_new (sd_json_get_string (sub, "bytes"),
                        strlen (sd_json_get_string (sub, "bytes")));
  }

  if (method == NULL || path == NULL || path[0] != '/' ||
      strlen (path) > SD_ONION_V4_MAX_ENDPOINT) {
    reply_text (&r, 400, "Invalid subrequest");
  } else {
    StCall call = { outer->author, method, NULL, NULL, body, TRUE };
    g_autofree gchar *raw_path = NULL;

    q = strchr (path, '?');
    raw_path = q != NULL ? g_strndup (path, q - path) : g_strdup (path);
    if (q != NULL)
      query = g_uri_parse_params (q + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
    decoded = g_uri_unescape_string (raw_path, NULL);
    if (decoded == NULL) {
      reply_text (&r, 400, "Invalid path");
    } else {
      call.path = decoded;
      call.query = query;
      route (ss, &call, &r);
    }
  }
  json_object_set_int_member (result, "code", r.status);
  json_object_set_string_member (headers, "content-type", r.ctype);
  json_object_set_object_member (result, "headers", headers);
  if (strcmp (r.ctype, "application/json") == 0) {
    JsonNode *node = sd_json_parse (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body),
                                    NULL);

    json_object_set_member (result, "body", node != NULL ? node : json_node_new (JSON_NODE_NULL));
  } else {
    g_autofree gchar *text = g_strndup (g_bytes_get_data (r.body, NULL),
                                        g_bytes_get_size (r.body));

    json_object_set_string_member (result, "body", text);
  }
  g_bytes_unref (r.body);
  return result;
}

static guint
route_batch (StSogsServer *ss, StCall *call, gboolean sequence, StReply *r)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *subs, *out;

  if (call->in_batch)
    return reply_text (r, 400, "Batches do not nest");
  if (call->body != NULL)
    root = sd_json_parse (g_bytes_get_data (call->body, NULL), g_bytes_get_size (call->body),
                          NULL);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root) ||
      json_array_get_length (json_node_get_array (root)) == 0 ||
      json_array_get_length (json_node_get_array (root)) > BATCH_MAX)
    return reply_text (r, 400, "Invalid batch request: expected a list of 1 to 64 requests");
  subs = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (subs); i++) {
    if (sd_json_array_get_object (subs, i) == NULL)
      return reply_text (r, 400, "Invalid batch request: every element must be an object");
  }
  out = json_array_new ();
  for (guint i = 0; i < json_array_get_length (subs); i++) {
    JsonObject *result = run_subrequest (ss, call, sd_json_array_get_object (subs, i));
    gint64 code = json_object_get_int_member (result, "code");

    json_array_add_object_element (out, result);
    if (sequence && code >= 400)
      break;
  }
  return reply_array (r, 200, out);
}

static guint
route (StSogsServer *ss, StCall *call, StReply *r)
{
  g_auto(GStrv) parts = g_strsplit (call->path, "/", 8);
  guint n = g_strv_length (parts);
  gboolean get = strcmp (call->method, "GET") == 0;
  gboolean post = strcmp (call->method, "POST") == 0;

  if (n < 2 || parts[0][0] != '\0')
    return reply_text (r, 404, "Not found");
  if (n == 2 && get && strcmp (parts[1], "capabilities") == 0)
    return route_capabilities (call, r);
  if (n == 2 && post && (strcmp (parts[1], "batch") == 0 || strcmp (parts[1], "sequence") == 0))
    return route_batch (ss, call, strcmp (parts[1], "sequence") == 0, r);
  if (n == 2 && get && strcmp (parts[1], "rooms") == 0) {
    JsonArray *out = json_array_new ();

    for (guint i = 0; i < ss->room_order->len; i++)
      json_array_add_object_element (out, room_details (ss, ss->room_order->pdata[i],
                                                        call->author));
    return reply_array (r, 200, out);
  }
  if (n >= 3 && strcmp (parts[1], "room") == 0)
    return route_room (ss, call, parts, n, r);
  if ((strcmp (parts[1], "inbox") == 0 || strcmp (parts[1], "outbox") == 0) && get &&
      (n == 2 || (n == 4 && strcmp (parts[2], "since") == 0)))
    return route_box (ss, call, strcmp (parts[1], "outbox") == 0, n == 4 ? parts[3] : NULL, r);
  if (n == 3 && post && strcmp (parts[1], "inbox") == 0)
    return route_inbox_post (ss, call, parts[2], r);
  if (n == 4 && post && strcmp (parts[1], "user") == 0 &&
      (strcmp (parts[3], "ban") == 0 || strcmp (parts[3], "unban") == 0 ||
       strcmp (parts[3], "moderator") == 0))
    return route_user (ss, call, parts[2], parts[3], r);
  return reply_text (r, 404, "Not found");
}

/* ---- authentication of the outer request ---- */

static const gchar *
header (JsonObject *headers, const gchar *name)
{
  g_autoptr(GList) members = headers != NULL ? json_object_get_members (headers) : NULL;

  for (GList *l = members; l != NULL; l = l->next) {
    JsonNode *node = json_object_get_member (headers, l->data);

    if (g_ascii_strcasecmp (l->data, name) == 0 && JSON_NODE_HOLDS_VALUE (node) &&
        json_node_get_value_type (node) == G_TYPE_STRING)
      return json_node_get_string (node);
  }
  return NULL;
}

/* 0 when the request may go on (@author set, or NULL for no headers at
 * all), else the status the reference answers, with its text in @r */
static guint
authenticate (StSogsServer *ss, const gchar *method, const gchar *endpoint, GBytes *body,
              JsonObject *headers, gchar **author, StReply *r)
{
  const gchar *names[] = { "X-SOGS-Pubkey", "X-SOGS-Nonce", "X-SOGS-Timestamp",
                           "X-SOGS-Signature" };
  const gchar *values[4];
  guint missing = 0;
  SdSogsAuthor who;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *nonce_key = NULL, *nonce_hex = NULL;
  gint64 *seen;

  for (guint i = 0; i < 4; i++) {
    values[i] = header (headers, names[i]);
    if (values[i] == NULL || *values[i] == '\0')
      missing++;
  }
  *author = NULL;
  if (missing == 4)
    return 0;
  if (missing > 0) {
    g_autofree gchar *text = g_strdup_printf (
        "Invalid authentication headers: missing %u/4 required X-SOGS-* headers", missing);

    return reply_text (r, 400, text);
  }
  if (!sd_sogs_verify_request (ss->identity.x25519_pk, values[0], values[1], values[2],
                               values[3], method, endpoint,
                               body != NULL ? g_bytes_get_data (body, NULL) : NULL,
                               body != NULL ? g_bytes_get_size (body) : 0, &who, &error)) {
    if (g_error_matches (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE))
      return reply_text (r, 401, "Invalid authentication: X-SOGS-Signature verification failed");
    return reply_text (r, 400, "Invalid authentication: malformed X-SOGS-* headers");
  }
  if (ABS (who.timestamp - now_s ()) > SD_SOGS_MAX_CLOCK_SKEW)
    return reply_text (r, 425,
                       "Invalid authentication: X-SOGS-Timestamp is too far from current time");
  /* only after a good signature, so nobody can burn another's nonces */
  nonce_hex = sd_hex_encode (who.nonce, sizeof who.nonce);
  nonce_key = g_strconcat (who.pubkey, ":", nonce_hex, NULL);
  if (g_hash_table_contains (ss->nonces, nonce_key))
    return reply_text (r, 401, "Invalid authentication: X-SOGS-Nonce cannot be reused");
  if (g_hash_table_size (ss->nonces) >= NONCES_MAX)
    g_hash_table_remove_all (ss->nonces);
  g_hash_table_add (ss->nonces, g_steal_pointer (&nonce_key));

  seen = g_new (gint64, 1);
  *seen = now_s ();
  g_hash_table_replace (ss->users, g_strdup (who.pubkey), seen);
  *author = g_strdup (who.pubkey);
  return 0;
}

/* ---- the onion v4 endpoint (st-onion-v4.c) ---- */

static void
serve (StSogsServer *ss, const gchar *method, const gchar *endpoint, JsonObject *headers,
       GBytes *body, StReply *r)
{
  g_autofree gchar *author = NULL, *raw_path = NULL, *decoded = NULL;
  g_autoptr(GHashTable) query = NULL;
  const gchar *q;
  StCall call = { NULL, method, NULL, NULL, body, FALSE };

  if (authenticate (ss, method, endpoint, body, headers, &author, r) != 0)
    return;
  q = strchr (endpoint, '?');
  raw_path = q != NULL ? g_strndup (endpoint, q - endpoint) : g_strdup (endpoint);
  if (q != NULL)
    query = g_uri_parse_params (q + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
  decoded = g_uri_unescape_string (raw_path, NULL);
  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL)) {
    reply_text (r, 400, "Invalid path");
    return;
  }
  call.author = author;
  call.path = decoded;
  call.query = query;
  route (ss, &call, r);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  StSogsServer *ss = user_data;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) req_body = NULL;
  g_autoptr(JsonObject) headers = NULL;
  g_autofree gchar *method = NULL, *endpoint = NULL;
  StOnionV4Reply sealer;
  StReply r = { 0, NULL, NULL };
  StGarbage garbage;

  ss->requests++;
  if (ss->down) {
    st_respond_plain (msg, 502, "Bad Gateway");
    return;
  }
  payload = st_onion_v4_open (msg, path, &ss->identity, &sealer);
  if (payload == NULL)
    return;

  garbage = ss->garbage;
  if (garbage != ST_GARBAGE_NONE && ss->garbage_remaining > 0 && --ss->garbage_remaining == 0)
    ss->garbage = ST_GARBAGE_NONE;
  if (!sd_onion_v4_payload_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                                  &method, &endpoint, &headers, &req_body, NULL)) {
    reply_text (&r, 400, "Invalid v4 request");
  } else if (ss->fail_status != 0) {
    reply_text (&r, ss->fail_status, "Injected failure");
    if (ss->fail_remaining > 0 && --ss->fail_remaining == 0)
      ss->fail_status = 0;
  } else if (garbage == ST_GARBAGE_JSON) {
    static const gchar broken[] = "[{\"code\":200,\"body\":[{\"id\":";

    r.status = 200;
    r.ctype = "application/json";
    r.body = g_bytes_new_static (broken, sizeof broken - 1);
  } else if (garbage == ST_GARBAGE_OVERSIZE) {
    guint8 *big = g_malloc (ss->garbage_bytes);

    memset (big, '7', ss->garbage_bytes);
    r.status = 200;
    r.ctype = "application/json";
    r.body = g_bytes_new_take (big, ss->garbage_bytes);
  } else {
    ss->corrupt_now = garbage == ST_GARBAGE_SIGNATURE;
    serve (ss, method, endpoint, headers, req_body, &r);
    ss->corrupt_now = FALSE;
  }

  st_onion_v4_respond (msg, &sealer, r.status, r.ctype, r.body, garbage == ST_GARBAGE_CIPHER,
                       ss->latency_ms);
  g_bytes_unref (r.body);
}

StSogsServer *
st_sogs_server_start (StNetwork *network, GError **error)
{
  g_autoptr(StSogsServer) ss = g_new0 (StSogsServer, 1);

  ss->network = network;
  ss->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify) st_room_free);
  ss->room_order = g_ptr_array_new ();
  ss->dms = g_ptr_array_new_with_free_func ((GDestroyNotify) st_dm_free);
  ss->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ss->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  room_new (ss, ST_SOGS_DEFAULT_ROOM, "Lobby", "Everyone is welcome");
  ss->server = st_onion_v4_server_new (network, &ss->identity, handler, ss, &ss->url, error);
  if (ss->server == NULL)
    return NULL;
  return g_steal_pointer (&ss);
}

void
st_sogs_server_free (StSogsServer *ss)
{
  if (ss == NULL)
    return;
  if (ss->server != NULL)
    soup_server_disconnect (ss->server);
  g_clear_object (&ss->server);
  g_clear_pointer (&ss->room_order, g_ptr_array_unref);
  g_clear_pointer (&ss->rooms, g_hash_table_unref);
  g_clear_pointer (&ss->dms, g_ptr_array_unref);
  g_clear_pointer (&ss->nonces, g_hash_table_unref);
  g_clear_pointer (&ss->users, g_hash_table_unref);
  sd_identity_clear (&ss->identity);
  g_free (ss->url);
  g_free (ss);
}

JsonObject *
st_sogs_server_description (StSogsServer *ss)
{
  JsonObject *obj = json_object_new ();
  JsonArray *rooms = json_array_new ();
  g_autofree gchar *x = sd_hex_encode (ss->identity.x25519_pk, 32);
  g_autofree gchar *ed = sd_hex_encode (ss->identity.ed25519_pk, 32);
  g_autofree gchar *join = g_strdup_printf ("%s/%s?public_key=%s", ss->url,
                                            ST_SOGS_DEFAULT_ROOM, x);

  for (guint i = 0; i < ss->room_order->len; i++)
    json_array_add_string_element (rooms, ((StRoom *) ss->room_order->pdata[i])->token);
  json_object_set_string_member (obj, "url", ss->url);
  json_object_set_string_member (obj, "pubkey_x25519", x);
  json_object_set_string_member (obj, "pubkey_ed25519", ed);
  json_object_set_array_member (obj, "rooms", rooms);
  json_object_set_string_member (obj, "join_url", join);
  return obj;
}

/* ---- control ---- */

static const gchar *
require_string (JsonObject *request, const gchar *name, GError **error)
{
  const gchar *value = sd_json_get_string (request, name);

  if (value == NULL || *value == '\0')
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" must be a string", name);
  return value != NULL && *value != '\0' ? value : NULL;
}

static StRoom *
require_room (StSogsServer *ss, JsonObject *request, GError **error)
{
  const gchar *token = require_string (request, "room", error);
  StRoom *room = token != NULL ? g_hash_table_lookup (ss->rooms, token) : NULL;

  if (token != NULL && room == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no room \"%s\"", token);
  return room;
}

/* a 05 Session ID, or a 15/25 blinded id, or a 00 unblinded key */
static const gchar *
require_user_id (JsonObject *request, GError **error)
{
  const gchar *id = require_string (request, "id", error);
  guint8 raw[33];

  if (id == NULL)
    return NULL;
  if (strlen (id) != 66 || !sd_hex_decode_exact (id, raw, sizeof raw, NULL) ||
      (raw[0] != 0x05 && raw[0] != 0x15 && raw[0] != 0x25 && raw[0] != 0x00)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "\"id\" must be a Session ID or a blinded id (66 hex digits)");
    return NULL;
  }
  return id;
}

gboolean
st_sogs_server_control (StSogsServer *ss,
                        const gchar *action,
                        JsonObject *request,
                        JsonObject *reply,
                        GError **error)
{
  g_autoptr(JsonObject) status = json_object_new ();

  if (strcmp (action, "sogs_room") == 0) {
    const gchar *token = require_string (request, "room", error);
    StRoom *room;

    if (token == NULL)
      return FALSE;
    if (!sd_sogs_room_token_valid (token)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "a room token is 1 to 64 letters, digits, _ or -");
      return FALSE;
    }
    room = g_hash_table_lookup (ss->rooms, token);
    if (room == NULL) {
      room_new (ss, token, sd_json_get_string (request, "name"),
                sd_json_get_string (request, "description"));
      if (!st_network_write_json (ss->network, error))
        return FALSE;
    } else {
      /* an existing room takes the new name and description as an admin's PUT would */
      if (sd_json_get_string (request, "name") != NULL) {
        g_free (room->name);
        room->name = g_strdup (sd_json_get_string (request, "name"));
      }
      if (sd_json_get_string (request, "description") != NULL) {
        g_free (room->description);
        room->description = g_strdup (sd_json_get_string (request, "description"));
      }
      room->info_updates++;
    }
  } else if (strcmp (action, "sogs_post") == 0) {
    /* a post by a stranger the server makes up (a fresh key each time), properly signed, with
     * attachment pointers to any URLs given: for clients' checks of what a post names */
    StRoom *room = require_room (ss, request, error);
    JsonArray *urls = room != NULL ? sd_json_get_array (request, "attachment_urls") : NULL;
    g_autoptr(GPtrArray) pointers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GBytes) content = NULL;
    g_autofree gchar *data = NULL, *signature = NULL;
    SdTextContent text = { 0 };
    SdBlindedKeyPair pair;
    SdIdentity poster;
    guint8 seed[SD_SEED_LEN];
    gchar id[SD_BLINDED_ID_LEN + 1];
    StPost *post;

    if (room == NULL)
      return FALSE;
    for (guint i = 0; urls != NULL && i < json_array_get_length (urls) && i < 8; i++) {
      SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
      const gchar *url = json_node_get_string (json_array_get_element (urls, i));
      gsize len;
      guint8 *wire;

      if (url == NULL)
        continue;
      pb.url = (gchar *) url;
      pb.contenttype = (gchar *) "application/octet-stream";
      pb.has_size = TRUE;
      pb.size = 1;
      len = session_protos__attachment_pointer__get_packed_size (&pb);
      wire = g_malloc (len);
      session_protos__attachment_pointer__pack (&pb, wire);
      g_ptr_array_add (pointers, g_bytes_new_take (wire, len));
    }
    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&poster, seed);
    sodium_memzero (seed, sizeof seed);
    text.body = sd_json_get_string (request, "text") != NULL ? sd_json_get_string (request, "text")
                                                            : "";
    text.sent_at = (guint64) (now_f () * 1000);
    text.profile_name = "Stranger";
    text.attachments = pointers->len > 0 ? pointers : NULL;
    content = sd_content_pack_text_full (&text);
    if (!sd_blind15_key_pair (poster.ed25519_sk, ss->identity.x25519_pk, &pair) ||
        !sd_sogs_post_encode (poster.ed25519_sk, ss->identity.x25519_pk, TRUE,
                              g_bytes_get_data (content, NULL), g_bytes_get_size (content), &data,
                              &signature, error)) {
      sd_identity_clear (&poster);
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no blinded key");
      return FALSE;
    }
    sd_blinded_id_format (SD_BLINDING_15, pair.pk, id);
    sodium_memzero (&pair, sizeof pair);
    sd_identity_clear (&poster);
    post = g_new0 (StPost, 1);
    post->id = ++ss->next_post_id;
    post->seqno = ++room->message_sequence;
    post->session_id = g_strdup (id);
    post->posted = now_f ();
    /* the stranger was here, as a real poster would have been: DMs may be sent to them */
    {
      gint64 *seen = g_new (gint64, 1);

      *seen = now_s ();
      g_hash_table_replace (ss->users, g_strdup (id), seen);
    }
    post->data = g_steal_pointer (&data);
    post->signature = g_steal_pointer (&signature);
    post->reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) st_reaction_free);
    g_ptr_array_add (room->posts, post);
    ss->posts++;
  } else if (strcmp (action, "sogs_room_image") == 0) {
    /* the room's image, as an admin's upload and PUT of image would set it; "data" absent or
     * empty takes the image away */
    StRoom *room = require_room (ss, request, error);
    const gchar *b64 = room != NULL ? sd_json_get_string (request, "data") : NULL;
    g_autoptr(GBytes) data = NULL;
    gint64 *key;

    if (room == NULL)
      return FALSE;
    if (b64 == NULL || *b64 == '\0') {
      room->image_id = 0;
    } else {
      data = sd_base64_decode (b64, -1, NULL);
      if (data == NULL || g_bytes_get_size (data) == 0 || g_bytes_get_size (data) > FILE_MAX) {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "data is the image in base64, at most 10 MB");
        return FALSE;
      }
      key = g_new (gint64, 1);
      *key = ++ss->next_file_id;
      g_hash_table_insert (room->files, key, g_bytes_ref (data));
      ss->file_bytes += g_bytes_get_size (data);
      room->image_id = *key;
    }
    room->info_updates++;
  } else if (strcmp (action, "sogs_moderator") == 0) {
    StRoom *room = require_room (ss, request, error);
    const gchar *id = room != NULL ? require_user_id (request, error) : NULL;
    GPtrArray *list;

    if (id == NULL)
      return FALSE;
    list = sd_json_get_bool (request, "admin", FALSE) ? room->admins : room->moderators;
    if (!g_ptr_array_find_with_equal_func (list, id, g_str_equal, NULL))
      g_ptr_array_add (list, g_ascii_strdown (id, -1));
    room->info_updates++;
  } else if (strcmp (action, "sogs_ban") == 0 || strcmp (action, "sogs_unban") == 0) {
    StRoom *room = require_room (ss, request, error);
    const gchar *id = room != NULL ? require_user_id (request, error) : NULL;
    g_autofree gchar *lower = NULL;

    if (id == NULL)
      return FALSE;
    lower = g_ascii_strdown (id, -1);
    if (strcmp (action, "sogs_ban") == 0)
      ban (room, id, 0);
    else
      unban (ss, room, lower);
  } else if (strcmp (action, "sogs_delete") == 0) {
    StRoom *room = require_room (ss, request, error);
    gint64 id = 0;
    StPost *post;

    if (room == NULL || !st_control_int (request, "message", 1, G_MAXINT64, &id, error))
      return FALSE;
    post = find_post (room, id);
    if (post == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no message %" G_GINT64_FORMAT, id);
      return FALSE;
    }
    tombstone (room, post);
  } else if (strcmp (action, "sogs_delete_all") == 0) {
    StRoom *room = require_room (ss, request, error);
    const gchar *id = room != NULL ? require_user_id (request, error) : NULL;
    g_autofree gchar *lower = NULL;

    if (id == NULL)
      return FALSE;
    lower = g_ascii_strdown (id, -1);
    json_object_set_int_member (reply, "deleted", tombstone_all (ss, room, lower));
  } else if (strcmp (action, "sogs_fail") == 0) {
    gint64 v;

    if (!st_control_int (request, "status", 400, 599, &v, error))
      return FALSE;
    ss->fail_status = (guint) v;
    ss->fail_remaining = -1;
    if (json_object_has_member (request, "count")) {
      if (!st_control_int (request, "count", 1, G_MAXINT, &v, error))
        return FALSE;
      ss->fail_remaining = (gint) v;
    }
  } else if (strcmp (action, "sogs_file_fail") == 0) {
    gint64 v;

    if (!st_control_int (request, "status", 400, 599, &v, error))
      return FALSE;
    ss->file_fail_status = (guint) v;
  } else if (strcmp (action, "sogs_posts") == 0) {
    StRoom *room = require_room (ss, request, error);
    JsonArray *list;

    if (room == NULL)
      return FALSE;
    list = json_array_new ();
    for (guint i = 0; i < room->posts->len; i++) {
      StPost *p = g_ptr_array_index (room->posts, i);
      JsonObject *o;

      if (p->data == NULL)
        continue;
      o = json_object_new ();
      json_object_set_int_member (o, "id", p->id);
      json_object_set_string_member (o, "session_id", p->session_id);
      json_object_set_string_member (o, "data", p->data);
      json_array_add_object_element (list, o);
    }
    json_object_set_array_member (reply, "posts", list);
  } else if (strcmp (action, "sogs_latency") == 0) {
    gint64 v;

    if (!st_control_int (request, "ms", 0, 600000, &v, error))
      return FALSE;
    ss->latency_ms = (guint) v;
  } else if (strcmp (action, "sogs_down") == 0 || strcmp (action, "sogs_up") == 0) {
    ss->down = strcmp (action, "sogs_down") == 0;
  } else if (strcmp (action, "sogs_garbage") == 0) {
    const gchar *kinds[] = { "json", "oversize", "signature", "cipher", NULL };
    const gchar *kind = sd_json_get_string (request, "kind");
    gint64 v;
    guint i;

    for (i = 0; kinds[i] != NULL && g_strcmp0 (kind, kinds[i]) != 0; i++)
      ;
    if (kinds[i] == NULL) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "\"kind\" must be json, oversize, signature or cipher");
      return FALSE;
    }
    ss->garbage_bytes = GARBAGE_BYTES_DEFAULT;
    if (json_object_has_member (request, "bytes")) {
      if (!st_control_int (request, "bytes", 1, GARBAGE_BYTES_MAX, &v, error))
        return FALSE;
      ss->garbage_bytes = (gsize) v;
    }
    ss->garbage_remaining = -1;
    if (json_object_has_member (request, "count")) {
      if (!st_control_int (request, "count", 1, G_MAXINT, &v, error))
        return FALSE;
      ss->garbage_remaining = (gint) v;
    }
    ss->garbage = (StGarbage) (i + 1);
  } else if (strcmp (action, "sogs_clear") == 0) {
    ss->down = FALSE;
    ss->fail_status = 0;
    ss->file_fail_status = 0;
    ss->latency_ms = 0;
    ss->garbage = ST_GARBAGE_NONE;
  } else if (strcmp (action, "sogs_status") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown action \"%s\"",
                 action);
    return FALSE;
  }

  json_object_set_int_member (status, "rooms", ss->room_order->len);
  json_object_set_int_member (status, "posts", ss->posts);
  json_object_set_int_member (status, "dms", ss->dms->len);
  json_object_set_int_member (status, "users", g_hash_table_size (ss->users));
  json_object_set_int_member (status, "requests", ss->requests);
  json_object_set_boolean_member (status, "down", ss->down);
  json_object_set_int_member (status, "fail_status", ss->fail_status);
  json_object_set_int_member (status, "file_gets", ss->file_gets);
  json_object_set_int_member (status, "file_fail_status", ss->file_fail_status);
  json_object_set_int_member (status, "latency_ms", ss->latency_ms);
  json_object_set_int_member (status, "garbage", ss->garbage);
  json_object_set_object_member (reply, "sogs", g_steal_pointer (&status));
  return TRUE;
}
