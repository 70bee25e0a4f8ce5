/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include "sd-store-private.h"

/*
 * Jobs: network work that must survive a restart and is not a message of its own: reactions
 * and unsend requests to store in a swarm, and deleting or shortening our own copies. They
 * are queued in the same transaction as the local change they belong to.
 */

static const gchar *const job_kinds[] = {
  [SD_JOB_STORE] = "store",
  [SD_JOB_DELETE] = "delete",
  [SD_JOB_EXPIRE] = "expire",
};

void
sd_job_free (SdJob *job)
{
  if (job == NULL)
    return;
  g_free (job->target);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_free (job);
}

gboolean
store_insert_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (n_jobs == 0)
    return TRUE;
  stmt = store_prepare (self,
                        "INSERT INTO jobs (kind, target, payload, sent_at, value)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)",
                        error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n_jobs; i++) {
    const SdJobSpec *job = &jobs[i];
    gsize size = 0;
    gconstpointer data = job->payload != NULL ? g_bytes_get_data (job->payload, &size) : "";

    if ((guint) job->kind >= G_N_ELEMENTS (job_kinds) ||
        !store_check_session_id (job->target, "the job's target", error)) {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "an unknown job");
      return FALSE;
    }
    bind_text (stmt, 1, job_kinds[job->kind]);
    bind_text (stmt, 2, job->target);
    sqlite3_bind_blob64 (stmt, 3, data, size, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 4, job->sent_at);
    sqlite3_bind_int64 (stmt, 5, job->value);
    if (!store_run (self, stmt, error))
      return FALSE;
    sqlite3_reset (stmt);
  }
  return TRUE;
}

gboolean
sd_store_add_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL || !store_insert_jobs (self, jobs, n_jobs, error))
    return FALSE;
  return store_tx_commit (tx, error);
}

GPtrArray *
sd_store_jobs_due (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) jobs = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        "SELECT id, kind, target, payload, sent_at, value, attempts FROM jobs"
                        " WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_job_free);
  for (;;) {
    SdJob *job;
    const gchar *kind;
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    job = g_new0 (SdJob, 1);
    job->id = sqlite3_column_int64 (stmt, 0);
    kind = (const gchar *) sqlite3_column_text (stmt, 1);
    for (guint k = 0; k < G_N_ELEMENTS (job_kinds); k++)
      if (g_strcmp0 (kind, job_kinds[k]) == 0)
        job->kind = (SdJobKind) k;
    job->target = column_dup (stmt, 2);
    job->payload = g_bytes_new (sqlite3_column_blob (stmt, 3),
                                (gsize) sqlite3_column_bytes (stmt, 3));
    job->sent_at = sqlite3_column_int64 (stmt, 4);
    job->value = sqlite3_column_int64 (stmt, 5);
    job->attempts = (guint) sqlite3_column_int (stmt, 6);
    g_ptr_array_add (jobs, job);
  }
  return g_steal_pointer (&jobs);
}

gboolean
sd_store_jobs_next_due (SdStore *self, gint64 *out_next, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_next != NULL, FALSE);

  return store_query_min (self, "SELECT min(next_attempt_at) FROM jobs", out_next, error);
}

gboolean
sd_store_job_done (SdStore *self, gint64 job_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self, "DELETE FROM jobs WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  return store_run (self, stmt, error);
}

gboolean
sd_store_job_reschedule (SdStore *self, gint64 job_id, gint64 next_attempt_at, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "UPDATE jobs SET attempts = attempts + 1, next_attempt_at = ?2"
                        " WHERE id = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  sqlite3_bind_int64 (stmt, 2, next_attempt_at);
  return store_run (self, stmt, error);
}
