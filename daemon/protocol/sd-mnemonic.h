/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_MNEMONIC_WORD_COUNT 1626 /* size of the English word list */
#define SD_MNEMONIC_PREFIX_LEN 3

/* the English word list, alphabetical, compiled in */
const gchar *sd_mnemonic_word (guint index);

/* @len bytes (a multiple of 4) → 3 words per 4 bytes + 1 checksum word,
 * separated by single spaces; 16 bytes → 13 words, 32 bytes → 25 words */
gchar *sd_mnemonic_encode (const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* the inverse: accepts surplus whitespace, any letter case and words
 * given by their 3-letter prefix; 13 words → 16 bytes, 25 words → 32 bytes.
 * Errors: SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT, _UNKNOWN_WORD (message
 * names the word's position), _CHECKSUM, _INVALID (value out of range) */
GBytes *sd_mnemonic_decode (const gchar *phrase, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* phrase → 32-byte Ed25519 seed (13 words: entropy || 16 zero bytes) */
gboolean sd_mnemonic_to_seed (const gchar *phrase,
                              guint8 seed[32],
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* seed → phrase: 13 words when the seed's last 16 bytes are zero, else 25 */
gchar *sd_mnemonic_from_seed (const guint8 seed[32]) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
