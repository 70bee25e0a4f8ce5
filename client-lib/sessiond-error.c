/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-contract.h"
#include "sessiond-private.h"

/* the D-Bus names come from the contract header the daemon uses too, in the order of
 * SessiondClientError; the asserts below catch an enum and a list that no longer line up */
#define SESSIOND_ERROR_ENTRY(code, name) \
  { SESSIOND_CLIENT_ERROR_##code, SESSIOND_DBUS_ERROR_PREFIX name },
static const GDBusErrorEntry entries[] = { SESSIOND_DBUS_ERRORS (SESSIOND_ERROR_ENTRY) };
#undef SESSIOND_ERROR_ENTRY

/* each listed code is at its index; NOT_RUNNING (the client's own, with no D-Bus name) sits
 * between KEYSTORE_FAILED and NOT_AUTHOR, so the list skips one enumerator there */
#define SESSIOND_ERROR_INDEX(code, name) SESSIOND_ERROR_INDEX_##code,
enum { SESSIOND_DBUS_ERRORS (SESSIOND_ERROR_INDEX) };
#undef SESSIOND_ERROR_INDEX
#define SESSIOND_ERROR_CHECK(code, name)                                            \
  G_STATIC_ASSERT ((gint) SESSIOND_CLIENT_ERROR_##code ==                           \
                   (gint) SESSIOND_ERROR_INDEX_##code +                             \
                   ((gint) SESSIOND_CLIENT_ERROR_##code > SESSIOND_CLIENT_ERROR_NOT_RUNNING));
SESSIOND_DBUS_ERRORS (SESSIOND_ERROR_CHECK)
#undef SESSIOND_ERROR_CHECK

/**
 * sessiond_client_error_quark:
 *
 * Gets the error domain of libsessiond-client; use %SESSIOND_CLIENT_ERROR instead.
 *
 * Returns: the domain's quark
 *
 * Since: 0.1
 */
GQuark
sessiond_client_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("sessiond-client-error-quark", &quark, entries,
                                      G_N_ELEMENTS (entries));
  return (GQuark) quark;
}

/**
 * sessiond_session_id_is_valid:
 * @session_id: (nullable): a string
 *
 * Checks the form of a Session ID: 66 hexadecimal digits starting with `05`.
 * The daemon checks it again; this lets front ends reject typos early.
 *
 * Returns: %TRUE if @session_id looks like a Session ID
 *
 * Since: 0.1
 */
gboolean
sessiond_session_id_is_valid (const gchar *session_id)
{
  if (session_id == NULL || strlen (session_id) != 66)
    return FALSE;
  if (session_id[0] != '0' || session_id[1] != '5')
    return FALSE;
  for (const gchar *p = session_id; *p != '\0'; p++) {
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  }
  return TRUE;
}

/* errors from GDBus come with the remote name in the message; the
 * registered ones are already in our domain, the bus's own "nobody owns
 * that name" errors mean the daemon is not there */
void
sessiond_error_fixup (GError *error)
{
  if (error == NULL)
    return;
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  if (error->domain == SESSIOND_CLIENT_ERROR)
    return;
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED)) {
    GQuark domain = error->domain;

    error->domain = SESSIOND_CLIENT_ERROR;
    error->code = domain == G_DBUS_ERROR &&
                  (error->code == G_DBUS_ERROR_UNKNOWN_OBJECT ||
                   error->code == G_DBUS_ERROR_UNKNOWN_METHOD)
                  ? SESSIOND_CLIENT_ERROR_NOT_FOUND
                  : SESSIOND_CLIENT_ERROR_NOT_RUNNING;
  }
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = G_IS_DBUS_PROXY (source)
    ? g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error)
    : g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) g_variant_unref);
}

static GTask *
call_task_new (gpointer source_object,
               gpointer source_tag,
               const gchar *method,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, method);
  return task;
}

/* one D-Bus call as a GTask on @source_object; the reply comes back from
 * sessiond_call_finish () */
void
sessiond_call_async (gpointer source_object,
                     gpointer source_tag,
                     GDBusProxy *proxy,
                     const gchar *method,
                     GVariant *parameters,
                     GCancellable *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = call_task_new (source_object, source_tag, method, cancellable, callback,
                               user_data);

  g_dbus_proxy_call (proxy, method, parameters, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                     call_done, task);
}

/* the same for a method of another interface of the account object, for which the client keeps
 * no proxy (org.sessiond.AccountAdmin1: three calls in a client's life) */
void
sessiond_call_interface_async (gpointer source_object,
                               gpointer source_tag,
                               GDBusConnection *connection,
                               const gchar *interface,
                               const gchar *method,
                               GVariant *parameters,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = call_task_new (source_object, source_tag, method, cancellable, callback,
                               user_data);

  g_dbus_connection_call (connection, SESSIOND_BUS_NAME, SESSIOND_ACCOUNT_PATH, interface,
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          call_done, task);
}

GVariant *
sessiond_call_finish (gpointer source_object,
                      gpointer source_tag,
                      GAsyncResult *result,
                      GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source_object), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
