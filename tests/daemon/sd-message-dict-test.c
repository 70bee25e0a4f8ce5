/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the message dictionaries the D-Bus API hands out: keys, types, and which keys are left out */

#include "sd-message-dict.h"
#include "sessiond-contract.h"

#define ALICE "05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BOB "05bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* a received text message, with no options; the strings are not owned */
static SdMessage
text_message (void)
{
  SdMessage message = { 0 };

  message.id = (gchar *) BOB "-1000";
  message.conversation = (gchar *) BOB;
  message.author = (gchar *) BOB;
  message.body = (gchar *) "hello";
  message.sent_at = 1000;
  message.received_at = 1500;
  message.status = SD_MESSAGE_STATUS_SENT;
  message.kind = SD_MESSAGE_KIND_TEXT;
  return message;
}

static GVariant *
dict (const SdMessage *message)
{
  return g_variant_ref_sink (sd_message_dict_new (message));
}

static void
assert_absent (GVariant *dict, const gchar *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  g_assert_null (value);
}

static void
assert_string (GVariant *dict, const gchar *key, const gchar *expected)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_STRING);

  g_assert_nonnull (value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, expected);
}

static void
test_text (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) d = dict (&message);
  gboolean outgoing = TRUE;
  gint64 t = 0;

  g_assert_true (g_variant_is_of_type (d, G_VARIANT_TYPE_VARDICT));
  assert_string (d, SESSIOND_MESSAGE_KEY_ID, BOB "-1000");
  assert_string (d, SESSIOND_MESSAGE_KEY_CONVERSATION, BOB);
  assert_string (d, SESSIOND_MESSAGE_KEY_AUTHOR, BOB);
  assert_string (d, SESSIOND_MESSAGE_KEY_BODY, "hello");
  assert_string (d, SESSIOND_MESSAGE_KEY_STATUS, "sent");
  assert_string (d, SESSIOND_MESSAGE_KEY_KIND, "text");
  g_assert_true (g_variant_lookup (d, SESSIOND_MESSAGE_KEY_OUTGOING, "b", &outgoing));
  g_assert_false (outgoing);
  g_assert_true (g_variant_lookup (d, SESSIOND_MESSAGE_KEY_SENT_AT, "x", &t));
  g_assert_cmpint (t, ==, 1000);
  g_assert_true (g_variant_lookup (d, SESSIOND_MESSAGE_KEY_RECEIVED_AT, "x", &t));
  g_assert_cmpint (t, ==, 1500);
  /* what does not apply is left out */
  assert_absent (d, SESSIOND_MESSAGE_KEY_ERROR);
  assert_absent (d, SESSIOND_MESSAGE_KEY_EXPIRES_AT);
  assert_absent (d, SESSIOND_MESSAGE_KEY_EXPIRATION_MODE);
  assert_absent (d, SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER);
  assert_absent (d, SESSIOND_MESSAGE_KEY_QUOTE_ID);
  assert_absent (d, SESSIOND_MESSAGE_KEY_REACTIONS);
  g_assert_cmpuint (g_variant_n_children (d), ==, 9);
}

static void
test_failed (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) d = NULL;
  g_autoptr(GVariant) without_reason = NULL;

  message.outgoing = TRUE;
  message.author = (gchar *) ALICE;
  message.status = SD_MESSAGE_STATUS_FAILED;
  message.error = (gchar *) "no route to the swarm";
  d = dict (&message);
  assert_string (d, SESSIOND_MESSAGE_KEY_STATUS, "failed");
  assert_string (d, SESSIOND_MESSAGE_KEY_ERROR, "no route to the swarm");

  /* failed always says why, if only with an empty string */
  message.error = NULL;
  without_reason = dict (&message);
  assert_string (without_reason, SESSIOND_MESSAGE_KEY_ERROR, "");
}

static void
test_quote (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) d = NULL;
  g_autoptr(GVariant) event = NULL;

  message.quote_author = (gchar *) ALICE;
  message.quote_sent_at = 900;
  message.quote_body = (gchar *) "hi";
  d = dict (&message);
  assert_string (d, SESSIOND_MESSAGE_KEY_QUOTE_ID, ALICE "-900");
  assert_string (d, SESSIOND_MESSAGE_KEY_QUOTE_AUTHOR, ALICE);
  assert_string (d, SESSIOND_MESSAGE_KEY_QUOTE_BODY, "hi");

  /* a media-saved notice also names a message, but it is no reply */
  message.kind = SD_MESSAGE_KIND_MEDIA_SAVED;
  event = dict (&message);
  assert_string (event, SESSIOND_MESSAGE_KEY_KIND, "media-saved");
  assert_absent (event, SESSIOND_MESSAGE_KEY_QUOTE_ID);
}

static void
test_expiring (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) d = NULL;
  gint64 expires_at = 0;
  guint32 timer = 0;

  message.expires_at = 87400000;
  message.expiration_mode = SD_EXPIRATION_AFTER_SEND;
  message.expiration_timer = 86400;
  d = dict (&message);
  g_assert_true (g_variant_lookup (d, SESSIOND_MESSAGE_KEY_EXPIRES_AT, "x", &expires_at));
  g_assert_cmpint (expires_at, ==, 87400000);
  assert_string (d, SESSIOND_MESSAGE_KEY_EXPIRATION_MODE, "after-send");
  g_assert_true (g_variant_lookup (d, SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER, "u", &timer));
  g_assert_cmpuint (timer, ==, 86400);
}

static void
test_reactions (void)
{
  SdMessage message = text_message ();
  SdReaction reactions[] = { { (gchar *) "👍", 2, TRUE }, { (gchar *) "😂", 1, FALSE } };
  g_autoptr(GArray) array = g_array_new (FALSE, FALSE, sizeof (SdReaction));
  g_autoptr(GVariant) d = NULL;
  g_autoptr(GVariant) value = NULL;
  const gchar *emoji;
  guint32 count;
  gboolean mine;

  g_array_append_vals (array, reactions, G_N_ELEMENTS (reactions));
  message.reactions = array;
  d = dict (&message);
  value = g_variant_lookup_value (d, SESSIOND_MESSAGE_KEY_REACTIONS, G_VARIANT_TYPE ("a(sub)"));
  g_assert_nonnull (value);
  g_assert_cmpuint (g_variant_n_children (value), ==, 2);
  g_variant_get_child (value, 0, "(&sub)", &emoji, &count, &mine);
  g_assert_cmpstr (emoji, ==, "👍");
  g_assert_cmpuint (count, ==, 2);
  g_assert_true (mine);
  g_variant_get_child (value, 1, "(&sub)", &emoji, &count, &mine);
  g_assert_cmpstr (emoji, ==, "😂");
  g_assert_cmpuint (count, ==, 1);
  g_assert_false (mine);
}

/* MessageChanged: the last reaction going away must reach clients, so "reactions" is there
 * even when empty; the rest is the full dictionary */
static void
test_changes_always_have_reactions (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) full = dict (&message);
  g_autoptr(GVariant) changes = g_variant_ref_sink (sd_message_dict_new_changes (&message));
  g_autoptr(GVariant) value = NULL;

  value = g_variant_lookup_value (changes, SESSIOND_MESSAGE_KEY_REACTIONS,
                                  G_VARIANT_TYPE ("a(sub)"));
  g_assert_nonnull (value);
  g_assert_cmpuint (g_variant_n_children (value), ==, 0);
  g_assert_cmpuint (g_variant_n_children (changes), ==, g_variant_n_children (full) + 1);
  assert_string (changes, SESSIOND_MESSAGE_KEY_BODY, "hello");
  assert_string (changes, SESSIOND_MESSAGE_KEY_STATUS, "sent");
}

/* a community post: the blinded author, the poster's name, and their real id only when
 * known; other messages carry neither key */
static void
test_community_poster (void)
{
  SdMessage message = text_message ();
  g_autoptr(GVariant) plain = dict (&message);
  g_autoptr(GVariant) stranger = NULL;
  g_autoptr(GVariant) contact = NULL;

  assert_absent (plain, SESSIOND_MESSAGE_KEY_AUTHOR_NAME);
  assert_absent (plain, SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID);
  message.conversation = (gchar *) "0c" "11111111111111111111111111111111"
                                        "11111111111111111111111111111111";
  message.author = (gchar *) "15" "22222222222222222222222222222222"
                                  "22222222222222222222222222222222";
  message.author_name = (gchar *) "Poster";
  stranger = dict (&message);
  assert_string (stranger, SESSIOND_MESSAGE_KEY_AUTHOR, message.author);
  assert_string (stranger, SESSIOND_MESSAGE_KEY_AUTHOR_NAME, "Poster");
  assert_absent (stranger, SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID);
  message.author_session_id = (gchar *) BOB;
  contact = dict (&message);
  assert_string (contact, SESSIOND_MESSAGE_KEY_AUTHOR_SESSION_ID, BOB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-dict/text", test_text);
  g_test_add_func ("/message-dict/community-poster", test_community_poster);
  g_test_add_func ("/message-dict/failed", test_failed);
  g_test_add_func ("/message-dict/quote", test_quote);
  g_test_add_func ("/message-dict/expiring", test_expiring);
  g_test_add_func ("/message-dict/reactions", test_reactions);
  g_test_add_func ("/message-dict/changes-always-have-reactions",
                   test_changes_always_have_reactions);

  return g_test_run ();
}
