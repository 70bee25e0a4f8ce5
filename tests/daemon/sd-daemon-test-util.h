/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* what the middle-layer tests share: test accounts, a store in a temporary directory, and a
 * network over the fake transport whose nodes 0..6 form one swarm */

#include "sd-fake-transport.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

#define SD_TEST_N_NODES 12
#define SD_TEST_SWARM_SIZE 7 /* the fake transport puts nodes 0..6 in swarm 0 */
#define SD_TEST_TIMEOUT_S 8

/* a test account whose seed is 32 × @byte */
void sd_test_identity_from_byte (SdIdentity *identity, guint8 byte);

/* a fresh store for @me in a temporary directory */
typedef struct {
  gchar *dir;
  SdStore *store;
} SdTestStore;

void sd_test_store_init (SdTestStore *test_store, const SdIdentity *me);
void sd_test_store_clear (SdTestStore *test_store);

/* the fake transport with its nodes in a memory pool store, and a network over it */
typedef struct {
  SdFakeTransport *transport;
  GPtrArray *nodes;           /* (element-type SdSnode) */
  SdPoolStore *pool_store;
  SdNetwork *network;
} SdTestNet;

void sd_test_net_init (SdTestNet *net, SdFakeRpcFunc answer, gpointer user_data);
/* runs what is pending (cancelled requests) before the objects go */
void sd_test_net_clear (SdTestNet *net);
/* a get_swarm answer (and 421 body) naming swarm 0 (protocol-network.md §4.7) */
gchar *sd_test_net_swarm_json (SdTestNet *net);

/* iterates the main context until @condition holds; fails the test after SD_TEST_TIMEOUT_S */
#define SD_TEST_WAIT_UNTIL(condition)                                                     \
  G_STMT_START {                                                                          \
    gint64 deadline_ = g_get_monotonic_time () + SD_TEST_TIMEOUT_S * G_USEC_PER_SEC;      \
    while (!(condition)) {                                                                \
      g_assert_cmpint (g_get_monotonic_time (), <, deadline_);                            \
      g_main_context_iteration (NULL, TRUE);                                              \
    }                                                                                     \
  } G_STMT_END

G_END_DECLS
