/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Wrap and unwrap of a typical 1:1 text message, beside the raw libsodium
 * cost of the same crypto (sign+seal, open+verify) measured in this run. */
#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-padding.h"
#include "sd-wire.h"

#define BODY "See you at the station at half past six? I'll bring the tickets."
#define T 1754971101000ULL

typedef struct {
  SdIdentity alice, bob;
  guint8 *content;
  gsize content_len;
  gchar *wire_b64;
  guint8 *signed_part; /* M || A || Y */
  guint8 *inner;       /* M || A || SIG */
  gsize msg_len;
  guint8 *sealed;
  guint8 *opened;
  /* messages from many senders, to measure first contact */
  gchar *many_b64[256];
  guint next_many;
} Fixture;

/* best of 2 rounds of @n calls, in calls per second */
static gdouble
measure (void (*fn) (Fixture *), Fixture *f, guint n)
{
  gdouble best = 0;

  for (guint round = 0; round < 2; round++) {
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < n; i++)
      fn (f);
    best = MAX (best, n / ((g_get_monotonic_time () - start) / 1e6));
  }
  return best;
}

static void
run_wrap (Fixture *f)
{
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&f->alice, f->bob.x25519_pk, T, f->content,
                                               f->content_len, SD_WIRE_FLAG_NONE);
  g_autofree gchar *b64 = sd_base64_encode (g_bytes_get_data (wire, NULL),
                                            g_bytes_get_size (wire), TRUE);
}

static void
run_unwrap (Fixture *f)
{
  g_auto(SdWireMessage) msg = { 0 };

  if (!sd_wire_unwrap (&f->bob, f->wire_b64, &msg, NULL))
    g_error ("unwrap failed");
}

static void
run_unwrap_new_sender (Fixture *f)
{
  g_auto(SdWireMessage) msg = { 0 };

  if (!sd_wire_unwrap (&f->bob, f->many_b64[f->next_many++ % G_N_ELEMENTS (f->many_b64)], &msg,
                       NULL))
    g_error ("unwrap failed");
}

/* the libsodium work of one message: sign, seal, and the Envelope.proSig decoy every
 * libsession client makes (a random scalar times the base point, another random scalar) */
static void
run_raw_sign_seal (Fixture *f)
{
  guint8 r[32], decoy[64];

  crypto_sign_ed25519_detached (f->inner + f->msg_len + 32, NULL, f->signed_part,
                                f->msg_len + 64, f->alice.ed25519_sk);
  crypto_box_seal (f->sealed, f->inner, f->msg_len + 96, f->bob.x25519_pk);
  crypto_core_ed25519_scalar_random (r);
  if (crypto_scalarmult_ed25519_base_noclamp (decoy, r) != 0)
    g_error ("decoy failed");
  crypto_core_ed25519_scalar_random (decoy + 32);
}

static void
run_raw_open_verify (Fixture *f)
{
  if (crypto_box_seal_open (f->opened, f->sealed, f->msg_len + 96 + crypto_box_SEALBYTES,
                            f->bob.x25519_pk, f->bob.x25519_sk) != 0 ||
      crypto_sign_ed25519_verify_detached (f->opened + f->msg_len + 32, f->signed_part,
                                           f->msg_len + 64, f->alice.ed25519_pk) != 0)
    g_error ("raw open/verify failed");
}

int
main (int argc, char **argv)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;
  guint8 seed_a[32], seed_b[32];
  g_autoptr(GBytes) padded = NULL;
  Fixture f = { 0 };
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 2000;
  gdouble wrap, unwrap, unwrap_new, raw_seal, raw_open;

  g_assert_cmpint (sodium_init (), >=, 0);
  randombytes_buf (seed_a, sizeof seed_a);
  randombytes_buf (seed_b, sizeof seed_b);
  sd_identity_from_seed (&f.alice, seed_a);
  sd_identity_from_seed (&f.bob, seed_b);

  /* what the official clients send for a short text */
  data.body = (char *) BODY;
  profile.displayname = (char *) "Alice";
  profile.has_lastprofileupdateseconds = TRUE;
  profile.lastprofileupdateseconds = T / 1000;
  data.profile = &profile;
  content.datamessage = &data;
  content.has_expirationtype = TRUE;
  content.has_expirationtimer = TRUE;
  content.has_sigtimestamp = TRUE;
  content.sigtimestamp = T;
  f.content_len = session_protos__content__get_packed_size (&content);
  f.content = g_malloc (f.content_len);
  session_protos__content__pack (&content, f.content);
  f.wire_b64 = sd_wire_wrap (&f.alice, f.bob.x25519_pk, T, &content);

  /* the raw crypto works on the same padded message */
  padded = sd_pad (f.content, f.content_len);
  f.msg_len = g_bytes_get_size (padded);
  f.signed_part = g_malloc (f.msg_len + 64);
  f.inner = g_malloc (f.msg_len + 96);
  f.sealed = g_malloc (f.msg_len + 96 + crypto_box_SEALBYTES);
  f.opened = g_malloc (f.msg_len + 96);
  memcpy (f.signed_part, g_bytes_get_data (padded, NULL), f.msg_len);
  memcpy (f.signed_part + f.msg_len, f.alice.ed25519_pk, 32);
  memcpy (f.signed_part + f.msg_len + 32, f.bob.x25519_pk, 32);
  memcpy (f.inner, f.signed_part, f.msg_len + 32);
  run_raw_sign_seal (&f);

  for (guint i = 0; i < G_N_ELEMENTS (f.many_b64); i++) {
    SdIdentity sender;
    guint8 seed[32];

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&sender, seed);
    f.many_b64[i] = sd_wire_wrap (&sender, f.bob.x25519_pk, T, &content);
  }

  /* alternate raw and wrapped runs so that load from elsewhere on the
   * machine hits both alike; keep the best of each */
  raw_seal = wrap = raw_open = unwrap = unwrap_new = 0;
  for (guint round = 0; round < 3; round++) {
    raw_seal = MAX (raw_seal, measure (run_raw_sign_seal, &f, n));
    wrap = MAX (wrap, measure (run_wrap, &f, n));
    raw_open = MAX (raw_open, measure (run_raw_open_verify, &f, n));
    unwrap = MAX (unwrap, measure (run_unwrap, &f, n));
    unwrap_new = MAX (unwrap_new, measure (run_unwrap_new_sender, &f, n));
  }

  g_print ("message: %" G_GSIZE_FORMAT "-byte Content, %" G_GSIZE_FORMAT "-byte padded, "
           "%" G_GSIZE_FORMAT "-char base64 wire\n",
           f.content_len, f.msg_len, strlen (f.wire_b64));
  g_print ("%-28s %10.0f /s\n", "raw sign+seal+decoy", raw_seal);
  g_print ("%-28s %10.0f /s   ratio %.3f (cost vs raw)\n", "wrap (content → base64)", wrap,
           raw_seal / wrap);
  g_print ("%-28s %10.0f /s\n", "raw open+verify", raw_open);
  g_print ("%-28s %10.0f /s   ratio %.3f (cost vs raw, target ≤ 1.15)\n",
           "unwrap (base64 → content)", unwrap, raw_open / unwrap);
  /* a first message from someone new also pays libsodium's Ed25519 →
   * X25519 conversion with its subgroup check, as the reference does */
  g_print ("%-28s %10.0f /s   ratio %.3f (cost vs raw)\n", "unwrap, new sender each time",
           unwrap_new, raw_open / unwrap_new);

  g_free (f.content);
  g_free (f.wire_b64);
  g_free (f.signed_part);
  g_free (f.inner);
  g_free (f.sealed);
  g_free (f.opened);
  for (guint i = 0; i < G_N_ELEMENTS (f.many_b64); i++)
    g_free (f.many_b64[i]);
  return 0;
}
