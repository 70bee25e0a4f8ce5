/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group Keys messages (libsession groups/keys.cpp is the reference for the
 * derivations; this is our implementation):
 *
 *   new key ‖ nonce = BLAKE2b-56(member ids (hex, sorted) ‖ generation
 *                     (decimal) ‖ S), key "SessionGroupKeyGen",
 *                     S = BLAKE2b-32(group seed, key "SessionGroupKeySeed")
 *   admin copy "K"  = the key under BLAKE2b-32(group seed, key
 *                     "SessionGroupKeyAdminKey")
 *   member copies "k" = multi-encrypted ("SessionGroupKeyMemberKey") from
 *                     the group's X25519 key, padded with deterministic
 *                     junk to a multiple of 75
 *   supplement "+"  = the list of every {g, k, t} multi-encrypted for the
 *                     new members; nonce from the same hash, 24 bytes
 *
 * and "~", the group signature, last. */
#define G_LOG_DOMAIN "SdGroupKeys"

#include "config.h"

#include "sd-group-keys.h"

#include <sodium.h>
#include <string.h>

#include "sd-bencode.h"
#include "sd-config-fields.h"
#include "sd-config-message.h"
#include "sd-config-value.h"
#include "sd-multi-encrypt.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

#define COPY_LEN (32 + SD_MULTI_OVERHEAD)
/* a supplement entry holds at least d1:gi0e1:k32:…1:ti0ee */
#define MIN_SUPPLEMENT_COPY (52 + SD_MULTI_OVERHEAD)

#define DOMAIN_MEMBER "SessionGroupKeyMemberKey"

typedef struct {
  gint64 generation;
  gchar *hash;
} Active;

struct _SdGroupKeys {
  SdGroupIdentity group;
  guint8 user_x_sk[32];
  guint8 user_x_pk[32];
  GArray *keys;          /* (element-type SdGroupKey) by (generation, timestamp, key) */
  gboolean has_pending;
  gint64 pending_generation;
  SdGroupKeyBytes pending_key;
  GBytes *pending_message;
  GArray *active;        /* (element-type Active) */
  GArray *list;          /* (element-type SdGroupKeyBytes) sd_group_keys_list() cache */
};

static void
active_clear (gpointer p)
{
  g_free (((Active *) p)->hash);
}

SdGroupKeys *
sd_group_keys_new (const SdGroupIdentity *group, const SdIdentity *user)
{
  SdGroupKeys *keys;

  g_return_val_if_fail (group != NULL && user != NULL, NULL);

  keys = g_new0 (SdGroupKeys, 1);
  keys->group = *group;
  memcpy (keys->user_x_sk, user->x25519_sk, 32);
  memcpy (keys->user_x_pk, user->x25519_pk, 32);
  keys->keys = g_array_new (FALSE, FALSE, sizeof (SdGroupKey));
  keys->active = g_array_new (FALSE, FALSE, sizeof (Active));
  g_array_set_clear_func (keys->active, active_clear);
  keys->list = g_array_new (FALSE, FALSE, sizeof (SdGroupKeyBytes));
  return keys;
}

void
sd_group_keys_free (SdGroupKeys *keys)
{
  if (keys == NULL)
    return;
  sd_group_identity_clear (&keys->group);
  sodium_memzero (keys->user_x_sk, sizeof keys->user_x_sk);
  sodium_memzero (keys->keys->data, keys->keys->len * sizeof (SdGroupKey));
  g_array_unref (keys->keys);
  sodium_memzero (keys->list->data, keys->list->len * sizeof (SdGroupKeyBytes));
  g_array_unref (keys->list);
  g_array_unref (keys->active);
  sodium_memzero (keys->pending_key, sizeof keys->pending_key);
  g_clear_pointer (&keys->pending_message, g_bytes_unref);
  g_free (keys);
}

gboolean
sd_group_keys_is_admin (const SdGroupKeys *keys)
{
  g_return_val_if_fail (keys != NULL, FALSE);
  return keys->group.is_admin;
}

gboolean
sd_group_keys_promote (SdGroupKeys *keys, const guint8 seed[32], GError **error)
{
  SdGroupIdentity admin;

  g_return_val_if_fail (keys != NULL && seed != NULL, FALSE);

  if (!sd_group_identity_seed_matches (&keys->group, seed)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "the seed handed over is not this group's");
    return FALSE;
  }
  if (!sd_group_identity_from_seed (&admin, seed, error))
    return FALSE;
  sd_group_identity_clear (&keys->group);
  keys->group = admin;
  sd_group_identity_clear (&admin);
  return TRUE;
}

/* BLAKE2b-32 of the group seed under @hash_key */
static void
seed_hash (const SdGroupKeys *keys, const gchar *hash_key, guint8 out[32])
{
  sd_sodium_init ();
  crypto_generichash (out, 32, keys->group.ed25519_sk, 32, (const guint8 *) hash_key,
                      strlen (hash_key));
}

static gint
key_compare (const SdGroupKey *a, const SdGroupKey *b)
{
  if (a->generation != b->generation)
    return a->generation < b->generation ? -1 : 1;
  if (a->timestamp_ms != b->timestamp_ms)
    return a->timestamp_ms < b->timestamp_ms ? -1 : 1;
  return memcmp (a->key, b->key, 32);
}

/* a + b without overflow */
static gint64
add_sat (gint64 a, gint64 b)
{
  return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

static void
add_active (SdGroupKeys *keys, gint64 generation, const gchar *hash)
{
  Active entry;

  for (guint i = 0; i < keys->active->len; i++) {
    const Active *a = &g_array_index (keys->active, Active, i);

    if (a->generation == generation && g_strcmp0 (a->hash, hash) == 0)
      return;
  }
  entry.generation = generation;
  entry.hash = g_strdup (hash != NULL ? hash : "");
  g_array_append_val (keys->active, entry);
}

static void
remove_expired (SdGroupKeys *keys)
{
  GArray *k = keys->keys;
  guint lapsed_end = 0;

  if (k->len >= 2) {
    gint64 newest = g_array_index (k, SdGroupKey, k->len - 1).timestamp_ms;
    guint it = 0;

    for (;;) {
      guint next = it + 1;

      /* to the last key of this generation */
      while (next < k->len &&
             g_array_index (k, SdGroupKey, next).generation ==
               g_array_index (k, SdGroupKey, it).generation)
        it = next++;
      if (next == k->len)
        break;
      /* a generation goes once the next one is older than the expiry,
       * measured on the swarm's clock (the newest timestamp), not ours */
      if (add_sat (g_array_index (k, SdGroupKey, next).timestamp_ms, SD_GROUP_KEY_EXPIRY_MS) <
          newest)
        lapsed_end = next;
      else
        break;
      it = next;
    }
  }
  if (k->len > lapsed_end + SD_GROUP_KEYS_MAX_KEYS)
    lapsed_end = k->len - SD_GROUP_KEYS_MAX_KEYS;
  if (lapsed_end > 0) {
    sodium_memzero (k->data, lapsed_end * sizeof (SdGroupKey));
    g_array_remove_range (k, 0, lapsed_end);
  }
  for (guint i = keys->active->len; i-- > 0;) {
    const Active *a = &g_array_index (keys->active, Active, i);

    if (k->len == 0 || a->generation < g_array_index (k, SdGroupKey, 0).generation)
      g_array_remove_index (keys->active, i);
  }
}

static void
insert_key (SdGroupKeys *keys, const gchar *hash, const SdGroupKey *key)
{
  GArray *k = keys->keys;
  guint pos = 0;

  /* the same key again (maybe with another timestamp): only the hash */
  for (guint i = 0; i < k->len; i++) {
    const SdGroupKey *at = &g_array_index (k, SdGroupKey, i);

    if (at->generation == key->generation && sodium_memcmp (at->key, key->key, 32) == 0) {
      add_active (keys, key->generation, hash);
      return;
    }
  }
  while (pos < k->len && key_compare (&g_array_index (k, SdGroupKey, pos), key) < 0)
    pos++;
  if (k->len >= 2 && pos == 0 && key->generation < g_array_index (k, SdGroupKey, 0).generation &&
      add_sat (g_array_index (k, SdGroupKey, 0).timestamp_ms, SD_GROUP_KEY_EXPIRY_MS) <
        g_array_index (k, SdGroupKey, k->len - 1).timestamp_ms)
    return; /* older than keys that have already expired */
  add_active (keys, key->generation, hash);
  g_array_insert_val (k, pos, *key);
  remove_expired (keys);
}

/* key material on the stack, wiped on every way out */
typedef struct {
  guint8 bytes[32];
} SecretKey;

static void
secret_key_clear (SecretKey *key)
{
  sodium_memzero (key->bytes, sizeof key->bytes);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SecretKey, secret_key_clear)

static void
clear_key (gpointer p)
{
  sodium_memzero (p, sizeof (SdGroupKey));
}

static gboolean
malformed (GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED, "keys message: %s", what);
  return FALSE;
}

static gboolean
get_int (const SdConfigValue *dict, const gchar *key, gint64 *out)
{
  const SdConfigValue *v = sd_config_value_dict_get (dict, key);

  if (v == NULL || sd_config_value_kind (v) != SD_CONFIG_VALUE_INT)
    return FALSE;
  *out = sd_config_value_get_int (v);
  return TRUE;
}

/* one key as the dict {g, k, t}, as a supplement's plaintext and our dump
 * hold them; FALSE unless @d is that with g >= 0 and a 32-byte k */
static gboolean
read_key (const SdConfigValue *d, SdGroupKey *key)
{
  const guint8 *k;
  gsize k_len = 0;

  if (sd_config_value_kind (d) != SD_CONFIG_VALUE_DICT || !get_int (d, "g", &key->generation) ||
      !get_int (d, "t", &key->timestamp_ms) ||
      (k = sd_config_field_bytes (d, "k", &k_len)) == NULL || k_len != 32 || key->generation < 0)
    return FALSE;
  memcpy (key->key, k, 32);
  return TRUE;
}

/* the inverse, for a whole list of keys */
static void
append_key_list (GByteArray *out, const GArray *keys)
{
  g_byte_array_append (out, (const guint8 *) "l", 1);
  for (guint i = 0; i < keys->len; i++) {
    const SdGroupKey *k = &g_array_index (keys, SdGroupKey, i);

    g_byte_array_append (out, (const guint8 *) "d", 1);
    sd_bencode_append_bytes (out, (const guint8 *) "g", 1);
    sd_bencode_append_int (out, k->generation);
    sd_bencode_append_bytes (out, (const guint8 *) "k", 1);
    sd_bencode_append_bytes (out, k->key, 32);
    sd_bencode_append_bytes (out, (const guint8 *) "t", 1);
    sd_bencode_append_int (out, k->timestamp_ms);
    g_byte_array_append (out, (const guint8 *) "e", 1);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
}

/* the supplement's plaintext: a list of {g, k, t} */
static gboolean
parse_supplement_keys (const guint8 *data, gsize len, GArray *out, GError **error)
{
  g_autoptr(SdConfigValue) list = sd_config_value_decode (data, len, error);

  if (list == NULL)
    return FALSE;
  if (sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST ||
      sd_config_value_length (list) > SD_GROUP_KEYS_MAX_KEYS)
    return malformed (error, "supplemental keys are not a list of a sane size");
  for (guint i = 0; i < sd_config_value_length (list); i++) {
    const SdConfigValue *d = sd_config_value_list_get (list, i);
    SdGroupKey key = { 0 };

    if (!read_key (d, &key))
      return malformed (error, "supplemental key is not {g, k (32 bytes), t}");
    g_array_append_val (out, key);
  }
  return TRUE;
}

gboolean
sd_group_keys_load_message (SdGroupKeys *keys, const gchar *hash, const guint8 *data, gsize len,
                            gint64 timestamp_ms, gboolean *found, GError **error)
{
  g_autoptr(SdConfigValue) dict = NULL;
  g_autoptr(GArray) new_keys = g_array_new (FALSE, TRUE, sizeof (SdGroupKey));
  const SdConfigValue *list;
  const guint8 *nonce;
  gsize nonce_len = 0;
  g_auto(SecretKey) member_key = { { 0 } };
  gboolean have_max_gen = FALSE;
  gint64 max_gen = 0;

  g_return_val_if_fail (keys != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  sd_sodium_init ();
  /* decrypted keys are wiped however this ends */
  g_array_set_clear_func (new_keys, clear_key);
  if (found != NULL)
    *found = FALSE;
  if (len > SD_GROUP_KEYS_MAX_MESSAGE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "keys message of %" G_GSIZE_FORMAT " bytes", len);
    return FALSE;
  }
  if (timestamp_ms < 0)
    return malformed (error, "negative timestamp");
  /* only admins sign Keys: checked before anything is decrypted */
  if (!sd_config_message_verify (data, len, keys->group.ed25519_pk, error))
    return FALSE;
  dict = sd_config_value_decode (data, len, error);
  if (dict == NULL)
    return FALSE;
  if (sd_config_value_kind (dict) != SD_CONFIG_VALUE_DICT)
    return malformed (error, "not a dict");
  {
    /* the verified tail must be the "~" key itself, the last one */
    guint n = sd_config_value_length (dict);
    gsize klen = 0;
    const guint8 *last = n > 0 ? sd_config_value_dict_key (dict, n - 1, &klen) : NULL;

    if (last == NULL || klen != 1 || last[0] != '~')
      return malformed (error, "the signature is not the last key");
  }
  nonce = sd_config_field_bytes (dict, "#", &nonce_len);
  if (nonce == NULL || nonce_len != SD_MULTI_NONCE_LEN)
    return malformed (error, "no 24-byte nonce");

  /* our key for copies from the group: sR with S the group's X25519 key */
  if (!keys->group.is_admin &&
      !sd_multi_encrypt_key (member_key.bytes, keys->user_x_sk, keys->user_x_pk, keys->group.x25519_pk,
                             FALSE, DOMAIN_MEMBER))
    return malformed (error, "group key is not usable");

  if ((list = sd_config_value_dict_get (dict, "+")) != NULL) {
    /* supplemental keys for members allowed the history */
    gboolean have = FALSE;

    if (sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST ||
        sd_config_value_length (list) > SD_GROUP_KEYS_MAX_MEMBERS)
      return malformed (error, "\"+\" is not a list of a sane size");
    for (guint i = 0; i < sd_config_value_length (list); i++) {
      const SdConfigValue *item = sd_config_value_list_get (list, i);
      const guint8 *copy;
      gsize copy_len;
      g_autofree guint8 *plain = NULL;

      if (sd_config_value_kind (item) != SD_CONFIG_VALUE_STRING)
        return malformed (error, "supplemental copy is not a string");
      copy = sd_config_value_get_string (item, &copy_len);
      if (copy_len < MIN_SUPPLEMENT_COPY)
        return malformed (error, "supplemental copy too short");
      /* admins hold every key already */
      if (have || keys->group.is_admin)
        continue;
      plain = g_malloc (copy_len - SD_MULTI_OVERHEAD);
      if (sd_multi_decrypt_copy (plain, copy, copy_len, member_key.bytes, nonce)) {
        gboolean ok = parse_supplement_keys (plain, copy_len - SD_MULTI_OVERHEAD, new_keys, error);

        sodium_memzero (plain, copy_len - SD_MULTI_OVERHEAD);
        if (!ok)
          return FALSE;
        sodium_memzero (plain, copy_len - SD_MULTI_OVERHEAD);
        have = TRUE;
      }
    }
    if (!get_int (dict, "G", &max_gen))
      return malformed (error, "supplement without its generation \"G\"");
    have_max_gen = TRUE;
  } else {
    SdGroupKey key = { 0 };
    const guint8 *admin_copy;
    gsize admin_len = 0;
    gboolean have = FALSE;
    guint count;

    key.timestamp_ms = timestamp_ms;
    if (!get_int (dict, "G", &key.generation) || key.generation < 0)
      return malformed (error, "no generation \"G\"");
    admin_copy = sd_config_field_bytes (dict, "K", &admin_len);
    if (admin_copy == NULL || admin_len != COPY_LEN)
      return malformed (error, "no 48-byte admin copy \"K\"");
    if (keys->group.is_admin) {
      guint8 admin_key[32];
      gboolean ok;

      seed_hash (keys, "SessionGroupKeyAdminKey", admin_key);
      ok = crypto_aead_xchacha20poly1305_ietf_decrypt (key.key, NULL, NULL, admin_copy, admin_len,
                                                       NULL, 0, nonce, admin_key) == 0;
      sodium_memzero (admin_key, sizeof admin_key);
      if (!ok) {
        g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                             "keys message: the admin copy does not open with our seed");
        return FALSE;
      }
      have = TRUE;
    }
    list = sd_config_value_dict_get (dict, "k");
    if (list == NULL || sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST)
      return malformed (error, "no member copies \"k\"");
    count = sd_config_value_length (list);
    if (count > SD_GROUP_KEYS_MAX_MEMBERS + SD_GROUP_KEYS_MULTIPLE ||
        count % SD_GROUP_KEYS_MULTIPLE != 0) {
      sodium_memzero (&key, sizeof key);
      return malformed (error, "member copies are too many, or not padded to a multiple of 75");
    }
    /* every entry is checked, also once ours is found, so that every
     * client rejects the same messages */
    for (guint i = 0; i < count; i++) {
      const SdConfigValue *item = sd_config_value_list_get (list, i);
      const guint8 *copy;
      gsize copy_len = 0;

      if (sd_config_value_kind (item) != SD_CONFIG_VALUE_STRING ||
          (copy = sd_config_value_get_string (item, &copy_len), copy_len != COPY_LEN)) {
        sodium_memzero (&key, sizeof key);
        return malformed (error, "member copy is not 48 bytes");
      }
      if (!have && sd_multi_decrypt_copy (key.key, copy, copy_len, member_key.bytes, nonce))
        have = TRUE;
    }
    if (have)
      g_array_append_val (new_keys, key);
    else {
      max_gen = key.generation;
      have_max_gen = TRUE;
    }
    sodium_memzero (&key, sizeof key);
  }
  sodium_memzero (member_key.bytes, sizeof member_key.bytes);

  /* our own rekey came back (or a later one replaced it) */
  if (keys->has_pending && new_keys->len > 0) {
    const SdGroupKey *first = &g_array_index (new_keys, SdGroupKey, 0);

    if (first->generation > keys->pending_generation ||
        sodium_memcmp (first->key, keys->pending_key, 32) == 0) {
      keys->has_pending = FALSE;
      g_clear_pointer (&keys->pending_message, g_bytes_unref);
    }
  }
  if (new_keys->len > 0) {
    for (guint i = 0; i < new_keys->len; i++)
      insert_key (keys, hash, &g_array_index (new_keys, SdGroupKey, i));
    sodium_memzero (new_keys->data, new_keys->len * sizeof (SdGroupKey));
    if (found != NULL)
      *found = TRUE;
  } else if (have_max_gen) {
    add_active (keys, max_gen, hash);
    remove_expired (keys);
  }
  return TRUE;
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* "05…" ids → lower-case ids and X25519 keys; sorted when @sort */
static gboolean
parse_members (GPtrArray *member_ids, gboolean sort, GPtrArray **ids_out, GArray **pks_out,
               GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) pks = g_array_new (FALSE, FALSE, 32);

  if (member_ids->len > SD_GROUP_KEYS_MAX_MEMBERS) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "%u members, at most %d", member_ids->len, SD_GROUP_KEYS_MAX_MEMBERS);
    return FALSE;
  }
  for (guint i = 0; i < member_ids->len; i++) {
    guint8 pk[32];
    gchar id[SD_SESSION_ID_LEN + 1];

    if (!sd_session_id_parse (g_ptr_array_index (member_ids, i), pk, error))
      return FALSE;
    sd_session_id_format (pk, id);
    g_ptr_array_add (ids, g_strdup (id));
  }
  if (sort)
    g_ptr_array_sort (ids, compare_ids);
  for (guint i = 0; i < ids->len; i++) {
    guint8 pk[32];

    g_assert (sd_session_id_parse (g_ptr_array_index (ids, i), pk, NULL));
    g_array_append_vals (pks, pk, 1);
  }
  *ids_out = g_steal_pointer (&ids);
  *pks_out = g_steal_pointer (&pks);
  return TRUE;
}

static gboolean
require_admin (const SdGroupKeys *keys, GError **error)
{
  if (keys->group.is_admin)
    return TRUE;
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                       "only an admin (holding the group seed) can issue keys");
  return FALSE;
}

/* the member copies, each through @add */
static guint
encrypt_copies (const SdGroupKeys *keys, const guint8 *plain, gsize len, GArray *pks,
                const guint8 nonce[24], GByteArray *out)
{
  guint8 group_x_sk[32];
  g_autofree guint8 *copy = g_malloc (len + SD_MULTI_OVERHEAD);
  guint count = 0;

  sd_sodium_init ();
  crypto_sign_ed25519_sk_to_curve25519 (group_x_sk, keys->group.ed25519_sk);
  for (guint i = 0; i < pks->len; i++) {
    guint8 key[32];

    /* a key that is not a usable point gets no copy, as in libsession */
    if (!sd_multi_encrypt_key (key, group_x_sk, keys->group.x25519_pk,
                               &g_array_index (pks, guint8, i * 32), TRUE, DOMAIN_MEMBER))
      continue;
    sd_multi_encrypt_copy (copy, plain, len, key, nonce);
    sodium_memzero (key, sizeof key);
    sd_bencode_append_bytes (out, copy, len + SD_MULTI_OVERHEAD);
    count++;
  }
  sodium_memzero (group_x_sk, sizeof group_x_sk);
  return count;
}

static GBytes *
finish_signed (const SdGroupKeys *keys, GByteArray *out)
{
  g_autoptr(GBytes) unsigned_bytes = NULL;

  g_byte_array_append (out, (const guint8 *) "e", 1);
  unsigned_bytes = g_byte_array_free_to_bytes (out);
  return sd_config_message_sign (unsigned_bytes, keys->group.ed25519_sk);
}

GBytes *
sd_group_keys_rekey (SdGroupKeys *keys, GPtrArray *member_ids, GError **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) pks = NULL;
  crypto_generichash_state st;
  guint8 h1[56], s[32], admin_key[32], admin_copy[COPY_LEN];
  g_autofree gchar *gen_text = NULL;
  GByteArray *out;
  GBytes *message;
  gint64 gen;
  guint count;

  g_return_val_if_fail (keys != NULL && member_ids != NULL, NULL);

  sd_sodium_init ();
  if (!require_admin (keys, error) || !parse_members (member_ids, TRUE, &ids, &pks, error))
    return NULL;
  gen = keys->keys->len == 0
          ? 0
          : g_array_index (keys->keys, SdGroupKey, keys->keys->len - 1).generation + 1;
  gen_text = g_strdup_printf ("%" G_GINT64_FORMAT, gen);

  /* deterministic, so that two admins making the same change agree */
  seed_hash (keys, "SessionGroupKeySeed", s);
  crypto_generichash_init (&st, (const guint8 *) "SessionGroupKeyGen", 18, sizeof h1);
  for (guint i = 0; i < ids->len; i++)
    crypto_generichash_update (&st, g_ptr_array_index (ids, i), SD_SESSION_ID_LEN);
  crypto_generichash_update (&st, (const guint8 *) gen_text, strlen (gen_text));
  crypto_generichash_update (&st, s, sizeof s);
  crypto_generichash_final (&st, h1, sizeof h1);
  sodium_memzero (s, sizeof s);
  /* h1 = key (32) ‖ nonce (24) */

  seed_hash (keys, "SessionGroupKeyAdminKey", admin_key);
  crypto_aead_xchacha20poly1305_ietf_encrypt (admin_copy, NULL, h1, 32, NULL, 0, NULL, h1 + 32,
                                              admin_key);
  sodium_memzero (admin_key, sizeof admin_key);

  out = g_byte_array_sized_new (256 + (pks->len + SD_GROUP_KEYS_MULTIPLE) * (COPY_LEN + 3));
  g_byte_array_append (out, (const guint8 *) "d", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "#", 1);
  sd_bencode_append_bytes (out, h1 + 32, 24);
  sd_bencode_append_bytes (out, (const guint8 *) "G", 1);
  sd_bencode_append_int (out, gen);
  sd_bencode_append_bytes (out, (const guint8 *) "K", 1);
  sd_bencode_append_bytes (out, admin_copy, sizeof admin_copy);
  sd_bencode_append_bytes (out, (const guint8 *) "k", 1);
  g_byte_array_append (out, (const guint8 *) "l", 1);
  count = encrypt_copies (keys, h1, 32, pks, h1 + 32, out);
  if (count % SD_GROUP_KEYS_MULTIPLE != 0) {
    /* junk that looks like copies, from a seed only admins can derive */
    guint n_junk = SD_GROUP_KEYS_MULTIPLE - count % SD_GROUP_KEYS_MULTIPLE;
    g_autofree guint8 *junk = g_malloc (n_junk * COPY_LEN);
    guint8 rng_seed[randombytes_SEEDBYTES];

    crypto_generichash_init (&st, (const guint8 *) "SessionGroupJunkMembers", 23,
                             sizeof rng_seed);
    crypto_generichash_update (&st, h1, sizeof h1);
    crypto_generichash_update (&st, keys->group.ed25519_sk, 64);
    crypto_generichash_final (&st, rng_seed, sizeof rng_seed);
    randombytes_buf_deterministic (junk, n_junk * COPY_LEN, rng_seed);
    sodium_memzero (rng_seed, sizeof rng_seed);
    for (guint i = 0; i < n_junk; i++)
      sd_bencode_append_bytes (out, junk + i * COPY_LEN, COPY_LEN);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  message = finish_signed (keys, out);

  keys->has_pending = TRUE;
  keys->pending_generation = gen;
  memcpy (keys->pending_key, h1, 32);
  g_clear_pointer (&keys->pending_message, g_bytes_unref);
  keys->pending_message = g_bytes_ref (message);
  sodium_memzero (h1, sizeof h1);
  return message;
}

GBytes *
sd_group_keys_supplement (SdGroupKeys *keys, GPtrArray *member_ids, GError **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) pks = NULL;
  g_autoptr(GByteArray) plain = NULL;
  crypto_generichash_state st;
  guint8 nonce[24], s[32];
  GByteArray *out;
  guint count;

  g_return_val_if_fail (keys != NULL && member_ids != NULL, NULL);

  sd_sodium_init ();
  if (!require_admin (keys, error) || !parse_members (member_ids, FALSE, &ids, &pks, error))
    return NULL;
  if (keys->keys->len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "no keys to hand over yet");
    return NULL;
  }
  plain = g_byte_array_new ();
  append_key_list (plain, keys->keys);

  seed_hash (keys, "SessionGroupKeySeed", s);
  crypto_generichash_init (&st, (const guint8 *) "SessionGroupKeyGen", 18, sizeof nonce);
  for (guint i = 0; i < ids->len; i++)
    crypto_generichash_update (&st, g_ptr_array_index (ids, i), SD_SESSION_ID_LEN);
  crypto_generichash_update (&st, plain->data, plain->len);
  crypto_generichash_update (&st, s, sizeof s);
  crypto_generichash_final (&st, nonce, sizeof nonce);
  sodium_memzero (s, sizeof s);

  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) "d", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "#", 1);
  sd_bencode_append_bytes (out, nonce, sizeof nonce);
  sd_bencode_append_bytes (out, (const guint8 *) "+", 1);
  g_byte_array_append (out, (const guint8 *) "l", 1);
  count = encrypt_copies (keys, plain->data, plain->len, pks, nonce, out);
  sodium_memzero (plain->data, plain->len);
  if (count == 0) {
    g_byte_array_unref (out);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                         "none of the Session IDs can receive keys");
    return NULL;
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "G", 1);
  sd_bencode_append_int (out,
                              g_array_index (keys->keys, SdGroupKey, keys->keys->len - 1).generation);
  return finish_signed (keys, out);
}

GBytes *
sd_group_keys_get_pending_message (const SdGroupKeys *keys)
{
  g_return_val_if_fail (keys != NULL, NULL);
  return keys->pending_message;
}

gboolean
sd_group_keys_get_current (const SdGroupKeys *keys, SdGroupKeyBytes key, gint64 *generation)
{
  const SdGroupKey *newest;

  g_return_val_if_fail (keys != NULL, FALSE);

  if (keys->has_pending) {
    if (key != NULL)
      memcpy (key, keys->pending_key, 32);
    if (generation != NULL)
      *generation = keys->pending_generation;
    return TRUE;
  }
  if (keys->keys->len == 0)
    return FALSE;
  newest = &g_array_index (keys->keys, SdGroupKey, keys->keys->len - 1);
  if (key != NULL)
    memcpy (key, newest->key, 32);
  if (generation != NULL)
    *generation = newest->generation;
  return TRUE;
}

const SdGroupKeyBytes *
sd_group_keys_list (SdGroupKeys *keys, guint *n_keys)
{
  g_return_val_if_fail (keys != NULL && n_keys != NULL, NULL);

  sodium_memzero (keys->list->data, keys->list->len * sizeof (SdGroupKeyBytes));
  g_array_set_size (keys->list, 0);
  if (keys->has_pending)
    g_array_append_vals (keys->list, keys->pending_key, 1);
  for (guint i = keys->keys->len; i-- > 0;)
    g_array_append_vals (keys->list, g_array_index (keys->keys, SdGroupKey, i).key, 1);
  *n_keys = keys->list->len;
  return (const SdGroupKeyBytes *) keys->list->data;
}

guint
sd_group_keys_get_n_keys (const SdGroupKeys *keys)
{
  g_return_val_if_fail (keys != NULL, 0);
  return keys->keys->len;
}

const SdGroupKey *
sd_group_keys_get_key (const SdGroupKeys *keys, guint index)
{
  g_return_val_if_fail (keys != NULL && index < keys->keys->len, NULL);
  return &g_array_index (keys->keys, SdGroupKey, index);
}

gboolean
sd_group_keys_needs_rekey (const SdGroupKeys *keys)
{
  g_return_val_if_fail (keys != NULL, FALSE);

  if (!keys->group.is_admin || keys->keys->len < 2)
    return FALSE;
  return g_array_index (keys->keys, SdGroupKey, keys->keys->len - 1).generation ==
         g_array_index (keys->keys, SdGroupKey, keys->keys->len - 2).generation;
}

GPtrArray *
sd_group_keys_active_hashes (const SdGroupKeys *keys)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (keys != NULL, out);

  for (guint i = 0; i < keys->active->len; i++) {
    const gchar *hash = g_array_index (keys->active, Active, i).hash;
    gboolean seen = FALSE;

    for (guint j = 0; j < out->len && !seen; j++)
      seen = strcmp (g_ptr_array_index (out, j), hash) == 0;
    if (!seen)
      g_ptr_array_add (out, g_strdup (hash));
  }
  return out;
}

/* dump: d "A" [[generation, hash]…] "L" [{g, k, t}…] "P" {c message, g, k} e */
GBytes *
sd_group_keys_dump (const SdGroupKeys *keys)
{
  GByteArray *out = g_byte_array_new ();

  g_return_val_if_fail (keys != NULL, NULL);

  g_byte_array_append (out, (const guint8 *) "d", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "A", 1);
  g_byte_array_append (out, (const guint8 *) "l", 1);
  for (guint i = 0; i < keys->active->len; i++) {
    const Active *a = &g_array_index (keys->active, Active, i);

    g_byte_array_append (out, (const guint8 *) "l", 1);
    sd_bencode_append_int (out, a->generation);
    sd_bencode_append_bytes (out, (const guint8 *) a->hash, strlen (a->hash));
    g_byte_array_append (out, (const guint8 *) "e", 1);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  sd_bencode_append_bytes (out, (const guint8 *) "L", 1);
  append_key_list (out, keys->keys);
  if (keys->has_pending) {
    sd_bencode_append_bytes (out, (const guint8 *) "P", 1);
    g_byte_array_append (out, (const guint8 *) "d", 1);
    sd_bencode_append_bytes (out, (const guint8 *) "c", 1);
    sd_bencode_append_bytes (out, g_bytes_get_data (keys->pending_message, NULL),
                                   g_bytes_get_size (keys->pending_message));
    sd_bencode_append_bytes (out, (const guint8 *) "g", 1);
    sd_bencode_append_int (out, keys->pending_generation);
    sd_bencode_append_bytes (out, (const guint8 *) "k", 1);
    sd_bencode_append_bytes (out, keys->pending_key, 32);
    g_byte_array_append (out, (const guint8 *) "e", 1);
  }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  return g_byte_array_free_to_bytes (out);
}

#define MAX_DUMP (SD_GROUP_KEYS_MAX_MESSAGE + 64 * 1024)
#define MAX_ACTIVE 4096

gboolean
sd_group_keys_load_dump (SdGroupKeys *keys, const guint8 *data, gsize len, GError **error)
{
  g_autoptr(SdConfigValue) dict = NULL;
  g_autoptr(GArray) new_keys = g_array_new (FALSE, FALSE, sizeof (SdGroupKey));
  g_autoptr(GArray) new_active = g_array_new (FALSE, FALSE, sizeof (Active));
  const SdConfigValue *active, *list, *pending;
  SdGroupKey pending_key = { 0 };
  const guint8 *message = NULL;
  gsize message_len = 0;

  g_return_val_if_fail (keys != NULL, FALSE);

  g_array_set_clear_func (new_active, active_clear);
  if (len > MAX_DUMP) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "keys dump too large");
    return FALSE;
  }
  dict = sd_config_value_decode (data, len, error);
  if (dict == NULL)
    return FALSE;
  if (sd_config_value_kind (dict) != SD_CONFIG_VALUE_DICT ||
      (active = sd_config_value_dict_get (dict, "A")) == NULL ||
      sd_config_value_kind (active) != SD_CONFIG_VALUE_LIST ||
      sd_config_value_length (active) > MAX_ACTIVE ||
      (list = sd_config_value_dict_get (dict, "L")) == NULL ||
      sd_config_value_kind (list) != SD_CONFIG_VALUE_LIST ||
      sd_config_value_length (list) > SD_GROUP_KEYS_MAX_KEYS)
    return malformed (error, "dump needs \"A\" and \"L\" lists of sane sizes");
  for (guint i = 0; i < sd_config_value_length (active); i++) {
    const SdConfigValue *pair = sd_config_value_list_get (active, i);
    const SdConfigValue *g, *h;
    Active entry;
    gsize hash_len;
    const guint8 *hash;

    if (sd_config_value_kind (pair) != SD_CONFIG_VALUE_LIST || sd_config_value_length (pair) != 2 ||
        sd_config_value_kind ((g = sd_config_value_list_get (pair, 0))) != SD_CONFIG_VALUE_INT ||
        sd_config_value_kind ((h = sd_config_value_list_get (pair, 1))) != SD_CONFIG_VALUE_STRING ||
        (hash = sd_config_value_get_string (h, &hash_len), hash_len > 256) ||
        memchr (hash, 0, hash_len) != NULL)
      return malformed (error, "dump has a bad active entry");
    entry.generation = sd_config_value_get_int (g);
    entry.hash = g_strndup ((const gchar *) hash, hash_len);
    g_array_append_val (new_active, entry);
  }
  for (guint i = 0; i < sd_config_value_length (list); i++) {
    const SdConfigValue *d = sd_config_value_list_get (list, i);
    SdGroupKey key = { 0 };

    if (!read_key (d, &key))
      return malformed (error, "dump has a bad key");
    if (new_keys->len > 0 &&
        key_compare (&g_array_index (new_keys, SdGroupKey, new_keys->len - 1), &key) >= 0)
      return malformed (error, "dump keys are not in order");
    g_array_append_val (new_keys, key);
  }
  if ((pending = sd_config_value_dict_get (dict, "P")) != NULL) {
    const guint8 *k;
    gsize k_len = 0;

    if (sd_config_value_kind (pending) != SD_CONFIG_VALUE_DICT ||
        (message = sd_config_field_bytes (pending, "c", &message_len)) == NULL ||
        message_len > SD_GROUP_KEYS_MAX_MESSAGE ||
        !get_int (pending, "g", &pending_key.generation) || pending_key.generation < 0 ||
        (k = sd_config_field_bytes (pending, "k", &k_len)) == NULL || k_len != 32)
      return malformed (error, "dump has a bad pending key");
    memcpy (pending_key.key, k, 32);
  }

  /* all read: replace */
  sodium_memzero (keys->keys->data, keys->keys->len * sizeof (SdGroupKey));
  g_array_set_size (keys->keys, 0);
  g_array_append_vals (keys->keys, new_keys->data, new_keys->len);
  sodium_memzero (new_keys->data, new_keys->len * sizeof (SdGroupKey));
  g_array_set_size (keys->active, 0);
  for (guint i = 0; i < new_active->len; i++) {
    Active *a = &g_array_index (new_active, Active, i);

    add_active (keys, a->generation, a->hash);
  }
  g_clear_pointer (&keys->pending_message, g_bytes_unref);
  keys->has_pending = message != NULL;
  if (keys->has_pending) {
    keys->pending_generation = pending_key.generation;
    memcpy (keys->pending_key, pending_key.key, 32);
    keys->pending_message = g_bytes_new (message, message_len);
  }
  sodium_memzero (&pending_key, sizeof pending_key);
  return TRUE;
}
