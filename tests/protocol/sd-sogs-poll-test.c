/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-sogs-poll.h"
#include "sd-test-util.h"

#define ID15 "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844"
#define ID15B "1561e070286ff7a71f167e92b18c709882b148d8238c8872caf414b301ba0564fd"
#define ID05 "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"
#define SIG "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="

static const SdSogsRoomCursor two_rooms[] = {
  { "lobby", 0, 0 },
  { "second", 3, 7 },
};

static void
test_build (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *first = sd_sogs_poll_build (two_rooms, 2, TRUE, 0, 0, &error);
  g_autofree gchar *later = sd_sogs_poll_build (two_rooms, 2, TRUE, 3, 4, &error);
  g_autofree gchar *no_dms = sd_sogs_poll_build (two_rooms, 1, FALSE, 0, 0, &error);
  const gchar *want_first[] = {
    "/capabilities", "/room/lobby/pollInfo/0", "/room/lobby/messages/recent?t=r&reactors=5",
    "/room/second/pollInfo/3", "/room/second/messages/since/7?t=r&reactors=5", "/inbox",
    "/outbox",
  };
  g_autoptr(JsonNode) a = NULL, b = NULL, c = NULL;
  SdSogsRoomCursor bad = { "no/slash", 0, 0 };
  SdSogsRoomCursor many[SD_SOGS_POLL_ROOMS_MAX + 1];

  g_assert_no_error (error);
  a = sd_json_parse (first, strlen (first), NULL);
  b = sd_json_parse (later, strlen (later), NULL);
  c = sd_json_parse (no_dms, strlen (no_dms), NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (a)), ==, 7);
  for (guint i = 0; i < 7; i++) {
    JsonObject *sub = json_array_get_object_element (json_node_get_array (a), i);

    g_assert_cmpstr (json_object_get_string_member (sub, "method"), ==, "GET");
    g_assert_cmpstr (json_object_get_string_member (sub, "path"), ==, want_first[i]);
  }
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (b), 5), "path"),
                   ==, "/inbox/since/3");
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (b), 6), "path"),
                   ==, "/outbox/since/4");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (c)), ==, 3);

  g_assert_null (sd_sogs_poll_build (&bad, 1, FALSE, 0, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_COMMUNITY_URL);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = two_rooms[0];
  g_assert_null (sd_sogs_poll_build (many, G_N_ELEMENTS (many), FALSE, 0, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

static const gchar *good_answer =
  "[{\"code\":200,\"headers\":{},\"body\":{\"capabilities\":[\"blind\",\"reactions\",\"sogs\"]}},"
  " {\"code\":200,\"body\":{\"token\":\"lobby\",\"active_users\":12,\"read\":true,\"write\":false,"
  "   \"upload\":true,\"moderator\":false,\"admin\":false,"
  "   \"details\":{\"token\":\"lobby\",\"name\":\"Lobby\",\"description\":\"Hi\",\"info_updates\":4,"
  "     \"message_sequence\":9,\"active_users\":12,\"moderators\":[\"" ID05 "\"],\"admins\":[],"
  "     \"pinned_messages\":[{\"id\":2,\"pinned_at\":1.5,\"pinned_by\":\"" ID15 "\"}],"
  "     \"read\":true,\"write\":false}}},"
  " {\"code\":200,\"body\":["
  "   {\"id\":1,\"session_id\":\"" ID15 "\",\"posted\":1754971101.25,\"seqno\":5,"
  "    \"data\":\"CgcKBWhlbGxv\",\"signature\":\"" SIG "\","
  "    \"reactions\":{\"\xe2\x9d\xa4\":{\"index\":0,\"count\":2,\"reactors\":[\"" ID15 "\"],\"you\":true}}},"
  "   {\"id\":2,\"session_id\":\"" ID15B "\",\"posted\":1754971102,\"seqno\":6,\"deleted\":true,"
  "    \"data\":null},"
  "   {\"id\":3,\"session_id\":\"05zz\",\"seqno\":9,\"data\":\"AA==\",\"signature\":\"" SIG "\"},"
  "   {\"id\":1,\"seqno\":8,\"reactions\":{\"\xf0\x9f\x91\x8d\":{\"index\":1,\"count\":1}}}"
  " ]},"
  " {\"code\":404,\"body\":\"No such room\"},"
  " {\"code\":304,\"body\":\"\"},"
  " {\"code\":200,\"body\":[{\"id\":8,\"posted_at\":1.0,\"expires_at\":2.0,\"sender\":\"" ID15 "\","
  "   \"recipient\":\"" ID15B "\",\"message\":\"AAAA\"},"
  "   {\"id\":9,\"sender\":\"" ID05 "\",\"recipient\":\"" ID15B "\",\"message\":\"AAAA\"}]},"
  " {\"code\":200,\"body\":[]}]";

static void
test_parse (void)
{
  g_auto(SdSogsPoll) poll = { 0 };
  g_autoptr(GError) error = NULL;
  SdSogsRoomPoll *lobby, *second;
  SdSogsMessage *m;
  SdSogsReaction *r;
  SdSogsDm *dm;

  g_assert_true (sd_sogs_poll_parse (good_answer, strlen (good_answer), two_rooms, 2, TRUE,
                                     &poll, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (poll.capabilities_status, ==, 200);
  g_assert_true (g_strv_contains ((const gchar *const *) poll.capabilities, "blind"));

  lobby = poll.rooms->pdata[0];
  g_assert_cmpstr (lobby->token, ==, "lobby");
  g_assert_cmpuint (lobby->info_status, ==, 200);
  g_assert_cmpint (lobby->active_users, ==, 12);
  g_assert_false (lobby->write);
  g_assert_nonnull (lobby->details);
  g_assert_cmpstr (lobby->details->name, ==, "Lobby");
  g_assert_cmpint (lobby->details->info_updates, ==, 4);
  g_assert_cmpuint (lobby->details->moderators->len, ==, 1);
  g_assert_cmpuint (lobby->details->pinned->len, ==, 1);
  g_assert_cmpint (g_array_index (lobby->details->pinned, gint64, 0), ==, 2);

  /* the post, the tombstone; the third is dropped but still moves the cursor */
  g_assert_cmpuint (lobby->messages_status, ==, 200);
  g_assert_cmpuint (lobby->messages->len, ==, 3);
  g_assert_cmpuint (lobby->dropped, ==, 1);
  g_assert_cmpint (lobby->max_seqno, ==, 9);
  m = lobby->messages->pdata[0];
  g_assert_cmpint (m->id, ==, 1);
  g_assert_cmpstr (m->session_id, ==, ID15);
  g_assert_false (m->deleted);
  g_assert_cmpstr (m->data, ==, "CgcKBWhlbGxv");
  g_assert_cmpfloat (m->posted, ==, 1754971101.25);
  g_assert_cmpuint (m->reactions->len, ==, 1);
  r = m->reactions->pdata[0];
  g_assert_cmpstr (r->emoji, ==, "\xe2\x9d\xa4");
  g_assert_cmpint (r->count, ==, 2);
  g_assert_true (r->you);
  m = lobby->messages->pdata[1];
  g_assert_true (m->deleted);
  g_assert_false (m->reactions_only);
  g_assert_null (m->data);
  g_assert_null (m->signature);
  /* no `data` key: an update of the reactions of message 1, not a deletion */
  m = lobby->messages->pdata[2];
  g_assert_true (m->reactions_only);
  g_assert_false (m->deleted);
  g_assert_cmpint (m->id, ==, 1);
  g_assert_cmpstr (m->session_id, ==, "");
  g_assert_cmpuint (m->reactions->len, ==, 1);

  second = poll.rooms->pdata[1];
  g_assert_cmpuint (second->info_status, ==, 404);
  g_assert_cmpuint (second->messages_status, ==, 304);
  g_assert_cmpuint (second->messages->len, ==, 0);

  /* the DM from a 05 id is dropped: inbox senders are blinded */
  g_assert_cmpuint (poll.inbox_status, ==, 200);
  g_assert_cmpuint (poll.inbox->len, ==, 1);
  g_assert_cmpuint (poll.dropped, ==, 1);
  dm = poll.inbox->pdata[0];
  g_assert_cmpint (dm->id, ==, 8);
  g_assert_cmpstr (dm->sender, ==, ID15);
  g_assert_cmpstr (dm->message, ==, "AAAA");
  g_assert_cmpuint (poll.outbox_status, ==, 200);
  g_assert_cmpuint (poll.outbox->len, ==, 0);
}

/* each of these entries alone in a page is dropped */
static void
test_bad_messages (void)
{
  g_autofree gchar *long_emoji = g_strnfill (SD_SOGS_EMOJI_MAX + 1, 'x');
  g_autofree gchar *emoji_entry = g_strdup_printf (
      "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\",\"signature\":\"" SIG
      "\",\"reactions\":{\"%s\":{\"count\":1}}}", long_emoji);
  const gchar *entries[] = {
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"signature\":\"" SIG "\"}",
    "{\"id\":0,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\",\"signature\":\"" SIG "\"}",
    "{\"id\":1,\"seqno\":-1,\"session_id\":\"" ID15 "\"}",
    "{\"id\":\"1\",\"seqno\":1,\"session_id\":\"" ID15 "\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"03" ID15 "\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"posted\":-5}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"posted\":\"now\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"deleted\":true,\"data\":\"AA==\","
    "\"signature\":\"" SIG "\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\",\"signature\":\"" SIG
    "A\"}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\",\"signature\":\"" SIG
    "\",\"reactions\":[]}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":\"AA==\",\"signature\":\"" SIG
    "\",\"reactions\":{\"x\":{\"count\":-1}}}",
    "{\"id\":1,\"seqno\":1,\"session_id\":\"" ID15 "\",\"data\":null,\"whisper_to\":\"nobody\"}",
    /* a reaction update needs its reactions */
    "{\"id\":1,\"seqno\":1}",
    emoji_entry,
    "42",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (entries); i++) {
    g_autofree gchar *page = g_strdup_printf ("[%s]", entries[i]);
    g_autoptr(JsonNode) node = sd_json_parse (page, strlen (page), NULL);
    g_autoptr(GPtrArray) msgs = NULL;
    gint64 max_seqno;
    guint dropped;

    g_assert_nonnull (node);
    msgs = sd_sogs_messages_parse (node, &max_seqno, &dropped, NULL);
    g_test_message ("%s", entries[i]);
    g_assert_nonnull (msgs);
    g_assert_cmpuint (msgs->len, ==, 0);
    g_assert_cmpuint (dropped, ==, 1);
  }
}

static void
test_bad_answers (void)
{
  GString *big = g_string_new ("[");
  g_autofree gchar *big_answer = NULL;
  const gchar *bad[] = {
    "", "{}", "[1,2,3]", "[{\"code\":200}]", "[[],[],[],[],[],[],[]", "null",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_auto(SdSogsPoll) poll = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_sogs_poll_parse (bad[i], strlen (bad[i]), two_rooms, 2, TRUE, &poll,
                                        &error));
    g_assert_nonnull (error);
    g_assert_null (poll.rooms);
  }

  /* malformed entries and an oversize page show as status 0, nothing else is lost */
  for (guint i = 0; i < SD_SOGS_PAGE_MAX + 1; i++)
    g_string_append_printf (big, "%s{\"id\":%u,\"seqno\":%u,\"session_id\":\"" ID15 "\"}",
                            i > 0 ? "," : "", i + 1, i + 1);
  g_string_append (big, "]");
  big_answer = g_strdup_printf ("[{\"code\":\"200\"},{\"code\":200,\"body\":[]},{\"code\":200,"
                                "\"body\":%s},{\"code\":200,\"body\":{}},{\"code\":200,"
                                "\"body\":[]},{\"code\":200,\"body\":{}},42]", big->str);
  g_string_free (big, TRUE);
  {
    g_auto(SdSogsPoll) poll = { 0 };
    SdSogsRoomPoll *lobby, *second;

    g_assert_true (sd_sogs_poll_parse (big_answer, strlen (big_answer), two_rooms, 2, TRUE,
                                       &poll, NULL));
    lobby = poll.rooms->pdata[0];
    second = poll.rooms->pdata[1];
    g_assert_cmpuint (poll.capabilities_status, ==, 0);
    g_assert_null (poll.capabilities);
    g_assert_cmpuint (lobby->info_status, ==, 0);
    g_assert_cmpuint (lobby->messages_status, ==, 0);
    g_assert_cmpuint (lobby->messages->len, ==, 0);
    g_assert_cmpuint (second->info_status, ==, 200);
    g_assert_cmpuint (second->messages_status, ==, 200);
    g_assert_cmpuint (poll.inbox_status, ==, 0);
    g_assert_cmpuint (poll.outbox_status, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/sogs-poll/build", test_build);
  g_test_add_func ("/protocol/sogs-poll/parse", test_parse);
  g_test_add_func ("/protocol/sogs-poll/bad-messages", test_bad_messages);
  g_test_add_func ("/protocol/sogs-poll/bad-answers", test_bad_answers);
  return g_test_run ();
}
