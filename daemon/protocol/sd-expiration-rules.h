/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* default storage TTLs (protocol-identity-and-messages.md §5, desktop constants) */
#define SD_MESSAGE_TTL_MS (14 * 24 * 3600 * 1000LL)
#define SD_TYPING_TTL_MS (20 * 1000LL)

/* every kind of Content we send, as far as disappearing messages care */
typedef enum {
  SD_OUTGOING_TEXT,             /* a visible message */
  SD_OUTGOING_QUOTE,            /* a visible message replying to another */
  SD_OUTGOING_REACTION,         /* a visible message carrying a Reaction */
  SD_OUTGOING_TIMER_UPDATE,     /* DataMessage flags = 2 with the conversation's new setting */
  SD_OUTGOING_DATA_EXTRACTION,  /* screenshot / media-saved notice */
  SD_OUTGOING_UNSEND,
  SD_OUTGOING_READ_RECEIPT,
  SD_OUTGOING_TYPING,
  SD_OUTGOING_REQUEST_RESPONSE,
  SD_OUTGOING_N_KINDS,
} SdOutgoingKind;

/* what one copy of an outgoing message carries and how long the swarm keeps it */
typedef struct {
  gboolean carried;    /* Content.expirationType/expirationTimer are written at all */
  gint type;           /* Content.expirationType: 0 unknown (off), 1 after read, 2 after send */
  guint32 timer;       /* Content.expirationTimer, seconds */
  gint64 ttl_ms;       /* the store request's ttl */
} SdExpirationRule;

/* the one place that decides expiration fields and TTL (docs/expiration-rules.md):
 * @kind of message, the conversation's setting (@mode as Content.expirationType, @timer in
 * seconds; for a timer update the new setting), and whether this copy goes to our own swarm
 * (@own_swarm: sync copies, Note to Self, unsend copies). Pure. */
SdExpirationRule sd_expiration_rule (SdOutgoingKind kind,
                                     gint mode,
                                     guint32 timer,
                                     gboolean own_swarm);

/* the timers the official clients offer for @mode (Content.expirationType: 1 after read,
 * 2 after send; protocol-advanced.md §1), plus the developer builds' 10/30/60 s. Off (any
 * other mode) offers only 0 */
gboolean sd_expiration_timer_offered (gint mode, guint32 timer);
/* an incoming @timer rounded up to the next offered one for @mode (at most the longest): a
 * message never disappears sooner than its sender asked, nor lives past 14 days; 0 stays 0 */
guint32 sd_expiration_timer_round_up (gint mode, guint32 timer);

/* a short name for logs and tests ("text", "timer-update", …) */
const gchar *sd_outgoing_kind_to_string (SdOutgoingKind kind);

G_END_DECLS
