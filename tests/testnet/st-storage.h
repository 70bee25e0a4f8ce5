/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* one row of a node's message table (protocol-network.md §5) */
typedef struct {
  guint64 id;        /* insertion order on this node */
  gchar *hash;       /* (owned) 43-char base64 */
  gchar *owner;      /* (owned) 66 lower-case hex digits */
  gint namespace_;
  gint64 timestamp;  /* ms, as given by the sender */
  gint64 expiry;     /* ms */
  GBytes *data;      /* (owned) */
  GList *link;       /* (unowned) this row's link in its (owner, namespace) queue */
} StMessage;

/* a node's message table; each node has its own, so paging order and
 * contents are per node as on the real network */
typedef struct _StStorage StStorage;

StStorage *st_storage_new (void);
void st_storage_free (StStorage *storage);

/* inserts a row, or, if the hash exists, raises its expiry when @expiry is
 * later; returns the stored row and sets @already for an existing one */
StMessage *st_storage_put (StStorage *storage,
                           const gchar *owner,
                           gint namespace_,
                           const gchar *hash,
                           gint64 timestamp,
                           gint64 expiry,
                           GBytes *data,
                           gboolean *already);

StMessage *st_storage_lookup (StStorage *storage, const gchar *hash);

/* the link of the first row of (owner, namespace) after @last_hash, or of
 * the first row when @last_hash is NULL or not a row of that queue; walk
 * on with ->next, each link's data is a StMessage */
GList *st_storage_after (StStorage *storage,
                         const gchar *owner,
                         gint namespace_,
                         const gchar *last_hash);

/* rows of @owner, in any namespace when @all_namespaces */
GPtrArray *st_storage_owned (StStorage *storage,
                             const gchar *owner,
                             gboolean all_namespaces,
                             gint namespace_);

void st_storage_remove (StStorage *storage, const gchar *hash);

/* drops every row whose expiry is before @now_ms; returns how many */
guint st_storage_expire (StStorage *storage, gint64 now_ms);

guint st_storage_count (StStorage *storage);

/* revoked subaccount tokens, per owner (protocol-network.md §4.3, §4.6): the token is the
 * whole 36 bytes, flags included; each node keeps its own list, the newest ST_REVOKED_MAX per
 * owner (revoking a known token again refreshes its time) */
#define ST_TOKEN_LEN 36
#define ST_REVOKED_MAX 50

void st_storage_revoke (StStorage *storage,
                        const gchar *owner,
                        const guint8 token[ST_TOKEN_LEN],
                        gint64 now_ms);
/* TRUE when the token was revoked (and no longer is) */
gboolean st_storage_unrevoke (StStorage *storage,
                              const gchar *owner,
                              const guint8 token[ST_TOKEN_LEN]);
gboolean st_storage_is_revoked (StStorage *storage,
                                const gchar *owner,
                                const guint8 token[ST_TOKEN_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StStorage, st_storage_free)

G_END_DECLS
