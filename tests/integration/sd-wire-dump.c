/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sd-wire-dump PHRASE < items.json: decodes stored namespace-0 items (the testnet's
 * "messages" control answer) with the account's keys and our own protocol code, and prints
 * every field of each layer as JSON, so tests can check what sessiond really sent against
 * the documented layout (protocol-identity-and-messages.md §4).
 *
 * Output: a JSON array; per item {hash, timestamp, expiration, websocket, envelope, sender,
 * content} with each protobuf message as {field name: value}, bytes as their length, or
 * {hash, error} for an item that does not decode. Test tool: prints no key material.
 */

#include <stdio.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-mnemonic.h"
#include "sd-protobuf.h"
#include "sd-wire.h"
#include "websocket.pb-c.h"

static void add_message (JsonBuilder *builder, const ProtobufCMessage *message);

static void
add_value (JsonBuilder *builder, const ProtobufCFieldDescriptor *field, const void *value)
{
  switch (field->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_ENUM:
    json_builder_add_int_value (builder, *(const gint32 *) value);
    break;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    json_builder_add_int_value (builder, *(const guint32 *) value);
    break;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    json_builder_add_int_value (builder, *(const gint64 *) value);
    break;
  case PROTOBUF_C_TYPE_BOOL:
    json_builder_add_boolean_value (builder, *(const protobuf_c_boolean *) value);
    break;
  case PROTOBUF_C_TYPE_STRING:
    json_builder_add_string_value (builder, *(char *const *) value);
    break;
  case PROTOBUF_C_TYPE_BYTES:
    /* only the length: payloads are ciphertext, keys or signatures */
    json_builder_add_int_value (builder, (gint64) ((const ProtobufCBinaryData *) value)->len);
    break;
  case PROTOBUF_C_TYPE_MESSAGE:
    add_message (builder, *(ProtobufCMessage *const *) value);
    break;
  default:
    json_builder_add_null_value (builder);
  }
}

static gsize
value_size (const ProtobufCFieldDescriptor *field)
{
  switch (field->type) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    return 8;
  case PROTOBUF_C_TYPE_BOOL:
    return sizeof (protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE:
    return sizeof (void *);
  case PROTOBUF_C_TYPE_BYTES:
    return sizeof (ProtobufCBinaryData);
  default:
    return 4;
  }
}

/* the fields that are present, by their .proto names */
static void
add_message (JsonBuilder *builder, const ProtobufCMessage *message)
{
  const ProtobufCMessageDescriptor *descriptor = message->descriptor;

  json_builder_begin_object (builder);
  for (guint i = 0; i < descriptor->n_fields; i++) {
    const ProtobufCFieldDescriptor *field = &descriptor->fields[i];
    const guint8 *base = (const guint8 *) message;
    const void *value = base + field->offset;

    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
      gsize n = *(const gsize *) (base + field->quantifier_offset);
      const guint8 *items = *(guint8 *const *) value;

      if (n == 0)
        continue;
      json_builder_set_member_name (builder, field->name);
      json_builder_begin_array (builder);
      for (gsize k = 0; k < n; k++)
        add_value (builder, field, items + k * value_size (field));
      json_builder_end_array (builder);
      continue;
    }
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL) {
      if (field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (*(void *const *) value == NULL)
          continue;
      } else if (!*(const protobuf_c_boolean *) (base + field->quantifier_offset)) {
        continue;
      }
    }
    json_builder_set_member_name (builder, field->name);
    add_value (builder, field, value);
  }
  json_builder_end_object (builder);
}

static void
dump_item (JsonBuilder *builder, const SdIdentity *identity, JsonObject *item)
{
  const gchar *hash = sd_json_get_string (item, "hash");
  const gchar *data = sd_json_get_string (item, "data");
  g_autoptr(GBytes) raw = data != NULL ? sd_base64_decode (data, -1, NULL) : NULL;
  g_auto(SdWireMessage) msg = { 0 };
  g_autoptr(GError) error = NULL;
  SessionWebSocket__WebSocketMessage *ws = NULL;
  SessionProtos__Envelope *envelope = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "hash");
  json_builder_add_string_value (builder, hash);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_int_value (builder, sd_json_get_int (item, "timestamp", 0));
  json_builder_set_member_name (builder, "expiration");
  json_builder_add_int_value (builder, sd_json_get_int (item, "expiration", 0));
  if (raw == NULL || !sd_wire_unwrap (identity, data, &msg, &error)) {
    json_builder_set_member_name (builder, "error");
    json_builder_add_string_value (builder, error != NULL ? error->message : "no data");
    json_builder_end_object (builder);
    return;
  }
  /* the outer layers, parsed again to show their own fields */
  ws = session_web_socket__web_socket_message__unpack (NULL, g_bytes_get_size (raw),
                                              g_bytes_get_data (raw, NULL));
  if (ws != NULL && ws->request != NULL && ws->request->has_body)
    envelope = session_protos__envelope__unpack (NULL, ws->request->body.len,
                                                 ws->request->body.data);
  if (ws != NULL) {
    json_builder_set_member_name (builder, "websocket");
    add_message (builder, &ws->base);
  }
  if (envelope != NULL) {
    json_builder_set_member_name (builder, "envelope");
    add_message (builder, &envelope->base);
  }
  json_builder_set_member_name (builder, "sender");
  json_builder_add_string_value (builder, msg.sender);
  json_builder_set_member_name (builder, "content");
  add_message (builder, &msg.content->base);
  json_builder_end_object (builder);
  if (envelope != NULL)
    session_protos__envelope__free_unpacked (envelope, NULL);
  if (ws != NULL)
    session_web_socket__web_socket_message__free_unpacked (ws, NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) entropy = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree gchar *input = NULL;
  g_autofree gchar *out = NULL;
  SdIdentity identity;
  JsonArray *items;
  gsize length = 0;

  if (argc != 2 || sodium_init () < 0) {
    g_printerr ("usage: sd-wire-dump PHRASE < items.json\n");
    return 2;
  }
  entropy = sd_mnemonic_decode (argv[1], &error);
  if (entropy == NULL || !g_file_get_contents ("/dev/stdin", &input, &length, &error) ||
      !json_parser_load_from_data (parser, input, (gssize) length, &error)) {
    g_printerr ("sd-wire-dump: %s\n", error->message);
    return 1;
  }
  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser))) {
    g_printerr ("sd-wire-dump: the input is not a JSON array\n");
    return 1;
  }
  sd_identity_from_entropy (&identity, g_bytes_get_data (entropy, NULL));
  items = json_node_get_array (json_parser_get_root (parser));
  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (items); i++)
    dump_item (builder, &identity, sd_json_array_get_object (items, i));
  json_builder_end_array (builder);
  sd_identity_clear (&identity);
  root = json_builder_get_root (builder);
  out = json_to_string (root, TRUE);
  /* bytes as they are: g_print would convert to the (C) locale's charset */
  fputs (out, stdout);
  fputc ('\n', stdout);
  return 0;
}
