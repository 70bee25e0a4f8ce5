/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "groups/sd-group-control.h"
#include "groups/sd-subaccount.h"
#include "sd-groups-fixture.h"
#include "sd-groups.h"
#include "sd-store-schema.h"
#include "session-messages.pb-c.h"

/* the store side of groups (sd-store-groups.c, schema step 9) and invites received 1:1
 * (sd_groups_receive_update): what a valid invite makes, and that forged ones change nothing */

#define ID_C "05cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

typedef SdGroupsFixture Fixture;

/* the DataMessage.groupUpdateMessage bytes of an invite of @invitee at @t */
static GBytes *
invite_bytes (const SdGroupIdentity *group, const gchar *name, const gchar *invitee,
              const gchar *grant_for, gint64 t)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInviteMessage invite = SESSION_PROTOS__GROUP_UPDATE_INVITE_MESSAGE__INIT;
  g_autofree gchar *text = sd_group_control_invite_text (invitee, t);
  g_autoptr(GError) error = NULL;
  guint8 grant[SD_SUBACCOUNT_VALUE_LEN];
  guint8 signature[64];
  gsize len;
  guint8 *out;

  g_assert_true (sd_subaccount_make (group, grant_for, TRUE, FALSE, grant, &error));
  g_assert_true (sd_group_control_sign (group, text, signature, &error));
  invite.groupsessionid = (char *) group->id;
  invite.name = (char *) name;
  invite.memberauthdata.data = grant;
  invite.memberauthdata.len = sizeof (grant);
  invite.adminsignature.data = signature;
  invite.adminsignature.len = sizeof (signature);
  update.invitemessage = &invite;
  len = session_protos__group_update_message__get_packed_size (&update);
  out = g_malloc (len);
  session_protos__group_update_message__pack (&update, out);
  return g_bytes_new_take (out, len);
}

static void
receive (Fixture *f, const gchar *sender, gint64 t, GBytes *bytes)
{
  sd_groups_receive_update (f->store, &f->me, sender, t, g_bytes_get_data (bytes, NULL),
                            g_bytes_get_size (bytes));
}

static guint
n_groups (Fixture *f)
{
  g_autoptr(GPtrArray) groups = sd_store_list_groups (f->store, NULL);

  return groups != NULL ? groups->len : G_MAXUINT;
}

static void
test_invite_pending (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;
  g_autoptr(GBytes) bytes = invite_bytes (&f->group, "Crew", f->me.session_id, f->me.session_id, t);
  g_autoptr(SdStoreGroup) row = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GError) error = NULL;

  receive (f, f->admin.session_id, t, bytes);
  row = sd_store_get_group (f->store, f->group.id, &error);
  g_assert_no_error (error);
  g_assert_true (row->pending);
  g_assert_null (row->seed);
  g_assert_nonnull (row->auth_data);
  g_assert_cmpuint (g_bytes_get_size (row->auth_data), ==, SD_SUBACCOUNT_VALUE_LEN);
  g_assert_cmpstr (row->invited_by, ==, f->admin.session_id);
  conversation = sd_store_get_conversation (f->store, f->group.id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (conversation->kind, ==, SD_CONVERSATION_KIND_GROUP);
  g_assert_cmpstr (conversation->name, ==, "Crew");
  g_assert_false (conversation->approved);
}

static void
test_invite_from_contact (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;
  g_autoptr(GBytes) bytes = invite_bytes (&f->group, "Crew", f->me.session_id, f->me.session_id, t);
  g_autoptr(SdStoreGroup) row = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_store_open_conversation (f->store, f->admin.session_id, t, &error));
  receive (f, f->admin.session_id, t, bytes);
  row = sd_store_get_group (f->store, f->group.id, &error);
  g_assert_no_error (error);
  g_assert_false (row->pending);
}

static void
test_invite_forged (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;
  SdGroupIdentity view = { 0 };
  g_autoptr(GBytes) other_invitee = invite_bytes (&f->group, "Crew", f->other.session_id,
                                                  f->me.session_id, t);
  g_autoptr(GBytes) other_grant = invite_bytes (&f->group, "Crew", f->me.session_id,
                                                f->other.session_id, t);
  g_autoptr(GBytes) good = invite_bytes (&f->group, "Crew", f->me.session_id, f->me.session_id,
                                         t);
  g_autoptr(GBytes) long_name = NULL;
  g_autofree gchar *name = g_strnfill (SD_GROUP_NAME_MAX + 1, 'x');
  guint8 junk[64];

  long_name = invite_bytes (&f->group, name, f->me.session_id, f->me.session_id, t);
  /* signed for someone else, a grant for someone else, another time, garbage, a long name */
  receive (f, f->admin.session_id, t, other_invitee);
  receive (f, f->admin.session_id, t, other_grant);
  receive (f, f->admin.session_id, t + 1, good);
  receive (f, f->admin.session_id, t, long_name);
  memset (junk, 0xff, sizeof (junk));
  sd_groups_receive_update (f->store, &f->me, f->admin.session_id, t, junk, sizeof (junk));
  /* a member's view of the group cannot sign: an "admin" signature by another key */
  {
    g_autoptr(GBytes) bytes = NULL;
    guint8 seed[32];
    SdGroupIdentity impostor;

    memset (seed, 0x55, sizeof (seed));
    g_assert_true (sd_group_identity_from_seed (&impostor, seed, NULL));
    /* the impostor's key signs, but the invite names the real group */
    {
      SessionProtos__GroupUpdateMessage *update;
      gsize len;
      guint8 *out;

      bytes = invite_bytes (&impostor, "Crew", f->me.session_id, f->me.session_id, t);
      update = session_protos__group_update_message__unpack (NULL, g_bytes_get_size (bytes),
                                                              g_bytes_get_data (bytes, NULL));
      g_assert_nonnull (update);
      {
        gchar *own = update->invitemessage->groupsessionid;

        update->invitemessage->groupsessionid = f->group.id;
        len = session_protos__group_update_message__get_packed_size (update);
        out = g_malloc (len);
        session_protos__group_update_message__pack (update, out);
        update->invitemessage->groupsessionid = own; /* freed with the message */
      }
      session_protos__group_update_message__free_unpacked (update, NULL);
      sd_groups_receive_update (f->store, &f->me, f->admin.session_id, t, out, len);
      g_free (out);
    }
    sd_group_identity_clear (&impostor);
  }
  sd_group_identity_clear (&view);
  g_assert_cmpuint (n_groups (f), ==, 0);
  /* and the real one still works */
  receive (f, f->admin.session_id, t, good);
  g_assert_cmpuint (n_groups (f), ==, 1);
}

static void
test_group_rows (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreGroup) got = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree gchar *hash = NULL;
  SdStoreGroup row = { 0 };
  gboolean added = FALSE;

  row.id = f->group.id;
  row.seed = f->group_seed;
  row.keys_dump = g_bytes_new_static ("dump", 4);
  g_assert_true (sd_store_save_group (f->store, &row, "Crew", &error));
  g_assert_no_error (error);
  g_bytes_unref (row.keys_dump);
  got = sd_store_get_group (f->store, f->group.id, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->seed, 32, f->group_seed, 32);
  g_assert_false (got->pending);
  g_assert_cmpmem (g_bytes_get_data (got->keys_dump, NULL), g_bytes_get_size (got->keys_dump),
                   "dump", 4);

  /* a bad id is refused, nothing is made */
  row.id = (gchar *) ID_C;
  g_assert_false (sd_store_save_group (f->store, &row, "x", &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (n_groups (f), ==, 1);

  g_assert_null (sd_store_get_group_last_hash (f->store, f->group.id, 11, NULL));
  g_assert_true (sd_store_set_group_last_hash (f->store, f->group.id, 11, "h1", &error));
  g_assert_true (sd_store_set_group_last_hash (f->store, f->group.id, 11, "h2", &error));
  hash = sd_store_get_group_last_hash (f->store, f->group.id, 11, NULL);
  g_assert_cmpstr (hash, ==, "h2");
  /* saving the group again keeps its cursors */
  row.id = f->group.id;
  row.keys_dump = g_bytes_new_static ("dump2", 5);
  g_assert_true (sd_store_save_group (f->store, &row, NULL, &error));
  g_bytes_unref (row.keys_dump);
  row.keys_dump = NULL;
  g_clear_pointer (&hash, g_free);
  hash = sd_store_get_group_last_hash (f->store, f->group.id, 11, NULL);
  g_assert_cmpstr (hash, ==, "h2");

  g_assert_true (sd_store_add_group_message (f->store, f->group.id, f->admin.session_id, FALSE,
                                             "hi", 1700000000000, "hash1", &added, &error));
  g_assert_true (added);
  /* the same (author, sent_at) again: nothing new */
  g_assert_true (sd_store_add_group_message (f->store, f->group.id, f->admin.session_id, FALSE,
                                             "hi", 1700000000000, "hash1", &added, &error));
  g_assert_false (added);
  messages = sd_store_get_messages (f->store, f->group.id, 0, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  /* indexed for search and counted unread like any message */
  g_assert_true (sd_store_check_integrity (f->store, &error));
  g_assert_no_error (error);
  {
    guint unread = 0;

    g_assert_true (sd_store_count_unread (f->store, f->group.id, &unread, &error));
    g_assert_cmpuint (unread, ==, 1);
  }

  /* our message cut off by a restart is listed to go again (not theirs, not a 1:1 one, not a
   * sent one); once given up on (failed) it is no longer listed */
  {
    g_autoptr(SdMessage) mine = NULL;
    g_autofree gchar *mine_id = sd_message_id_make (f->me.session_id, 1700000000001);
    g_autoptr(GPtrArray) sending = NULL;

    g_assert_true (sd_store_add_group_message (f->store, f->group.id, f->me.session_id, TRUE,
                                               "mine", 1700000000001, NULL, &added, &error));
    g_assert_true (sd_store_add_group_message (f->store, f->group.id, f->me.session_id, TRUE,
                                               "mine too", 1700000000002, NULL, &added, &error));
    sending = sd_store_list_sending_group_messages (f->store, 100, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (sending->len, ==, 2);
    g_assert_cmpstr (((SdMessage *) g_ptr_array_index (sending, 0))->body, ==, "mine");
    g_assert_cmpstr (((SdMessage *) g_ptr_array_index (sending, 0))->conversation, ==,
                     f->group.id);
    g_assert_cmpint (((SdMessage *) g_ptr_array_index (sending, 0))->sent_at, ==, 1700000000001);
    g_clear_pointer (&sending, g_ptr_array_unref);
    /* at most @max, oldest first */
    sending = sd_store_list_sending_group_messages (f->store, 1, &error);
    g_assert_cmpuint (sending->len, ==, 1);
    g_assert_cmpstr (((SdMessage *) g_ptr_array_index (sending, 0))->body, ==, "mine");
    g_clear_pointer (&sending, g_ptr_array_unref);
    g_assert_true (sd_store_set_group_message_status (f->store, f->group.id, f->me.session_id,
                                                      1700000000002, TRUE, "h2", &error));
    g_assert_true (sd_store_set_group_message_status (f->store, f->group.id, f->me.session_id,
                                                      1700000000001, FALSE, NULL, &error));
    sending = sd_store_list_sending_group_messages (f->store, 100, &error);
    g_assert_cmpuint (sending->len, ==, 0);
    mine = sd_store_get_message (f->store, mine_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mine->status, ==, SD_MESSAGE_STATUS_FAILED);
    /* read back from the swarm later: delivered after all, but only in its own group */
    g_assert_true (sd_store_set_group_message_status (f->store, ID_C, f->me.session_id,
                                                      1700000000001, TRUE, "h", &error));
    g_clear_pointer (&mine, sd_message_free);
    mine = sd_store_get_message (f->store, mine_id, &error);
    g_assert_cmpint (mine->status, ==, SD_MESSAGE_STATUS_FAILED);
    g_assert_true (sd_store_set_group_message_status (f->store, f->group.id, f->me.session_id,
                                                      1700000000001, TRUE, "h", &error));
    g_clear_pointer (&mine, sd_message_free);
    mine = sd_store_get_message (f->store, mine_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mine->status, ==, SD_MESSAGE_STATUS_SENT);
  }

  /* deleting the conversation takes the group with it */
  sd_store_delete_conversation (f->store, f->group.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_groups (f), ==, 0);
}

static GBytes *
promote_bytes (const guint8 *seed, gsize seed_len)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdatePromoteMessage promote =
    SESSION_PROTOS__GROUP_UPDATE_PROMOTE_MESSAGE__INIT;
  gsize len;
  guint8 *out;

  promote.groupidentityseed.data = (guint8 *) seed;
  promote.groupidentityseed.len = seed_len;
  promote.name = (char *) "Crew";
  update.promotemessage = &promote;
  len = session_protos__group_update_message__get_packed_size (&update);
  out = g_malloc (len);
  session_protos__group_update_message__pack (&update, out);
  return g_bytes_new_take (out, len);
}

static gboolean
has_seed (Fixture *f)
{
  g_autoptr(SdStoreGroup) row = sd_store_get_group (f->store, f->group.id, NULL);

  g_assert_nonnull (row);
  return row->seed != NULL;
}

/* a promotion (the group seed, 1:1) makes us admin of a group we are in; nothing else does */
static void
test_promotion (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;
  g_autoptr(GBytes) invite = invite_bytes (&f->group, "Crew", f->me.session_id,
                                           f->me.session_id, t);
  guint8 other_seed[32];
  g_autoptr(GBytes) wrong = NULL, short_seed = NULL, right = NULL;
  g_autoptr(SdStoreGroup) row = NULL;

  memset (other_seed, 0x45, sizeof (other_seed));
  right = promote_bytes (f->group_seed, 32);
  wrong = promote_bytes (other_seed, 32);
  short_seed = promote_bytes (f->group_seed, 31);

  /* no such group: nothing is made */
  receive (f, f->admin.session_id, t, right);
  g_assert_cmpuint (n_groups (f), ==, 0);
  /* a pending invite: not promoted before it is accepted */
  receive (f, f->admin.session_id, t, invite);
  receive (f, f->admin.session_id, t, right);
  g_assert_false (has_seed (f));
  row = sd_store_get_group (f->store, f->group.id, NULL);
  row->pending = FALSE;
  g_assert_true (sd_store_save_group (f->store, row, NULL, NULL));
  /* another group's seed, a short one: nothing */
  receive (f, f->admin.session_id, t, wrong);
  receive (f, f->admin.session_id, t, short_seed);
  g_assert_false (has_seed (f));
  g_assert_cmpuint (n_groups (f), ==, 1);
  /* the group's own seed: we are admin, the grant stays */
  receive (f, f->other.session_id, t, right);
  g_assert_true (has_seed (f));
  g_clear_pointer (&row, sd_store_group_free);
  row = sd_store_get_group (f->store, f->group.id, NULL);
  g_assert_cmpmem (row->seed, 32, f->group_seed, 32);
  g_assert_nonnull (row->auth_data);
}

/* a blocked sender's invite is dropped, not stored as a request */
static void
test_invite_blocked (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;
  g_autoptr(GBytes) bytes = invite_bytes (&f->group, "Crew", f->me.session_id, f->me.session_id, t);
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_store_open_conversation (f->store, f->admin.session_id, t, &error));
  g_assert_true (sd_store_set_blocked (f->store, f->admin.session_id, TRUE, &error));
  g_assert_no_error (error);
  receive (f, f->admin.session_id, t, bytes);
  g_assert_cmpuint (n_groups (f), ==, 0);
}

/* invites waiting for an answer are capped: one over the cap is dropped */
static void
test_invite_cap (Fixture *f, gconstpointer data)
{
  const gint64 t = 1700000000000;

  for (guint i = 0; i <= SD_GROUPS_PENDING_MAX; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = NULL;
    SdGroupIdentity group;
    guint8 seed[32] = { 0 };

    seed[0] = (guint8) (i & 0xff);
    seed[1] = (guint8) (i >> 8);
    seed[2] = 0x5a;
    g_assert_true (sd_group_identity_from_seed (&group, seed, &error));
    bytes = invite_bytes (&group, "Crew", f->me.session_id, f->me.session_id, t);
    receive (f, f->admin.session_id, t, bytes);
    sd_group_identity_clear (&group);
  }
  g_assert_cmpuint (n_groups (f), ==, SD_GROUPS_PENDING_MAX);
}

/* a schema step that widens a CHECKed kind in place: a file at @from keeps its rows through it,
 * the new kinds are refused before and taken after, a kind still unknown is refused */
typedef struct {
  const gchar *path;
  guint from, to;
  const gchar *rows;     /* written at @from */
  const gchar *widened;  /* refused at @from, taken at @to */
  const gchar *bogus;    /* refused at @to */
  const gchar *kept;     /* one text value once migrated and widened ... */
  const gchar *expected; /* ... and what it must be */
} Migration;

#define MESSAGES_INSERT "INSERT INTO messages (conversation, author, outgoing, body, sent_at," \
                        " received_at, status, kind) VALUES "

static const Migration migrations[] = {
  /* step 9 widens conversations.kind: a version 8 file keeps its messages */
  { "/groups/migrate-v8", 8, 9,
    "INSERT INTO conversations (id) VALUES ('" ID_C "');"
    "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status)"
    " VALUES ('" ID_C "', '" ID_C "', 0, 'kept', 1, 1, 'sent');",
    "INSERT INTO conversations (id, kind) VALUES ('03aa', 'group')",
    "INSERT INTO conversations (id, kind) VALUES ('03bb', 'bogus')",
    "SELECT count(*) FROM messages", "1" },
  /* step 13 (step 11 on the groups branch, renumbered at the merge) widens messages.kind for
   * the group events; the messages stay */
  { "/groups/migrate-v12", 12, 13,
    "INSERT INTO conversations (id) VALUES ('" ID_C "');"
    "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status)"
    " VALUES ('" ID_C "', '" ID_C "', 0, 'kept', 1, 1, 'sent');",
    MESSAGES_INSERT "('" ID_C "', '" ID_C "', 0, 'New name', 2, 2, 'sent', 'group-renamed')",
    MESSAGES_INSERT "('" ID_C "', '" ID_C "', 0, '', 3, 3, 'sent', 'bogus')",
    "SELECT group_concat (body, '|') FROM (SELECT body FROM messages ORDER BY sent_at)",
    "kept|New name" },
  /* step 16 widens messages.kind for the picture and timer events; a file at 14 (step 15 is
   * another branch's) keeps its rows */
  { "/groups/migrate-v14", 14, 16,
    "INSERT INTO conversations (id) VALUES ('" ID_C "');"
    MESSAGES_INSERT "('" ID_C "', '" ID_C "', 0, 'Crew', 1, 1, 'sent', 'group-renamed');",
    MESSAGES_INSERT "('" ID_C "', '" ID_C "', 0, '', 2, 2, 'sent', 'group-avatar-changed'),"
    " ('" ID_C "', '" ID_C "', 0, '86400', 3, 3, 'sent', 'group-disappearing-changed')",
    MESSAGES_INSERT "('" ID_C "', '" ID_C "', 0, '', 4, 4, 'sent', 'bogus')",
    "SELECT group_concat (kind, '|') FROM (SELECT kind FROM messages ORDER BY sent_at)",
    "group-renamed|group-avatar-changed|group-disappearing-changed" },
};

/* the one text value @sql selects */
static gchar *
select_text (sqlite3 *db, const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gchar *text;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

static void
test_migrate (gconstpointer data)
{
  const Migration *m = data;
  sqlite3 *db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *kept = NULL, *integrity = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  sqlite3_exec (db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
  g_assert_true (sd_store_schema_migrate_to (db, 0, m->from, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (db, m->rows, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, m->widened, NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  g_assert_true (sd_store_schema_migrate_to (db, m->from, m->to, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (db, m->widened, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, m->bogus, NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  kept = select_text (db, m->kept);
  g_assert_cmpstr (kept, ==, m->expected);
  integrity = select_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  sqlite3_close (db);
}

/* group events: shown, never unread, one per (author, sent time), only group kinds */
static void
test_group_events (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreGroup) row = g_new0 (SdStoreGroup, 1);
  g_autoptr(SdMessage) event = NULL;
  g_autofree gchar *event_id = sd_message_id_make (f->admin.session_id, 1700000000005);
  gboolean added = FALSE;
  guint unread = 99;

  row->id = g_strdup (f->group.id);
  g_assert_true (sd_store_save_group (f->store, row, "Crew", &error));
  g_assert_true (sd_store_add_group_event (f->store, f->group.id, f->admin.session_id, FALSE,
                                           SD_MESSAGE_KIND_GROUP_RENAMED, "Crew 2",
                                           1700000000005, "h5", &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  g_assert_true (sd_store_add_group_event (f->store, f->group.id, f->admin.session_id, FALSE,
                                           SD_MESSAGE_KIND_GROUP_RENAMED, "again",
                                           1700000000005, "h5", &added, &error));
  g_assert_false (added);
  g_assert_false (sd_store_add_group_event (f->store, f->group.id, f->admin.session_id, FALSE,
                                            SD_MESSAGE_KIND_SCREENSHOT, "", 1700000000006, NULL,
                                            &added, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  event = sd_store_get_message (f->store, event_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (event->kind, ==, SD_MESSAGE_KIND_GROUP_RENAMED);
  g_assert_cmpstr (event->body, ==, "Crew 2");
  g_assert_cmpstr (sd_message_kind_to_string (event->kind), ==, "group-renamed");
  /* the picture and the timer (body: seconds) are group events too */
  g_assert_true (sd_store_add_group_event (f->store, f->group.id, f->admin.session_id, FALSE,
                                           SD_MESSAGE_KIND_GROUP_AVATAR_CHANGED, "",
                                           1700000000007, "h7", &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  g_assert_true (sd_store_add_group_event (f->store, f->group.id, f->admin.session_id, FALSE,
                                           SD_MESSAGE_KIND_GROUP_DISAPPEARING_CHANGED, "86400",
                                           1700000000008, "h8", &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  g_clear_pointer (&event, sd_message_free);
  g_clear_pointer (&event_id, g_free);
  event_id = sd_message_id_make (f->admin.session_id, 1700000000008);
  event = sd_store_get_message (f->store, event_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sd_message_kind_to_string (event->kind), ==, "group-disappearing-changed");
  g_assert_cmpstr (event->body, ==, "86400");
  g_assert_true (sd_store_count_unread (f->store, f->group.id, &unread, &error));
  g_assert_cmpuint (unread, ==, 0);
  g_assert_true (sd_store_check_integrity (f->store, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    g_test_add_data_func (migrations[i].path, &migrations[i], test_migrate);
  sd_groups_fixture_add ("/groups/rows", NULL, test_group_rows);
  sd_groups_fixture_add ("/groups/invite/pending", NULL, test_invite_pending);
  sd_groups_fixture_add ("/groups/invite/contact", NULL, test_invite_from_contact);
  sd_groups_fixture_add ("/groups/invite/forged", NULL, test_invite_forged);
  sd_groups_fixture_add ("/groups/invite/blocked", NULL, test_invite_blocked);
  sd_groups_fixture_add ("/groups/invite/cap", NULL, test_invite_cap);
  sd_groups_fixture_add ("/groups/promotion", NULL, test_promotion);
  sd_groups_fixture_add ("/groups/events", NULL, test_group_events);
  return g_test_run ();
}
