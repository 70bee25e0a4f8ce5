/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the whole expiration table (docs/expiration-rules.md): every outgoing kind × conversation
 * setting × copy, and that each packer writes the fields exactly when the table says so */
#include "sd-content.h"
#include "sd-expiration-rules.h"
#include "sd-protobuf.h"
#include "sd-test-util.h"

#define T 1754971101000ULL
#define DAYS_14 SD_MESSAGE_TTL_MS
#define AUTHOR "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74"

/* the conversation settings the table is written for */
enum { OFF, AR300, AS43200, N_SETTINGS };
static const gint setting_mode[N_SETTINGS] = { 0, 1, 2 };
static const guint32 setting_timer[N_SETTINGS] = { 0, 300, 43200 };

typedef struct {
  gboolean carried;
  gint type;
  guint32 timer;
  gint64 ttl_ms;
} Row;

/* [kind][setting][own swarm]; the same numbers as the markdown table */
static const Row table[SD_OUTGOING_N_KINDS][N_SETTINGS][2] = {
#define VISIBLE                                                                           \
  { { { TRUE, 0, 0, DAYS_14 }, { TRUE, 0, 0, DAYS_14 } },                                 \
    { { TRUE, 1, 300, DAYS_14 }, { TRUE, 1, 300, 300000 } },                              \
    { { TRUE, 2, 43200, 43200000 }, { TRUE, 2, 43200, 43200000 } } }
  [SD_OUTGOING_TEXT] = VISIBLE,
  [SD_OUTGOING_QUOTE] = VISIBLE,
  [SD_OUTGOING_REACTION] = VISIBLE,
  [SD_OUTGOING_TIMER_UPDATE] = VISIBLE,
#undef VISIBLE
  [SD_OUTGOING_DATA_EXTRACTION] = {
    { { TRUE, 0, 0, DAYS_14 }, { TRUE, 0, 0, DAYS_14 } },
    { { TRUE, 1, 300, DAYS_14 }, { TRUE, 1, 300, 300000 } },
    /* forced to after-read with the conversation's timer */
    { { TRUE, 1, 43200, DAYS_14 }, { TRUE, 1, 43200, 43200000 } } },
#define CONTROL(ttl)                                                                      \
  { { { FALSE, 0, 0, ttl }, { FALSE, 0, 0, ttl } },                                       \
    { { FALSE, 0, 0, ttl }, { FALSE, 0, 0, ttl } },                                       \
    { { FALSE, 0, 0, ttl }, { FALSE, 0, 0, ttl } } }
  [SD_OUTGOING_UNSEND] = CONTROL (DAYS_14),
  [SD_OUTGOING_READ_RECEIPT] = CONTROL (DAYS_14),
  [SD_OUTGOING_TYPING] = CONTROL (SD_TYPING_TTL_MS),
  [SD_OUTGOING_REQUEST_RESPONSE] = CONTROL (DAYS_14),
#undef CONTROL
};

static void
test_table (void)
{
  for (guint kind = 0; kind < SD_OUTGOING_N_KINDS; kind++)
    for (guint setting = 0; setting < N_SETTINGS; setting++)
      for (guint own = 0; own < 2; own++) {
        const Row *want = &table[kind][setting][own];
        SdExpirationRule got = sd_expiration_rule ((SdOutgoingKind) kind, setting_mode[setting],
                                                   setting_timer[setting], own);

        g_test_message ("%s setting %u own %u", sd_outgoing_kind_to_string (kind), setting, own);
        g_assert_cmpint (got.carried, ==, want->carried);
        g_assert_cmpint (got.type, ==, want->type);
        g_assert_cmpuint (got.timer, ==, want->timer);
        g_assert_cmpint (got.ttl_ms, ==, want->ttl_ms);
      }
}

/* a mode with no timer, or an unknown mode, is off */
static void
test_degenerate_settings (void)
{
  SdExpirationRule no_timer = sd_expiration_rule (SD_OUTGOING_TEXT, 2, 0, FALSE);
  SdExpirationRule bad_mode = sd_expiration_rule (SD_OUTGOING_DATA_EXTRACTION, 7, 60, TRUE);
  SdExpirationRule long_timer = sd_expiration_rule (SD_OUTGOING_TIMER_UPDATE, 2, 30 * 86400,
                                                    FALSE);

  g_assert_cmpint (no_timer.type, ==, 0);
  g_assert_cmpint (no_timer.ttl_ms, ==, DAYS_14);
  g_assert_cmpint (bad_mode.type, ==, 0);
  g_assert_cmpuint (bad_mode.timer, ==, 0);
  g_assert_cmpint (bad_mode.ttl_ms, ==, DAYS_14);
  /* the swarm keeps nothing longer than 14 days */
  g_assert_cmpint (long_timer.ttl_ms, ==, DAYS_14);
  g_assert_cmpstr (sd_outgoing_kind_to_string (SD_OUTGOING_N_KINDS), ==, "unknown");
}

static GBytes *
pack_kind (SdOutgoingKind kind, const SdExpirationRule *rule)
{
  static const guint64 receipts[] = { T - 1 };
  SdTextContent text = { 0 };

  switch (kind) {
  case SD_OUTGOING_TEXT:
  case SD_OUTGOING_QUOTE:
    text.body = "hi";
    text.sent_at = T;
    if (kind == SD_OUTGOING_QUOTE) {
      text.quote_id = T - 1;
      text.quote_author = AUTHOR;
    }
    text.expiration_type = rule->type;
    text.expiration_timer = rule->timer;
    return sd_content_pack_text_full (&text);
  case SD_OUTGOING_REACTION:
    return sd_content_pack_reaction (T, T - 1, AUTHOR, "👍", FALSE, NULL, 0, NULL, rule->type,
                                     rule->timer);
  case SD_OUTGOING_TIMER_UPDATE:
    return sd_content_pack_expiration_update (T, rule->type, rule->timer, NULL);
  case SD_OUTGOING_DATA_EXTRACTION:
    return sd_content_pack_data_extraction (T, 1, 0, rule->type, rule->timer);
  case SD_OUTGOING_UNSEND:
    return sd_content_pack_unsend (T, T - 1, AUTHOR);
  case SD_OUTGOING_READ_RECEIPT:
    return sd_content_pack_read_receipt (T, receipts, 1);
  case SD_OUTGOING_TYPING:
    return sd_content_pack_typing (T, TRUE);
  case SD_OUTGOING_REQUEST_RESPONSE:
    return sd_content_pack_request_response (T, NULL, 0);
  case SD_OUTGOING_N_KINDS:
  default:
    g_assert_not_reached ();
  }
}

/* the packers agree with the table: fields present exactly when carried, with its values */
static void
test_packers_follow_table (void)
{
  for (guint kind = 0; kind < SD_OUTGOING_N_KINDS; kind++)
    for (guint setting = 0; setting < N_SETTINGS; setting++) {
      SdExpirationRule rule = sd_expiration_rule ((SdOutgoingKind) kind, setting_mode[setting],
                                                  setting_timer[setting], FALSE);
      g_autoptr(GBytes) bytes = pack_kind ((SdOutgoingKind) kind, &rule);
      g_autoptr(SessionProtos__Content) c = session_protos__content__unpack (
        NULL, g_bytes_get_size (bytes), g_bytes_get_data (bytes, NULL));

      g_test_message ("%s setting %u", sd_outgoing_kind_to_string (kind), setting);
      g_assert_nonnull (c);
      g_assert_cmpint (c->has_expirationtype, ==, rule.carried);
      g_assert_cmpint (c->has_expirationtimer, ==, rule.carried);
      if (rule.carried) {
        g_assert_cmpint (c->expirationtype, ==, rule.type);
        g_assert_cmpuint (c->expirationtimer, ==, rule.timer);
      }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/expiration-rules/table", test_table);
  g_test_add_func ("/protocol/expiration-rules/degenerate", test_degenerate_settings);
  g_test_add_func ("/protocol/expiration-rules/packers", test_packers_follow_table);
  return g_test_run ();
}
