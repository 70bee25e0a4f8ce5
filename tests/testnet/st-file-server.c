/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a file server like session-file-server, behind onion requests v4:
 * POST /file, GET /file/{id}, GET /file/{id}/info, POST /file/{id}/extend
 * (README.md) */
#define G_LOG_DOMAIN "StFileServer"

#include "config.h"

#include "st-file-server.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-onion-layer.h"
#include "sd-onion-v4.h"
#include "sd-json.h"
#include "st-control.h"
#include "st-onion-v4.h"
#include "st-tcp.h"

#define ID_HASH_LEN 33
#define ID_LEN      44
/* the store is memory: a test that uploads more is broken */
#define TOTAL_MAX   (256 * 1024 * 1024)

typedef struct {
  GBytes *data;   /* (owned) */
  gint64 uploaded; /* unix seconds */
  gint64 expires;
  guint64 order;  /* upload order (a re-upload counts as new) */
} StFile;

struct _StFileServer {
  StNetwork *network;   /* (unowned) */
  SdIdentity identity;
  SoupServer *server;   /* (owned) */
  gchar *url;           /* (owned) */
  GHashTable *files;    /* (owned) id → (owned) StFile* */
  gsize total;
  guint fail_status;    /* 0: none */
  gint fail_remaining;  /* -1: until cleared */
  guint latency_ms;
  guint requests;
  gsize max_size;       /* ST_FILE_MAX_SIZE unless a test lowers it */
  guint64 uploads;      /* counts uploads, for StFile.order */
  gint64 ttl;           /* seconds a file lives: ST_FILE_TTL_SECONDS unless a test shortens it */
  gboolean no_extend;   /* answer /extend with 404, as a server without it does */
  guint extends;        /* /extend requests that kept a file */
};

static void
st_file_free (StFile *file)
{
  g_bytes_unref (file->data);
  g_free (file);
}

/* the documented content hash: BLAKE2b-33 salted "SessionFileSvr\0\0",
 * url-safe base64, so identical uploads share one id */
static gchar *
file_id (GBytes *data)
{
  static const guint8 salt[16] = "SessionFileSvr\0\0";
  guint8 hash[ID_HASH_LEN];
  gchar out[ID_LEN + 1];
  gsize len;
  const guint8 *d = g_bytes_get_data (data, &len);

  crypto_generichash_blake2b_salt_personal (hash, sizeof hash, d, len, NULL, 0, salt, NULL);
  sodium_bin2base64 (out, sizeof out, hash, sizeof hash, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return g_strdup (out);
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static GBytes *
json_bytes (JsonObject *obj)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), obj);
  gchar *text = json_to_string (root, FALSE);

  return g_bytes_new_take (text, strlen (text));
}

static StFile *
lookup (StFileServer *fs, const gchar *id)
{
  StFile *file = g_hash_table_lookup (fs->files, id);

  /* expired files are gone, as after the real server's sweep */
  if (file != NULL && file->expires <= now_s ()) {
    fs->total -= g_bytes_get_size (file->data);
    g_hash_table_remove (fs->files, id);
    return NULL;
  }
  return file;
}

/* runs one v4 request; returns the status, @ctype and @body of the reply */
static guint
route (StFileServer *fs, const gchar *method, const gchar *endpoint, GBytes *body,
       const gchar **ctype, GBytes **reply)
{
  g_auto(GStrv) parts = g_strsplit (endpoint, "/", 5);
  guint n = g_strv_length (parts);

  *ctype = "text/plain";
  /* "" "file" [id [info]] */
  if (n < 2 || parts[0][0] != '\0' || strcmp (parts[1], "file") != 0) {
    *reply = g_bytes_new_static ("Not found", 9);
    return 404;
  }
  if (n == 2 && strcmp (method, "POST") == 0) {
    g_autoptr(JsonObject) obj = json_object_new ();
    g_autofree gchar *id = NULL;
    StFile *file;

    if (body == NULL || g_bytes_get_size (body) == 0) {
      *reply = g_bytes_new_static ("No file", 7);
      return 400;
    }
    if (g_bytes_get_size (body) > fs->max_size) {
      *reply = g_bytes_new_static ("File too large", 14);
      return 413;
    }
    id = file_id (body);
    file = lookup (fs, id);
    if (file == NULL) {
      if (fs->total + g_bytes_get_size (body) > TOTAL_MAX) {
        *reply = g_bytes_new_static ("Insufficient storage", 20);
        return 507;
      }
      file = g_new0 (StFile, 1);
      file->data = g_bytes_ref (body);
      fs->total += g_bytes_get_size (body);
      g_hash_table_insert (fs->files, g_strdup (id), file);
    }
    /* an upload of known content renews it */
    file->uploaded = now_s ();
    file->expires = file->uploaded + fs->ttl;
    file->order = ++fs->uploads;
    json_object_set_string_member (obj, "id", id);
    json_object_set_int_member (obj, "expires", file->expires);
    *ctype = "application/json";
    *reply = json_bytes (obj);
    return 200;
  }
  /* what the official clients call to keep a file (protocol-advanced.md §6.2): another
   * lifetime from now, answered like /info */
  if (n == 4 && strcmp (parts[3], "extend") == 0 && strcmp (method, "POST") == 0) {
    g_autoptr(JsonObject) obj = json_object_new ();
    StFile *file = fs->no_extend ? NULL : lookup (fs, parts[2]);

    if (file == NULL) {
      *reply = g_bytes_new_static ("Not found", 9);
      return 404;
    }
    file->expires = now_s () + fs->ttl;
    fs->extends++;
    json_object_set_int_member (obj, "size", (gint64) g_bytes_get_size (file->data));
    json_object_set_int_member (obj, "uploaded", file->uploaded);
    json_object_set_int_member (obj, "expires", file->expires);
    *ctype = "application/json";
    *reply = json_bytes (obj);
    return 200;
  }
  if ((n == 3 || (n == 4 && strcmp (parts[3], "info") == 0)) && strcmp (method, "GET") == 0) {
    StFile *file = lookup (fs, parts[2]);

    if (file == NULL) {
      *reply = g_bytes_new_static ("Not found", 9);
      return 404;
    }
    if (n == 3) {
      *ctype = "application/octet-stream";
      *reply = g_bytes_ref (file->data);
    } else {
      g_autoptr(JsonObject) obj = json_object_new ();

      json_object_set_int_member (obj, "size", (gint64) g_bytes_get_size (file->data));
      json_object_set_int_member (obj, "uploaded", file->uploaded);
      json_object_set_int_member (obj, "expires", file->expires);
      *ctype = "application/json";
      *reply = json_bytes (obj);
    }
    return 200;
  }
  *reply = g_bytes_new_static ("Method not allowed", 18);
  return 405;
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  StFileServer *fs = user_data;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) req_body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonObject) headers = NULL;
  g_autofree gchar *method = NULL, *endpoint = NULL;
  StOnionV4Reply sealer;
  const gchar *ctype;
  guint status;

  fs->requests++;
  payload = st_onion_v4_open (msg, path, &fs->identity, &sealer);
  if (payload == NULL)
    return;
  if (!sd_onion_v4_payload_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                                  &method, &endpoint, &headers, &req_body, NULL)) {
    ctype = "text/plain";
    reply = g_bytes_new_static ("Invalid v4 request", 18);
    status = 400;
  } else if (fs->fail_status != 0) {
    ctype = "text/plain";
    reply = g_bytes_new_static ("Injected failure", 16);
    status = fs->fail_status;
    if (fs->fail_remaining > 0 && --fs->fail_remaining == 0)
      fs->fail_status = 0;
  } else {
    status = route (fs, method, endpoint, req_body, &ctype, &reply);
  }
  st_onion_v4_respond (msg, &sealer, status, ctype, reply, FALSE, fs->latency_ms);
}

StFileServer *
st_file_server_start (StNetwork *network, GError **error)
{
  g_autoptr(StFileServer) fs = g_new0 (StFileServer, 1);

  fs->network = network;
  fs->max_size = ST_FILE_MAX_SIZE;
  fs->ttl = ST_FILE_TTL_SECONDS;
  fs->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) st_file_free);
  fs->server = st_onion_v4_server_new (network, &fs->identity, handler, fs, &fs->url, error);
  if (fs->server == NULL)
    return NULL;
  return g_steal_pointer (&fs);
}

void
st_file_server_free (StFileServer *fs)
{
  if (fs == NULL)
    return;
  if (fs->server != NULL)
    soup_server_disconnect (fs->server);
  g_clear_object (&fs->server);
  g_clear_pointer (&fs->files, g_hash_table_unref);
  sd_identity_clear (&fs->identity);
  g_free (fs->url);
  g_free (fs);
}

JsonObject *
st_file_server_description (StFileServer *fs)
{
  JsonObject *obj = json_object_new ();
  g_autofree gchar *x = sd_hex_encode (fs->identity.x25519_pk, 32);
  g_autofree gchar *ed = sd_hex_encode (fs->identity.ed25519_pk, 32);

  json_object_set_string_member (obj, "url", fs->url);
  json_object_set_string_member (obj, "pubkey_x25519", x);
  json_object_set_string_member (obj, "pubkey_ed25519", ed);
  return obj;
}

static gint
compare_uploaded (gconstpointer a, gconstpointer b, gpointer user_data)
{
  GHashTable *files = user_data;
  const StFile *x = g_hash_table_lookup (files, a), *y = g_hash_table_lookup (files, b);

  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp (a, b);
}

gboolean
st_file_server_control (StFileServer *fs,
                        const gchar *action,
                        JsonObject *request,
                        JsonObject *reply,
                        GError **error)
{
  JsonObject *status = json_object_new ();
  gint64 v;

  if (strcmp (action, "file_fail") == 0) {
    if (!st_control_int (request, "status", 400, 599, &v, error)) {
      json_object_unref (status);
      return FALSE;
    }
    fs->fail_status = (guint) v;
    fs->fail_remaining = -1;
    if (json_object_has_member (request, "count")) {
      if (!st_control_int (request, "count", 1, G_MAXINT, &v, error)) {
        json_object_unref (status);
        return FALSE;
      }
      fs->fail_remaining = (gint) v;
    }
  } else if (strcmp (action, "file_latency") == 0) {
    if (!st_control_int (request, "ms", 0, 600000, &v, error)) {
      json_object_unref (status);
      return FALSE;
    }
    fs->latency_ms = (guint) v;
  } else if (strcmp (action, "file_limit") == 0) {
    if (!st_control_int (request, "bytes", 1, ST_FILE_MAX_SIZE, &v, error)) {
      json_object_unref (status);
      return FALSE;
    }
    fs->max_size = (gsize) v;
  } else if (strcmp (action, "file_ttl") == 0) {
    /* the lifetime of files uploaded or extended from now on (files held keep theirs) */
    if (!st_control_int (request, "seconds", 1, ST_FILE_TTL_SECONDS, &v, error)) {
      json_object_unref (status);
      return FALSE;
    }
    fs->ttl = v;
  } else if (strcmp (action, "file_extend") == 0) {
    /* {"enabled": false}: /extend answers 404, as a server without it would */
    if (!st_control_int (request, "enabled", 0, 1, &v, error)) {
      json_object_unref (status);
      return FALSE;
    }
    fs->no_extend = v == 0;
  } else if (strcmp (action, "file_lose") == 0) {
    const gchar *id = sd_json_get_string (request, "id");
    StFile *file = id != NULL ? g_hash_table_lookup (fs->files, id) : NULL;

    if (file == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no file \"%s\"",
                   id != NULL ? id : "");
      json_object_unref (status);
      return FALSE;
    }
    fs->total -= g_bytes_get_size (file->data);
    g_hash_table_remove (fs->files, id);
  } else if (strcmp (action, "file_corrupt") == 0) {
    /* the server keeps the file under its id but hands out other bytes: what a hostile or
     * broken server (or a bad disk) does; clients must notice before decrypting */
    const gchar *id = sd_json_get_string (request, "id");
    StFile *file = id != NULL ? g_hash_table_lookup (fs->files, id) : NULL;
    g_autofree guint8 *copy = NULL;
    gsize len;

    if (file == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no file \"%s\"",
                   id != NULL ? id : "");
      json_object_unref (status);
      return FALSE;
    }
    len = g_bytes_get_size (file->data);
    copy = g_memdup2 (g_bytes_get_data (file->data, NULL), len);
    copy[len / 2] ^= 0x01;
    g_bytes_unref (file->data);
    file->data = g_bytes_new_take (g_steal_pointer (&copy), len);
  } else if (strcmp (action, "file_clear") == 0) {
    fs->fail_status = 0;
    fs->latency_ms = 0;
    fs->max_size = ST_FILE_MAX_SIZE;
    fs->ttl = ST_FILE_TTL_SECONDS;
    fs->no_extend = FALSE;
  } else if (strcmp (action, "file_status") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown action \"%s\"",
                 action);
    json_object_unref (status);
    return FALSE;
  }

  json_object_set_int_member (status, "files", g_hash_table_size (fs->files));
  json_object_set_int_member (status, "bytes", (gint64) fs->total);
  json_object_set_int_member (status, "requests", fs->requests);
  json_object_set_int_member (status, "fail_status", fs->fail_status);
  json_object_set_int_member (status, "fail_remaining", fs->fail_remaining);
  json_object_set_int_member (status, "latency_ms", fs->latency_ms);
  json_object_set_int_member (status, "max_size", (gint64) fs->max_size);
  json_object_set_int_member (status, "ttl", fs->ttl);
  json_object_set_boolean_member (status, "extend", !fs->no_extend);
  json_object_set_int_member (status, "extends", fs->extends);
  json_object_set_int_member (status, "now", now_s ());
  {
    /* the ids held, oldest upload first, for tests that lose or corrupt one */
    g_autoptr(GList) ids = g_hash_table_get_keys (fs->files);
    JsonArray *list = json_array_new ();

    JsonObject *expiries = json_object_new ();

    ids = g_list_sort_with_data (ids, compare_uploaded, fs->files);
    for (GList *l = ids; l != NULL; l = l->next) {
      const StFile *file = g_hash_table_lookup (fs->files, l->data);

      json_array_add_string_element (list, l->data);
      json_object_set_int_member (expiries, l->data, file->expires);
    }
    json_object_set_array_member (status, "ids", list);
    /* id → expiry (unix seconds); an expired file is listed until someone asks for it */
    json_object_set_object_member (status, "expires", expiries);
  }
  json_object_set_object_member (reply, "file_server", status);
  return TRUE;
}
