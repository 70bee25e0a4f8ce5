/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Costs at scale (issue 20): histories of 1k, 10k and 100k messages in 10, 100 and 1,000
 * conversations, built through the real receive path (sealed envelopes → sd_ingest → one
 * store transaction per 1,000-item batch), then the per-call costs a front end and the
 * receive path pay: ingest of a new batch (beside raw open+verify of the same messages in
 * this run), GetMessages pages, Search, unread counts, MarkRead of 10% of the history unread
 * in one conversation (10k at 100k), seen-hash look-ups.
 *
 *   bench-scale            1k, 10k and 100k (about two minutes on two cores)
 *   bench-scale --quick    1k only, a few seconds (what `meson test --benchmark` runs)
 *   BENCH_SCALE_MAX=10000  stop after that size
 *   BENCH_SCALE_SIZES=1000,300000  other history sizes (n / 100 conversations, at most 1,000)
 *   BENCH_SCALE_SPACING_S=315  mean time between two messages of the history (default 30 s:
 *                          100k messages in 35 days; 315 s: in a year), which ends now
 *   BENCH_SCALE_CACHE_KB=65536     SQLite's page cache for the store's connection (an
 *                          experiment: the store keeps SQLite's default, 2 MB)
 *   BENCH_SCALE_KEEP=1     leave the databases in /tmp for a closer look
 *   BENCH_SCALE_PROFILE=1  also time each statement of the store's batch (wall time, as SQLite
 *                          reports it) and count the pages it reads and writes */
#include <glib/gstdio.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-ingest.h"
#include "sd-padding.h"
#include "sd-session-crypto.h"
#include "sd-wire.h"
/* the profile looks at the store's connection: a bench's privilege */
#include "sd-store-private.h"

#define BATCH 1000
#define NEW_BATCH_SENDERS 5
#define INGEST_ROUNDS 3
#define PAGE 50
#define SEARCH_LIMIT 50 /* the D-Bus Search default */

/* a common word (in a quarter of the messages), a rare one (one in 10,000, at least once) and
 * a prefix of several words */
#define COMMON_WORD "today"
#define RARE_WORD "zanzibar"
#define PREFIX "mee"

static const gchar *const vocabulary[] = {
  "ok", "yes", "no", "see", "you", "the", "a", "to", "and", "is", "it", "in", "that", "for",
  "on", "we", "are", "with", "this", "be", "have", "at", "not", "was", "but", "so", "what",
  "can", "just", "do", "if", "will", "me", "my", "know", "get", "all", "there", "like",
  "good", "time", "think", "meet", "meeting", "meets", "lunch", "dinner", "coffee", "train",
  "late", "soon", "tomorrow", "tonight", "weekend", "call", "later", "sure", "thanks",
  "great", "sorry", "home", "work", "office", "send", "photo", "picture", "link", "read",
  "book", "film", "music", "game", "football", "weather", "rain", "sun", "cold", "warm",
  "birthday", "party", "cake", "present", "holiday", "ticket", "flight", "hotel", "beach",
  "mountain", "walk", "run", "bike", "car", "bus", "station", "airport", "doctor", "dentist",
  "school", "kids", "dog", "cat", "garden", "kitchen", "recipe", "pasta", "pizza", "bread",
  "wine", "beer", "tea", "milk", "shop", "market", "price", "money", "bank", "bill", "rent",
  "flat", "house", "move", "boxes", "paint", "window", "door", "key", "lost", "found",
  "phone", "battery", "charger", "laptop", "update", "bug", "fixed", "release", "review",
  "deadline", "project", "plan", "idea", "question", "answer", "problem", "easy", "hard",
  "maybe", "probably", "definitely", "exactly", "really", "very", "quite", "little", "big",
  "new", "old", "first", "last", "next", "early", "happy", "tired", "busy", "free",
};

typedef struct {
  SdIdentity me;
  SdIdentity *senders;      /* (owned) n_conversations of them */
  guint n_conversations;
  guint n_messages;
  SdStore *store;           /* (owned) */
  gchar *dir;               /* (owned) */
  gchar *path;              /* (owned) */
  gint64 next_t;            /* T of the next message */
  GRand *rand;              /* (owned) */
  guint64 item_counter;
  guint n_rare;
  gint64 big_old_t;         /* T of a message a tenth of the way into the big conversation */
  gint64 spacing_ms;        /* mean time between two messages of the history */
} Bench;

static gchar *
make_body (Bench *b, guint index)
{
  GString *body = g_string_new (NULL);
  guint n_words = (guint) g_rand_int_range (b->rand, 4, 15);

  for (guint i = 0; i < n_words; i++) {
    /* roughly Zipf: the first words of the list are the commonest */
    gdouble u = g_rand_double (b->rand);
    guint w = (guint) (G_N_ELEMENTS (vocabulary) * pow (u, 2.5));

    g_string_append (body, i == 0 ? "" : " ");
    g_string_append (body, vocabulary[MIN (w, G_N_ELEMENTS (vocabulary) - 1)]);
  }
  if (g_rand_int_range (b->rand, 0, 4) == 0)
    g_string_append (body, " " COMMON_WORD);
  if (index % 10000 == 7) {
    g_string_append (body, " " RARE_WORD);
    b->n_rare++;
  }
  return g_string_free (body, FALSE);
}

/* one retrieved item carrying a sealed text message from @sender to us; @out_sealed (nullable)
 * gets the inner sealed layer alone, for the raw reference */
static SdRetrieveItem *
make_item (Bench *b, const SdIdentity *sender, const gchar *body, gint64 t, GBytes **out_sealed)
{
  g_autoptr(GBytes) content = sd_content_pack_text (body, (guint64) t, "Sender", 1, NULL);
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (sender, b->me.x25519_pk, (guint64) t,
                                               g_bytes_get_data (content, NULL),
                                               g_bytes_get_size (content), SD_WIRE_FLAG_NONE);
  SdRetrieveItem *item = g_new0 (SdRetrieveItem, 1);
  guint8 digest[32];

  crypto_generichash (digest, 32, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), NULL, 0);
  item->hash = sd_base64_encode (digest, 32, FALSE);
  item->expiration = t + 14 * 86400000LL;
  item->data_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), TRUE);
  if (out_sealed != NULL) {
    g_autoptr(GBytes) padded = sd_pad (g_bytes_get_data (content, NULL),
                                       g_bytes_get_size (content));

    *out_sealed = sd_session_encrypt (sender, b->me.x25519_pk, g_bytes_get_data (padded, NULL),
                                      g_bytes_get_size (padded));
  }
  b->item_counter++;
  return item;
}

static void
ingest (Bench *b, GPtrArray *items)
{
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GError) error = NULL;

  if (!sd_ingest_messages (b->store, &b->me, "00", items, NULL, NULL, &changes, &error))
    g_error ("ingest: %s", error->message);
  if (changes == NULL || changes->new_messages->len != items->len)
    g_error ("ingest stored %u of %u", changes != NULL ? changes->new_messages->len : 0,
             items->len);
}

/* a tenth of the history is in the "big" conversation (sender 0), left unread; the rest is
 * spread over the others and read */
static gint64
count_rows (Bench *b, const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (b->store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
build_history (Bench *b)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint n_big = 0;

  for (guint i = 0; i < b->n_messages; i++) {
    g_autofree gchar *body = make_body (b, i);
    guint s = i % 10 == 0 ? 0 : 1 + (i / 10 * 9 + i % 10 - 1) % (b->n_conversations - 1);
    gint64 t = b->next_t;

    b->next_t += 1 + g_rand_int_range (b->rand, 0, (gint32) (2 * b->spacing_ms));
    if (items == NULL)
      items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);
    if (s == 0 && n_big++ == b->n_messages / 100)
      b->big_old_t = t;
    g_ptr_array_add (items, make_item (b, &b->senders[s], body, t, NULL));
    if (items->len == BATCH || i + 1 == b->n_messages) {
      ingest (b, items);
      g_clear_pointer (&items, g_ptr_array_unref);
    }
  }
  /* as the daemon does every hour: the hashes no swarm can serve any more are forgotten */
  if (!sd_store_prune_seen (b->store, g_get_real_time () / 1000, NULL, &error))
    g_error ("prune: %s", error->message);
  for (guint s = 1; s < b->n_conversations; s++) {
    g_autoptr(GArray) timestamps = NULL;

    if (!sd_store_mark_read (b->store, b->senders[s].session_id, G_MAXINT64, &timestamps, NULL,
                             &error))
      g_error ("mark read: %s", error->message);
  }
  g_print ("  history built in %.1f s (%u messages, %u in the unread conversation, over %.1f"
           " days; %lld hashes still seen)\n",
           (g_get_monotonic_time () - start) / 1e6, b->n_messages, n_big,
           (gdouble) b->n_messages * b->spacing_ms / 86400000.0,
           (long long) count_rows (b, "SELECT count(*) FROM seen_hashes"));
}

/* the process's CPU time in µs: on a machine shared with other work, wall time measures the
 * neighbours too; CPU time leaves out waiting for the disk (fsync), so both are shown */
static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static gdouble
median (gdouble *values, guint n)
{
  qsort (values, n, sizeof (gdouble), compare_double);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* the raw reference: crypto_box_seal_open + Ed25519 verify of each sealed inner layer */
static gint64
raw_open_verify (Bench *b, GPtrArray *sealed, gint64 *out_cpu_us)
{
  guint8 *opened = g_malloc (4096);
  gint64 cpu = cpu_us ();
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < sealed->len; i++) {
    gsize len;
    const guint8 *ct = g_bytes_get_data (g_ptr_array_index (sealed, i), &len);
    gsize inner = len - crypto_box_SEALBYTES, m = inner - 96;
    guint8 sig[64];

    if (len > 4096 + crypto_box_SEALBYTES ||
        crypto_box_seal_open (opened, ct, len, b->me.x25519_pk, b->me.x25519_sk) != 0)
      g_error ("open");
    memcpy (sig, opened + m + 32, 64);
    memcpy (opened + m + 32, b->me.x25519_pk, 32);
    if (crypto_sign_ed25519_verify_detached (sig, opened, m + 64, opened + m) != 0)
      g_error ("verify");
  }
  start = g_get_monotonic_time () - start;
  *out_cpu_us = cpu_us () - cpu;
  g_free (opened);
  return start;
}

/* statement text → total ns and runs, over a profiled batch. SQLite's own profile time has a
 * resolution of a millisecond: each statement is timed here, in thread CPU time (which counts
 * its reads and writes of the file too) from its start (SQLITE_TRACE_STMT) to its end */
typedef struct {
  gint64 ns;
  guint64 runs;
} StatementTime;

typedef struct {
  GHashTable *times;    /* utf8 → StatementTime */
  GHashTable *started;  /* sqlite3_stmt → start, thread CPU ns */
  gint misses;          /* page reads */
  gint writes;          /* page writes */
} Profile;

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
on_profile (unsigned type, void *user_data, void *p, void *x)
{
  Profile *profile = user_data;
  const gchar *sql = sqlite3_sql (p);
  gpointer start;
  StatementTime *t;

  if (type == SQLITE_TRACE_STMT) {
    /* a trigger's statements come as comments of the one that runs them */
    if (((const gchar *) x)[0] != '-' || ((const gchar *) x)[1] != '-')
      g_hash_table_insert (profile->started, p, GSIZE_TO_POINTER ((gsize) thread_cpu_ns ()));
    return 0;
  }
  if (type != SQLITE_TRACE_PROFILE || sql == NULL ||
      !g_hash_table_steal_extended (profile->started, p, NULL, &start))
    return 0;
  t = g_hash_table_lookup (profile->times, sql);
  if (t == NULL) {
    t = g_new0 (StatementTime, 1);
    g_hash_table_insert (profile->times, g_strdup (sql), t);
  }
  t->ns += thread_cpu_ns () - (gint64) GPOINTER_TO_SIZE (start);
  t->runs++;
  return 0;
}

static gint
by_time (gconstpointer a, gconstpointer b, gpointer user_data)
{
  GHashTable *times = user_data;
  const StatementTime *ta = g_hash_table_lookup (times, *(const gchar *const *) a);
  const StatementTime *tb = g_hash_table_lookup (times, *(const gchar *const *) b);

  return (ta->ns < tb->ns) - (ta->ns > tb->ns);
}

static void
print_profile (Profile *profile, guint n_messages)
{
  GHashTable *times = profile->times;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (times, NULL);
  guint n = g_hash_table_size (times);

  g_qsort_with_data (keys, n, sizeof (gpointer), by_time, times);
  g_print ("    profile (thread CPU): %.2f page reads (cache misses) and %.2f page writes per"
           " message\n", (gdouble) profile->misses / n_messages,
           (gdouble) profile->writes / n_messages);
  for (guint i = 0; i < n && i < 8; i++) {
    const StatementTime *t = g_hash_table_lookup (times, keys[i]);
    g_autofree gchar *sql = g_strndup (keys[i], 90);

    g_print ("    %7.2f µs/msg  %6" G_GUINT64_FORMAT " runs  %s\n",
             t->ns / 1000.0 / n_messages, t->runs, g_strdelimit (sql, "\n", ' '));
  }
}

static Profile *
profile_new (void)
{
  Profile *profile;

  if (g_getenv ("BENCH_SCALE_PROFILE") == NULL)
    return NULL;
  profile = g_new0 (Profile, 1);
  profile->times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  profile->started = g_hash_table_new (NULL, NULL);
  return profile;
}

static void
profile_free (Profile *profile)
{
  if (profile == NULL)
    return;
  g_hash_table_unref (profile->times);
  g_hash_table_unref (profile->started);
  g_free (profile);
}

static void
profile_start (Bench *b, Profile *profile)
{
  int unused;

  if (profile == NULL)
    return;
  sqlite3_trace_v2 (b->store->db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, on_profile, profile);
  sqlite3_db_status (b->store->db, SQLITE_DBSTATUS_CACHE_MISS, &unused, &unused, TRUE);
  sqlite3_db_status (b->store->db, SQLITE_DBSTATUS_CACHE_WRITE, &unused, &unused, TRUE);
}

static void
profile_stop (Bench *b, Profile *profile)
{
  int value, unused;

  if (profile == NULL)
    return;
  sqlite3_trace_v2 (b->store->db, 0, NULL, NULL);
  sqlite3_db_status (b->store->db, SQLITE_DBSTATUS_CACHE_MISS, &value, &unused, TRUE);
  profile->misses += value;
  sqlite3_db_status (b->store->db, SQLITE_DBSTATUS_CACHE_WRITE, &value, &unused, TRUE);
  profile->writes += value;
}

static void
bench_ingest (Bench *b)
{
  gdouble ratios[INGEST_ROUNDS], cpu_ratios[INGEST_ROUNDS], per_msg[INGEST_ROUNDS];
  gdouble raw_per_msg[INGEST_ROUNDS], cpu_per_msg[INGEST_ROUNDS], raw_cpu_per_msg[INGEST_ROUNDS];
  Profile *profile = profile_new ();

  for (guint r = 0; r < INGEST_ROUNDS; r++) {
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (
      (GDestroyNotify) sd_retrieve_item_free);
    g_autoptr(GPtrArray) sealed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    gint64 raw_us, raw_cpu, ingest_us, ingest_cpu;

    for (guint i = 0; i < BATCH; i++) {
      g_autofree gchar *body = make_body (b, i + 1);
      GBytes *inner = NULL;

      g_ptr_array_add (items, make_item (b, &b->senders[1 + i % NEW_BATCH_SENDERS], body,
                                         b->next_t, &inner));
      g_ptr_array_add (sealed, inner);
      b->next_t += 1 + g_rand_int_range (b->rand, 0, 1000);
    }
    raw_us = raw_open_verify (b, sealed, &raw_cpu);
    profile_start (b, profile);
    ingest_cpu = cpu_us ();
    ingest_us = g_get_monotonic_time ();
    ingest (b, items);
    ingest_us = g_get_monotonic_time () - ingest_us;
    ingest_cpu = cpu_us () - ingest_cpu;
    profile_stop (b, profile);
    ratios[r] = (gdouble) ingest_us / raw_us;
    cpu_ratios[r] = (gdouble) ingest_cpu / raw_cpu;
    per_msg[r] = (gdouble) ingest_us / BATCH;
    raw_per_msg[r] = (gdouble) raw_us / BATCH;
    cpu_per_msg[r] = (gdouble) ingest_cpu / BATCH;
    raw_cpu_per_msg[r] = (gdouble) raw_cpu / BATCH;
  }
  g_print ("  %-44s %8.1f µs/msg  (raw open+verify %.1f µs/msg)  ratio %.2f wall\n",
           "ingest of a new 1,000-message batch", median (per_msg, INGEST_ROUNDS),
           median (raw_per_msg, INGEST_ROUNDS), median (ratios, INGEST_ROUNDS));
  g_print ("  %-44s %8.1f µs/msg  (raw open+verify %.1f µs/msg)  ratio %.2f CPU "
           "(median of %d; target ≤ 1.5)\n", "",
           median (cpu_per_msg, INGEST_ROUNDS), median (raw_cpu_per_msg, INGEST_ROUNDS),
           median (cpu_ratios, INGEST_ROUNDS), INGEST_ROUNDS);
  if (profile != NULL)
    print_profile (profile, BATCH * INGEST_ROUNDS);
  profile_free (profile);
}

/* the store's share of ingest: the same kind of batch, already decoded */
static void
bench_store_batch (Bench *b)
{
  gdouble cpu_per_msg[INGEST_ROUNDS];
  Profile *profile = profile_new ();

  for (guint r = 0; r < INGEST_ROUNDS; r++) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (b->store);
    g_autoptr(SdStoreChanges) changes = NULL;
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GError) error = NULL;
    gint64 cpu;

    for (guint i = 0; i < BATCH; i++) {
      SdIncomingMessage m = { 0 };
      gchar *body = make_body (b, i + 1);
      guint8 digest[32];
      gchar *hash;

      /* random like real hashes: where they land in the B-trees is part of the cost */
      randombytes_buf (digest, sizeof digest);
      hash = sd_base64_encode (digest, sizeof digest, FALSE);
      b->item_counter++;

      g_ptr_array_add (strings, hash);
      g_ptr_array_add (strings, body);
      m.server_hash = hash;
      m.author = b->senders[1 + i % NEW_BATCH_SENDERS].session_id;
      m.body = body;
      m.sent_at = b->next_t;
      m.received_at = b->next_t;
      b->next_t += 1 + g_rand_int_range (b->rand, 0, 1000);
      sd_store_batch_add_seen (batch, hash, m.sent_at + 14 * 86400000LL);
      if (!sd_store_batch_add_message (batch, &m, &error))
        g_error ("batch: %s", error->message);
    }
    profile_start (b, profile);
    cpu = cpu_us ();
    if (!sd_store_apply_batch (b->store, batch, &changes, &error))
      g_error ("apply: %s", error->message);
    cpu_per_msg[r] = (gdouble) (cpu_us () - cpu) / BATCH;
    profile_stop (b, profile);
  }
  g_print ("  %-44s %8.1f µs/msg CPU  (median of %d)\n", "  of which the store (decoded batch)",
           median (cpu_per_msg, INGEST_ROUNDS), INGEST_ROUNDS);
  if (profile != NULL)
    print_profile (profile, BATCH * INGEST_ROUNDS);
  profile_free (profile);
}

typedef gboolean (*CallFunc) (Bench *b, gconstpointer data);

/* the median time of one call, over @rounds rounds of @per_round calls, in ms */
static gdouble
time_call (Bench *b, CallFunc func, gconstpointer data, guint rounds, guint per_round)
{
  g_autofree gdouble *times = g_new (gdouble, rounds);

  func (b, data); /* warm the statement cache and the page cache */
  for (guint r = 0; r < rounds; r++) {
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < per_round; i++)
      if (!func (b, data))
        g_error ("a call failed");
    times[r] = (g_get_monotonic_time () - start) / 1000.0 / per_round;
  }
  return median (times, rounds);
}

static gboolean
call_newest_page (Bench *b, gconstpointer data)
{
  g_autoptr(GPtrArray) page = sd_store_get_messages (b->store, data, 0, 0, PAGE, NULL);

  return page != NULL && page->len > 0;
}

static gboolean
call_old_page (Bench *b, gconstpointer data)
{
  g_autoptr(GPtrArray) page = sd_store_get_messages (b->store, data, b->big_old_t, 0, PAGE, NULL);

  return page != NULL;
}

static gboolean
call_search (Bench *b, gconstpointer data)
{
  g_autoptr(GPtrArray) found = sd_store_search (b->store, data, SEARCH_LIMIT, NULL);

  return found != NULL && found->len > 0;
}

static gboolean
call_count_unread (Bench *b, gconstpointer data)
{
  guint unread;

  return sd_store_count_unread (b->store, data, &unread, NULL);
}

static gboolean
call_get_conversation (Bench *b, gconstpointer data)
{
  g_autoptr(SdConversation) conversation = sd_store_get_conversation (b->store, data, NULL);

  return conversation != NULL;
}

static gboolean
call_is_seen (Bench *b, gconstpointer data)
{
  gboolean seen;

  return sd_store_is_seen (b->store, data, &seen, NULL);
}

/* a hash never seen, different each call (random, as real ones are): where it would be in the
 * index is a different page each time, as for the items of a new batch */
static gboolean
call_is_seen_new (Bench *b, gconstpointer data)
{
  guint8 digest[32];
  g_autofree gchar *hash = NULL;
  gboolean seen;

  randombytes_buf (digest, sizeof digest);
  hash = sd_base64_encode (digest, sizeof digest, FALSE);
  return sd_store_is_seen (b->store, hash, &seen, NULL) && !seen;
}

static gboolean
call_list_conversations (Bench *b, gconstpointer data)
{
  g_autoptr(GPtrArray) list = sd_store_list_conversations (b->store, NULL);

  return list != NULL;
}

/* MarkRead of the whole unread conversation; between rounds a second connection marks the
 * same messages unread again (as if they had just arrived) */
static void
bench_mark_read (Bench *b)
{
  const gchar *big = b->senders[0].session_id;
  sqlite3 *db = NULL;
  sqlite3_stmt *reset = NULL;
  const gchar *recount = NULL;
  gdouble times[3], cpu[3];
  guint n_read = 0;

  /* schema 5 keeps the read state in unread_messages and a counter; older ones in status */
  if (sqlite3_open (b->path, &db) != SQLITE_OK || sqlite3_busy_timeout (db, 5000) != SQLITE_OK)
    g_error ("second connection: %s", sqlite3_errmsg (db));
  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO unread_messages (conversation, sent_at, message)"
                          " SELECT conversation, sent_at, local_id FROM messages"
                          " WHERE conversation = ?1 AND outgoing = 0 AND kind = 'text'",
                          -1, &reset, NULL) == SQLITE_OK)
    recount = "UPDATE conversations SET unread = (SELECT count(*) FROM unread_messages u"
              " WHERE u.conversation = conversations.id)";
  else if (sqlite3_prepare_v2 (db, "UPDATE messages SET status = 'sent' WHERE conversation = ?1"
                               " AND outgoing = 0", -1, &reset, NULL) != SQLITE_OK)
    g_error ("second connection: %s", sqlite3_errmsg (db));
  sqlite3_bind_text (reset, 1, big, -1, SQLITE_STATIC);
  for (guint r = 0; r < G_N_ELEMENTS (times); r++) {
    g_autoptr(GArray) timestamps = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start;

    if (r > 0 && (sqlite3_step (reset) != SQLITE_DONE || sqlite3_reset (reset) != SQLITE_OK ||
                  (recount != NULL &&
                   sqlite3_exec (db, recount, NULL, NULL, NULL) != SQLITE_OK)))
      g_error ("reset: %s", sqlite3_errmsg (db));
    start = g_get_monotonic_time ();
    cpu[r] = cpu_us ();
    if (!sd_store_mark_read (b->store, big, G_MAXINT64, &timestamps, NULL, &error))
      g_error ("mark read: %s", error->message);
    times[r] = (g_get_monotonic_time () - start) / 1000.0;
    cpu[r] = (cpu_us () - cpu[r]) / 1000.0;
    n_read = timestamps->len;
  }
  sqlite3_finalize (reset);
  sqlite3_close (db);
  g_print ("  %-44s %8.2f ms  (%.2f ms CPU; %u unread; median of %u; target ≤ 25 ms at 10k)\n",
           "MarkRead of the whole unread conversation", median (times, G_N_ELEMENTS (times)),
           median (cpu, G_N_ELEMENTS (cpu)), n_read, (guint) G_N_ELEMENTS (times));
}

static void
report (const gchar *what, gdouble ms, const gchar *note)
{
  if (ms < 1.0)
    g_print ("  %-44s %8.1f µs%s%s\n", what, ms * 1000.0, note != NULL ? "  " : "",
             note != NULL ? note : "");
  else
    g_print ("  %-44s %8.2f ms%s%s\n", what, ms, note != NULL ? "  " : "",
             note != NULL ? note : "");
}

static void
run_size (guint n_messages, guint n_conversations)
{
  Bench b = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *common_hash = NULL;
  const gchar *big;
  GStatBuf st;
  guint8 seed[32];
  guint unread = 0;

  b.n_messages = n_messages;
  b.n_conversations = n_conversations;
  b.rand = g_rand_new_with_seed (n_messages);
  /* the history ends now, so the swarm's retention (14 days) covers its last part as it would
   * for an account that received it */
  b.spacing_ms = (gint64) (g_getenv ("BENCH_SCALE_SPACING_S") != NULL ?
                             g_ascii_strtoull (g_getenv ("BENCH_SCALE_SPACING_S"), NULL, 10) : 30)
                 * 1000;
  b.spacing_ms = CLAMP (b.spacing_ms, 1, 24 * 3600 * 1000);
  b.next_t = g_get_real_time () / 1000 - 60000 - (gint64) n_messages * b.spacing_ms;
  b.dir = g_dir_make_tmp ("bench-scale-XXXXXX", NULL);
  b.path = g_build_filename (b.dir, "bench.sqlite", NULL);
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&b.me, seed);
  b.senders = g_new (SdIdentity, n_conversations);
  for (guint i = 0; i < n_conversations; i++) {
    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&b.senders[i], seed);
  }
  b.store = sd_store_open (b.path, &error);
  if (b.store == NULL || !sd_store_set_account_id (b.store, b.me.session_id, &error))
    g_error ("store: %s", error->message);
  if (g_getenv ("BENCH_SCALE_CACHE_KB") != NULL) {
    g_autofree gchar *pragma = g_strdup_printf ("PRAGMA cache_size = -%" G_GUINT64_FORMAT,
                                                g_ascii_strtoull (g_getenv ("BENCH_SCALE_CACHE_KB"),
                                                                  NULL, 10));

    if (sqlite3_exec (b.store->db, pragma, NULL, NULL, NULL) != SQLITE_OK)
      g_error ("cache size: %s", sqlite3_errmsg (b.store->db));
    g_print ("  (%s)\n", pragma);
  }

  g_print ("\n%u messages in %u conversations\n", n_messages, n_conversations);
  build_history (&b);
  big = b.senders[0].session_id;

  bench_ingest (&b);
  bench_store_batch (&b);
  report ("GetMessages, newest page of 50", time_call (&b, call_newest_page, big, 9, 20), NULL);
  report ("GetMessages, a page 90% back", time_call (&b, call_old_page, big, 9, 20), NULL);
  report ("Search, common word \"" COMMON_WORD "\" (limit 50)",
          time_call (&b, call_search, COMMON_WORD, 9, 3), "(target ≤ 10 ms at 100k)");
  report ("Search, rare word \"" RARE_WORD "\"", time_call (&b, call_search, RARE_WORD, 9, 3),
          NULL);
  report ("Search, prefix \"" PREFIX "\"", time_call (&b, call_search, PREFIX, 9, 3), NULL);
  report ("Search, two words \"" COMMON_WORD " mee\"",
          time_call (&b, call_search, COMMON_WORD " " PREFIX, 9, 3), NULL);
  if (!sd_store_count_unread (b.store, big, &unread, &error))
    g_error ("count: %s", error->message);
  report ("unread count of the unread conversation",
          time_call (&b, call_count_unread, big, 9, 200), NULL);
  report ("unread count of the account", time_call (&b, call_count_unread, NULL, 9, 200), NULL);
  report ("a conversation's row (with its unread count)",
          time_call (&b, call_get_conversation, big, 9, 200), NULL);
  report ("list of all conversations", time_call (&b, call_list_conversations, NULL, 5, 3),
          NULL);
  common_hash = g_strdup ("not-a-hash-we-have-seen-before");
  report ("seen-hash look-up", time_call (&b, call_is_seen, common_hash, 9, 1000), NULL);
  report ("seen-hash look-up, a new random hash each", time_call (&b, call_is_seen_new, NULL, 9,
                                                                  1000), NULL);
  bench_mark_read (&b);
  if (g_stat (b.path, &st) == 0)
    g_print ("  database file %.1f MB (%u unread before MarkRead)\n", st.st_size / 1e6, unread);

  g_clear_object (&b.store);
  if (g_getenv ("BENCH_SCALE_KEEP") != NULL) {
    g_print ("  kept %s\n", b.path);
  } else {
    g_autofree gchar *wal = g_strconcat (b.path, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (b.path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
    g_remove (b.path);
    g_rmdir (b.dir);
  }
  g_free (b.path);
  g_free (b.dir);
  g_free (b.senders);
  g_rand_free (b.rand);
}

int
main (int argc, char **argv)
{
  static const guint sizes[][2] = { { 1000, 10 }, { 10000, 100 }, { 100000, 1000 } };
  gboolean quick = argc > 1 && g_strcmp0 (argv[1], "--quick") == 0;
  const gchar *max_env = g_getenv ("BENCH_SCALE_MAX");
  guint64 max = max_env != NULL ? g_ascii_strtoull (max_env, NULL, 10) : G_MAXUINT64;

  /* not inside g_assert: G_DISABLE_ASSERT would drop the call */
  if (sodium_init () < 0)
    g_error ("libsodium could not be initialised");
  const gchar *sizes_env = g_getenv ("BENCH_SCALE_SIZES");

  if (quick)
    max = MIN (max, 1000);
  if (sizes_env != NULL) {
    g_auto(GStrv) list = g_strsplit (sizes_env, ",", -1);

    for (guint i = 0; list[i] != NULL; i++) {
      guint64 n = g_ascii_strtoull (list[i], NULL, 10);

      if (n >= 100 && n <= 10000000 && n <= max)
        run_size ((guint) n, (guint) MIN (n / 100, 1000));
    }
    return 0;
  }
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (sizes[i][0] <= max)
      run_size (sizes[i][0], sizes[i][1]);
  return 0;
}
