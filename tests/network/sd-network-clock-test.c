/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network clock against nodes with skewed clocks (fake transport): no single node sets
 * it (issue 14: a `t` of 2100 used to become everybody's time); the median of three or more
 * nodes does; a lone node only when it is close to our clock */
#include <string.h>

#include "sd-fake-transport.h"
#include "sd-memory-pool-store.h"
#include "sd-network.h"
#include "sd-network-private.h"

#define N_NODES 12
#define YEAR_2100_MS G_GINT64_CONSTANT (4102444800000)
#define SLACK_MS 5000 /* test run time between a node's answer and the check */

typedef struct {
  SdFakeTransport *transport;
  SdPoolStore *store;
  GPtrArray *nodes;
  SdNetwork *network;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->transport = sd_fake_transport_new (N_NODES);
  f->store = sd_memory_pool_store_new ();
  f->nodes = sd_fake_transport_dup_nodes (f->transport);
  sd_pool_store_save (f->store, f->nodes);
  f->network = sd_network_new (SD_TRANSPORT (f->transport), f->store, NULL, TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->network);
  g_clear_object (&f->store);
  g_clear_object (&f->transport);
  g_clear_pointer (&f->nodes, g_ptr_array_unref);
}

static gchar *
build_info (const SdSnode *node, gint64 now, gpointer user_data)
{
  return g_strdup ("{\"method\":\"info\",\"params\":{}}");
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* one RPC to node @index, whose answer carries its `t` */
static void
ask (Fixture *f, guint index)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  sd_network_node_rpc_async (f->network, g_ptr_array_index (f->nodes, index), build_info, NULL,
                             NULL, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = sd_network_node_rpc_finish (f->network, result, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
}

static void
assert_offset_near (Fixture *f, gint64 expected_ms)
{
  gint64 offset = sd_network_get_clock_offset (f->network);
  gint64 network_now = sd_network_now_ms (f->network);
  gint64 local_now = g_get_real_time () / 1000;

  g_assert_cmpint (ABS (offset - expected_ms), <, SLACK_MS);
  g_assert_cmpint (ABS (network_now - local_now - expected_ms), <, SLACK_MS);
}

static void
test_one_node_far_future (Fixture *f, gconstpointer data)
{
  /* the reviewer's case: one node says it is 2100 */
  sd_fake_transport_set_clock_skew (f->transport, 3, YEAR_2100_MS - g_get_real_time () / 1000);
  ask (f, 3);
  assert_offset_near (f, 0);
  /* asking it again changes nothing: one node, one voice */
  ask (f, 3);
  ask (f, 3);
  assert_offset_near (f, 0);
}

static void
test_lone_sample_close (Fixture *f, gconstpointer data)
{
  /* a lone node two minutes ahead is believed: a few minutes are a common local skew */
  sd_fake_transport_set_clock_skew (f->transport, 2, 120000);
  ask (f, 2);
  assert_offset_near (f, 120000);
}

static void
test_quorum_sets_clock (Fixture *f, gconstpointer data)
{
  /* our clock is an hour behind: three nodes agreeing move the network time */
  for (guint i = 0; i < 3; i++)
    sd_fake_transport_set_clock_skew (f->transport, i, 3600000 + i * 200);
  ask (f, 0);
  assert_offset_near (f, 0);
  ask (f, 1);
  assert_offset_near (f, 0);
  ask (f, 2);
  assert_offset_near (f, 3600200);
}

static void
test_hostile_minority (Fixture *f, gconstpointer data)
{
  gint64 to_2100 = YEAR_2100_MS - g_get_real_time () / 1000;

  /* three honest nodes 10 s ahead, two liars in 2100: the median is honest, whatever the
   * order the answers come in */
  for (guint i = 0; i < 3; i++)
    sd_fake_transport_set_clock_skew (f->transport, i, 10000);
  sd_fake_transport_set_clock_skew (f->transport, 5, to_2100);
  sd_fake_transport_set_clock_skew (f->transport, 6, to_2100);
  ask (f, 5);
  ask (f, 0);
  ask (f, 6);
  assert_offset_near (f, 10000);
  ask (f, 1);
  ask (f, 2);
  assert_offset_near (f, 10000);
  ask (f, 5);
  ask (f, 6);
  assert_offset_near (f, 10000);
}

static void
test_before_2021_ignored (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < 3; i++)
    sd_fake_transport_set_clock_skew (f->transport, i, -(g_get_real_time () / 1000) + 1000);
  for (guint i = 0; i < 3; i++)
    ask (f, i);
  assert_offset_near (f, 0);
}

static void
test_slow_answers_are_not_skew (Fixture *f, gconstpointer data)
{
  /* answers a second on their way (a loaded machine, a long path): the nodes' `t` is a
   * second old when it arrives, yet their clocks are ours. Counting the travel as skew dated
   * our messages early, and a reply sorted before the message it answered */
  sd_fake_transport_set_answer_delay (f->transport, 1000);
  for (guint i = 0; i < 3; i++)
    ask (f, i);
  g_assert_cmpint (ABS (sd_network_get_clock_offset (f->network)), <, 300);
  /* a real skew larger than the travel still shows, less at most the travel */
  for (guint i = 3; i < 6; i++) {
    sd_fake_transport_set_clock_skew (f->transport, i, 20000);
    ask (f, i);
  }
  for (guint i = 0; i < 3; i++) {
    sd_fake_transport_set_clock_skew (f->transport, i, 20000);
    ask (f, i);
  }
  g_assert_cmpint (sd_network_get_clock_offset (f->network), >=, 20000 - 1300);
  g_assert_cmpint (sd_network_get_clock_offset (f->network), <=, 20000);
}

static void
test_clock_sample_bounds (void)
{
  /* sent at 1000, answered at 4000: the node wrote t in between */
  g_assert_cmpint (sd_network_clock_sample (2500, 1000, 4000), ==, 0);
  g_assert_cmpint (sd_network_clock_sample (1000, 1000, 4000), ==, 0);
  g_assert_cmpint (sd_network_clock_sample (4000, 1000, 4000), ==, 0);
  g_assert_cmpint (sd_network_clock_sample (9000, 1000, 4000), ==, 5000);
  g_assert_cmpint (sd_network_clock_sample (400, 1000, 4000), ==, -600);
  /* our clock stepped back during the request: only the answer time counts */
  g_assert_cmpint (sd_network_clock_sample (3000, 5000, 4000), ==, -1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/network/clock/one-node-far-future", test_one_node_far_future);
  ADD ("/network/clock/lone-sample-close", test_lone_sample_close);
  ADD ("/network/clock/quorum-sets-clock", test_quorum_sets_clock);
  ADD ("/network/clock/hostile-minority", test_hostile_minority);
  ADD ("/network/clock/before-2021-ignored", test_before_2021_ignored);
  ADD ("/network/clock/slow-answers-are-not-skew", test_slow_answers_are_not_skew);
  g_test_add_func ("/network/clock/sample-bounds", test_clock_sample_bounds);
#undef ADD
  return g_test_run ();
}
