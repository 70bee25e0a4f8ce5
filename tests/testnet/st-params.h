/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "st-rpc.h"

G_BEGIN_DECLS

/* subaccount permission flags (protocol-network.md §4.3) */
#define ST_SUBACCOUNT_READ       0x01
#define ST_SUBACCOUNT_WRITE      0x02
#define ST_SUBACCOUNT_DELETE     0x04
#define ST_SUBACCOUNT_ANY_PREFIX 0x08

#define ST_NS_MIN -32768
#define ST_NS_MAX 32767

/* the account a request is about */
typedef struct {
  guint8 id[33];
  gchar hex[67]; /* lower-case, prefixed */
} StAccount;

/* parameter readers; a FALSE return sets @error to the detail that goes
 * after "invalid request: " in the 400 answer */
gboolean st_param_string (JsonObject *params,
                          const gchar *name,
                          const gchar *alias,
                          gboolean required,
                          const gchar **out,
                          GError **error);
/* JSON unsigned integer, or also a decimal string when @allow_string */
gboolean st_param_uint (JsonObject *params,
                        const gchar *name,
                        gboolean allow_string,
                        gboolean required,
                        guint64 *out,
                        gboolean *present,
                        GError **error);
/* an unsigned integer of at least 10^9 ms */
gboolean st_param_timestamp (JsonObject *params,
                             const gchar *name,
                             gboolean allow_string,
                             gboolean required,
                             guint64 *out,
                             gboolean *present,
                             GError **error);
gboolean st_param_int (JsonObject *params,
                       const gchar *name,
                       gint64 *out,
                       gboolean *present,
                       GError **error);
/* int16, default 0; "all" accepted when @all is not NULL */
gboolean st_param_namespace (JsonObject *params, gint *out, gboolean *all, GError **error);
gboolean st_param_bool (JsonObject *params, const gchar *name, gboolean *out, GError **error);
/* a non-empty list of 43-character message hashes */
gchar **st_param_hashes (JsonObject *params, const gchar *name, GError **error);
gboolean st_param_account (JsonObject *params, StAccount *account, GError **error);

/* reads the account and checks that this node's swarm serves it; on
 * FALSE @reply holds the 400 or the 421 with the right swarm */
gboolean st_check_account (StNode *node, JsonObject *params, StAccount *account, StReply *reply);

/* how a signature check treats subaccount tokens */
typedef enum {
  ST_SIG_SUBACCOUNT,             /* a token may sign, unless the owner revoked it */
  ST_SIG_SUBACCOUNT_UNREVOCABLE, /* a revoked token too (retrieve from -11, -111, ...) */
  ST_SIG_OWNER_ONLY,             /* token fields are not read: only the owner signs */
} StSigRule;

/* checks the request signature over @len bytes: by the owner (the 05 account's
 * pubkey_ed25519, or the 32 key bytes of any other account), or by a subaccount token with
 * @needed_flags that the owner signed and did not revoke on @node. On FALSE @reply holds the
 * 400 for malformed parameters or the 401 @fail_text; @subaccount_flags (nullable) gets the
 * token's flags, or -1 when the owner signed */
gboolean st_check_signature_bytes (StNode *node,
                                   JsonObject *params,
                                   const StAccount *account,
                                   const guint8 *data,
                                   gsize len,
                                   guint needed_flags,
                                   StSigRule rule,
                                   const gchar *fail_text,
                                   StReply *reply,
                                   gint *subaccount_flags);

/* the same over @text, tokens allowed */
gboolean st_check_signature (StNode *node,
                             JsonObject *params,
                             const StAccount *account,
                             const gchar *text,
                             guint needed_flags,
                             const gchar *fail_text,
                             StReply *reply);

/* a subaccount token from 72 hex digits or 48 base64 characters */
gboolean st_param_token (const gchar *text, guint8 token[36]);

/* 400 "invalid request: <message>" */
void st_reply_invalid (StReply *reply, const GError *error);

/* the 421 answer for @account */
void st_reply_wrong_swarm (StNode *node, const guint8 account[33], StReply *reply);

/* sorted copy of @strv as a JSON array */
JsonArray *st_json_sorted_strings (const gchar *const *strv, guint n);

G_END_DECLS
