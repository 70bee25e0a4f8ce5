/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One poll of a community server as desktop makes it (protocol-advanced.md
 * §5.1): a single POST /batch with /capabilities, then per room pollInfo and
 * messages/since (or /messages/recent on the first poll), then the inbox and
 * outbox. This file builds that body and reads the answer; every field of
 * the answer is checked and bounded, and a bad entry is dropped, not trusted */

#define SD_SOGS_PAGE_MAX       256   /* the reference's largest page */
#define SD_SOGS_POLL_ROOMS_MAX 32    /* rooms per server in one batch */
#define SD_SOGS_REACTORS       5     /* reactors asked for per emoji */
#define SD_SOGS_REACTIONS_MAX  64    /* distinct emoji kept per post */
#define SD_SOGS_EMOJI_MAX      48    /* bytes of one reaction's emoji */
#define SD_SOGS_NAME_MAX       1024  /* bytes of a room name */
#define SD_SOGS_TEXT_MAX       16384 /* bytes of a room description */
#define SD_SOGS_IDS_MAX        1024  /* moderators or admins listed */

/* what we know of a room before a poll */
typedef struct {
  const gchar *token;
  gint64 info_updates; /* last seen; 0: never */
  gint64 seqno;        /* last message seqno seen; 0: first poll → /messages/recent */
} SdSogsRoomCursor;

typedef struct {
  gchar *emoji;        /* (owned) */
  gint64 index;
  gint64 count;
  gboolean you;
} SdSogsReaction;

typedef struct {
  gint64 id;
  gint64 seqno;
  gchar session_id[67];  /* the poster: 15/25 (blinded), 00 or 05 + hex, lower case */
  gdouble posted;        /* unix seconds */
  gdouble edited;        /* 0: never */
  gboolean deleted;      /* a tombstone (`data` null): data and signature are NULL */
  gboolean reactions_only; /* a reaction update (no `data` key): only id, seqno and
                            * reactions are set; session_id may be "" */
  gchar *data;           /* (owned) (nullable) base64, for sd_sogs_post_decode */
  gchar *signature;      /* (owned) (nullable) base64 */
  gboolean whisper;
  gboolean whisper_mods;
  gchar *whisper_to;     /* (owned) (nullable) */
  GPtrArray *reactions;  /* (owned) SdSogsReaction*, possibly empty */
} SdSogsMessage;

typedef struct {
  gint64 id;
  gdouble posted_at;
  gdouble expires_at;
  gchar sender[67];      /* blinded id */
  gchar recipient[67];
  gchar *message;        /* (owned) base64, for sd_blinded_dm_decrypt */
} SdSogsDm;

typedef struct {
  gchar *token;          /* (owned) */
  gchar *name;           /* (owned) (nullable) */
  gchar *description;    /* (owned) (nullable) */
  gint64 info_updates;
  gint64 message_sequence;
  gint64 active_users;   /* -1: not given */
  gint64 image_id;       /* 0: none */
  gboolean read, write, upload, moderator, admin;
  GPtrArray *moderators; /* (owned) gchar*, ids as given */
  GPtrArray *admins;     /* (owned) gchar* */
  GArray *pinned;        /* (owned) gint64 message ids */
} SdSogsRoomInfo;

typedef struct {
  gchar *token;          /* (owned) */
  guint info_status;     /* the subrequest's code; 0: missing or malformed */
  gint64 active_users;   /* -1: not given */
  gboolean read, write, upload, moderator, admin;
  SdSogsRoomInfo *details; /* (owned) (nullable) only when info_updates moved */
  guint messages_status;
  GPtrArray *messages;   /* (owned) SdSogsMessage*, in the server's order */
  gint64 max_seqno;      /* highest seqno in the page, dropped entries included; 0: none */
  guint dropped;         /* entries that failed the checks */
} SdSogsRoomPoll;

typedef struct {
  guint capabilities_status;
  GStrv capabilities;    /* (owned) (nullable) */
  GPtrArray *rooms;      /* (owned) SdSogsRoomPoll*, in the cursors' order */
  gboolean with_dms;
  guint inbox_status;    /* 304: nothing new */
  GPtrArray *inbox;      /* (owned) SdSogsDm* */
  guint outbox_status;
  GPtrArray *outbox;     /* (owned) SdSogsDm* */
  guint dropped;         /* DMs that failed the checks */
} SdSogsPoll;

void sd_sogs_message_free (SdSogsMessage *message);
void sd_sogs_dm_free (SdSogsDm *dm);
void sd_sogs_room_info_free (SdSogsRoomInfo *info);
void sd_sogs_poll_clear (SdSogsPoll *poll);

/* the JSON body of the poll's POST /batch; @inbox_since / @outbox_since 0
 * ask for everything (the first poll). FALSE for a bad room token or too
 * many rooms */
gchar *sd_sogs_poll_build (const SdSogsRoomCursor *rooms,
                           gsize n_rooms,
                           gboolean with_dms,
                           gint64 inbox_since,
                           gint64 outbox_since,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* reads the batch answer to the request sd_sogs_poll_build made from the
 * same arguments. Fails only when the answer as a whole is unusable (not a
 * JSON list of that many {code, body} objects); a failed subrequest shows
 * in its status, a bad entry in `dropped` */
gboolean sd_sogs_poll_parse (const gchar *body,
                             gsize len,
                             const SdSogsRoomCursor *rooms,
                             gsize n_rooms,
                             gboolean with_dms,
                             SdSogsPoll *out,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* one page of messages (a JSON list), for answers outside a poll */
GPtrArray *sd_sogs_messages_parse (JsonNode *node,
                                   gint64 *max_seqno,
                                   guint *dropped,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* a room's details (GET /room/{r}, or pollInfo's `details`) */
SdSogsRoomInfo *sd_sogs_room_info_parse (JsonObject *object,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdSogsMessage, sd_sogs_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdSogsRoomInfo, sd_sogs_room_info_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdSogsPoll, sd_sogs_poll_clear)

G_END_DECLS
