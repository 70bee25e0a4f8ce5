/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-mnemonic.h"

#include <sodium.h>
#include <string.h>

#include "sd-protocol-error.h"

/* generated from mnemonic-english.txt by gen-mnemonic-words.py, which
 * guarantees 1626 lower-case words in strictly ascending prefix order */
extern const char *const sd_mnemonic_english_words[SD_MNEMONIC_WORD_COUNT];

/* 13 words for 16 bytes, 25 for 32: 3 words per 4 bytes plus a checksum */
#define SHORT_PHRASE_WORDS 13
#define LONG_PHRASE_WORDS  25


typedef struct {
  const gchar *start;
  gsize len;
} Token;

const gchar *
sd_mnemonic_word (guint index)
{
  g_return_val_if_fail (index < SD_MNEMONIC_WORD_COUNT, NULL);
  return sd_mnemonic_english_words[index];
}

/* standard CRC-32 (IEEE 802.3, reflected, as zlib computes it), bitwise:
 * it only ever runs over a few dozen bytes */
static guint32
crc32_update (guint32 crc, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    crc ^= data[i];
    for (guint bit = 0; bit < 8; bit++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc;
}

/* which data word the checksum word repeats: CRC-32 of the concatenated
 * 3-letter prefixes of the data words, modulo their number */
static guint
checksum_position (const guint *indices, guint n_data_words)
{
  guint32 crc = 0xFFFFFFFFu;

  for (guint i = 0; i < n_data_words; i++)
    crc = crc32_update (crc, (const guint8 *) sd_mnemonic_english_words[indices[i]],
                        SD_MNEMONIC_PREFIX_LEN);
  return (crc ^ 0xFFFFFFFFu) % n_data_words;
}

gchar *
sd_mnemonic_encode (const guint8 *data, gsize len)
{
  const guint32 n = SD_MNEMONIC_WORD_COUNT;
  guint n_data_words;
  g_autofree guint *indices = NULL;
  gsize text_len = 0;
  gchar *out;
  gchar *p;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (len > 0 && len % 4 == 0, NULL);
  g_return_val_if_fail (len <= G_MAXUINT / 3, NULL);

  n_data_words = (guint) (len / 4 * 3);
  indices = g_new (guint, n_data_words + 1);
  for (gsize g = 0; g < len / 4; g++) {
    const guint8 *b = data + g * 4;
    guint32 x = (guint32) b[0] | (guint32) b[1] << 8 | (guint32) b[2] << 16 |
                (guint32) b[3] << 24;
    guint i1 = x % n;
    guint i2 = (x / n + i1) % n;
    guint i3 = (x / n / n + i2) % n;

    indices[g * 3] = i1;
    indices[g * 3 + 1] = i2;
    indices[g * 3 + 2] = i3;
  }
  indices[n_data_words] = indices[checksum_position (indices, n_data_words)];

  /* sized up front so the phrase is never left behind by a realloc */
  for (guint i = 0; i <= n_data_words; i++)
    text_len += strlen (sd_mnemonic_english_words[indices[i]]) + 1;
  out = g_malloc (text_len);
  p = out;
  for (guint i = 0; i <= n_data_words; i++) {
    const gchar *word = sd_mnemonic_english_words[indices[i]];
    gsize word_len = strlen (word);

    if (i > 0)
      *p++ = ' ';
    memcpy (p, word, word_len);
    p += word_len;
  }
  *p = '\0';

  sodium_memzero (indices, sizeof (guint) * (n_data_words + 1));
  return out;
}

/* index of the word whose 3-letter prefix (any letter case) starts @token,
 * or -1; letters after the prefix are ignored, so typos there are fine */
static gint
lookup_prefix (const Token *token)
{
  gchar prefix[SD_MNEMONIC_PREFIX_LEN];
  guint lo = 0;
  guint hi = SD_MNEMONIC_WORD_COUNT;
  gint found = -1;

  if (token->len < SD_MNEMONIC_PREFIX_LEN)
    return -1;
  for (guint i = 0; i < SD_MNEMONIC_PREFIX_LEN; i++)
    prefix[i] = g_ascii_tolower (token->start[i]);

  /* the list is sorted by prefix, and prefixes are unique */
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    int cmp = strncmp (sd_mnemonic_english_words[mid], prefix, SD_MNEMONIC_PREFIX_LEN);

    if (cmp == 0) {
      found = (gint) mid;
      break;
    }
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  sodium_memzero (prefix, sizeof prefix);
  return found;
}

/* C-locale isspace(): g_ascii_isspace() leaves out the vertical tab */
static inline gboolean
is_space (gchar c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* splits on ASCII whitespace without copying the phrase; returns the
 * number of words, storing at most @max of them */
static guint
tokenize (const gchar *phrase, Token *tokens, guint max)
{
  const gchar *p = phrase;
  guint count = 0;

  for (;;) {
    const gchar *start;

    while (*p != '\0' && is_space (*p))
      p++;
    if (*p == '\0')
      break;
    start = p;
    while (*p != '\0' && !is_space (*p))
      p++;
    if (count < max) {
      tokens[count].start = start;
      tokens[count].len = (gsize) (p - start);
    }
    /* a phrase can't have billions of words, but don't wrap if it does */
    if (count < G_MAXUINT)
      count++;
  }
  return count;
}

/* the decoded bytes are the account secret: wipe them with the GBytes */
typedef struct {
  gsize len;
  guint8 data[];
} SecretBlock;

static void
secret_block_free (gpointer user_data)
{
  SecretBlock *block = user_data;

  sodium_memzero (block->data, block->len);
  g_free (block);
}

GBytes *
sd_mnemonic_decode (const gchar *phrase, GError **error)
{
  const guint64 n = SD_MNEMONIC_WORD_COUNT;
  Token tokens[LONG_PHRASE_WORDS];
  guint indices[LONG_PHRASE_WORDS];
  guint n_words;
  guint n_data_words;
  guint expected;
  SecretBlock *block;
  gsize len;

  g_return_val_if_fail (phrase != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_words = tokenize (phrase, tokens, G_N_ELEMENTS (tokens));
  if (n_words != SHORT_PHRASE_WORDS && n_words != LONG_PHRASE_WORDS) {
    if (n_words == SHORT_PHRASE_WORDS - 1 || n_words == LONG_PHRASE_WORDS - 1)
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT,
                   "the recovery phrase has %u words; the last (checksum) word is missing",
                   n_words);
    else
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT,
                   "a recovery phrase has %u words (%u for a long one), this one has %u",
                   SHORT_PHRASE_WORDS, LONG_PHRASE_WORDS, n_words);
    return NULL;
  }

  for (guint i = 0; i < n_words; i++) {
    gint index = lookup_prefix (&tokens[i]);

    if (index < 0) {
      /* the position only: a mistyped word is most of a secret word, and errors are shown
       * and logged */
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD,
                   "word %u is not in the word list; check its spelling", i + 1);
      sodium_memzero (indices, sizeof indices);
      return NULL;
    }
    indices[i] = (guint) index;
  }

  /* the checksum covers only the prefixes, so it is checked before the
   * values: a typo is reported as such rather than as a bad value */
  n_data_words = n_words - 1;
  expected = checksum_position (indices, n_data_words);
  if (indices[n_data_words] != indices[expected]) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM,
                 "the last word does not match the checksum of the others; check every "
                 "word for typos");
    sodium_memzero (indices, sizeof indices);
    return NULL;
  }

  len = n_data_words / 3 * 4;
  block = g_malloc (sizeof (SecretBlock) + len);
  block->len = len;
  for (guint g = 0; g < n_data_words / 3; g++) {
    guint64 i1 = indices[g * 3];
    guint64 i2 = indices[g * 3 + 1];
    guint64 i3 = indices[g * 3 + 2];
    /* indices are < n, so adding n keeps the differences non-negative */
    guint64 x = i1 + n * ((i2 + n - i1) % n) + n * n * ((i3 + n - i2) % n);

    if (x > G_MAXUINT32) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_INVALID,
                   "words %u to %u do not form a valid value", g * 3 + 1, g * 3 + 3);
      sodium_memzero (indices, sizeof indices);
      secret_block_free (block);
      return NULL;
    }
    block->data[g * 4] = (guint8) x;
    block->data[g * 4 + 1] = (guint8) (x >> 8);
    block->data[g * 4 + 2] = (guint8) (x >> 16);
    block->data[g * 4 + 3] = (guint8) (x >> 24);
  }
  sodium_memzero (indices, sizeof indices);

  return g_bytes_new_with_free_func (block->data, len, secret_block_free, block);
}

gboolean
sd_mnemonic_to_seed (const gchar *phrase, guint8 seed[32], GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len = 0;

  g_return_val_if_fail (phrase != NULL, FALSE);
  g_return_val_if_fail (seed != NULL, FALSE);

  bytes = sd_mnemonic_decode (phrase, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  /* decode yields 16 or 32 bytes: 16 are the account entropy, padded with
   * zeros into the seed; 32 (a long phrase) are the seed itself */
  g_assert (len == 16 || len == 32);
  memset (seed, 0, 32);
  memcpy (seed, data, len);
  return TRUE;
}

gchar *
sd_mnemonic_from_seed (const guint8 seed[32])
{
  g_return_val_if_fail (seed != NULL, NULL);

  if (sodium_is_zero (seed + 16, 16))
    return sd_mnemonic_encode (seed, 16);
  return sd_mnemonic_encode (seed, 32);
}
