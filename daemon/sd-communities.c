/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdCommunities"

#include "config.h"

#include "sd-communities.h"

#include <sodium.h>
#include <string.h>

#include "sd-account-private.h"
#include "sd-backoff.h"
#include "sd-blinded-dm.h"
#include "sd-blinding.h"
#include "sd-community-client.h"
#include "sd-content.h"
#include "sd-display-name.h"
#include "sd-encoding.h"
#include "sd-network-error.h"
#include "sd-protocol-error.h"
#include "sd-sogs-post.h"
#include "sd-sogs-url.h"

/*
 * Communities (docs/communities.md). Rooms live in the store (sd-store-communities.c); this
 * module groups them by server and polls each server with one POST /batch per tick
 * (sd-community-client.c), through onion requests and signed with our blind15 key. A failing
 * server waits the cadence doubled per failure (up to SD_COMMUNITIES_BACKOFF_MAX_MS); a
 * server with a post of ours in flight waits for it, so a poll never stores our post before
 * the post's own reply does. Every post is checked (signature, size, Content) before it is
 * stored; the poll cursor moves past what fails.
 */

/* a post's own timestamp is believed only this close to the server's */
#define CLOCK_SLACK_MS (24LL * 3600 * 1000)
#define NAME_MAX_BYTES 256
/* a server quiet for this many polls in a row is polled at a third of the cadence, until
 * something arrives or we post, react or join */
#define QUIET_POLLS 30
#define QUIET_FACTOR 3

typedef struct {
  guint failures;
  guint quiet;           /* polls in a row that brought nothing */
  gboolean answered;     /* a poll has been answered since we started */
  gint64 next_at;        /* monotonic µs */
  gboolean in_flight;
  guint posting;
  GQueue resends;        /* (element-type GTask) (owned) resent posts waiting for a poll */
} ServerState;

struct _SdCommunities {
  GObject parent_instance;

  SdAccount *account;    /* (unowned) not to be touched once stopped: it may be gone */
  gboolean stopped;
  guint interval_ms;
  guint timer_id;
  guint idle_id;
  GHashTable *servers;   /* (owned) "base_url pk" → ServerState* */
  GCancellable *cancellable; /* (owned) */
  GHashTable *images;    /* (owned) room id → ImageState*: images not fetched yet */
  gboolean swept_sending; /* our posts left sending by the last run failed */
};

G_DEFINE_FINAL_TYPE (SdCommunities, sd_communities, G_TYPE_OBJECT)

static void resends_cancel (SdCommunities *self);

static gchar *
server_key (const SdCommunity *community)
{
  return g_strdup_printf ("%s %s", community->base_url, community->server_pk);
}

static ServerState *
server_state (SdCommunities *self, const gchar *key)
{
  ServerState *state = g_hash_table_lookup (self->servers, key);

  if (state == NULL) {
    state = g_new0 (ServerState, 1);
    g_hash_table_insert (self->servers, g_strdup (key), state);
  }
  return state;
}

gchar *
sd_communities_id_for (const gchar *base_url, const gchar *room)
{
  g_autofree gchar *address = g_strdup_printf ("%s/%s", base_url, room);
  guint8 hash[32];
  gchar hex[65];

  crypto_generichash (hash, sizeof hash, (const guint8 *) address, strlen (address), NULL, 0);
  sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
  return g_strconcat ("0c", hex, NULL);
}

static gboolean
community_server (const SdCommunity *community, SdCommunityServer **out, GError **error)
{
  guint8 pk[32];

  if (!sd_hex_decode_exact (community->server_pk, pk, 32, NULL)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the stored server key is damaged");
    return FALSE;
  }
  *out = sd_community_server_new (community->base_url, pk, error);
  return *out != NULL;
}

/* our id on @pk's server ("15" + blinded key) */
static void
our_blinded_id (SdCommunities *self, const guint8 pk[32], gchar out[SD_BLINDED_ID_LEN + 1])
{
  SdBlindedKeyPair pair;

  out[0] = '\0';
  if (sd_blind15_key_pair (self->account->identity->ed25519_sk, pk, &pair))
    sd_blinded_id_format (SD_BLINDING_15, pair.pk, out);
  sodium_memzero (&pair, sizeof pair);
}

static GArray *
reactions_from_poll (GPtrArray *reactions)
{
  GArray *out = sd_reactions_new (reactions != NULL ? reactions->len : 0);

  for (guint i = 0; reactions != NULL && i < reactions->len; i++) {
    SdSogsReaction *r = g_ptr_array_index (reactions, i);
    SdReaction reaction = { 0 };

    if (r->count <= 0)
      continue;
    reaction.emoji = g_strdup (r->emoji);
    reaction.count = (guint) MIN (r->count, (gint64) G_MAXUINT);
    reaction.mine = r->you;
    g_array_append_val (out, reaction);
  }
  return out;
}

/* ---- attachments: the room's own files, in plaintext (docs/communities.md) ---- */

/* a post's files on their way: prepared (read, stripped), uploaded one by one */
typedef struct {
  SdAttachments *attachments; /* (owned) */
  GArray *prepared;       /* (owned) (element-type SdOutgoingAttachment) */
  GPtrArray *pointers;    /* (owned) (element-type GBytes) wire AttachmentPointers */
  GArray *files;          /* (owned) (element-type SdCommunityFile) borrowing from the two */
  gboolean kept;          /* the prepared files are named by stored rows */
  /* while uploading */
  gchar *id;              /* (owned) the room's conversation */
  gchar *body;            /* (owned) */
  gchar *quote_id;        /* (owned) (nullable) */
} RoomFiles;

static void
room_files_free (RoomFiles *files)
{
  if (files == NULL)
    return;
  sd_attachments_prepared_free (files->attachments, files->prepared, !files->kept);
  g_object_unref (files->attachments);
  g_ptr_array_unref (files->pointers);
  g_array_unref (files->files);
  g_free (files->id);
  g_free (files->body);
  g_free (files->quote_id);
  g_free (files);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RoomFiles, room_files_free)

static SdCommunity *lookup_room (SdCommunities *self, const gchar *id,
                                 SdCommunityServer **server, GError **error);
static void post_start (SdCommunities *self, GTask *task, const gchar *id, const gchar *body,
                        const gchar *quote_id, RoomFiles *files);
static void post_call (SdCommunities *self, GTask *task, const SdCommunity *room,
                       const SdCommunityServer *server);
static gboolean fetch_room_file (GBytes *pointer, gsize max_bytes, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer callback_data,
                                 gpointer user_data);

static gboolean
text_ok (const gchar *text, gsize max)
{
  return text == NULL || (strlen (text) <= max && g_utf8_validate (text, -1, NULL));
}

/* the error for a status a request does not take: the server's fault (5xx) or a refusal */
static GError *status_error (guint status, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static GError *
status_error (guint status, const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return g_error_new_literal (SD_NETWORK_ERROR,
                              status >= 500 ? SD_NETWORK_ERROR_NODE : SD_NETWORK_ERROR_REJECTED,
                              message);
}

/* a post's attachments that are this room's files, checked; others (elsewhere, malformed)
 * are dropped. The rows borrow from @dm */
static GArray *
room_files_of (const SdCommunity *room, const SessionProtos__DataMessage *dm)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SdCommunityFile));

  for (gsize i = 0; i < dm->n_attachments && out->len < SD_ATTACHMENT_MAX_COUNT; i++) {
    const SessionProtos__AttachmentPointer *a = dm->attachments[i];
    SdCommunityFile f = { 0 };
    gsize len;
    guint8 *wire;

    if (sd_sogs_room_file_id (room->base_url, room->room, a->url) <= 0 ||
        !text_ok (a->contenttype, SD_ATTACHMENT_CONTENT_TYPE_MAX) ||
        !text_ok (a->filename, SD_ATTACHMENT_FILE_NAME_MAX) ||
        !text_ok (a->caption, SD_ATTACHMENT_CAPTION_MAX))
      continue;
    f.file_name = a->filename;
    f.content_type = a->contenttype;
    f.caption = a->caption;
    f.size = a->has_size ? (gint64) a->size : -1;
    f.width = a->has_width && a->width <= SD_ATTACHMENT_DIMENSION_MAX ? a->width : 0;
    f.height = a->has_height && a->height <= SD_ATTACHMENT_DIMENSION_MAX ? a->height : 0;
    f.voice = a->has_flags &&
              (a->flags & SESSION_PROTOS__ATTACHMENT_POINTER__FLAGS__VOICE_MESSAGE) != 0;
    len = session_protos__attachment_pointer__get_packed_size (a);
    wire = g_malloc (len);
    session_protos__attachment_pointer__pack (a, wire);
    f.pointer = g_bytes_new_take (wire, len);
    g_array_append_val (out, f);
  }
  return out;
}

static void
room_files_rows_free (GArray *rows)
{
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    g_bytes_unref (g_array_index (rows, SdCommunityFile, i).pointer);
  if (rows != NULL)
    g_array_unref (rows);
}

/* ---- polling ---- */

typedef struct {
  SdCommunities *self;   /* (owned) */
  gchar *key;            /* (owned) */
  GPtrArray *rooms;      /* (owned) SdCommunity*, in the poll's order */
  guint8 pk[32];
  gchar *base_url;       /* (owned) */
  gchar *pk_hex;         /* (owned) */
  gint64 inbox_since;
  gint64 outbox_since;
} PollCall;

static void
poll_call_free (PollCall *call)
{
  g_object_unref (call->self);
  g_free (call->key);
  g_free (call->base_url);
  g_free (call->pk_hex);
  g_ptr_array_unref (call->rooms);
  g_free (call);
}

/* is @poster one of our contacts behind the blinding? Cached per poll */
static const gchar *
recognise (SdCommunities *self, GHashTable *cache, GPtrArray **contacts, const gchar *poster,
           const guint8 pk[32])
{
  gpointer found;

  if (g_hash_table_lookup_extended (cache, poster, NULL, &found))
    return found;
  if (*contacts == NULL) {
    g_autoptr(GPtrArray) all = sd_store_list_conversations (self->account->store, NULL);

    *contacts = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; all != NULL && i < all->len; i++) {
      SdConversation *c = g_ptr_array_index (all, i);

      if (c->kind == SD_CONVERSATION_KIND_DIRECT && sd_store_is_session_id (c->id))
        g_ptr_array_add (*contacts, g_strdup (c->id));
    }
  }
  found = NULL;
  for (guint i = 0; i < (*contacts)->len; i++) {
    if (sd_blinded_id_matches (poster, g_ptr_array_index (*contacts, i), pk)) {
      found = g_ptr_array_index (*contacts, i);
      break;
    }
  }
  g_hash_table_insert (cache, g_strdup (poster), found);
  return found;
}

/* what a row borrows from until the page is stored */
typedef struct {
  SdSogsPost post;
  gchar *name;
  GArray *reactions;
  GArray *files;         /* (element-type SdCommunityFile) the post's room files */
} Decoded;

static void
decoded_free (Decoded *decoded)
{
  room_files_rows_free (decoded->files);
  sd_sogs_post_clear (&decoded->post);
  g_free (decoded->name);
  g_clear_pointer (&decoded->reactions, g_array_unref);
  g_free (decoded);
}

/* checks and decodes one post of a page into @row (which borrows from @keep); FALSE to drop
 * it */
static gboolean
decode_post (SdCommunities *self, const SdCommunity *room, const SdSogsMessage *m,
             const gchar *ours, const guint8 pk[32], GHashTable *cache, GPtrArray **contacts,
             SdCommunityPost *row, GPtrArray *keep)
{
  Decoded *decoded = g_new0 (Decoded, 1);
  SdSogsPost *post_ = &decoded->post;
  g_autoptr(GError) error = NULL;
  SessionProtos__DataMessage *dm;
  gint64 posted_ms = (gint64) (m->posted * 1000);

  g_ptr_array_add (keep, decoded);

  /* whispers: only those addressed to us */
  if (m->whisper && g_strcmp0 (m->whisper_to, ours) != 0 && !g_str_equal (m->session_id, ours))
    return FALSE;
  if (!sd_sogs_post_decode (m->session_id, m->data, m->signature, post_, &error)) {
    g_debug ("post %" G_GINT64_FORMAT " dropped: %s", m->id, error->message);
    return FALSE;
  }
  dm = post_->parsed->datamessage;
  if (dm == NULL || (dm->body != NULL && !g_utf8_validate (dm->body, -1, NULL)))
    return FALSE;
  /* text, room files, or both */
  decoded->files = room_files_of (room, dm);
  if ((dm->body == NULL || *dm->body == '\0') && decoded->files->len == 0)
    return FALSE;
  row->files = (const SdCommunityFile *) (gpointer) decoded->files->data;
  row->n_files = decoded->files->len;
  row->post_id = m->id;
  row->author = m->session_id;
  row->outgoing = g_str_equal (m->session_id, ours);
  row->body = dm->body != NULL ? dm->body : "";
  row->sent_at = posted_ms;
  /* the poster's own time (sigTimestamp, or the DataMessage's), so a quote's id, made from
   * it, finds the post; believed only near the server's */
  if (post_->parsed->has_sigtimestamp && post_->parsed->sigtimestamp > 0 &&
      post_->parsed->sigtimestamp < G_MAXINT64 &&
      ABS ((gint64) post_->parsed->sigtimestamp - posted_ms) <= CLOCK_SLACK_MS)
    row->sent_at = (gint64) post_->parsed->sigtimestamp;
  else if (dm->has_timestamp && dm->timestamp > 0 && dm->timestamp < G_MAXINT64 &&
           ABS ((gint64) dm->timestamp - posted_ms) <= CLOCK_SLACK_MS)
    row->sent_at = (gint64) dm->timestamp;
  row->received_at = sd_account_now_ms (self->account);
  if (dm->profile != NULL && dm->profile->displayname != NULL &&
      g_utf8_validate (dm->profile->displayname, -1, NULL) &&
      strlen (dm->profile->displayname) <= NAME_MAX_BYTES)
    decoded->name = sd_display_name_clean (dm->profile->displayname);
  row->author_name = decoded->name;
  row->author_session_id = row->outgoing
                            ? self->account->identity->session_id
                            : recognise (self, cache, contacts, m->session_id, pk);
  if (dm->quote != NULL && dm->quote->author != NULL && sd_store_is_author_id (dm->quote->author) &&
      dm->quote->id > 0 && dm->quote->id < G_MAXINT64) {
    row->quote_author = dm->quote->author;
    row->quote_sent_at = (gint64) dm->quote->id;
  }
  decoded->reactions = reactions_from_poll (m->reactions);
  row->reactions = decoded->reactions;
  return TRUE;
}

/* ---- the room's image, as the conversation's avatar ---- */

/* what we know of a room's image we do not have yet: fetched once per image id; a fetch
 * that fails on the network is tried again after the usual backoff (sd-backoff.c), with
 * the next poll that finds the pause over; one the server answers with anything but a
 * picture is not tried again until the room names another image */
typedef struct {
  gint64 image_id;
  guint failures;        /* network failures in a row */
  gint64 next_at;        /* monotonic µs: no attempt before */
  gboolean in_flight;
  gboolean refused;
} ImageState;

typedef struct {
  SdCommunities *self;    /* (owned) */
  gchar *id;              /* (owned) */
  gchar *url;             /* (owned) */
  gint64 image_id;
} ImageFetch;

static void
image_fetch_free (ImageFetch *fetch)
{
  g_object_unref (fetch->self);
  g_free (fetch->id);
  g_free (fetch->url);
  g_free (fetch);
}

/* the state of @fetch's image, unless the room moved on to another image meanwhile */
static ImageState *
image_state_of (ImageFetch *fetch)
{
  ImageState *state = g_hash_table_lookup (fetch->self->images, fetch->id);

  return state != NULL && state->image_id == fetch->image_id ? state : NULL;
}

/* a failure that may pass (the network, the server's 5xx, our disk): tried again after the
 * pause. The room's details cursor goes back too, so that after a restart, which forgets
 * @state, the next poll still brings the image id */
static void
image_failed (SdCommunities *self, ImageFetch *fetch, ImageState *state, const GError *error)
{
  state->failures++;
  state->next_at = g_get_monotonic_time () +
                   sd_backoff_delay (self->interval_ms, SD_COMMUNITIES_BACKOFF_MAX_MS,
                                     state->failures) * 1000;
  g_debug ("the image of %s was not fetched (%u): %s", fetch->id, state->failures,
           error != NULL ? error->message : "the server failed");
  sd_store_community_set_info (self->account->store, fetch->id, NULL, NULL, -1, 0, NULL, NULL,
                               NULL, NULL, NULL);
}

static void
on_room_image_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ImageFetch *fetch = user_data;
  SdCommunities *self = fetch->self;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = NULL;
  ImageState *state = image_state_of (fetch);

  if (state != NULL)
    state->in_flight = FALSE;
  if (!sd_attachments_store_file_finish (SD_ATTACHMENTS (source), result, &file, &error) ||
      self->stopped || self->account->store == NULL || state == NULL ||
      !sd_store_community_set_image (self->account->store, fetch->id, fetch->url, file, &error)) {
    if (file != NULL)
      sd_attachments_sweep (SD_ATTACHMENTS (source)); /* written, not named */
    if (!self->stopped && self->account->store != NULL && state != NULL &&
        !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      image_failed (self, fetch, state, error);
    image_fetch_free (fetch);
    return;
  }
  g_hash_table_remove (self->images, fetch->id);
  sd_account_emit_conversation (self->account, fetch->id);
  image_fetch_free (fetch);
}

static void
on_room_image (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ImageFetch *fetch = user_data;
  SdCommunities *self = fetch->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  ImageState *state = image_state_of (fetch);
  guint status = 0;

  body = sd_community_request_finish (SD_NETWORK (source), result, &status, &error);
  if (state != NULL)
    state->in_flight = FALSE;
  if (self->stopped || self->account->store == NULL || self->account->attachments == NULL ||
      state == NULL) {
    image_fetch_free (fetch);
    return;
  }
  if (body == NULL || status >= 500) {
    image_failed (self, fetch, state, error);
    image_fetch_free (fetch);
    return;
  }
  /* only what a contact's picture may be: a PNG, JPEG, GIF or WebP of at most 2 MB */
  if (status != 200 || !sd_attachments_check_avatar (body, &error)) {
    g_debug ("the image of %s is not kept: %s", fetch->id,
             error != NULL ? error->message : "the server refused it");
    state->refused = TRUE;
    image_fetch_free (fetch);
    return;
  }
  /* written off the main loop; on its way meanwhile */
  state->in_flight = TRUE;
  sd_attachments_store_file_async (self->account->attachments, body, self->cancellable,
                                   on_room_image_written, fetch);
}

/* fetches image @image_id of @room (GET /room/{r}/file/{id}) unless we have it, it is on
 * its way, it was refused, or its pause after a failure is not over */
static void
fetch_room_image (SdCommunities *self, const SdCommunity *room, gint64 image_id)
{
  SdStore *store = self->account->store;
  g_autofree gchar *url = NULL, *old_url = NULL, *old_file = NULL, *endpoint = NULL;
  g_autoptr(GBytes) old_key = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  ImageState *state = g_hash_table_lookup (self->images, room->id);
  ImageFetch *fetch;

  url = sd_sogs_room_file_url (room->base_url, room->room, image_id);
  if (sd_store_get_avatar (store, room->id, &old_url, &old_key, &old_file, NULL) &&
      g_strcmp0 (old_url, url) == 0 && old_file != NULL) {
    g_hash_table_remove (self->images, room->id);
    return;
  }
  if (state == NULL || state->image_id != image_id) {
    state = g_new0 (ImageState, 1);
    state->image_id = image_id;
    g_hash_table_insert (self->images, g_strdup (room->id), state);
  }
  if (state->in_flight || state->refused || g_get_monotonic_time () < state->next_at ||
      self->account->attachments == NULL || !community_server (room, &server, NULL))
    return;
  fetch = g_new0 (ImageFetch, 1);
  fetch->self = g_object_ref (self);
  fetch->id = g_strdup (room->id);
  fetch->url = g_steal_pointer (&url);
  fetch->image_id = image_id;
  state->in_flight = TRUE;
  endpoint = g_strdup_printf ("/room/%s/file/%" G_GINT64_FORMAT, room->room, image_id);
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "GET", endpoint, NULL,
                              self->cancellable, on_room_image, fetch);
}

/* after a poll of @room: the image its details name (@details NULL: none came, so the one
 * we are still trying to fetch, if any); 0 removes it */
static void
update_room_image (SdCommunities *self, const SdCommunity *room, const SdSogsRoomInfo *details)
{
  ImageState *state = g_hash_table_lookup (self->images, room->id);

  if (details == NULL) {
    if (state != NULL && state->failures > 0)
      fetch_room_image (self, room, state->image_id);
    return;
  }
  if (details->image_id <= 0) {
    g_autofree gchar *old_url = NULL, *old_file = NULL;
    g_autoptr(GBytes) old_key = NULL;

    g_hash_table_remove (self->images, room->id);
    if (sd_store_get_avatar (self->account->store, room->id, &old_url, &old_key, &old_file,
                             NULL) &&
        sd_store_community_set_image (self->account->store, room->id, NULL, NULL, NULL))
      sd_account_emit_conversation (self->account, room->id);
    return;
  }
  fetch_room_image (self, room, details->image_id);
}

static gboolean
apply_room (SdCommunities *self, const SdCommunity *room, const SdSogsRoomPoll *rp,
            const gchar *ours, const guint8 pk[32], GHashTable *cache, GPtrArray **contacts)
{
  SdStore *store = self->account->store;
  gboolean changed = FALSE;
  gboolean new_messages = FALSE;

  if (rp->info_status == 200) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) permissions = g_string_new ("");
    const SdSogsRoomInfo *details = rp->details;

    if (rp->read)
      g_string_append (permissions, "read,");
    if (rp->write)
      g_string_append (permissions, "write,");
    if (rp->upload)
      g_string_append (permissions, "upload,");
    if (rp->moderator)
      g_string_append (permissions, "moderator,");
    if (rp->admin)
      g_string_append (permissions, "admin,");
    if (permissions->len > 0)
      g_string_truncate (permissions, permissions->len - 1);
    changed = details != NULL ||
              (rp->active_users >= 0 && rp->active_users != room->user_count) ||
              g_strcmp0 (permissions->str, room->permissions) != 0;
    if (changed) {
      g_autoptr(GStrvBuilder) mods = g_strv_builder_new ();
      g_autoptr(GStrvBuilder) adms = g_strv_builder_new ();
      g_auto(GStrv) moderators = NULL;
      g_auto(GStrv) admins = NULL;

      for (guint i = 0; details != NULL && i < details->moderators->len; i++)
        g_strv_builder_add (mods, g_ptr_array_index (details->moderators, i));
      for (guint i = 0; details != NULL && i < details->admins->len; i++)
        g_strv_builder_add (adms, g_ptr_array_index (details->admins, i));
      moderators = g_strv_builder_end (mods);
      admins = g_strv_builder_end (adms);
      if (!sd_store_community_set_info (
            store, room->id, details != NULL ? details->name : NULL,
            details != NULL ? details->description : NULL, rp->active_users,
            details != NULL ? details->info_updates : -1, permissions->str,
            details != NULL ? (const gchar *const *) moderators : NULL,
            details != NULL ? (const gchar *const *) admins : NULL,
            details != NULL ? details->pinned : NULL, &error))
        g_warning ("could not store a room's details: %s", error->message);
    }
    update_room_image (self, room, details);
  }
  if (rp->messages_status == 200) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (SdCommunityPost));
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) decoded_free);
    g_autoptr(GPtrArray) added = NULL;
    g_autoptr(GPtrArray) unsent = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);

    for (guint i = 0; i < rp->messages->len; i++) {
      const SdSogsMessage *m = g_ptr_array_index (rp->messages, i);

      if (m->deleted) {
        /* by its poster or a moderator: shown as a removal */
        g_autoptr(SdMessage) removed = sd_store_community_remove_post (store, room->id, m->id,
                                                                       NULL);

        if (removed != NULL) {
          sd_account_emit_message_removed (self->account, removed);
          changed = TRUE;
        }
      } else if (m->reactions_only) {
        g_autoptr(GArray) reactions = reactions_from_poll (m->reactions);
        g_autoptr(SdMessage) message = sd_store_community_set_reactions (store, room->id, m->id,
                                                                         reactions, NULL);

        if (message != NULL)
          sd_account_emit_message_changed (self->account, message);
      } else {
        SdCommunityPost row = { 0 };

        if (decode_post (self, room, m, ours, pk, cache, contacts, &row, keep))
          g_array_append_val (rows, row);
      }
    }
    /* our own posts that we hold as failed or sending: the page may show the server has them
     * (adopt_own_post), which is told as a change. Our posts in a page are few */
    for (guint i = 0; i < rows->len; i++) {
      const SdCommunityPost *row = &g_array_index (rows, SdCommunityPost, i);
      g_autofree gchar *mid = row->outgoing ? sd_message_id_make (row->author, row->sent_at)
                                            : NULL;
      SdMessage *held = mid != NULL ? sd_store_get_message (store, mid, NULL) : NULL;

      if (held != NULL && held->status != SD_MESSAGE_STATUS_FAILED &&
          held->status != SD_MESSAGE_STATUS_SENDING)
        g_clear_pointer (&held, sd_message_free);
      if (held != NULL)
        g_ptr_array_add (unsent, held);
    }
    /* a page's new posts in one transaction */
    added = sd_store_community_add_posts (store, room->id, (SdCommunityPost *) rows->data,
                                          rows->len, &error);
    if (added == NULL) {
      g_warning ("could not store community posts: %s", error->message);
      return changed; /* the cursor stays: the next poll brings them again */
    }
    for (guint i = 0; i < unsent->len; i++) {
      g_autoptr(SdMessage) now = sd_store_get_message (store, ((SdMessage *)
                                                         g_ptr_array_index (unsent, i))->id,
                                                       NULL);

      if (now != NULL && now->status == SD_MESSAGE_STATUS_SENT) {
        sd_account_emit_message_changed (self->account, now);
        changed = TRUE;
      }
    }
    for (guint i = 0; i < added->len; i++) {
      SdMessage *message = g_ptr_array_index (added, i);

      /* the history a first poll brings is not news: no notification storm on joining */
      sd_account_emit_message_added (self->account, message,
                                     !message->outgoing && room->seqno > 0);
    }
    new_messages = added->len > 0;
    if (rp->max_seqno > room->seqno &&
        !sd_store_community_set_seqno (store, room->id, rp->max_seqno, &error))
      g_warning ("could not keep a room's cursor: %s", error->message);
  }
  if (changed || new_messages)
    sd_account_emit_conversation (self->account, room->id);
  return new_messages || changed;
}

/* ---- community DMs with blinded ids we do not recognise yet ---- */

/* the peer behind our conversation with @blinded_id (if there is one) is @session_id: its
 * messages move into the 1:1 conversation, and the blinded one goes */
static void
merge_blinded (SdCommunities *self, const gchar *blinded_id, const gchar *session_id)
{
  g_autoptr(SdBlindedConversation) existing = NULL;
  g_autoptr(GError) error = NULL;

  existing = sd_store_get_blinded_conversation (self->account->store, blinded_id, NULL);
  if (existing == NULL)
    return;
  if (!sd_store_merge_blinded_conversation (self->account->store, blinded_id, session_id,
                                            &error)) {
    g_warning ("could not merge a community DM conversation: %s", error->message);
    return;
  }
  sd_account_emit_conversation_removed (self->account, blinded_id);
  sd_account_emit_conversation (self->account, session_id);
  if (self->account->config_sync != NULL)
    sd_config_sync_contact_removed (self->account->config_sync, blinded_id);
  sd_account_emit_account_changed (self->account);
}

/* our blinded conversations on this server whose peer turned out to be a contact (the
 * blinding of a 1:1 conversation's id matches) */
static void
merge_recognised (SdCommunities *self, PollCall *call, GHashTable *cache, GPtrArray **contacts)
{
  g_autoptr(GPtrArray) blinded = NULL;

  blinded = sd_store_list_blinded_conversations (self->account->store, call->base_url,
                                                 call->pk_hex, NULL);
  for (guint i = 0; blinded != NULL && i < blinded->len; i++) {
    const gchar *id = g_ptr_array_index (blinded, i);
    const gchar *contact = recognise (self, cache, contacts, id, call->pk);

    if (contact != NULL)
      merge_blinded (self, id, contact);
  }
}

/* the UserProfile "allow community message requests" flag (config sync stores it; unset
 * allows them): when off, a DM from someone we have not approved is dropped */
static gboolean
community_requests_on (SdCommunities *self)
{
  g_autofree gchar *setting = sd_store_get_setting (self->account->store,
                                                    "community-message-requests", NULL);

  return g_strcmp0 (setting, "0") != 0;
}

static gboolean
community_request_allowed (SdCommunities *self, const gchar *sender)
{
  g_autoptr(SdConversation) known = NULL;

  if (community_requests_on (self))
    return TRUE;
  known = sd_store_get_conversation (self->account->store, sender, NULL);
  return known != NULL && known->approved && !known->blocked;
}

/* our DM to a blinded id we do not recognise: kept in the conversation keyed by that id */
static SdMessage *
store_sent_blinded (SdCommunities *self, const gchar *base_url, const gchar *pk_hex,
                    const gchar *peer, const SdIncomingMessage *in)
{
  g_autoptr(GError) error = NULL;
  SdBlindedDm row = { 0 };
  SdMessage *message;

  row.peer = peer;
  row.base_url = base_url;
  row.server_pk = pk_hex;
  row.author = self->account->identity->session_id;
  row.body = in->body;
  row.sent_at = in->sent_at;
  row.received_at = in->received_at;
  row.server_hash = in->server_hash;
  message = sd_store_community_add_blinded_dm (self->account->store, &row, &error);
  if (message != NULL) {
    sd_account_emit_message_added (self->account, message, FALSE);
    sd_account_emit_conversation (self->account, peer);
    /* our other devices keep it as a blinded contact (Contacts "b") */
    if (self->account->config_sync != NULL)
      sd_config_sync_contact_changed (self->account->config_sync, peer,
                                      sd_account_now_ms (self->account));
  } else if (error != NULL) {
    g_debug ("a community DM to a blinded id was not stored: %s", error->message);
  }
  return message;
}

/* a DM of the poll, decrypted: one received (@sent FALSE), stored in the 1:1 conversation
 * with its sender's real id, learnt from it (a conversation we began with their blinded id
 * joins it); or one we sent, stored as ours in the conversation with @contact, or in the one
 * keyed by its recipient's blinded id when we do not recognise them (@contact NULL) */
static void
store_dm (SdCommunities *self, PollCall *call, const SdSogsDm *dm, const guint8 other[32],
          gboolean sent, const gchar *contact, SdStoreBatch *batch)
{
  const gchar *what = sent ? "sent community DM" : "community DM";
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) stored = NULL; /* our DM kept under a blinded id: only announced */
  g_autoptr(GBytes) raw = NULL;
  g_autofree gchar *hash = NULL;
  SessionProtos__Content *content;
  SessionProtos__DataMessage *data;
  SdIncomingMessage in = { 0 };
  guint8 sender_ed25519[32];
  gchar sender[SD_SESSION_ID_LEN + 1];
  gint64 posted_ms = (gint64) (dm->posted_at * 1000);

  raw = sd_base64_decode (dm->message, -1, NULL);
  if (raw == NULL)
    return;
  content = sd_blinded_dm_open_content (self->account->identity->ed25519_sk, call->pk, other,
                                        sent, g_bytes_get_data (raw, NULL),
                                        g_bytes_get_size (raw), sender_ed25519, sender,
                                        &error);
  if (content == NULL) {
    g_debug ("%s %" G_GINT64_FORMAT " dropped: %s", what, dm->id, error->message);
    return;
  }
  data = content->datamessage;
  if (!sent) {
    /* the sender is known now: a conversation we began with their blinded id joins theirs */
    merge_blinded (self, dm->sender, sender);
    if (!community_request_allowed (self, sender)) {
      g_debug ("community DM %" G_GINT64_FORMAT " dropped: community message requests are off",
               dm->id);
      session_protos__content__free_unpacked (content, NULL);
      return;
    }
  }
  if (data != NULL && data->body != NULL && *data->body != '\0' &&
      g_utf8_validate (data->body, -1, NULL)) {
    hash = g_strdup_printf ("%s:%s:%" G_GINT64_FORMAT, sent ? "sogs-dm-out" : "sogs-dm",
                            call->pk_hex, dm->id);
    in.server_hash = hash;
    in.author = sent ? self->account->identity->session_id : sender;
    in.sync_target = contact;
    in.body = data->body;
    in.sent_at = posted_ms;
    if (content->has_sigtimestamp && content->sigtimestamp > 0 &&
        content->sigtimestamp < G_MAXINT64 &&
        ABS ((gint64) content->sigtimestamp - posted_ms) <= CLOCK_SLACK_MS)
      in.sent_at = (gint64) content->sigtimestamp;
    in.received_at = sd_account_now_ms (self->account);
    in.kind = SD_MESSAGE_KIND_TEXT;
    if (!sent && data->profile != NULL && data->profile->displayname != NULL &&
        g_utf8_validate (data->profile->displayname, -1, NULL) &&
        strlen (data->profile->displayname) <= NAME_MAX_BYTES)
      in.profile_name = data->profile->displayname;
    if (sent && contact == NULL)
      stored = store_sent_blinded (self, call->base_url, call->pk_hex, dm->recipient, &in);
    else if (!sd_store_batch_add_message (batch, &in, &error))
      g_debug ("%s %" G_GINT64_FORMAT " not stored: %s", what, dm->id, error->message);
  }
  session_protos__content__free_unpacked (content, NULL);
}

/* one inbox item: from its sender (a message request unless we know them) */
static void
open_dm (SdCommunities *self, PollCall *call, const SdSogsDm *dm, SdStoreBatch *batch)
{
  guint8 other[32];
  SdBlinding kind;

  if (sd_blinded_id_parse (dm->sender, &kind, other, NULL) && kind == SD_BLINDING_15)
    store_dm (self, call, dm, other, FALSE, NULL, batch);
}

/* one outbox item: a DM we sent, maybe from another device. Stored in the 1:1 conversation
 * when its recipient is a contact we recognise behind the blinding, else in the blinded one
 * (a copy sent from this device is stored already, and is skipped as a duplicate) */
static void
open_sent_dm (SdCommunities *self, PollCall *call, const SdSogsDm *dm, SdStoreBatch *batch,
              GHashTable *cache, GPtrArray **contacts)
{
  guint8 other[32];
  SdBlinding kind;

  if (sd_blinded_id_parse (dm->recipient, &kind, other, NULL) && kind == SD_BLINDING_15)
    store_dm (self, call, dm, other, TRUE,
              recognise (self, cache, contacts, dm->recipient, call->pk), batch);
}

static void
apply_dms (SdCommunities *self, PollCall *call, const SdSogsPoll *poll)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->account->store);
  g_autoptr(GError) error = NULL;
  gint64 inbox = call->inbox_since, outbox = call->outbox_since;

  if (poll->inbox_status == 200) {
    for (guint i = 0; i < poll->inbox->len; i++) {
      const SdSogsDm *dm = g_ptr_array_index (poll->inbox, i);

      inbox = MAX (inbox, dm->id);
      open_dm (self, call, dm, batch);
    }
  }
  if (poll->outbox_status == 200) {
    g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) contacts = NULL;

    for (guint i = 0; i < poll->outbox->len; i++) {
      const SdSogsDm *dm = g_ptr_array_index (poll->outbox, i);

      outbox = MAX (outbox, dm->id);
      open_sent_dm (self, call, dm, batch, cache, &contacts);
    }
  }
  if (sd_store_batch_get_size (batch) > 0) {
    g_autoptr(SdStoreChanges) changes = NULL;

    if (!sd_store_apply_batch (self->account->store, batch, &changes, &error)) {
      g_warning ("could not store community DMs: %s", error->message);
      return; /* the cursors stay: the next poll tries again */
    }
    sd_account_apply_changes (self->account, changes);
  }
  if ((inbox != call->inbox_since || outbox != call->outbox_since) &&
      !sd_store_community_set_dm_cursors (self->account->store, call->base_url, call->pk_hex,
                                          inbox, outbox, &error))
    g_warning ("could not keep the inbox cursors: %s", error->message);
}

static void resends_after_poll (SdCommunities *self, ServerState *state,
                                const GError *poll_error);

static void
on_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PollCall *call = user_data;
  SdCommunities *self = call->self;
  ServerState *state = server_state (self, call->key);
  g_autoptr(GError) error = NULL;
  SdSogsPoll *poll = sd_community_poll_finish (SD_NETWORK (source), result, &error);
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(GHashTable) cache = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  gchar ours[SD_BLINDED_ID_LEN + 1];
  gboolean any = FALSE;
  gboolean was_online;

  state->in_flight = FALSE;
  if (self->stopped) {
    if (poll != NULL)
      sd_community_poll_free (poll);
    poll_call_free (call);
    return;
  }
  if (poll == NULL) {
    guint64 wait = (guint64) self->interval_ms << MIN (state->failures, 10u);

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      poll_call_free (call);
      return;
    }
    if (state->failures++ == 0 && self->account->store != NULL)
      /* online (or connecting) → offline */
      for (guint i = 0; i < call->rooms->len; i++)
        sd_account_emit_conversation (self->account,
                                      ((SdCommunity *) g_ptr_array_index (call->rooms, i))->id);
    state->next_at = g_get_monotonic_time () +
                     (gint64) MIN (wait, (guint64) SD_COMMUNITIES_BACKOFF_MAX_MS) * 1000;
    g_debug ("community poll of %s failed (%u): %s", call->key, state->failures,
             error->message);
    poll_call_free (call);
    resends_after_poll (self, state, error);
    return;
  }
  was_online = state->answered && state->failures == 0;
  state->failures = 0;
  state->answered = TRUE;
  if (self->account->store == NULL || self->account->identity == NULL) {
    sd_community_poll_free (poll);
    poll_call_free (call);
    return;
  }
  our_blinded_id (self, call->pk, ours);
  cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* the whole poll in one transaction, each page a savepoint in it: one commit (one fsync)
   * per poll rather than one per room. What is announced before the commit is read back
   * through the same connection; were the commit to fail, the cursors go back with the posts
   * and the next poll brings them again */
  tx = sd_store_transaction_begin (self->account->store, &error);
  if (tx == NULL) {
    g_warning ("a community poll is stored page by page: %s", error->message);
    g_clear_error (&error);
  }
  for (guint i = 0; i < poll->rooms->len && i < call->rooms->len; i++) {
    const SdCommunity *room = g_ptr_array_index (call->rooms, i);
    g_autoptr(SdCommunity) current = sd_store_get_community (self->account->store, room->id,
                                                             NULL);

    /* left while the poll was under way */
    if (current == NULL)
      continue;
    any |= apply_room (self, current, g_ptr_array_index (poll->rooms, i), ours, call->pk, cache,
                       &contacts);
    if (!was_online)
      sd_account_emit_conversation (self->account, current->id);
  }
  state->quiet = any ? 0 : state->quiet + 1;
  state->next_at = g_get_monotonic_time () +
                   (gint64) self->interval_ms * 1000 *
                     (state->quiet >= QUIET_POLLS ? QUIET_FACTOR : 1);
  if (poll->with_dms)
    apply_dms (self, call, poll);
  merge_recognised (self, call, cache, &contacts);
  if (tx != NULL && !sd_store_transaction_commit (tx, &error))
    g_warning ("could not store a community poll: %s", error->message);
  g_clear_pointer (&tx, sd_store_transaction_end);
  if (any)
    sd_account_emit_account_changed (self->account);
  sd_community_poll_free (poll);
  poll_call_free (call);
  resends_after_poll (self, state, NULL);
}

static void
poll_server (SdCommunities *self, const gchar *key, GPtrArray *rooms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree SdSogsRoomCursor *cursors = g_new0 (SdSogsRoomCursor, rooms->len);
  ServerState *state = server_state (self, key);
  PollCall *call;

  if (!community_server (g_ptr_array_index (rooms, 0), &server, &error)) {
    g_warning ("cannot poll %s: %s", key, error->message);
    return;
  }
  for (guint i = 0; i < rooms->len; i++) {
    SdCommunity *room = g_ptr_array_index (rooms, i);

    cursors[i].token = room->room;
    cursors[i].info_updates = room->info_updates;
    cursors[i].seqno = room->seqno;
  }
  call = g_new0 (PollCall, 1);
  call->self = g_object_ref (self);
  call->key = g_strdup (key);
  call->rooms = g_ptr_array_ref (rooms);
  memcpy (call->pk, server->pk, 32);
  call->base_url = g_strdup (((SdCommunity *) g_ptr_array_index (rooms, 0))->base_url);
  call->pk_hex = g_strdup (((SdCommunity *) g_ptr_array_index (rooms, 0))->server_pk);
  if (!sd_store_community_dm_cursors (self->account->store, call->base_url, call->pk_hex,
                                      &call->inbox_since, &call->outbox_since, &error))
    g_warning ("cannot read the inbox cursors: %s", error->message);
  state->in_flight = TRUE;
  sd_community_poll_async (self->account->network, server, self->account->identity->ed25519_sk,
                           cursors, rooms->len, TRUE, call->inbox_since, call->outbox_since,
                           self->cancellable, on_polled, call);
}

static void
tick (SdCommunities *self)
{
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GHashTable) by_server = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gint64 now = g_get_monotonic_time ();

  if (self->account->store == NULL || self->account->network == NULL ||
      self->account->identity == NULL)
    return;
  rooms = sd_store_list_communities (self->account->store, &error);
  if (rooms == NULL) {
    g_warning ("cannot list communities: %s", error->message);
    return;
  }
  by_server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < rooms->len; i++) {
    SdCommunity *room = g_ptr_array_index (rooms, i);
    g_autofree gchar *skey = server_key (room);
    GPtrArray *list = g_hash_table_lookup (by_server, skey);

    if (list == NULL) {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_community_free);
      g_hash_table_insert (by_server, g_strdup (skey), list);
    }
    if (list->len < SD_SOGS_POLL_ROOMS_MAX)
      g_ptr_array_add (list, g_steal_pointer (&rooms->pdata[i]));
  }
  g_hash_table_iter_init (&iter, by_server);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    ServerState *state = server_state (self, key);

    if (state->in_flight || state->posting > 0 || now < state->next_at)
      continue;
    poll_server (self, key, value);
  }
}

static gboolean
on_tick (gpointer user_data)
{
  tick (SD_COMMUNITIES (user_data));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_idle (gpointer user_data)
{
  SdCommunities *self = SD_COMMUNITIES (user_data);

  self->idle_id = 0;
  tick (self);
  return G_SOURCE_REMOVE;
}

void
sd_communities_poll_now (SdCommunities *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    ServerState *state = value;

    /* a failing server keeps its backoff; a quiet one wakes up */
    state->quiet = 0;
    if (state->failures == 0)
      state->next_at = 0;
  }
  if (self->idle_id == 0 && self->timer_id != 0)
    self->idle_id = g_idle_add (on_idle, self);
}

void
sd_communities_start (SdCommunities *self)
{
  g_return_if_fail (SD_IS_COMMUNITIES (self));

  if (self->timer_id != 0)
    return;
  /* a resend cut off by the last stop was left sending: it fails, to be resent (or found
   * sent by a poll); once per run, so a resend under way is never taken for one */
  if (!self->swept_sending && self->account->store != NULL) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) cut = sd_store_community_fail_sending (self->account->store, &error);

    self->swept_sending = TRUE;
    if (cut == NULL)
      g_warning ("community posts cut off: %s", error->message);
    for (guint i = 0; cut != NULL && i < cut->len; i++)
      sd_account_emit_message_changed (self->account, g_ptr_array_index (cut, i));
  }
  self->stopped = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* the timer ticks at the cadence; a server's own state says whether it is due */
  self->timer_id = g_timeout_add (MIN (self->interval_ms, 1000u), on_tick, self);
  /* room files are fetched through their server */
  if (self->account->attachments != NULL)
    sd_attachments_set_plain_fetch (self->account->attachments, fetch_room_file, self);
  sd_communities_poll_now (self);
}

void
sd_communities_stop (SdCommunities *self)
{
  g_return_if_fail (SD_IS_COMMUNITIES (self));

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  resends_cancel (self);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->account->attachments != NULL)
    sd_attachments_set_plain_fetch (self->account->attachments, NULL, NULL);
}

const gchar *
sd_communities_room_state (SdCommunities *self, const SdCommunity *room)
{
  g_autofree gchar *key = NULL;
  ServerState *state;

  g_return_val_if_fail (SD_IS_COMMUNITIES (self), "connecting");

  key = server_key (room);
  state = g_hash_table_lookup (self->servers, key);
  if (state != NULL && state->failures > 0)
    return "offline";
  if (state != NULL && state->answered)
    return "online";
  return "connecting";
}

/* ---- join ---- */

gchar *
sd_communities_join (SdCommunities *self, const gchar *url, GError **error)
{
  g_auto(SdSogsUrl) parsed = { 0 };
  g_autofree gchar *id = NULL;
  gchar pk_hex[65];
  gboolean created = FALSE;

  g_return_val_if_fail (SD_IS_COMMUNITIES (self), NULL);

  if (url == NULL || strlen (url) > 4096 || !sd_sogs_url_parse (url, &parsed, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL,
                             "a community URL has at most 4096 characters");
      return NULL;
    }
  id = sd_communities_id_for (parsed.base_url, parsed.room);
  sodium_bin2hex (pk_hex, sizeof pk_hex, parsed.server_pk, 32);
  /* a community joined is a conversation started: the same cap as OpenConversation */
  if (!sd_account_check_can_start (self->account, id, error))
    return NULL;
  if (!sd_store_add_community (self->account->store, id, parsed.base_url, parsed.room, pk_hex,
                               sd_account_now_ms (self->account), &created, error))
    return NULL;
  if (created)
    self->account->n_started = -1;  /* counted again when next needed */
  /* our other devices join it too (UserGroups) */
  if (self->account->config_sync != NULL)
    sd_config_sync_community_changed (self->account->config_sync, id,
                                      sd_account_now_ms (self->account));
  sd_account_emit_conversation (self->account, id);
  sd_communities_poll_now (self);
  return g_steal_pointer (&id);
}

/* ---- attachments: fetching and uploading room files ---- */

/* SdAttachmentsPlainFetch: a room file of a community we joined, through its server */
static void
on_room_file (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  gsize max = GPOINTER_TO_SIZE (g_task_get_task_data (task));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  body = sd_community_request_finish (SD_NETWORK (source), result, &status, &error);
  if (body == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (status == 404)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             "the community no longer has this file");
  else if (status != 200)
    g_task_return_error (task,
                         status_error (status, "the community server answered %u", status));
  else if (g_bytes_get_size (body) == 0 || g_bytes_get_size (body) > max)
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED,
                             "a community file of %" G_GSIZE_FORMAT " bytes",
                             g_bytes_get_size (body));
  else
    g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static gboolean
fetch_room_file (GBytes *pointer, gsize max_bytes, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer callback_data, gpointer user_data)
{
  SdCommunities *self = user_data;
  SessionProtos__AttachmentPointer *pb;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree gchar *endpoint = NULL;
  const SdCommunity *room = NULL;
  gint64 file_id = 0;
  GTask *task;

  if (self->stopped || self->account->store == NULL)
    return FALSE;
  pb = session_protos__attachment_pointer__unpack (NULL, g_bytes_get_size (pointer),
                                                   g_bytes_get_data (pointer, NULL));
  if (pb == NULL)
    return FALSE;
  /* a room file has no key; a pointer with one is an encrypted file, whatever its URL */
  if (pb->has_key && pb->key.len > 0) {
    session_protos__attachment_pointer__free_unpacked (pb, NULL);
    return FALSE;
  }
  rooms = sd_store_list_communities (self->account->store, NULL);
  for (guint i = 0; rooms != NULL && i < rooms->len && file_id <= 0; i++) {
    room = g_ptr_array_index (rooms, i);
    file_id = sd_sogs_room_file_id (room->base_url, room->room, pb->url);
  }
  session_protos__attachment_pointer__free_unpacked (pb, NULL);
  if (file_id <= 0 || !community_server (room, &server, NULL))
    return FALSE;
  task = g_task_new (self, cancellable, callback, callback_data);
  g_task_set_source_tag (task, fetch_room_file);
  g_task_set_task_data (task, GSIZE_TO_POINTER (max_bytes), NULL);
  endpoint = g_strdup_printf ("/room/%s/file/%" G_GINT64_FORMAT, room->room, file_id);
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "GET", endpoint, NULL,
                              cancellable, on_room_file, task);
  return TRUE;
}

/* the file id in the server's answer to POST /room/{r}/file, 0 when it has none */
static gint64
uploaded_file_id (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                  (gssize) g_bytes_get_size (body), NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "id") &&
      json_node_get_value_type (json_object_get_member (json_node_get_object (root), "id")) ==
        G_TYPE_INT64)
    return json_object_get_int_member (json_node_get_object (root), "id");
  return 0;
}

/* the pointer the official clients write for a room file: its id and URL, and no key,
 * since the file is not encrypted (wire form) */
static GBytes *
room_file_pointer (const SdCommunity *room, gint64 file_id, const gchar *file_name,
                   const gchar *content_type, const gchar *caption, gint64 size, guint32 width,
                   guint32 height, gboolean voice)
{
  g_autofree gchar *url = sd_sogs_room_file_url (room->base_url, room->room, file_id);
  SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
  gsize len;
  guint8 *wire;

  pb.deprecated_id = (guint64) file_id;
  pb.url = url;
  pb.contenttype = (gchar *) content_type;
  pb.filename = (gchar *) file_name;
  pb.caption = (gchar *) caption;
  pb.has_size = size >= 0 && size <= G_MAXUINT32;
  pb.size = (guint32) size;
  pb.has_width = width > 0;
  pb.width = width;
  pb.has_height = height > 0;
  pb.height = height;
  pb.has_flags = voice;
  pb.flags = voice ? SESSION_PROTOS__ATTACHMENT_POINTER__FLAGS__VOICE_MESSAGE : 0;
  len = session_protos__attachment_pointer__get_packed_size (&pb);
  wire = g_malloc (len);
  session_protos__attachment_pointer__pack (&pb, wire);
  return g_bytes_new_take (wire, len);
}

static void keep_failed_upload (SdCommunities *self, RoomFiles *files, const GError *why);

/* a post's files on their way up: the caller's task, and the files (owned until the post
 * takes them) */
typedef struct {
  GTask *task;            /* (owned) */
  RoomFiles *files;       /* (owned) (nullable) */
} Upload;

static void
upload_fail (Upload *upload, GError *error)
{
  SdCommunities *self = g_task_get_source_object (upload->task);

  /* once the files are read, the post is kept as a failed message to send again */
  if (!self->stopped && upload->files != NULL && upload->files->prepared != NULL)
    keep_failed_upload (self, upload->files, error);
  g_task_return_error (upload->task, error);
  g_object_unref (upload->task);
  room_files_free (upload->files);
  g_free (upload);
}

static void upload_next (Upload *upload);

static void
on_file_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Upload *upload = user_data;
  SdCommunities *self = g_task_get_source_object (upload->task);
  RoomFiles *files = upload->files;
  const SdOutgoingAttachment *a = &g_array_index (files->prepared, SdOutgoingAttachment,
                                                  files->pointers->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SdCommunity) room = NULL;
  SdCommunityFile row = { 0 };
  gint64 file_id = 0;
  guint status = 0;

  body = sd_community_request_finish (SD_NETWORK (source), result, &status, &error);
  if (self->stopped) {
    upload_fail (upload, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "communities stopped"));
    return;
  }
  if (body == NULL) {
    upload_fail (upload, g_steal_pointer (&error));
    return;
  }
  if (status != 200 && status != 201) {
    upload_fail (upload, status_error (status, "the community server answered the file with %u",
                                       status));
    return;
  }
  file_id = uploaded_file_id (body);
  room = sd_store_get_community (self->account->store, files->id, NULL);
  if (file_id <= 0 || room == NULL) {
    upload_fail (upload, g_error_new_literal (SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                                              "the community server's answer to a file has "
                                              "no id"));
    return;
  }
  g_ptr_array_add (files->pointers,
                   room_file_pointer (room, file_id, a->file_name, a->content_type, a->caption,
                                      a->size, a->width, a->height, a->voice));
  /* the stored row: ours, so here already */
  row.pointer = g_ptr_array_index (files->pointers, files->pointers->len - 1);
  row.file_name = a->file_name;
  row.content_type = a->content_type;
  row.caption = a->caption;
  row.size = a->size;
  row.width = a->width;
  row.height = a->height;
  row.voice = a->voice;
  row.file = a->file;
  g_array_append_val (files->files, row);
  upload_next (upload);
}

/* the next prepared file to the room (POST /room/{r}/file, the bytes as they are), or the
 * post once every file is up */
static void
upload_next (Upload *upload)
{
  SdCommunities *self = g_task_get_source_object (upload->task);
  RoomFiles *files = upload->files;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *endpoint = NULL;
  g_autoptr(GBytes) file = NULL;
  gchar *contents = NULL;
  gsize length = 0;

  if (files->pointers->len == files->prepared->len) {
    g_autofree gchar *id = g_strdup (files->id);
    g_autofree gchar *body = g_strdup (files->body);
    g_autofree gchar *quote_id = g_strdup (files->quote_id);

    post_start (self, upload->task, id, body, quote_id, upload->files);
    g_free (upload);
    return;
  }
  room = lookup_room (self, files->id, &server, &error);
  if (room == NULL) {
    upload_fail (upload, g_steal_pointer (&error));
    return;
  }
  path = sd_attachments_prepared_path (files->attachments,
                                       g_array_index (files->prepared, SdOutgoingAttachment,
                                                      files->pointers->len).file);
  if (!g_file_get_contents (path, &contents, &length, &error)) {
    upload_fail (upload, g_steal_pointer (&error));
    return;
  }
  endpoint = g_strdup_printf ("/room/%s/file", room->room);
  file = g_bytes_new_take (contents, length);
  sd_community_upload_async (self->account->network, server,
                             self->account->identity->ed25519_sk, endpoint, file,
                             g_array_index (files->prepared, SdOutgoingAttachment,
                                            files->pointers->len).file_name,
                             g_task_get_cancellable (upload->task), on_file_uploaded, upload);
}

static void
on_files_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Upload *upload = user_data;
  GError *error = NULL;

  upload->files->prepared = sd_attachments_prepare_finish (SD_ATTACHMENTS (source), result,
                                                           &error);
  if (upload->files->prepared == NULL) {
    upload_fail (upload, error);
    return;
  }
  upload_next (upload);
}

void
sd_communities_post_files_async (SdCommunities *self, const gchar *id, const gchar *body,
                                 const gchar *quote_id, const SdAttachmentSource *sources,
                                 guint n_sources, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  Upload *upload;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  upload = g_new0 (Upload, 1);
  upload->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (upload->task, sd_communities_post_async);
  if (*body != '\0' && !sd_account_check_body (body, &error)) {
    upload_fail (upload, g_steal_pointer (&error));
    return;
  }
  room = lookup_room (self, id, &server, &error);
  if (room == NULL) {
    upload_fail (upload, g_steal_pointer (&error));
    return;
  }
  if (self->account->attachments == NULL || n_sources == 0) {
    upload_fail (upload, g_error_new_literal (SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                                              "attachments are not available"));
    return;
  }
  upload->files = g_new0 (RoomFiles, 1);
  upload->files->attachments = g_object_ref (self->account->attachments);
  upload->files->pointers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  upload->files->files = g_array_new (FALSE, TRUE, sizeof (SdCommunityFile));
  upload->files->id = g_strdup (id);
  upload->files->body = g_strdup (body);
  upload->files->quote_id = g_strdup (quote_id);
  /* read and stripped of metadata in a worker, as for a 1:1 message */
  sd_attachments_prepare_async (self->account->attachments, sources, n_sources, cancellable,
                                on_files_prepared, upload);
}

/* ---- posting, reacting, deleting ---- */

typedef struct {
  gchar *id;              /* (owned) conversation */
  gchar *key;             /* (owned) server key */
  gchar *author;          /* (owned) our blinded id */
  gchar *name;            /* (owned) (nullable) */
  gchar *quote_author;    /* (owned) (nullable) */
  gint64 quote_sent_at;
  gchar *contact;         /* (owned) (nullable) a DM's recipient, by Session ID */
  gchar *body;            /* (owned) */
  gint64 sent_at;
  gint64 post_id;         /* react and delete */
  gchar *peer;            /* (owned) (nullable) a DM's blinded recipient, not recognised */
  gchar *base_url;        /* (owned) (nullable) its server */
  gchar *pk_hex;          /* (owned) (nullable) */
  RoomFiles *files;       /* (owned) (nullable) a post's attachments, uploaded */
  gchar *resend_id;       /* (owned) (nullable) ResendMessage: our stored post, sending */
  GPtrArray *pointers;    /* (owned) (nullable) its attachments' pointers (wire form) */
} Call;

static void
call_free (Call *call)
{
  g_free (call->id);
  g_free (call->key);
  g_free (call->author);
  g_free (call->name);
  g_free (call->quote_author);
  g_free (call->contact);
  g_free (call->body);
  g_free (call->peer);
  g_free (call->base_url);
  g_free (call->pk_hex);
  g_clear_pointer (&call->files, room_files_free);
  g_free (call->resend_id);
  g_clear_pointer (&call->pointers, g_ptr_array_unref);
  g_free (call);
}

/* the Call of @task, which sends @body to room @id now, under our display name */
static Call *
text_call_new (SdCommunities *self, GTask *task, const gchar *id, const gchar *body)
{
  Call *call = g_new0 (Call, 1);

  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  call->id = g_strdup (id);
  call->body = g_strdup (body);
  call->name = g_strdup (self->account->display_name);
  call->sent_at = sd_account_now_ms (self->account);
  return call;
}

/* the Content a post or a DM carries: the text of @call, with its quote and room files if
 * any. A post also tells whether we refuse community DMs (DataMessage 106), as desktop's
 * posts do; its DMs and 1:1 messages do not */
static GBytes *
text_call_content (SdCommunities *self, const Call *call, gboolean post)
{
  SdTextContent text = { 0 };

  text.community_post = post;
  text.blocks_community_requests = post && !community_requests_on (self);

  text.body = call->body;
  text.sent_at = (guint64) call->sent_at;
  text.profile_name = call->name != NULL && *call->name != '\0' ? call->name : NULL;
  text.quote_id = (guint64) call->quote_sent_at;
  text.quote_author = call->quote_author;
  text.attachments = call->files != NULL ? call->files->pointers : call->pointers;
  return sd_content_pack_text_full (&text);
}

/* a request body: a JSON object of the string members @name1 and (unless NULL) @name2 */
static GBytes *
json_request (const gchar *name1, const gchar *value1, const gchar *name2, const gchar *value2)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gchar *json;
  gsize len;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, name1);
  json_builder_add_string_value (builder, value1);
  if (name2 != NULL) {
    json_builder_set_member_name (builder, name2);
    json_builder_add_string_value (builder, value2);
  }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &len);
  return g_bytes_new_take (json, len);
}

/* the answer to the request of @task, or NULL with @task answered: communities stopped
 * meanwhile, or the request failed */
static GBytes *
request_answer (GTask *task, GObject *source, GAsyncResult *result, guint *out_status)
{
  SdCommunities *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *body;

  *out_status = 0;
  if (self->stopped) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "communities stopped");
    return NULL;
  }
  body = sd_community_request_finish (SD_NETWORK (source), result, out_status, &error);
  if (body == NULL)
    g_task_return_error (task, error);
  return body;
}

/* answers @task with our stored message (@author, @sent_at) */
static void
return_stored_message (SdCommunities *self, GTask *task, const gchar *author, gint64 sent_at)
{
  g_autofree gchar *message_id = sd_message_id_make (author, sent_at);
  GError *error = NULL;
  SdMessage *message = sd_store_get_message (self->account->store, message_id, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, (GDestroyNotify) sd_message_free);
}

/* the room @id and its server, or an error for the caller */
static SdCommunity *
lookup_room (SdCommunities *self, const gchar *id, SdCommunityServer **server, GError **error)
{
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->account->store == NULL || self->account->network == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "communities need the network, which is not started");
    return NULL;
  }
  room = sd_store_get_community (self->account->store, id, &local_error);
  if (room == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                         "no such community");
    return NULL;
  }
  if (!community_server (room, server, error))
    return NULL;
  return g_steal_pointer (&room);
}

/* the post's answer: the post id, or 0 with @error */
static gint64
posted_id (SdCommunities *self, GObject *source, GAsyncResult *result, GError **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GPtrArray) page = NULL;
  JsonNode *root;
  JsonObject *object;
  gint64 max_seqno = 0;
  guint dropped = 0;
  guint status = 0;

  if (self->stopped) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "communities stopped");
    return 0;
  }
  body = sd_community_request_finish (SD_NETWORK (source), result, &status, error);
  if (body == NULL)
    return 0;
  if (status == 403) {
    g_propagate_error (error, status_error (status, "the community does not let us post"));
    return 0;
  }
  if (status != 200 && status != 201) {
    g_propagate_error (error, status_error (status, "the community server answered %u", status));
    return 0;
  }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   (gssize) g_bytes_get_size (body), NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "the community server's answer to a post is not an object");
    return 0;
  }
  /* the answer is the stored message: read as a page of one, with the same checks */
  list = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (list, json_array_new ());
  json_array_add_element (json_node_get_array (list), json_node_copy (root));
  page = sd_sogs_messages_parse (list, &max_seqno, &dropped, NULL);
  if (page != NULL && page->len == 1 && ((SdSogsMessage *) g_ptr_array_index (page, 0))->id > 0)
    return ((SdSogsMessage *) g_ptr_array_index (page, 0))->id;
  /* the reference answers with id, posted, seqno and the data we sent; a server that
   * leaves out data is still read for its id */
  object = json_node_get_object (root);
  if (!json_object_has_member (object, "id") ||
      json_node_get_value_type (json_object_get_member (object, "id")) != G_TYPE_INT64 ||
      json_object_get_int_member (object, "id") <= 0) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "the community server's answer to a post has no id");
    return 0;
  }
  return json_object_get_int_member (object, "id");
}

/* a post of @call that did not go: kept as our failed message (docs/communities.md,
 * "Resending"), with its files as far as they went up */
static void
keep_failed_post (SdCommunities *self, const Call *call, const GError *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (SdCommunityFile));
  SdCommunityPost row = { 0 };
  RoomFiles *files = call->files;

  if (files != NULL && files->prepared != NULL) {
    if (!files->kept &&
        !sd_attachments_prepared_keep (self->account->attachments, files->prepared, &error)) {
      g_message ("a failed post's files cannot be kept: %s", error->message);
      return;
    }
    files->kept = TRUE;
    for (guint i = 0; i < files->prepared->len; i++) {
      const SdOutgoingAttachment *a = &g_array_index (files->prepared, SdOutgoingAttachment, i);
      SdCommunityFile f = {
        .pointer = i < files->pointers->len ? g_ptr_array_index (files->pointers, i) : NULL,
        .file_name = a->file_name, .content_type = a->content_type, .caption = a->caption,
        .size = a->size, .width = a->width, .height = a->height, .voice = a->voice,
        .file = a->file,
      };

      g_array_append_val (rows, f);
    }
  }
  row.author = call->author;
  row.outgoing = TRUE;
  row.body = call->body;
  row.sent_at = call->sent_at;
  row.quote_author = call->quote_author;
  row.quote_sent_at = call->quote_sent_at;
  row.files = (const SdCommunityFile *) (gpointer) rows->data;
  row.n_files = rows->len;
  message = sd_store_community_add_failed_post (self->account->store, call->id, &row,
                                                why != NULL ? why->message : NULL, &error);
  if (message == NULL) {
    g_message ("a failed post cannot be kept: %s", error->message);
    return;
  }
  sd_account_emit_message_added (self->account, message, FALSE);
  sd_account_emit_conversation (self->account, call->id);
}

/* the quote of @quote_id in room @id: NOT_FOUND unless it is a message of that room */
static gboolean
resolve_quote (SdCommunities *self, const gchar *id, const gchar *quote_id, gchar **out_author,
               gint64 *out_sent_at, GError **error)
{
  g_autoptr(GError) quote_error = NULL;
  g_autoptr(SdMessage) quoted = NULL;

  if (quote_id == NULL)
    return TRUE;
  quoted = sd_store_get_message (self->account->store, quote_id, &quote_error);
  if (quoted == NULL || g_strcmp0 (quoted->conversation, id) != 0) {
    g_debug ("quote %s: %s", quote_id, quote_error != NULL ? quote_error->message : "elsewhere");
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                         "the quoted message is not in this community");
    return FALSE;
  }
  *out_author = g_strdup (quoted->author);
  *out_sent_at = quoted->sent_at;
  return TRUE;
}

/* a post's files failed to go up (@files prepared, some perhaps uploaded): the post is kept
 * failed, under the time it would have been posted at */
static void
keep_failed_upload (SdCommunities *self, RoomFiles *files, const GError *why)
{
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autoptr(GError) error = NULL;
  gchar ours[SD_BLINDED_ID_LEN + 1];
  Call call = { 0 };

  room = lookup_room (self, files->id, &server, &error);
  if (room == NULL) {
    g_debug ("a failed post is not kept: %s", error->message);
    return;
  }
  our_blinded_id (self, server->pk, ours);
  call.id = files->id;
  call.author = ours;
  call.body = files->body;
  call.sent_at = sd_account_now_ms (self->account);
  call.files = files;
  /* a quote that went meanwhile is left out */
  if (!resolve_quote (self, files->id, files->quote_id, &call.quote_author, &call.quote_sent_at,
                      NULL))
    call.quote_author = NULL;
  keep_failed_post (self, &call, why);
  g_free (call.quote_author);
}

/* a resent post went (@post_id) or failed again (@post_id 0, @why): stored, and told */
static void
resend_done (SdCommunities *self, const Call *call, gint64 post_id, const GError *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = NULL;

  if (self->stopped)
    return;
  if (why != NULL)
    g_message ("a resent community post did not go: %s", why->message);
  message = sd_store_community_post_done (self->account->store, call->id, call->resend_id,
                                          post_id, why != NULL ? why->message : NULL, &error);
  if (message == NULL) {
    g_warning ("a resent community post: %s", error->message);
    return;
  }
  sd_account_emit_message_changed (self->account, message);
  sd_account_emit_conversation (self->account, call->id);
}

static void
on_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = NULL;
  SdCommunityPost row = { 0 };

  if (!self->stopped)
    server_state (self, call->key)->posting--;
  row.post_id = posted_id (self, source, result, &error);
  if (row.post_id <= 0) {
    if (call->resend_id != NULL)
      resend_done (self, call, 0, error);
    else if (!self->stopped)
      keep_failed_post (self, call, error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (call->resend_id != NULL) {
    resend_done (self, call, row.post_id, NULL);
    g_task_return_pointer (task, NULL, NULL);
    return;
  }
  row.author = call->author;
  row.author_name = call->name;
  row.author_session_id = self->account->identity->session_id;
  row.outgoing = TRUE;
  row.body = call->body;
  row.sent_at = call->sent_at;
  row.received_at = call->sent_at;
  row.quote_author = call->quote_author;
  row.quote_sent_at = call->quote_sent_at;
  if (call->files != NULL) {
    /* the prepared files become ours in the same turn as the rows that name them */
    if (!sd_attachments_prepared_keep (self->account->attachments, call->files->prepared,
                                       &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    call->files->kept = TRUE;
    row.files = (const SdCommunityFile *) (gpointer) call->files->files->data;
    row.n_files = call->files->files->len;
  }
  message = sd_store_community_add_post (self->account->store, call->id, &row, &error);
  if (message != NULL) {
    sd_account_emit_message_added (self->account, message, FALSE);
    sd_account_emit_conversation (self->account, call->id);
    g_task_return_pointer (task, g_steal_pointer (&message), (GDestroyNotify) sd_message_free);
  } else if (error != NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
  } else {
    /* a poll stored it already */
    return_stored_message (self, task, call->author, call->sent_at);
  }
}

void
sd_communities_post_async (SdCommunities *self, const gchar *id, const gchar *body,
                           const gchar *quote_id, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_communities_post_async);
  post_start (self, task, id, body, quote_id, NULL);
}

/* @task (transfer full); @files (transfer full) (nullable) the room files the post carries */
static void
post_start (SdCommunities *self, GTask *task_, const gchar *id, const gchar *body,
            const gchar *quote_id, RoomFiles *files)
{
  g_autoptr(GTask) task = task_;
  g_autoptr(RoomFiles) files_ = files;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  gchar ours[SD_BLINDED_ID_LEN + 1];
  Call *call;

  /* with files, the text may be empty */
  if ((files == NULL || *body != '\0') && !sd_account_check_body (body, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  room = lookup_room (self, id, &server, &error);
  if (room == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  call = text_call_new (self, task, id, body);
  call->files = g_steal_pointer (&files_);
  call->key = server_key (room);
  our_blinded_id (self, server->pk, ours);
  call->author = g_strdup (ours);
  if (!resolve_quote (self, id, quote_id, &call->quote_author, &call->quote_sent_at, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  post_call (self, g_steal_pointer (&task), room, server);
}

/* POST /room/{r}/message of @task's Call (signed Content); answered in on_posted */
static void
post_call (SdCommunities *self, GTask *task_, const SdCommunity *room,
           const SdCommunityServer *server)
{
  g_autoptr(GTask) task = task_;
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree gchar *data = NULL, *signature = NULL, *endpoint = NULL;
  g_autoptr(GBytes) request = NULL;

  content = text_call_content (self, call, TRUE);
  if (!sd_sogs_post_encode (self->account->identity->ed25519_sk, server->pk, TRUE,
                            g_bytes_get_data (content, NULL), g_bytes_get_size (content), &data,
                            &signature, &error)) {
    if (call->resend_id != NULL)
      resend_done (self, call, 0, error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  request = json_request ("data", data, "signature", signature);
  endpoint = g_strdup_printf ("/room/%s/message", room->room);
  server_state (self, call->key)->posting++;
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "POST", endpoint, request,
                              cancellable, on_posted, g_steal_pointer (&task));
}

static void
on_dm_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  SdIncomingMessage ours = { 0 };
  guint status;

  body = request_answer (task, source, result, &status);
  if (body == NULL)
    return;
  if (status != 200 && status != 201) {
    g_task_return_error (task, status_error (status,
                                             "the community server answered the DM with %u",
                                             status));
    return;
  }
  if (call->peer != NULL) {
    /* to a blinded id we do not recognise: kept in the conversation keyed by it */
    SdIncomingMessage sent = { 0 };
    SdMessage *message;

    sent.body = call->body;
    sent.sent_at = call->sent_at;
    sent.received_at = call->sent_at;
    message = store_sent_blinded (self, call->base_url, call->pk_hex, call->peer, &sent);
    if (message != NULL)
      g_task_return_pointer (task, message, (GDestroyNotify) sd_message_free);
    else /* an outbox poll stored it first */
      return_stored_message (self, task, self->account->identity->session_id, call->sent_at);
    return;
  }
  /* stored as ours in the 1:1 conversation with the contact (as a sync copy would be) */
  batch = sd_store_batch_new (self->account->store);
  ours.author = self->account->identity->session_id;
  ours.sync_target = call->contact;
  ours.body = call->body;
  ours.sent_at = call->sent_at;
  ours.received_at = call->sent_at;
  ours.kind = SD_MESSAGE_KIND_TEXT;
  if (!sd_store_batch_add_message (batch, &ours, &error) ||
      !sd_store_apply_batch (self->account->store, batch, &changes, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  sd_account_apply_changes (self->account, changes);
  return_stored_message (self, task, ours.author, ours.sent_at);
}

void
sd_communities_dm_async (SdCommunities *self, const gchar *id, const gchar *to,
                         const gchar *body, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autofree gchar *b64 = NULL, *endpoint = NULL;
  g_autoptr(GBytes) request = NULL;
  const gchar *contact;
  guint8 other[32];
  SdBlinding kind;
  Call *call;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_communities_dm_async);
  if (!sd_account_check_body (body, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!sd_blinded_id_parse (to, &kind, other, &error) || kind != SD_BLINDING_15) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                             "a community DM goes to a 15-blinded id");
    return;
  }
  room = lookup_room (self, id, &server, &error);
  if (room == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  contact = recognise (self, cache, &contacts, to, server->pk);
  call = text_call_new (self, task, id, body);
  call->contact = g_strdup (contact);
  if (contact == NULL) {
    /* not recognised: the conversation is keyed by the blinded id until it is */
    call->peer = g_strdup (to);
    call->base_url = g_strdup (room->base_url);
    call->pk_hex = g_strdup (room->server_pk);
  }
  content = text_call_content (self, call, FALSE);
  sealed = sd_blinded_dm_seal_content (self->account->identity->ed25519_sk, server->pk, other,
                                       g_bytes_get_data (content, NULL),
                                       g_bytes_get_size (content), &error);
  if (sealed == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  b64 = sd_base64_encode (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), TRUE);
  request = json_request ("message", b64, NULL, NULL);
  endpoint = g_strdup_printf ("/inbox/%s", to);
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "POST", endpoint, request,
                              cancellable, on_dm_sent, g_steal_pointer (&task));
}

void
sd_communities_dm_blinded_async (SdCommunities *self, const gchar *blinded_id,
                                 const gchar *body, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(SdBlindedConversation) peer = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  const gchar *room_id = NULL;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  if (self->account->store != NULL)
    peer = sd_store_get_blinded_conversation (self->account->store, blinded_id, NULL);
  if (peer != NULL)
    rooms = sd_store_list_communities (self->account->store, NULL);
  /* any room we joined on the peer's server carries the DM (the inbox is the server's) */
  for (guint i = 0; rooms != NULL && i < rooms->len && room_id == NULL; i++) {
    SdCommunity *room = g_ptr_array_index (rooms, i);

    if (g_str_equal (room->base_url, peer->base_url) &&
        g_str_equal (room->server_pk, peer->server_pk))
      room_id = room->id;
  }
  if (room_id == NULL) {
    g_task_report_new_error (self, callback, user_data, sd_communities_dm_async,
                             SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                             "no community joined on the server of this blinded id");
    return;
  }
  sd_communities_dm_async (self, room_id, blinded_id, body, cancellable, callback, user_data);
}

/* ---- ResendMessage of a failed post (docs/communities.md, "Resending") ---- */

/* @task's Call is the resent post: its files that did not go up go now, one by one, from
 * their kept copy; then it is posted under its first sent-at */
static void resend_next (GTask *task);

static void
on_resend_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* resend_done told the outcome already: the task only ends the work */
  g_autoptr(GError) error = NULL;
  g_autofree gpointer unused = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    g_debug ("resend: %s", error->message);
}

/* @task ends with @error (taken): the post failed again */
static void
resend_fail (GTask *task, GError *error)
{
  SdCommunities *self = g_task_get_source_object (task);

  resend_done (self, g_task_get_task_data (task), 0, error);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_resend_file (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(SdMessage) changed = NULL;
  g_autoptr(GBytes) pointer = NULL;
  const SdAttachmentInfo *info = NULL;
  gint64 file_id;
  guint status = 0;

  body = sd_community_request_finish (SD_NETWORK (source), result, &status, &error);
  if (self->stopped) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "communities stopped");
    g_object_unref (task);
    return;
  }
  if (body == NULL) {
    resend_fail (task, g_steal_pointer (&error));
    return;
  }
  if (status != 200 && status != 201) {
    resend_fail (task, status_error (status, "the community server answered the file with %u",
                                     status));
    return;
  }
  file_id = uploaded_file_id (body);
  room = sd_store_get_community (self->account->store, call->id, NULL);
  message = sd_store_get_message (self->account->store, call->resend_id, NULL);
  for (guint i = 0; message != NULL && message->attachments != NULL &&
                    i < message->attachments->len; i++) {
    const SdAttachmentInfo *a = g_ptr_array_index (message->attachments, i);

    if (a->state != SD_ATTACHMENT_STATE_AVAILABLE) {
      info = a;
      break;
    }
  }
  if (file_id <= 0 || room == NULL || info == NULL) {
    resend_fail (task, g_error_new_literal (SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                                            "the community server's answer to a file has "
                                            "no id"));
    return;
  }
  pointer = room_file_pointer (room, file_id, info->file_name, info->content_type,
                               info->caption, info->size, info->width, info->height,
                               info->voice);
  changed = sd_store_community_file_uploaded (self->account->store, call->id, call->resend_id,
                                              info->index, pointer, &error);
  if (changed == NULL) {
    resend_fail (task, g_steal_pointer (&error));
    return;
  }
  sd_account_emit_message_changed (self->account, changed);
  resend_next (task);
}

static void
resend_next (GTask *task)
{
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *endpoint = NULL;
  g_autoptr(GBytes) file = NULL;
  const SdAttachmentInfo *info = NULL;
  gchar *contents = NULL;
  gsize length = 0;

  room = lookup_room (self, call->id, &server, &error);
  message = room != NULL ? sd_store_get_message (self->account->store, call->resend_id, &error)
                         : NULL;
  if (message == NULL) {
    resend_fail (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; message->attachments != NULL && i < message->attachments->len; i++) {
    const SdAttachmentInfo *a = g_ptr_array_index (message->attachments, i);

    if (a->state != SD_ATTACHMENT_STATE_AVAILABLE) {
      info = a;
      break;
    }
  }
  if (info == NULL) {
    /* every file is up: the post, with the pointers in their order */
    ServerState *state = server_state (self, call->key);

    call->pointers = sd_store_attachment_pointers (self->account->store, message->local_id,
                                                   &error);
    if (call->pointers == NULL) {
      resend_fail (task, g_steal_pointer (&error));
      return;
    }
    /* a copy the server did store (an answer lost) comes back in a poll and is adopted as
     * ours (adopt_own_post): one poll of the room first, now, then the post only if it is
     * still ours to send */
    g_queue_push_tail (&state->resends, task);
    state->next_at = 0;
    sd_communities_poll_now (self);
    return;
  }
  /* a room file is kept as it was sent: the same bytes go up again */
  path = info->file != NULL ? g_build_filename (self->account->config.data_dir, "attachments",
                                                info->file, NULL)
                            : NULL;
  if (path == NULL || !g_file_get_contents (path, &contents, &length, &error)) {
    resend_fail (task, error != NULL ? g_steal_pointer (&error)
                                     : g_error_new_literal (SD_ACCOUNT_ERROR,
                                                            SD_ACCOUNT_ERROR_FAILED,
                                                            "a file of the post is gone"));
    return;
  }
  endpoint = g_strdup_printf ("/room/%s/file", room->room);
  file = g_bytes_new_take (contents, length);
  sd_community_upload_async (self->account->network, server,
                             self->account->identity->ed25519_sk, endpoint, file,
                             info->file_name, g_task_get_cancellable (task), on_resend_file,
                             task);
}

/* @task's post after the poll: posted, or done when the poll found it on the server */
static void
resend_post (GTask *task)
{
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autoptr(SdMessage) message = NULL;

  room = lookup_room (self, call->id, &server, &error);
  message = room != NULL ? sd_store_get_message (self->account->store, call->resend_id, &error)
                         : NULL;
  if (message == NULL) {
    resend_fail (task, g_steal_pointer (&error));
    return;
  }
  if (message->status != SD_MESSAGE_STATUS_SENDING) {
    /* adopted: the server has it */
    sd_account_emit_message_changed (self->account, message);
    sd_account_emit_conversation (self->account, call->id);
    g_task_return_pointer (task, NULL, NULL);
    g_object_unref (task);
    return;
  }
  post_call (self, task, room, server);
}

/* the resends waiting for a poll of @state's server go on: posted after a poll, failed with
 * @poll_error after a failed one */
static void
resends_after_poll (SdCommunities *self, ServerState *state, const GError *poll_error)
{
  GTask *task;

  while (!self->stopped && (task = g_queue_pop_head (&state->resends)) != NULL) {
    if (poll_error != NULL)
      resend_fail (task, g_error_copy (poll_error));
    else
      resend_post (task);
  }
}

/* stopped: each resend waiting for a poll ends (its message stays sending, failed at the
 * next start) */
static void
resends_cancel (SdCommunities *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->servers == NULL)
    return;
  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    ServerState *state = value;
    GTask *task;

    while ((task = g_queue_pop_head (&state->resends)) != NULL) {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "communities stopped");
      g_object_unref (task);
    }
  }
}

gboolean
sd_communities_resend (SdCommunities *self, const gchar *id, const gchar *message_id,
                       GError **error)
{
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autoptr(SdMessage) message = NULL;
  GTask *task;
  Call *call;

  g_return_val_if_fail (SD_IS_COMMUNITIES (self), FALSE);

  room = lookup_room (self, id, &server, error);
  if (room == NULL)
    return FALSE;
  message = sd_store_resend_failed_for (self->account->store, id, message_id,
                                        SD_RESEND_COMMUNITY, NULL, error);
  if (message == NULL)
    return FALSE;
  sd_account_emit_message_changed (self->account, message);
  task = g_task_new (self, self->cancellable, on_resend_finished, NULL);
  g_task_set_source_tag (task, sd_communities_resend);
  /* the post as it was: its text, quote and first sent-at (a copy that did reach the server
   * is one message to every client that reads it, ours included); our name of now */
  call = text_call_new (self, task, id, message->body);
  call->sent_at = message->sent_at;
  call->author = g_strdup (message->author);
  call->quote_author = g_strdup (message->quote_author);
  call->quote_sent_at = message->quote_author != NULL ? message->quote_sent_at : 0;
  call->key = server_key (room);
  call->resend_id = g_strdup (message_id);
  resend_next (task);
  return TRUE;
}

SdMessage *
sd_communities_post_finish (SdCommunities *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_reacted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdCommunities *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  guint status;

  body = request_answer (task, source, result, &status);
  if (body == NULL)
    return;
  if (status == 403) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_AUTHOR,
                             "the community does not allow us this");
    return;
  }
  if (status != 200) {
    g_task_return_error (task,
                         status_error (status, "the community server answered %u", status));
    return;
  }
  /* the counts (or pins) come with the next poll, which is now */
  sd_communities_poll_now (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
locate_post (SdCommunities *self, const gchar *id, const gchar *message_id,
             SdCommunity **room, SdCommunityServer **server, gint64 *post_id, GError **error)
{
  g_autofree gchar *conversation = NULL;

  *room = lookup_room (self, id, server, error);
  if (*room == NULL)
    return FALSE;
  if (!sd_store_community_post_id (self->account->store, message_id, post_id, &conversation,
                                   NULL) ||
      g_strcmp0 (conversation, id) != 0) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                         "no such post in this community");
    return FALSE;
  }
  return TRUE;
}

void
sd_communities_react_async (SdCommunities *self, const gchar *id, const gchar *message_id,
                            const gchar *emoji, gboolean add, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree gchar *escaped = NULL, *endpoint = NULL;
  gint64 post_id = 0;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_communities_react_async);
  if (emoji == NULL || *emoji == '\0' || strlen (emoji) > SD_SOGS_EMOJI_MAX ||
      !g_utf8_validate (emoji, -1, NULL)) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                             "a reaction is one emoji (at most %d bytes)", SD_SOGS_EMOJI_MAX);
    return;
  }
  if (!locate_post (self, id, message_id, &room, &server, &post_id, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  escaped = g_uri_escape_string (emoji, NULL, FALSE);
  endpoint = g_strdup_printf ("/room/%s/reaction/%" G_GINT64_FORMAT "/%s", room->room, post_id,
                              escaped);
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, add ? "PUT" : "DELETE",
                              endpoint, NULL, cancellable, on_reacted, g_steal_pointer (&task));
}

void
sd_communities_pin_async (SdCommunities *self, const gchar *id, const gchar *message_id,
                          gboolean pin, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree gchar *endpoint = NULL;
  g_autoptr(GBytes) empty = g_bytes_new_static ("{}", 2);
  gint64 post_id = 0;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_communities_pin_async);
  if (!locate_post (self, id, message_id, &room, &server, &post_id, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  endpoint = g_strdup_printf ("/room/%s/%s/%" G_GINT64_FORMAT, room->room,
                              pin ? "pin" : "unpin", post_id);
  /* the pins come back with the room's details in the next poll, which is now */
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "POST", endpoint, empty,
                              cancellable, on_reacted, g_steal_pointer (&task));
}

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdCommunities *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SdMessage) removed = NULL;
  guint status;

  body = request_answer (task, source, result, &status);
  if (body == NULL)
    return;
  if (status == 403) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_AUTHOR,
                             "only its poster or a moderator may delete a post");
    return;
  }
  if (status != 200 && status != 404) {
    g_task_return_error (task,
                         status_error (status, "the community server answered %u", status));
    return;
  }
  removed = sd_store_community_remove_post (self->account->store, call->id, call->post_id,
                                            NULL);
  if (removed != NULL) {
    sd_account_emit_message_removed (self->account, removed);
    sd_account_emit_conversation (self->account, call->id);
  }
  g_task_return_boolean (task, TRUE);
}

void
sd_communities_delete_async (SdCommunities *self, const gchar *id, const gchar *message_id,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdCommunityServer) server = NULL;
  g_autofree gchar *endpoint = NULL;
  gint64 post_id = 0;
  Call *call;

  g_return_if_fail (SD_IS_COMMUNITIES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_communities_delete_async);
  if (!locate_post (self, id, message_id, &room, &server, &post_id, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  call = g_new0 (Call, 1);
  call->id = g_strdup (id);
  call->post_id = post_id;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  endpoint = g_strdup_printf ("/room/%s/message/%" G_GINT64_FORMAT, room->room, post_id);
  sd_community_request_async (self->account->network, server,
                              self->account->identity->ed25519_sk, "DELETE", endpoint, NULL,
                              cancellable, on_deleted, g_steal_pointer (&task));
}

gboolean
sd_communities_finish (SdCommunities *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GObject ---- */

SdCommunities *
sd_communities_new (SdAccount *account, guint poll_interval_ms)
{
  SdCommunities *self = g_object_new (SD_TYPE_COMMUNITIES, NULL);

  self->account = account;
  /* desktop's cadence; a faster account poll (the testnet's) makes it faster too */
  self->interval_ms = poll_interval_ms > 0 ? MIN (poll_interval_ms, SD_COMMUNITIES_POLL_MS)
                                           : SD_COMMUNITIES_POLL_MS;
  self->interval_ms = MAX (self->interval_ms, 1000u);
  return self;
}

static void
sd_communities_dispose (GObject *object)
{
  SdCommunities *self = SD_COMMUNITIES (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  self->stopped = TRUE;
  resends_cancel (self);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  G_OBJECT_CLASS (sd_communities_parent_class)->dispose (object);
}

static void
sd_communities_finalize (GObject *object)
{
  SdCommunities *self = SD_COMMUNITIES (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->servers);
  g_hash_table_unref (self->images);
  G_OBJECT_CLASS (sd_communities_parent_class)->finalize (object);
}

static void
sd_communities_class_init (SdCommunitiesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_communities_dispose;
  object_class->finalize = sd_communities_finalize;
}

static void
sd_communities_init (SdCommunities *self)
{
  self->servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* no request goes out before sd_communities_start() (the account is online) */
  self->stopped = TRUE;
}
