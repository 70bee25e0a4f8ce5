/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-expiration-rules.h"

#define TYPE_OFF 0
#define TYPE_AFTER_READ 1
#define TYPE_AFTER_SEND 2

static const gchar *const kind_names[SD_OUTGOING_N_KINDS] = {
  [SD_OUTGOING_TEXT] = "text",
  [SD_OUTGOING_QUOTE] = "quote",
  [SD_OUTGOING_REACTION] = "reaction",
  [SD_OUTGOING_TIMER_UPDATE] = "timer-update",
  [SD_OUTGOING_DATA_EXTRACTION] = "data-extraction",
  [SD_OUTGOING_UNSEND] = "unsend",
  [SD_OUTGOING_READ_RECEIPT] = "read-receipt",
  [SD_OUTGOING_TYPING] = "typing",
  [SD_OUTGOING_REQUEST_RESPONSE] = "request-response",
};

const gchar *
sd_outgoing_kind_to_string (SdOutgoingKind kind)
{
  return (guint) kind < SD_OUTGOING_N_KINDS ? kind_names[kind] : "unknown";
}

/* desktop's ExpirableMessage.ttl(): after-send messages live as long as their timer; after-read
 * ones 14 days at the recipient (shortened by an `expire` call once read), but their timer in
 * our own swarm, where we have read them already (§5) */
static gint64
expirable_ttl (gint type, guint32 timer, gboolean own_swarm)
{
  if (type == TYPE_AFTER_SEND || (type == TYPE_AFTER_READ && own_swarm))
    return MIN ((gint64) timer * 1000, SD_MESSAGE_TTL_MS);
  return SD_MESSAGE_TTL_MS;
}

SdExpirationRule
sd_expiration_rule (SdOutgoingKind kind, gint mode, guint32 timer, gboolean own_swarm)
{
  SdExpirationRule rule = { FALSE, TYPE_OFF, 0, SD_MESSAGE_TTL_MS };
  gboolean on = (mode == TYPE_AFTER_READ || mode == TYPE_AFTER_SEND) && timer > 0;

  switch (kind) {
  case SD_OUTGOING_TEXT:
  case SD_OUTGOING_QUOTE:
  case SD_OUTGOING_REACTION:
  case SD_OUTGOING_TIMER_UPDATE:
    /* expirable: both fields always, UNKNOWN/0 when off (desktop works around protobuf.js) */
    rule.carried = TRUE;
    if (on) {
      rule.type = mode;
      rule.timer = timer;
    }
    break;
  case SD_OUTGOING_DATA_EXTRACTION:
    /* desktop's forcedDeleteAfterReadMsgSetting: the notice stays in the swarm as long as
     * possible but still disappears once read, with the conversation's timer */
    rule.carried = TRUE;
    if (on) {
      rule.type = TYPE_AFTER_READ;
      rule.timer = timer;
    }
    break;
  case SD_OUTGOING_TYPING:
    rule.ttl_ms = SD_TYPING_TTL_MS;
    return rule;
  case SD_OUTGOING_UNSEND:
  case SD_OUTGOING_READ_RECEIPT:
  case SD_OUTGOING_REQUEST_RESPONSE:
  case SD_OUTGOING_N_KINDS:
  default:
    /* control messages carry neither field and keep the content TTL */
    return rule;
  }
  rule.ttl_ms = expirable_ttl (rule.type, rule.timer, own_swarm);
  return rule;
}

static const guint32 after_read_timers[] = { 10, 30, 60, 300, 3600, 43200, 86400, 604800,
                                             1209600 };
static const guint32 after_send_timers[] = { 10, 30, 60, 43200, 86400, 604800, 1209600 };

/* the offered timers of @mode, ascending; none for off */
static const guint32 *
offered_timers (gint mode, gsize *out_n)
{
  if (mode == 1) {
    *out_n = G_N_ELEMENTS (after_read_timers);
    return after_read_timers;
  }
  if (mode == 2) {
    *out_n = G_N_ELEMENTS (after_send_timers);
    return after_send_timers;
  }
  *out_n = 0;
  return NULL;
}

gboolean
sd_expiration_timer_offered (gint mode, guint32 timer)
{
  gsize n;
  const guint32 *timers = offered_timers (mode, &n);

  if (timers == NULL)
    return timer == 0;
  for (gsize i = 0; i < n; i++)
    if (timers[i] == timer)
      return TRUE;
  return FALSE;
}

guint32
sd_expiration_timer_round_up (gint mode, guint32 timer)
{
  gsize n;
  const guint32 *timers = offered_timers (mode, &n);

  /* desktop takes any timer it is sent; rounding up is the safe side */
  if (timer == 0 || timers == NULL)
    return timer;
  for (gsize i = 0; i < n; i++)
    if (timer <= timers[i])
      return timers[i];
  return timers[n - 1];
}
