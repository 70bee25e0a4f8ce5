/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Group messages (issue 18, docs/groups.md): the CPU of sending one (sd_group_message_encrypt:
 * zstd tried, bencoded envelope, Ed25519 signature, end padding, XChaCha20-Poly1305) and of
 * receiving one from a poll of 256 (sd_group_message_decrypt with three keys held, the right
 * one first; then the Envelope and Content parsed as the daemon does), beside the raw
 * libsodium work of the same bytes measured in the same run: sign + AEAD-seal, AEAD-open +
 * verify of a buffer the size of the padded plaintext. The receiver also derives the sender's
 * Session ID (Ed25519 -> X25519), which the raw reference shows separately. */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "config/sd-config-crypto.h"
#include "groups/sd-group-identity.h"
#include "groups/sd-group-keys.h"
#include "groups/sd-group-message.h"
#include "sd-content.h"
#include "sd-keys.h"
#include "sd-padding.h"
#include "session-messages.pb-c.h"

#define N_MESSAGES 256
#define N_SENDERS  20
#define N_KEYS     3
#define ROUNDS     5

typedef struct {
  SdIdentity senders[N_SENDERS];
  SdGroupKeyBytes keys[N_KEYS];        /* newest first, as the receiver tries them */
  GBytes *plain[N_MESSAGES];           /* Envelope{Content} */
  GBytes *cipher[N_MESSAGES];          /* ours */
  /* the raw reference: the same plaintext signed, sealed in a buffer of our padded size */
  guint8 *raw_buf[N_MESSAGES];
  gsize raw_len[N_MESSAGES];
  guint8 *raw_cipher[N_MESSAGES];
  guint8 raw_sig[N_MESSAGES][64];
  guint8 nonce[N_MESSAGES][24];
} Fixture;

static gdouble
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* best of ROUNDS: us of CPU per message */
static gdouble
measure (void (*fn) (Fixture *), Fixture *f)
{
  gdouble best = G_MAXDOUBLE;

  for (guint round = 0; round < ROUNDS; round++) {
    gdouble start = cpu_now ();

    fn (f);
    best = MIN (best, (cpu_now () - start) * 1e6 / N_MESSAGES);
  }
  return best;
}

static GBytes *
make_plain (guint i, const gchar *group_id)
{
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  SdTextContent text = { 0 };
  g_autofree gchar *body = g_strdup_printf ("message %u to the group: see you at the station "
                                            "at half past six, bring the tickets and a map", i);
  g_autoptr(GBytes) content = NULL;
  gsize len;
  guint8 *out;

  text.body = body;
  text.sent_at = 1765000000000ULL + i;
  text.expiration_type = 2;
  text.expiration_timer = 86400;
  content = sd_content_pack_text_full (&text);
  envelope.has_type = TRUE;
  envelope.type = SESSION_PROTOS__ENVELOPE__TYPE__CLOSED_GROUP_MESSAGE;
  envelope.source = (char *) group_id;
  envelope.timestamp = text.sent_at;
  envelope.has_sourcedevice = TRUE;
  envelope.sourcedevice = 1;
  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (content, &envelope.content.len);
  len = session_protos__envelope__get_packed_size (&envelope);
  out = g_malloc (len);
  session_protos__envelope__pack (&envelope, out);
  return g_bytes_new_take (out, len);
}

static void
run_send (Fixture *f)
{
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data (f->plain[i], &len);
    g_autoptr(GBytes) c = sd_group_message_encrypt (&f->senders[i % N_SENDERS], f->keys[0], p,
                                                    len, NULL);

    g_assert (c != NULL);
  }
}

static void
run_raw_send (Fixture *f)
{
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data (f->plain[i], &len);
    guint8 scratch[24];

    crypto_sign_ed25519_detached (f->raw_sig[i], NULL, p, len,
                                  f->senders[i % N_SENDERS].ed25519_sk);
    /* a fresh nonce costs what ours costs (randombytes), and the same one keeps the sealed
     * buffer what run_raw_receive opens */
    randombytes_buf (scratch, sizeof scratch);
    crypto_aead_xchacha20poly1305_ietf_encrypt (f->raw_cipher[i], NULL, f->raw_buf[i],
                                                f->raw_len[i], NULL, 0, NULL, f->nonce[i],
                                                f->keys[0]);
  }
}

static void
run_receive (Fixture *f)
{
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *c = g_bytes_get_data (f->cipher[i], &len);
    gchar sender[SD_SESSION_ID_LEN + 1];
    g_autoptr(GBytes) p = sd_group_message_decrypt ((const SdGroupKeyBytes *) f->keys, N_KEYS,
                                                    c, len, sender, NULL, NULL);

    g_assert (p != NULL);
  }
}

/* what the daemon does next with each: the Envelope, then its Content */
static void
run_receive_parse (Fixture *f)
{
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *c = g_bytes_get_data (f->cipher[i], &len);
    gchar sender[SD_SESSION_ID_LEN + 1];
    g_autoptr(GBytes) p = sd_group_message_decrypt ((const SdGroupKeyBytes *) f->keys, N_KEYS,
                                                    c, len, sender, NULL, NULL);
    const guint8 *bytes = g_bytes_get_data (p, &len);
    SessionProtos__Envelope *envelope = session_protos__envelope__unpack (NULL, len, bytes);
    SessionProtos__Content *content;

    g_assert (envelope != NULL);
    content = session_protos__content__unpack (
      NULL, sd_unpadded_length (envelope->content.data, envelope->content.len),
      envelope->content.data);
    g_assert (content != NULL && content->datamessage != NULL);
    session_protos__content__free_unpacked (content, NULL);
    session_protos__envelope__free_unpacked (envelope, NULL);
  }
}

static void
run_raw_receive (Fixture *f)
{
  guint8 *out = g_malloc (64 * 1024);

  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data (f->plain[i], &len);

    if (crypto_aead_xchacha20poly1305_ietf_decrypt (out, NULL, NULL, f->raw_cipher[i],
                                                    f->raw_len[i] + 16, NULL, 0, f->nonce[i],
                                                    f->keys[0]) != 0 ||
        crypto_sign_ed25519_verify_detached (f->raw_sig[i], p, len,
                                             f->senders[i % N_SENDERS].ed25519_pk) != 0)
      g_assert_not_reached ();
  }
  g_free (out);
}

/* the compression the sender tries on every message (kept only when strictly smaller) */
static void
run_raw_zstd (Fixture *f)
{
  guint8 out[4096];

  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data (f->plain[i], &len);

    g_assert (!ZSTD_isError (ZSTD_compress (out, sizeof out, p, len,
                                            SD_CONFIG_COMPRESSION_LEVEL)));
  }
}

/* the sender's Session ID from its Ed25519 key, which the receiver derives from every message */
static void
run_raw_convert (Fixture *f)
{
  for (guint i = 0; i < N_MESSAGES; i++) {
    guint8 x[32];

    if (crypto_sign_ed25519_pk_to_curve25519 (x, f->senders[i % N_SENDERS].ed25519_pk) != 0)
      g_assert_not_reached ();
  }
}

/* ---- a rekey of a 100-member group (the second figure) ---- */

#define REKEY_MEMBERS 100
#define REKEYS        20

typedef struct {
  SdGroupIdentity group;
  SdIdentity admin;
  SdGroupKeys *keys;
  GPtrArray *member_ids;                 /* (element-type utf8) admin included */
  guint8 member_pks[REKEY_MEMBERS][32];  /* X25519 */
  gsize message_len;                     /* the Keys message one rekey makes */
} Rekey;

static gdouble
measure_rekey (void (*fn) (Rekey *), Rekey *r)
{
  gdouble best = G_MAXDOUBLE;

  for (guint round = 0; round < ROUNDS; round++) {
    gdouble start = cpu_now ();

    for (guint i = 0; i < REKEYS; i++)
      fn (r);
    best = MIN (best, (cpu_now () - start) * 1e3 / REKEYS);
  }
  return best;
}

static void
run_rekey (Rekey *r)
{
  g_autoptr(GBytes) message = sd_group_keys_rekey (r->keys, r->member_ids, NULL);

  g_assert (message != NULL);
  r->message_len = g_bytes_get_size (message);
}

/* the raw work of one: per member a DH, the BLAKE2b of the copy key and a 32-byte seal; the
 * admin copy; the junk to a multiple of 75; one signature over a message of the same size */
static void
run_raw_rekey (Rekey *r)
{
  guint8 group_x_sk[32], shared[32], key[32], copy[48], nonce[24] = { 0 }, secret[32] = { 0 };
  guint n_junk = (75 - REKEY_MEMBERS % 75) % 75;
  g_autofree guint8 *junk = g_malloc (n_junk * 48 + 1);
  g_autofree guint8 *message = g_malloc0 (r->message_len);
  guint8 sig[64];

  crypto_sign_ed25519_sk_to_curve25519 (group_x_sk, r->group.ed25519_sk);
  for (guint i = 0; i < REKEY_MEMBERS; i++) {
    crypto_generichash_state st;

    if (crypto_scalarmult_curve25519 (shared, group_x_sk, r->member_pks[i]) != 0)
      g_assert_not_reached ();
    crypto_generichash_init (&st, (const guint8 *) "SessionGroupKeyMemberKey", 24, 32);
    crypto_generichash_update (&st, shared, 32);
    crypto_generichash_update (&st, r->group.x25519_pk, 32);
    crypto_generichash_update (&st, r->member_pks[i], 32);
    crypto_generichash_final (&st, key, 32);
    crypto_aead_xchacha20poly1305_ietf_encrypt (copy, NULL, secret, 32, NULL, 0, NULL, nonce,
                                                key);
  }
  crypto_aead_xchacha20poly1305_ietf_encrypt (copy, NULL, secret, 32, NULL, 0, NULL, nonce, key);
  randombytes_buf_deterministic (junk, n_junk * 48, key);
  crypto_sign_ed25519_detached (sig, NULL, message, r->message_len, r->group.ed25519_sk);
  sodium_memzero (group_x_sk, sizeof group_x_sk);
}

static void
bench_rekey (void)
{
  Rekey *r = g_new0 (Rekey, 1);
  guint8 seed[32];
  gdouble rekey, raw;

  randombytes_buf (seed, sizeof seed);
  g_assert (sd_group_identity_from_seed (&r->group, seed, NULL));
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&r->admin, seed);
  r->keys = sd_group_keys_new (&r->group, &r->admin);
  r->member_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < REKEY_MEMBERS; i++) {
    SdIdentity member;

    if (i == 0) {
      member = r->admin;
    } else {
      randombytes_buf (seed, sizeof seed);
      sd_identity_from_seed (&member, seed);
    }
    memcpy (r->member_pks[i], member.x25519_pk, 32);
    g_ptr_array_add (r->member_ids, g_strdup (member.session_id));
    if (i > 0)
      sd_identity_clear (&member);
  }
  run_rekey (r);
  raw = measure_rekey (run_raw_rekey, r);
  rekey = measure_rekey (run_rekey, r);
  raw = MIN (raw, measure_rekey (run_raw_rekey, r));
  g_print ("rekey of a %u-member group (%zu-byte Keys message), CPU per rekey:\n",
           REKEY_MEMBERS, r->message_len);
  g_print ("  raw DH + hash + seal per member, junk, sign  %6.2f ms\n", raw);
  g_print ("  sd_group_keys_rekey                         %6.2f ms  %.2fx raw\n", rekey,
           rekey / raw);
  sd_group_keys_free (r->keys);
  g_ptr_array_unref (r->member_ids);
  sd_identity_clear (&r->admin);
  sd_group_identity_clear (&r->group);
  g_free (r);
}

int
main (int argc, char **argv)
{
  Fixture *f = g_new0 (Fixture, 1);
  gchar group_id[67] = "03";
  gsize plain_total = 0, cipher_total = 0;
  gdouble send, raw_send, receive, receive_parse, raw_receive, raw_convert, raw_zstd;

  if (sodium_init () < 0)
    return 1;
  for (guint i = 0; i < N_SENDERS; i++) {
    guint8 seed[SD_SEED_LEN];

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&f->senders[i], seed);
  }
  for (guint i = 0; i < N_KEYS; i++)
    randombytes_buf (f->keys[i], sizeof f->keys[i]);
  for (guint i = 0; i < 64; i++)
    group_id[2 + i] = "0123456789abcdef"[g_random_int_range (0, 16)];
  for (guint i = 0; i < N_MESSAGES; i++) {
    gsize len;
    const guint8 *p;

    f->plain[i] = make_plain (i, group_id);
    p = g_bytes_get_data (f->plain[i], &len);
    f->cipher[i] = sd_group_message_encrypt (&f->senders[i % N_SENDERS], f->keys[0], p, len,
                                             NULL);
    g_assert (f->cipher[i] != NULL);
    plain_total += len;
    cipher_total += g_bytes_get_size (f->cipher[i]);
    /* the raw reference seals as many bytes as our padded plaintext */
    f->raw_len[i] = g_bytes_get_size (f->cipher[i]) - 24 - 16;
    f->raw_buf[i] = g_malloc0 (f->raw_len[i]);
    memcpy (f->raw_buf[i], p, MIN (len, f->raw_len[i]));
    f->raw_cipher[i] = g_malloc (f->raw_len[i] + 16);
    crypto_sign_ed25519_detached (f->raw_sig[i], NULL, p, len, f->senders[i % N_SENDERS].ed25519_sk);
    randombytes_buf (f->nonce[i], 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt (f->raw_cipher[i], NULL, f->raw_buf[i],
                                                f->raw_len[i], NULL, 0, NULL, f->nonce[i],
                                                f->keys[0]);
  }

  /* interleaved, so that a busy moment hits both sides */
  raw_send = measure (run_raw_send, f);
  send = measure (run_send, f);
  raw_zstd = measure (run_raw_zstd, f);
  raw_receive = measure (run_raw_receive, f);
  raw_convert = measure (run_raw_convert, f);
  receive = measure (run_receive, f);
  receive_parse = measure (run_receive_parse, f);
  raw_send = MIN (raw_send, measure (run_raw_send, f));
  raw_receive = MIN (raw_receive, measure (run_raw_receive, f));

  g_print ("%u group messages from %u senders, %zu-byte plaintext, %zu-byte item on average; "
           "%u keys held, the newest first\n", N_MESSAGES, N_SENDERS, plain_total / N_MESSAGES,
           cipher_total / N_MESSAGES, N_KEYS);
  g_print ("CPU per message (best of %u rounds):\n", ROUNDS);
  g_print ("  raw sign + seal            %7.1f us\n", raw_send);
  g_print ("  send (encrypt)             %7.1f us  %.2fx raw\n", send, send / raw_send);
  g_print ("  zstd tried (level %d)      %7.1f us  send is %.2fx raw with it\n",
           SD_CONFIG_COMPRESSION_LEVEL, raw_zstd, send / (raw_send + raw_zstd));
  g_print ("  raw open + verify          %7.1f us\n", raw_receive);
  g_print ("  raw Ed25519 -> X25519       %7.1f us\n", raw_convert);
  g_print ("  receive (decrypt)          %7.1f us  %.2fx raw, %.2fx raw with the conversion\n",
           receive, receive / raw_receive, receive / (raw_receive + raw_convert));
  g_print ("  receive + Envelope/Content %7.1f us  %.2fx raw, %.2fx raw with the conversion\n",
           receive_parse, receive_parse / raw_receive,
           receive_parse / (raw_receive + raw_convert));
  g_print ("a poll of %u: %.2f ms to decrypt and parse, %.2f ms raw\n", N_MESSAGES,
           receive_parse * N_MESSAGES / 1000, raw_receive * N_MESSAGES / 1000);
  bench_rekey ();
  for (guint i = 0; i < N_MESSAGES; i++) {
    g_bytes_unref (f->plain[i]);
    g_bytes_unref (f->cipher[i]);
    g_free (f->raw_buf[i]);
    g_free (f->raw_cipher[i]);
  }
  for (guint i = 0; i < N_SENDERS; i++)
    sd_identity_clear (&f->senders[i]);
  g_free (f);
  return 0;
}
