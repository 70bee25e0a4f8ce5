/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the ASCII strings storage RPCs sign (protocol-network.md §4.3) */
gchar *sd_signed_string_store (gint namespace_, guint64 sig_timestamp) G_GNUC_WARN_UNUSED_RESULT;
gchar *sd_signed_string_retrieve (gint namespace_, guint64 timestamp) G_GNUC_WARN_UNUSED_RESULT;
gchar *sd_signed_string_delete (const gchar *const *hashes) G_GNUC_WARN_UNUSED_RESULT;
/* @namespace_text: "" (ns 0), a decimal number, or "all" */
gchar *sd_signed_string_delete_all (const gchar *namespace_text,
                                    guint64 timestamp) G_GNUC_WARN_UNUSED_RESULT;
/* @mode: "", "shorten" or "extend" */
gchar *sd_signed_string_expire (const gchar *mode,
                                guint64 expiry,
                                const gchar *const *hashes) G_GNUC_WARN_UNUSED_RESULT;
gchar *sd_signed_string_get_expiries (guint64 timestamp,
                                      const gchar *const *hashes) G_GNUC_WARN_UNUSED_RESULT;

/* Ed25519 signature of @len bytes (requests whose signed part is binary, such as
 * (un)revoke_subaccount), as padded base64 (88 chars) */
gchar *sd_sign_bytes_base64 (const guint8 ed25519_sk[64],
                             const guint8 *data,
                             gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* checks a base64 signature (padded or not) of @len bytes by @ed25519_pk */
gboolean sd_verify_bytes_base64 (const guint8 ed25519_pk[32],
                                 const guint8 *data,
                                 gsize len,
                                 const gchar *signature_base64,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Ed25519 signature of @text, as padded base64 (88 chars) */
gchar *sd_sign_text_base64 (const guint8 ed25519_sk[64], const gchar *text) G_GNUC_WARN_UNUSED_RESULT;

/* checks a base64 signature (padded or not) of @text by @ed25519_pk */
gboolean sd_verify_text_base64 (const guint8 ed25519_pk[32],
                                const gchar *text,
                                const gchar *signature_base64,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
