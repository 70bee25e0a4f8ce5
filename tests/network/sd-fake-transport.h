/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* An in-process stand-in for the network in unit tests: N nodes with real
 * keys at 127.0.0.1:(1000+i). It answers guard tests, peels onion layers
 * with the nodes' secret keys exactly as a node would, and answers the
 * final RPC; faults are switched per node. */

#include "sd-keys.h"
#include "sd-snode.h"
#include "sd-transport.h"

G_BEGIN_DECLS

#define SD_TYPE_FAKE_TRANSPORT (sd_fake_transport_get_type ())
G_DECLARE_FINAL_TYPE (SdFakeTransport, sd_fake_transport, SD, FAKE_TRANSPORT, GObject)

typedef enum {
  SD_FAKE_OK,
  SD_FAKE_DOWN,       /* connection refused */
  SD_FAKE_UNKNOWN,    /* relays treat it as unknown: 502 Next node not found */
  SD_FAKE_ERROR_500,  /* answers HTTP 500 to anything */
} SdFakeNodeState;

SdFakeTransport *sd_fake_transport_new (guint n_nodes);
/* (transfer container) (element-type SdSnode) */
GPtrArray *sd_fake_transport_dup_nodes (SdFakeTransport *self);
void sd_fake_transport_set_state (SdFakeTransport *self, guint node, SdFakeNodeState state);
/* the default answer of @node says its clock is @skew_ms ahead of ours */
/* every answer arrives @delay_ms after the node wrote it (its `t` is that old) */
void sd_fake_transport_set_answer_delay (SdFakeTransport *self, guint delay_ms);
void sd_fake_transport_set_clock_skew (SdFakeTransport *self, guint node, gint64 skew_ms);
/* @guard answers every onion request with 502 "Next node not found: <@victim's key>", true
 * or not (@victim -1 ends it) */
void sd_fake_transport_forge_missing (SdFakeTransport *self, guint guard, gint victim);
/* how many requests each node received as first hop / as guard test */
guint sd_fake_transport_get_onion_posts (SdFakeTransport *self, guint node);
guint sd_fake_transport_get_guard_tests (SdFakeTransport *self, guint node);
/* the RPC JSON the last destination executed, and which node it was */
const gchar *sd_fake_transport_get_last_rpc (SdFakeTransport *self, gint *node);

/* answers the storage RPC @rpc (the JSON request) that reached @node as the final
 * destination: sets *@status and returns the body (transfer full), JSON or plain text */
typedef gchar *(*SdFakeRpcFunc) (SdFakeTransport *self,
                                 guint node,
                                 const gchar *rpc,
                                 guint *status,
                                 gpointer user_data);

/* replaces the default answer ({"ok":true,"t":now}) with @func */
void sd_fake_transport_set_rpc_func (SdFakeTransport *self, SdFakeRpcFunc func, gpointer user_data);

G_END_DECLS
