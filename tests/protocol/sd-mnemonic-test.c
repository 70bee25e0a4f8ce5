/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>
#include <string.h>

#include "sd-keys.h"
#include "sd-mnemonic.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* protocol-identity-and-messages.md §1.2: SHA-256 of the list joined by
 * single spaces */
#define WORD_LIST_SHA256 "3c381ebb6defd69ab7c1998641c8a047a1488fcebc393c5ef44828ca9128003b"

#define AMAZE_PHRASE \
  "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed faxed"

/* §9.3 and §9.1: entropy ⇔ phrase, and the keys where the doc gives them */
static const struct {
  const gchar *entropy;
  const gchar *phrase;
  const gchar *ed25519_pk;
  const gchar *session_id;
  const gchar *x25519_sk;
} vectors[] = {
  { "000102030405060708090a0b0c0d0e0f", AMAZE_PHRASE,
    "65adc5bfb14b5363f1b50e63a431f6fe08ff5d4e8d362c1e3d4c56c9d044bfb0",
    "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a", NULL },
  { "00000000000000000000000000000000",
    "abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey",
    NULL, NULL, NULL },
  { "39038c8988db02c1af44e8c847bd9713",
    "puffin luxury annoyed rustled memoir faxed smidgen puddle kiwi nylon utopia zinger kiwi",
    "f661a69453ef81a3b75bfcf954eb1f439d4d74edcab0e72a5c435ee418a907be",
    "054830367d369d94605247999a375dbd0a0f65fdec5de1535612bcb6d4de452c69",
    "38826f05b06ae13d8e9fa7ebc694410979339df07731e6300128dab10ccd9d7b" },
  { "8c0d6b3ad3d2d5c7c252d3816ba7f267",
    "anxiety science wrist fatal hemlock cistern cabin whole lamb myriad dads noodles cistern",
    "62267776b50f7a12376fb91647c296d8b9cd0b24743ec0b97f530b3907518ec3",
    "05276137de3e4be913e0d30de7d59428446033a978893e788e91e4f2ddc02bd378",
    "e89642bff0068aa119183fc4bec493cb5173643a2c4ed01187953641c7f13f61" },
  { "0123456789abcdef0123456789abcdef",
    "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept",
    "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7",
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72", NULL },
  { "00112233445566778899aabbccddeeff",
    "python costume hamburger heels amnesty lukewarm antics value picked roped sowed southern "
    "amnesty",
    "5ea34e72bb044654a6a23675690ef5ffaaf1656b02f93fb76655f9cbdbe89876",
    "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74", NULL },
};

static const gchar long_entropy[] =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const gchar long_phrase[] =
  "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed update vague "
  "zinger boxes ornament renting glass gained island nabbing afield calamity boxes";

static void
assert_decodes_to (const gchar *phrase, const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = sd_mnemonic_decode (phrase, &error);
  gsize len = 0;
  const guint8 *data;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &len);
  sd_test_assert_hex (data, len, hex);
}

static void
assert_decode_fails (const gchar *phrase, SdProtocolError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = sd_mnemonic_decode (phrase, &error);
  guint8 seed[32] = { 0 };

  g_assert_null (bytes);
  g_assert_error (error, SD_PROTOCOL_ERROR, (gint) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  g_assert_false (sd_mnemonic_to_seed (phrase, seed, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, (gint) code);
}

/* the phrase with word @position (0-based) replaced by @word */
static gchar *
replace_word (const gchar *phrase, guint position, const gchar *word)
{
  g_auto(GStrv) words = g_strsplit (phrase, " ", -1);

  g_assert_cmpuint (position, <, g_strv_length (words));
  g_free (words[position]);
  words[position] = g_strdup (word);
  return g_strjoinv (" ", words);
}

static void
test_word_list (void)
{
  g_assert_cmpstr (sd_mnemonic_word (0), ==, "abbey");
  g_assert_cmpstr (sd_mnemonic_word (1), ==, "abducts");
  g_assert_cmpstr (sd_mnemonic_word (2), ==, "ability");
  g_assert_cmpstr (sd_mnemonic_word (SD_MNEMONIC_WORD_COUNT - 3), ==, "zombie");
  g_assert_cmpstr (sd_mnemonic_word (SD_MNEMONIC_WORD_COUNT - 2), ==, "zones");
  g_assert_cmpstr (sd_mnemonic_word (SD_MNEMONIC_WORD_COUNT - 1), ==, "zoom");

  /* the decoder's binary search relies on unique, ascending prefixes */
  for (guint i = 1; i < SD_MNEMONIC_WORD_COUNT; i++)
    g_assert_cmpint (strncmp (sd_mnemonic_word (i - 1), sd_mnemonic_word (i),
                              SD_MNEMONIC_PREFIX_LEN), <, 0);

  /* every word decodes by its own index: word w three times gives x = w */
  for (guint i = 0; i < SD_MNEMONIC_WORD_COUNT; i++) {
    guint8 le[4] = { (guint8) i, (guint8) (i >> 8), 0, 0 };
    g_autofree gchar *phrase = sd_mnemonic_encode (le, sizeof le);
    g_autofree gchar *expected = g_strdup_printf ("%s %s %s", sd_mnemonic_word (i),
                                                  sd_mnemonic_word (i), sd_mnemonic_word (i));

    g_assert_true (g_str_has_prefix (phrase, expected));
  }

  if (g_test_undefined ()) {
    g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*index < SD_MNEMONIC_WORD_COUNT*");
    g_assert_null (sd_mnemonic_word (SD_MNEMONIC_WORD_COUNT));
    g_test_assert_expected_messages ();
  }
}

/* the compiled-in list against the per-index hashes in tests/data, so the
 * list rebuilt by scripts/build-mnemonic-wordlist.py stays the real one */
static void
test_word_list_hashes (void)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "data",
                                                  "mnemonic-english-sha256.txt", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  g_autofree gchar *joined = NULL;
  g_autofree gchar *whole = NULL;
  gboolean header_has_whole = FALSE;
  guint n_checked = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    g_autofree gchar *hash = NULL;
    guint64 index = 0;

    if (lines[i][0] == '\0')
      continue;
    if (lines[i][0] == '#') {
      if (strstr (lines[i], WORD_LIST_SHA256) != NULL)
        header_has_whole = TRUE;
      continue;
    }
    fields = g_strsplit (lines[i], " ", -1);
    g_assert_cmpuint (g_strv_length (fields), ==, 2);
    g_assert_true (g_ascii_string_to_unsigned (fields[0], 10, 0, SD_MNEMONIC_WORD_COUNT - 1,
                                               &index, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (index, ==, n_checked);
    hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, sd_mnemonic_word ((guint) index), -1);
    if (g_strcmp0 (hash, fields[1]) != 0)
      g_test_message ("word %u (“%s”) does not match its hash", (guint) index,
                      sd_mnemonic_word ((guint) index));
    g_assert_cmpstr (hash, ==, fields[1]);
    n_checked++;
  }
  g_assert_cmpuint (n_checked, ==, SD_MNEMONIC_WORD_COUNT);
  g_assert_true (header_has_whole);

  for (guint i = 0; i < SD_MNEMONIC_WORD_COUNT; i++)
    g_ptr_array_add (words, (gpointer) sd_mnemonic_word (i));
  g_ptr_array_add (words, NULL);
  joined = g_strjoinv (" ", (GStrv) words->pdata);
  whole = g_compute_checksum_for_string (G_CHECKSUM_SHA256, joined, -1);
  g_assert_cmpstr (whole, ==, WORD_LIST_SHA256);
}

static void
test_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++) {
    guint8 entropy[16];
    guint8 seed[32] = { 0 };
    guint8 decoded_seed[32];
    g_autofree gchar *phrase = NULL;
    g_autofree gchar *from_seed = NULL;
    g_autoptr(GError) error = NULL;

    sd_test_hex_into (vectors[i].entropy, entropy, sizeof entropy);
    phrase = sd_mnemonic_encode (entropy, sizeof entropy);
    g_assert_cmpstr (phrase, ==, vectors[i].phrase);
    assert_decodes_to (vectors[i].phrase, vectors[i].entropy);

    /* seed = entropy || 16 zero bytes, both ways */
    memcpy (seed, entropy, sizeof entropy);
    from_seed = sd_mnemonic_from_seed (seed);
    g_assert_cmpstr (from_seed, ==, vectors[i].phrase);
    memset (decoded_seed, 0xaa, sizeof decoded_seed);
    g_assert_true (sd_mnemonic_to_seed (vectors[i].phrase, decoded_seed, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (decoded_seed, sizeof decoded_seed, seed, sizeof seed);

    if (vectors[i].session_id != NULL) {
      SdIdentity id;

      sd_identity_from_seed (&id, decoded_seed);
      g_assert_cmpstr (id.session_id, ==, vectors[i].session_id);
      sd_test_assert_hex (id.ed25519_pk, 32, vectors[i].ed25519_pk);
      /* libsodium layout: entropy || 16 zero bytes || pk */
      g_assert_cmpmem (id.ed25519_sk, 32, seed, 32);
      g_assert_cmpmem (id.ed25519_sk + 32, 32, id.ed25519_pk, 32);
      if (vectors[i].x25519_sk != NULL)
        sd_test_assert_hex (id.x25519_sk, 32, vectors[i].x25519_sk);
      sd_identity_clear (&id);
    }
  }
}

static void
test_long_phrase (void)
{
  guint8 seed[32];
  guint8 decoded[32];
  g_autofree gchar *phrase = NULL;
  g_autofree gchar *from_seed = NULL;
  g_autoptr(GError) error = NULL;

  sd_test_hex_into (long_entropy, seed, sizeof seed);
  phrase = sd_mnemonic_encode (seed, sizeof seed);
  g_assert_cmpstr (phrase, ==, long_phrase);
  assert_decodes_to (long_phrase, long_entropy);

  /* a seed whose second half is not zero needs the 25-word form */
  from_seed = sd_mnemonic_from_seed (seed);
  g_assert_cmpstr (from_seed, ==, long_phrase);
  g_assert_true (sd_mnemonic_to_seed (long_phrase, decoded, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (decoded, sizeof decoded, seed, sizeof seed);
}

/* §9.3 note: bytes 01020304 are the indices 967/84/109, not 1443/180/205 */
static void
test_four_bytes (void)
{
  const guint8 data[4] = { 0x01, 0x02, 0x03, 0x04 };
  g_autofree gchar *phrase = sd_mnemonic_encode (data, sizeof data);
  g_auto(GStrv) words = g_strsplit (phrase, " ", -1);

  g_assert_cmpuint (g_strv_length (words), ==, 4);
  g_assert_cmpstr (words[0], ==, sd_mnemonic_word (967));
  g_assert_cmpstr (words[1], ==, sd_mnemonic_word (84));
  g_assert_cmpstr (words[2], ==, sd_mnemonic_word (109));
  g_assert_cmpstr (phrase, ==, "object anxiety asked object");
}

static void
test_prefixes (void)
{
  const gchar *hex = vectors[0].entropy;

  /* three letters are enough */
  assert_decodes_to ("ama buf cak ent sym tig lam maz nes pyt dus fax fax", hex);
  /* anything after the third letter is ignored, typos included */
  assert_decodes_to ("amazing buffalo cakewalk entrancy symptomz tigress lambada mazurka "
                     "nesting pythons dustbin faxxed faxes", hex);
  assert_decodes_to ("ama buffet cak entrance sym tiger lam maze nes python dus faxed fax-!", hex);
  assert_decodes_to ("amaé buf cak ent sym tig lam maz nes pyt dus fax fax", hex);
}

static void
test_whitespace_and_case (void)
{
  const gchar *hex = vectors[0].entropy;

  assert_decodes_to ("  amaze buffet cake entrance symptoms tiger lamb maze nestle python "
                     "dusted faxed faxed  ", hex);
  assert_decodes_to ("amaze  buffet   cake\tentrance\t\tsymptoms\ntiger\r\nlamb maze \n nestle "
                     "python dusted faxed faxed\n", hex);
  assert_decodes_to ("\n\t amaze\vbuffet\fcake entrance symptoms tiger lamb maze nestle python "
                     "dusted faxed\n\nfaxed \t\n", hex);
  assert_decodes_to ("AMAZE BUFFET CAKE ENTRANCE SYMPTOMS TIGER LAMB MAZE NESTLE PYTHON DUSTED "
                     "FAXED FAXED", hex);
  assert_decodes_to ("Amaze bUffet caKe ENTrance Sym TIG lam Maz nEs pyT duSTED Faxed fAX", hex);
  assert_decodes_to (" PUFFIN  luxury\tAnnoyed rustled memoir faxed smidgen puddle kiwi nylon "
                     "utopia zinger KIWI\n", vectors[2].entropy);
}

static void
test_word_count (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  /* 12 words: the checksum word is missing */
  assert_decode_fails ("amaze buffet cake entrance symptoms tiger lamb maze nestle python "
                       "dusted faxed", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  bytes = sd_mnemonic_decode ("amaze buffet cake entrance symptoms tiger lamb maze nestle python "
                              "dusted faxed", &error);
  g_assert_null (bytes);
  g_assert_nonnull (strstr (error->message, "checksum"));
  g_clear_error (&error);

  assert_decode_fails (AMAZE_PHRASE " faxed", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  assert_decode_fails ("", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  assert_decode_fails (" \t\n  ", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  assert_decode_fails ("amaze", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  /* long phrases: 24 and 26 words */
  assert_decode_fails ("amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted "
                       "faxed update vague zinger boxes ornament renting glass gained island "
                       "nabbing afield calamity", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  assert_decode_fails ("amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted "
                       "faxed update vague zinger boxes ornament renting glass gained island "
                       "nabbing afield calamity boxes boxes",
                       SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
  /* word count is checked before anything else */
  assert_decode_fails ("xyzzy xyzzy xyzzy", SD_PROTOCOL_ERROR_MNEMONIC_WORD_COUNT);
}

static void
test_unknown_word (void)
{
  g_autofree gchar *phrase = replace_word (AMAZE_PHRASE, 3, "xyzzy");
  g_autofree gchar *short_word = replace_word (AMAZE_PHRASE, 0, "am");
  g_autofree gchar *bad_checksum_word = replace_word (AMAZE_PHRASE, 12, "qqq");
  g_autofree gchar *binary = replace_word (AMAZE_PHRASE, 5, "\xff\xfe\x01tiger");
  g_autofree gchar *forty_z = g_strnfill (40, 'z');
  g_autofree gchar *long_junk = replace_word (AMAZE_PHRASE, 6, forty_z);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  assert_decode_fails (phrase, SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD);
  bytes = sd_mnemonic_decode (phrase, &error);
  g_assert_null (bytes);
  g_assert_cmpstr (error->message, ==, "word 4 is not in the word list; check its spelling");
  g_clear_error (&error);

  assert_decode_fails (short_word, SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD);
  assert_decode_fails (bad_checksum_word, SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD);
  assert_decode_fails ("ámaze buffet cake entrance symptoms tiger lamb maze nestle python "
                       "dusted faxed faxed", SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD);

  /* a mistyped word is most of a secret one: only its position is named (issue 14) */
  bytes = sd_mnemonic_decode (binary, &error);
  g_assert_null (bytes);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_UNKNOWN_WORD);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_true (g_str_has_prefix (error->message, "word 6 is not"));
  g_assert_null (strstr (error->message, "tiger"));
  g_clear_error (&error);
  bytes = sd_mnemonic_decode (long_junk, &error);
  g_assert_null (bytes);
  g_assert_true (g_str_has_prefix (error->message, "word 7 is not"));
  g_assert_null (strstr (error->message, "zz"));
  /* the rest of the phrase is never echoed */
  g_assert_null (strstr (error->message, "amaze"));
  g_assert_null (strstr (error->message, "faxed"));
}

static void
test_checksum (void)
{
  g_autofree gchar *wrong_last = replace_word (AMAZE_PHRASE, 12, "abbey");
  g_autofree gchar *other_data_word = replace_word (AMAZE_PHRASE, 12, "python");
  g_autofree gchar *typo = replace_word (AMAZE_PHRASE, 4, "tiger");
  g_autofree gchar *long_wrong = replace_word (long_phrase, 24, "faxed");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  assert_decode_fails (wrong_last, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM);
  assert_decode_fails (other_data_word, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM);
  assert_decode_fails (typo, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM);
  assert_decode_fails (long_wrong, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM);

  bytes = sd_mnemonic_decode (typo, &error);
  g_assert_null (bytes);
  g_assert_null (strstr (error->message, "amaze"));
  g_assert_null (strstr (error->message, "faxed"));
}

/* a triple can name a value above 2^32 - 1: indices 0, 1625, 1624 give
 * x = 1625·1626 + 1625·1626², which must be rejected, not truncated */
static void
test_out_of_range (void)
{
  g_autoptr(GString) data_words = g_string_new (NULL);
  guint n_invalid = 0;
  guint n_checksum = 0;

  g_string_append_printf (data_words, "%s %s %s", sd_mnemonic_word (0), sd_mnemonic_word (1625),
                          sd_mnemonic_word (1624));
  for (guint i = 0; i < 9; i++)
    g_string_append_printf (data_words, " %s", sd_mnemonic_word (100 + i));

  /* whichever data word the checksum names, the phrase is rejected; for
   * the right checksum word the reason is the value */
  for (guint i = 0; i < 12; i++) {
    g_auto(GStrv) words = g_strsplit (data_words->str, " ", -1);
    g_autofree gchar *phrase = g_strdup_printf ("%s %s", data_words->str, words[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = sd_mnemonic_decode (phrase, &error);

    g_assert_null (bytes);
    if (g_error_matches (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_INVALID)) {
      g_assert_cmpstr (error->message, ==, "words 1 to 3 do not form a valid value");
      n_invalid++;
    } else {
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MNEMONIC_CHECKSUM);
      n_checksum++;
    }
  }
  g_assert_cmpuint (n_invalid, ==, 1);
  g_assert_cmpuint (n_checksum, ==, 11);

  /* the largest value that fits, ffffffff, still decodes */
  {
    const guint8 max[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    g_autofree gchar *phrase = sd_mnemonic_encode (max, sizeof max);

    assert_decodes_to (phrase, "ffffffffffffffffffffffffffffffff");
  }
}

static void
assert_round_trip (const guint8 *data, gsize len)
{
  g_autofree gchar *phrase = sd_mnemonic_encode (data, len);
  g_auto(GStrv) words = g_strsplit (phrase, " ", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree gchar *upper = NULL;
  gboolean repeats = FALSE;
  guint n_words = g_strv_length (words);

  g_assert_cmpuint (n_words, ==, len / 4 * 3 + 1);
  for (guint i = 0; i + 1 < n_words; i++)
    repeats |= g_str_equal (words[i], words[n_words - 1]);
  g_assert_true (repeats);

  bytes = sd_mnemonic_decode (phrase, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), data, len);
  g_clear_pointer (&bytes, g_bytes_unref);

  upper = g_ascii_strup (phrase, -1);
  bytes = sd_mnemonic_decode (upper, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), data, len);
}

static void
test_round_trips (void)
{
  g_assert_cmpint (sodium_init (), >=, 0);

  for (guint iter = 0; iter < 500; iter++) {
    guint8 data[32];

    for (guint i = 0; i < sizeof data; i++)
      data[i] = (guint8) g_test_rand_int_range (0, 256);
    assert_round_trip (data, 16);
    assert_round_trip (data, 32);

    randombytes_buf (data, sizeof data);
    assert_round_trip (data, 16);
    assert_round_trip (data, 32);
  }
}

static void
test_seed_forms (void)
{
  guint8 seed[32];
  guint8 decoded[32];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sodium_init (), >=, 0);
  for (guint iter = 0; iter < 100; iter++) {
    g_autofree gchar *short_phrase = NULL;
    g_autofree gchar *long_form = NULL;
    g_auto(GStrv) words = NULL;

    /* zero second half: the 13-word account phrase */
    randombytes_buf (seed, 16);
    memset (seed + 16, 0, 16);
    short_phrase = sd_mnemonic_from_seed (seed);
    words = g_strsplit (short_phrase, " ", -1);
    g_assert_cmpuint (g_strv_length (words), ==, 13);
    g_assert_true (sd_mnemonic_to_seed (short_phrase, decoded, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (decoded, sizeof decoded, seed, sizeof seed);
    g_clear_pointer (&words, g_strfreev);

    /* anything else: 25 words carrying all 32 bytes */
    randombytes_buf (seed + 16, 16);
    seed[16 + g_test_rand_int_range (0, 16)] |= 1;
    long_form = sd_mnemonic_from_seed (seed);
    words = g_strsplit (long_form, " ", -1);
    g_assert_cmpuint (g_strv_length (words), ==, 25);
    g_assert_true (sd_mnemonic_to_seed (long_form, decoded, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (decoded, sizeof decoded, seed, sizeof seed);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/mnemonic/word-list", test_word_list);
  g_test_add_func ("/protocol/mnemonic/word-list-hashes", test_word_list_hashes);
  g_test_add_func ("/protocol/mnemonic/vectors", test_vectors);
  g_test_add_func ("/protocol/mnemonic/long-phrase", test_long_phrase);
  g_test_add_func ("/protocol/mnemonic/four-bytes", test_four_bytes);
  g_test_add_func ("/protocol/mnemonic/prefixes", test_prefixes);
  g_test_add_func ("/protocol/mnemonic/whitespace-and-case", test_whitespace_and_case);
  g_test_add_func ("/protocol/mnemonic/word-count", test_word_count);
  g_test_add_func ("/protocol/mnemonic/unknown-word", test_unknown_word);
  g_test_add_func ("/protocol/mnemonic/checksum", test_checksum);
  g_test_add_func ("/protocol/mnemonic/out-of-range", test_out_of_range);
  g_test_add_func ("/protocol/mnemonic/round-trips", test_round_trips);
  g_test_add_func ("/protocol/mnemonic/seed-forms", test_seed_forms);
  return g_test_run ();
}
