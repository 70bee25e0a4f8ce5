/* SPDX-License-Identifier: GPL-3.0-or-later */
/* arbitrary bytes as a recovery phrase: decoding must never crash, and
 * whatever decodes must survive an encode/decode round trip. A canonical
 * phrase (full list words, single spaces) must encode back to itself */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-mnemonic.h"
#include "sd-protocol-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* long enough for any real phrase; more only slows the fuzzer down */
#define MAX_PHRASE_BYTES 4096

static gboolean
is_list_word (const gchar *word, gsize len)
{
  for (guint i = 0; i < SD_MNEMONIC_WORD_COUNT; i++) {
    const gchar *candidate = sd_mnemonic_word (i);

    if (strlen (candidate) == len && memcmp (candidate, word, len) == 0)
      return TRUE;
  }
  return FALSE;
}

/* every word spelt in full, lower case, separated by single spaces */
static gboolean
is_canonical (const gchar *phrase)
{
  const gchar *start = phrase;

  for (;;) {
    const gchar *end = strchr (start, ' ');
    gsize len = end != NULL ? (gsize) (end - start) : strlen (start);

    if (!is_list_word (start, len))
      return FALSE;
    if (end == NULL)
      return TRUE;
    start = end + 1;
  }
}

/* the decoder's word separators: space, \t, \n, \v, \f, \r */
static gboolean
is_space (gchar c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* the same 3-letter prefixes, in the same order, ignoring case */
static gboolean
same_prefixes (const gchar *phrase, const gchar *encoded)
{
  g_auto(GStrv) words = g_strsplit (encoded, " ", -1);
  const gchar *p = phrase;
  guint j = 0;

  for (;;) {
    while (*p != '\0' && is_space (*p))
      p++;
    if (*p == '\0')
      break;
    if (words[j] == NULL || g_ascii_strncasecmp (p, words[j], SD_MNEMONIC_PREFIX_LEN) != 0)
      return FALSE;
    j++;
    while (*p != '\0' && !is_space (*p))
      p++;
  }
  return words[j] == NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *phrase = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *encoded = NULL;
  guint8 seed[32];

  if (size > MAX_PHRASE_BYTES)
    return 0;
  phrase = g_malloc (size + 1);
  memcpy (phrase, data, size);
  phrase[size] = '\0';

  decoded = sd_mnemonic_decode (phrase, &error);
  if (decoded == NULL) {
    if (error == NULL || error->domain != SD_PROTOCOL_ERROR ||
        !g_utf8_validate (error->message, -1, NULL))
      abort ();
    /* the seed form must agree with the plain decoder */
    if (sd_mnemonic_to_seed (phrase, seed, NULL))
      abort ();
    return 0;
  }
  if (error != NULL)
    abort ();
  if (g_bytes_get_size (decoded) != 16 && g_bytes_get_size (decoded) != 32)
    abort ();

  encoded = sd_mnemonic_encode (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded));
  again = sd_mnemonic_decode (encoded, NULL);
  if (again == NULL || !g_bytes_equal (again, decoded))
    abort ();
  if (!same_prefixes (phrase, encoded))
    abort ();
  if (is_canonical (phrase) && strcmp (phrase, encoded) != 0)
    abort ();
  if (!sd_mnemonic_to_seed (phrase, seed, NULL))
    abort ();
  return 0;
}
