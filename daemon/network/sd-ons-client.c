/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdOnsClient"

#include "sd-ons-client.h"

#include "sd-network-error.h"
#include "sd-network-private.h"
#include "sd-ons.h"
#include "sd-protocol-error.h"

/* nodes asked in place of ones that did not answer, per lookup */
#define SPARE_NODES 2

/* one lookup: the same request to SD_ONS_NODES nodes, judged once all have answered */
typedef struct {
  gchar *name;              /* (owned) normalised */
  gchar *json;              /* (owned) the request */
  GPtrArray *asked;         /* (owned) SdSnode*, every node asked so far */
  guint spare;
  guint pending;
  guint statuses[SD_ONS_NODES];
  gchar *bodies[SD_ONS_NODES]; /* (owned) (nullable) */
  GError *error;            /* (owned) (nullable) the first failure */
} Lookup;

typedef struct {
  GTask *task;              /* (owned) */
  guint index;
} Ask;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->name);
  g_free (lookup->json);
  g_clear_pointer (&lookup->asked, g_ptr_array_unref);
  for (guint i = 0; i < SD_ONS_NODES; i++)
    g_free (lookup->bodies[i]);
  g_clear_error (&lookup->error);
  g_free (lookup);
}

static void
finish (GTask *task)
{
  Lookup *lookup = g_task_get_task_data (task);
  SdOnsAnswer answers[SD_ONS_NODES];
  gchar id[67];
  GError *error = NULL;

  if (lookup->error != NULL) {
    g_task_return_error (task, g_steal_pointer (&lookup->error));
    return;
  }
  for (guint i = 0; i < SD_ONS_NODES; i++) {
    answers[i].status = lookup->statuses[i];
    answers[i].body = lookup->bodies[i];
    answers[i].len = lookup->bodies[i] != NULL ? strlen (lookup->bodies[i]) : 0;
  }
  if (!sd_ons_resolve_answers (lookup->name, answers, SD_ONS_NODES, id, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (id), g_free);
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ask *ask = user_data;
  Lookup *lookup = g_task_get_task_data (ask->task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  body = sd_network_node_rpc_finish (SD_NETWORK (source), result, &status, &error);
  if (body == NULL && lookup->spare > 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* a node that does not answer says nothing about the name: ask another */
    SdSnode *node = sd_snode_pool_pick (SD_NETWORK (source)->pool, lookup->asked);

    if (node != NULL) {
      lookup->spare--;
      g_ptr_array_add (lookup->asked, node);
      sd_network_node_rpc_async (SD_NETWORK (source), node, sd_network_build_static,
                                 g_strdup (lookup->json), g_free,
                                 g_task_get_cancellable (ask->task), on_answer, ask);
      return;
    }
  }
  if (body == NULL) {
    if (lookup->error == NULL)
      lookup->error = g_steal_pointer (&error);
  } else {
    lookup->statuses[ask->index] = status;
    /* a text answer ("Unable to find ONS record") comes as a JSON string */
    lookup->bodies[ask->index] = JSON_NODE_HOLDS_VALUE (body) &&
                                   json_node_get_value_type (body) == G_TYPE_STRING
                                   ? g_strdup (json_node_get_string (body))
                                   : json_to_string (body, FALSE);
  }
  if (--lookup->pending == 0)
    finish (ask->task);
  g_object_unref (ask->task);
  g_free (ask);
}

void
sd_ons_client_resolve_async (SdNetwork *network, const gchar *name, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) params_node = NULL;
  g_autofree gchar *json = NULL;
  Lookup *lookup;

  g_return_if_fail (SD_IS_NETWORK (network));

  task = g_task_new (network, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_ons_client_resolve_async);
  lookup = g_new0 (Lookup, 1);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  lookup->name = sd_ons_name_normalise (name, &error);
  if (lookup->name == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < SD_ONS_NODES; i++) {
    SdSnode *node = sd_snode_pool_pick (network->pool, nodes);

    if (node == NULL) {
      g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NOT_ENOUGH_NODES,
                               "an ONS lookup asks %d nodes; the pool has fewer",
                               SD_ONS_NODES);
      return;
    }
    g_ptr_array_add (nodes, node);
  }
  params = sd_ons_request_params (lookup->name);
  params_node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (params_node, params);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, "oxend_request");
  json_builder_set_member_name (builder, "params");
  json_builder_add_value (builder, g_steal_pointer (&params_node));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  lookup->json = g_strdup (json);
  lookup->asked = g_ptr_array_ref (nodes);
  lookup->spare = SPARE_NODES;
  lookup->pending = SD_ONS_NODES;
  for (guint i = 0; i < SD_ONS_NODES; i++) {
    Ask *ask = g_new0 (Ask, 1);

    ask->task = g_object_ref (task);
    ask->index = i;
    sd_network_node_rpc_async (network, g_ptr_array_index (nodes, i), sd_network_build_static,
                               g_strdup (json), g_free, cancellable, on_answer, ask);
  }
}

gchar *
sd_ons_client_resolve_finish (SdNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
