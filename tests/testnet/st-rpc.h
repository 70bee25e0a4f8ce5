/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "st-node.h"

G_BEGIN_DECLS

/* the outcome of a storage RPC: a status and either a JSON body or a
 * plain-text one (the reference sends errors as text/plain) */
typedef struct {
  guint status;
  JsonNode *json;  /* (owned) (nullable) */
  gchar *text;     /* (owned) (nullable) */
} StReply;

void st_reply_clear (StReply *reply);
void st_reply_json (StReply *reply, guint status, JsonObject *object);
void st_reply_text (StReply *reply, guint status, const gchar *text);
void st_reply_printf (StReply *reply, guint status, const gchar *format, ...) G_GNUC_PRINTF (3, 4);
/* the body as it goes on the wire */
gchar *st_reply_body (const StReply *reply);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StReply, st_reply_clear)

/* runs a /storage_rpc/v1 body (`{"method":..,"params":..}`) on @node;
 * used for direct requests and for onion final destinations */
void st_rpc_handle_body (StNode *node, const gchar *body, gsize len, StReply *reply);

/* one method call; @top_level is FALSE inside batch/sequence, where
 * meta-requests are refused */
void st_rpc_call (StNode *node,
                  const gchar *method,
                  JsonObject *params,
                  gboolean top_level,
                  StReply *reply);

/* adds "t" and "hf" to a result object */
void st_rpc_add_t_hf (StNode *node, JsonObject *result);

/* how a swarm member that cannot take part in a recursive request shows
 * up in the "swarm" result, or NULL when it can */
JsonObject *st_rpc_member_failure (StNode *entry, StNode *member);

/* method families, in their own files */
void st_rpc_store (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_retrieve (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_delete (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_delete_all (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_expire (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_get_expiries (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_delete_before (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_expire_all (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_revoke_subaccount (StNode *node, JsonObject *params, StReply *reply);
void st_rpc_unrevoke_subaccount (StNode *node, JsonObject *params, StReply *reply);

G_END_DECLS
