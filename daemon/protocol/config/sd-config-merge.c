/* SPDX-License-Identifier: GPL-3.0-or-later */
/* merging competing config messages so that every client computes the same
 * bytes: rank by (seqno, hash), start from the top one's data, replay every
 * diff in the window in ascending order (higher-ranked copies win when two
 * messages carry the same diff), then drop what became empty */
#define G_LOG_DOMAIN "SdConfigMerge"

#include "config.h"

#include "sd-config-merge.h"

#include <string.h>

#include "sd-config-diff.h"
#include "sd-protocol-error.h"

typedef struct {
  SdConfigMessage *message; /* (unowned) */
  guint index;              /* in the caller's array */
  guint8 hash[SD_CONFIG_HASH_LEN];
  gboolean ignored;
} Candidate;

/* one diff to replay: where its values come from */
typedef struct {
  gint64 seqno;
  const guint8 *hash;           /* (unowned) */
  const SdConfigValue *diff;    /* (unowned) */
  const SdConfigValue *source;  /* (unowned) the data of the message carrying it */
  SdConfigMessage *carrier;     /* (unowned) that message */
  gint index;                   /* the diff's place there: -1 current, else lagged */
} Replay;

static gint
rank_compare (gint64 sa, const guint8 *ha, gint64 sb, const guint8 *hb)
{
  if (sa != sb)
    return sa < sb ? -1 : 1;
  return memcmp (ha, hb, SD_CONFIG_HASH_LEN);
}

/* highest rank first */
static gint
candidate_compare_desc (gconstpointer a, gconstpointer b)
{
  const Candidate *ca = a, *cb = b;

  return -rank_compare (sd_config_message_get_seqno (ca->message), ca->hash,
                        sd_config_message_get_seqno (cb->message), cb->hash);
}

static gint
replay_compare (gconstpointer a, gconstpointer b)
{
  const Replay *ra = a, *rb = b;

  return rank_compare (ra->seqno, ra->hash, rb->seqno, rb->hash);
}

/* adds unless the (seqno, hash) is already there: the first (highest
 * ranked) copy of a diff is the one replayed */
static void
replay_add (GArray *replay, const Replay *entry)
{
  for (guint i = 0; i < replay->len; i++)
    if (replay_compare (&g_array_index (replay, Replay, i), entry) == 0)
      return;
  g_array_append_val (replay, *entry);
}

/* NULL with *winner set when one candidate already includes the others,
 * or, without @can_merge, to the highest-ranked one left; a merge takes
 * the replayed diffs out of the candidates, which are dropped after it */
static SdConfigMessage *
merge_core (Candidate *cands, guint n, guint lag, gboolean can_merge, gint *winner)
{
  gint64 max_seqno = G_MININT64;
  guint live = 0, last_live = 0;
  g_autoptr(GArray) order = NULL;
  g_autoptr(GArray) replay = NULL;
  SdConfigValue *data;
  SdConfigMessage *merged;
  const Candidate *top;

  for (guint i = 0; i < n; i++) {
    gint64 seqno = sd_config_message_get_seqno (cands[i].message);

    max_seqno = MAX (max_seqno, seqno);
    for (guint j = 0; j < n && !cands[i].ignored; j++) {
      if (i == j)
        continue;
      if (sd_config_message_includes (cands[j].message, seqno, cands[i].hash))
        cands[i].ignored = TRUE;
      else if (j < i && rank_compare (sd_config_message_get_seqno (cands[j].message),
                                      cands[j].hash, seqno, cands[i].hash) == 0)
        cands[i].ignored = TRUE; /* a duplicate */
    }
  }
  for (guint i = 0; i < n; i++) {
    if (sd_config_message_get_seqno (cands[i].message) <= max_seqno - (gint64) lag)
      cands[i].ignored = TRUE;
    if (!cands[i].ignored) {
      live++;
      last_live = i;
    }
  }
  if (live == 1) {
    *winner = (gint) last_live;
    return NULL;
  }
  if (!can_merge) {
    /* a signed config that we cannot sign: keep the best message as it
     * is; an admin will push the merge */
    gint best = -1;

    for (guint i = 0; i < n; i++)
      if (!cands[i].ignored &&
          (best < 0 || rank_compare (sd_config_message_get_seqno (cands[i].message), cands[i].hash,
                                     sd_config_message_get_seqno (cands[best].message),
                                     cands[best].hash) > 0))
        best = (gint) i;
    *winner = best;
    return NULL;
  }
  *winner = -1;

  order = g_array_new (FALSE, FALSE, sizeof (Candidate));
  for (guint i = 0; i < n; i++)
    if (!cands[i].ignored)
      g_array_append_val (order, cands[i]);
  g_array_sort (order, candidate_compare_desc);
  top = &g_array_index (order, Candidate, 0);

  replay = g_array_new (FALSE, FALSE, sizeof (Replay));
  for (guint i = 0; i < order->len; i++) {
    Candidate *c = &g_array_index (order, Candidate, i);
    Replay entry = { sd_config_message_get_seqno (c->message), c->hash,
                     sd_config_message_get_diff (c->message),
                     sd_config_message_get_data (c->message), c->message, -1 };

    replay_add (replay, &entry);
    for (guint k = 0; k < sd_config_message_get_n_lagged (c->message); k++) {
      entry.diff = sd_config_message_get_lagged (c->message, k, &entry.seqno, &entry.hash);
      entry.index = (gint) k;
      replay_add (replay, &entry);
    }
  }
  g_array_sort (replay, replay_compare);

  data = sd_config_value_copy (sd_config_message_get_data (top->message));
  for (guint i = 0; i < replay->len; i++) {
    const Replay *r = &g_array_index (replay, Replay, i);

    sd_config_diff_apply (data, r->diff, r->source);
  }
  sd_config_value_prune (data);

  /* the replayed data is also the base of any further local change */
  merged = sd_config_message_new_merged (max_seqno + 1, lag, data);
  /* the candidates are dropped after the merge: their diffs move rather
   * than being copied (the oldest often holds the whole config) */
  for (guint i = 0; i < replay->len; i++) {
    const Replay *r = &g_array_index (replay, Replay, i);

    sd_config_message_add_lagged (merged, r->seqno, r->hash,
                                  sd_config_message_steal_diff (r->carrier, r->index));
  }
  return merged;
}

static SdConfigMessage *
merge_impl (GPtrArray *plaintexts, guint lag, const guint8 *public_key, const guint8 *signing_key,
            gint *unmerged_index, GArray **rejected, GError **error)
{
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GArray) bad = NULL;
  g_autofree Candidate *cands = NULL;
  SdConfigMessage *merged;
  gint winner = -1;
  guint n = 0;

  g_return_val_if_fail (plaintexts != NULL, NULL);

  if (plaintexts->len > SD_CONFIG_MERGE_MAX_MESSAGES) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "%u config messages to merge, at most %d", plaintexts->len,
                 SD_CONFIG_MERGE_MAX_MESSAGES);
    return NULL;
  }
  parsed = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_config_message_free);
  bad = g_array_new (FALSE, FALSE, sizeof (guint));
  cands = g_new0 (Candidate, MAX (plaintexts->len, 1));
  for (guint i = 0; i < plaintexts->len; i++) {
    GBytes *bytes = g_ptr_array_index (plaintexts, i);
    g_autoptr(GError) local = NULL;
    SdConfigMessage *m = public_key != NULL
      ? sd_config_message_parse_signed (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        lag, public_key, &local)
      : sd_config_message_parse_bytes (bytes, lag, (SdConfigMessage *const *) parsed->pdata,
                                       parsed->len, &local);

    if (m == NULL) {
      g_debug ("ignoring config message %u: %s", i, local->message);
      g_array_append_val (bad, i);
      continue;
    }
    g_ptr_array_add (parsed, m);
    cands[n].message = m;
    cands[n].index = i;
    sd_config_message_get_hash (m, cands[n].hash);
    n++;
  }
  if (rejected != NULL)
    *rejected = g_array_ref (bad);
  if (n == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "no valid config message to merge");
    return NULL;
  }
  merged = merge_core (cands, n, lag, public_key == NULL || signing_key != NULL, &winner);
  if (merged == NULL) {
    if (unmerged_index != NULL)
      *unmerged_index = (gint) cands[winner].index;
    return g_ptr_array_steal_index (parsed, (guint) winner);
  }
  if (unmerged_index != NULL)
    *unmerged_index = -1;
  if (signing_key != NULL)
    sd_config_message_set_signing_key (merged, signing_key);
  return merged;
}

SdConfigMessage *
sd_config_merge (GPtrArray *plaintexts, guint lag, gint *unmerged_index, GArray **rejected,
                 GError **error)
{
  return merge_impl (plaintexts, lag, NULL, NULL, unmerged_index, rejected, error);
}

SdConfigMessage *
sd_config_merge_signed (GPtrArray *plaintexts, guint lag, const guint8 public_key[32],
                        const guint8 signing_key[64], gint *unmerged_index, GArray **rejected,
                        GError **error)
{
  g_return_val_if_fail (public_key != NULL, NULL);

  return merge_impl (plaintexts, lag, public_key, signing_key, unmerged_index, rejected, error);
}

SdConfigMessage *
sd_config_merge_messages (SdConfigMessage **messages, guint n_messages, guint lag,
                          gint *unmerged_index)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_return_val_if_fail (messages != NULL && n_messages > 0, NULL);

  /* through the bytes, as other clients see them: a mutable message may
   * hold lagged diffs its serialisation leaves out */
  for (guint i = 0; i < n_messages; i++)
    g_ptr_array_add (plain, sd_config_message_serialize (messages[i]));
  return sd_config_merge (plain, lag, unmerged_index, NULL, NULL);
}
