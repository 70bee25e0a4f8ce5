/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-expiration-rules.h"
#include "sd-keys.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* works through the outbox: each queued message is stored in the
 * recipient's swarm, then a sync copy in our own; statuses go
 * sending → sent or failed; retries survive restarts because the outbox
 * is in the store. Several items are in flight at once (bounded in all
 * and per conversation; a timer update goes alone in its conversation),
 * those for the same swarm go as one batch request (while a request to a
 * swarm is on its way, what comes for it waits and goes in the next one),
 * and stores that finish together are committed in one transaction.
 * Also sends fire-and-forget control messages. */
#define SD_TYPE_SENDER (sd_sender_get_type ())
G_DECLARE_FINAL_TYPE (SdSender, sd_sender, SD, SENDER, GObject)

#define SD_SENDER_MAX_ATTEMPTS 8

/* @identity must outlive the sender */
SdSender *sd_sender_new (SdNetwork *network,
                         SdStore *store,
                         const SdIdentity *identity) G_GNUC_WARN_UNUSED_RESULT;

/* our profile, sent with visible messages */
void sd_sender_set_profile (SdSender *self, const gchar *display_name, guint64 updated_seconds);
/* our avatar's URL and its 32-byte profile key, sent with the profile; NULL: none */
void sd_sender_set_avatar (SdSender *self, const gchar *url, GBytes *profile_key);

/* a failed attempt is retried after @base_ms, each next one twice as long, at most @max_ms
 * (defaults 1 s and 5 min; tests shorten them) */
void sd_sender_set_retry_delays (SdSender *self, guint base_ms, guint max_ms);

/* at most @total outbox items in flight, at most @per_conversation of one conversation, at
 * most @batch stores in one request (defaults 48, 40 and 20; SESSIOND_SENDER_IN_FLIGHT=N and
 * SESSIOND_SENDER_BATCH=N set the total and the batch; 1 and 1 = one at a time, as before) */
void sd_sender_set_limits (SdSender *self, guint total, guint per_conversation, guint batch);

/* what comes for a swarm while a request to it is on its way waits for that request, at most
 * @max_ms (default 1000; 0: nothing waits), and while its last request was a batch, a swarm gets
 * at most one request that is not a full batch per @interval_ms (default 100) */
void sd_sender_set_gather (SdSender *self, guint max_ms, guint interval_ms);

void sd_sender_start (SdSender *self);
void sd_sender_stop (SdSender *self);
/* looks at the outbox now (after something was queued) */
void sd_sender_kick (SdSender *self);

/* stores an already serialized Content of @kind (typing, receipts, request responses) for
 * @recipient, with the TTL sd_expiration_rule() gives that kind; failures are only logged */
void sd_sender_send_control (SdSender *self,
                             const gchar *recipient,
                             GBytes *content,
                             guint64 sent_at,
                             SdOutgoingKind kind);

/* the same, telling whether the recipient's swarm took it */
void sd_sender_send_control_async (SdSender *self, const gchar *recipient, GBytes *content,
                                   guint64 sent_at, SdOutgoingKind kind,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean sd_sender_send_control_finish (SdSender *self, GAsyncResult *result, GError **error);

/* signals:
 *   "message-changed" (SdMessage *message): a status changed */

G_END_DECLS
