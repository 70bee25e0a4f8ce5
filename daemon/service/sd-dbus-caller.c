/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* O_PATH */
#define G_LOG_DOMAIN "SdDbusCaller"

#include "sd-dbus-caller.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

const gchar *
sd_dbus_caller_kind_to_string (SdDbusCallerKind kind)
{
  switch (kind) {
  case SD_DBUS_CALLER_HOST:
    return "host";
  case SD_DBUS_CALLER_FLATPAK:
    return "flatpak";
  case SD_DBUS_CALLER_SNAP:
    return "snap";
  case SD_DBUS_CALLER_UNKNOWN:
  default:
    return "unknown";
  }
}

/* TRUE with *is_flatpak set when /proc/PID/root could be looked at */
static gboolean
check_flatpak (guint32 pid, gboolean *is_flatpak)
{
  g_autofree gchar *root_path = g_strdup_printf ("/proc/%u/root", pid);
  int root_fd, info_fd;
  struct stat st;

  *is_flatpak = FALSE;
  root_fd = open (root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    struct statfs fs;

    /* a FUSE root (a toolbox container) may refuse us; a Flatpak never has one */
    return errno == EACCES && statfs (root_path, &fs) == 0 && fs.f_type == FUSE_SUPER_MAGIC;
  }
  info_fd = openat (root_fd, ".flatpak-info", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  close (root_fd);
  if (info_fd < 0)
    return errno == ENOENT;
  /* flatpak binds a regular file there; anything else is not its doing, but still odd */
  *is_flatpak = TRUE;
  if (fstat (info_fd, &st) == 0 && !S_ISREG (st.st_mode))
    g_debug ("pid %u has a /.flatpak-info that is not a regular file", pid);
  close (info_fd);
  return TRUE;
}

static gboolean
label_is_snap (const gchar *label)
{
  return label != NULL && g_str_has_prefix (label, "snap.");
}

/* TRUE with *is_snap set when the cgroup file could be read */
static gboolean
check_snap (guint32 pid, gboolean *is_snap)
{
  g_autofree gchar *cgroup_path = g_strdup_printf ("/proc/%u/cgroup", pid);
  g_autofree gchar *attr_path = g_strdup_printf ("/proc/%u/attr/current", pid);
  g_autofree gchar *cgroups = NULL;
  g_autofree gchar *label = NULL;
  g_auto(GStrv) lines = NULL;

  *is_snap = FALSE;
  if (!g_file_get_contents (cgroup_path, &cgroups, NULL, NULL))
    return FALSE;
  lines = g_strsplit (cgroups, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    /* "ID:controllers:path"; snapd puts each app in a snap.NAME.APP.* unit or scope */
    const gchar *colon = strchr (lines[i], ':');
    const gchar *path = colon != NULL ? strchr (colon + 1, ':') : NULL;

    if (path != NULL && strstr (path, "/snap.") != NULL) {
      *is_snap = TRUE;
      return TRUE;
    }
  }
  /* the AppArmor label, when the bus did not give one (no AppArmor: EINVAL, fine) */
  if (g_file_get_contents (attr_path, &label, NULL, NULL))
    *is_snap = label_is_snap (g_strstrip (label));
  return TRUE;
}

SdDbusCallerKind
sd_dbus_caller_kind_for_pid (guint32 pid, const gchar *security_label)
{
  gboolean flatpak, snap;

  if (pid == 0)
    return SD_DBUS_CALLER_UNKNOWN;
  if (label_is_snap (security_label))
    return SD_DBUS_CALLER_SNAP;
  if (!check_flatpak (pid, &flatpak))
    return SD_DBUS_CALLER_UNKNOWN;
  if (flatpak)
    return SD_DBUS_CALLER_FLATPAK;
  if (!check_snap (pid, &snap))
    return SD_DBUS_CALLER_UNKNOWN;
  return snap ? SD_DBUS_CALLER_SNAP : SD_DBUS_CALLER_HOST;
}

typedef struct {
  gchar *sender;
  guint32 pid;
  SdDbusCallerKind kind;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->sender);
  g_free (lookup);
}

static void
on_pid_again (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);
  /* the caller left (its pid may be someone else's by now) */
  if (pid != lookup->pid)
    lookup->kind = SD_DBUS_CALLER_UNKNOWN;
  g_task_return_int (task, lookup->kind);
}

static void
on_credentials (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GVariant) label_value = NULL;
  g_autofree gchar *label = NULL;
  GCancellable *cancellable;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  credentials = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (credentials, "ProcessID", "u", &lookup->pid))
    lookup->pid = 0;
  /* a NUL-terminated byte string */
  label_value = g_variant_lookup_value (credentials, "LinuxSecurityLabel",
                                       G_VARIANT_TYPE_BYTESTRING);
  if (label_value != NULL)
    label = g_strndup (g_variant_get_bytestring (label_value), g_variant_get_size (label_value));
  lookup->kind = sd_dbus_caller_kind_for_pid (lookup->pid, label);
  if (lookup->kind == SD_DBUS_CALLER_UNKNOWN) {
    g_task_return_int (task, lookup->kind);
    return;
  }
  cancellable = g_task_get_cancellable (task);
  g_dbus_connection_call (G_DBUS_CONNECTION (source), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixProcessID", g_variant_new ("(s)", lookup->sender),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          cancellable, on_pid_again, g_steal_pointer (&task));
}

/* source tag: ISO C has no conversion from a function pointer to gpointer */
static gchar lookup_tag;

void
sd_dbus_caller_lookup_async (GDBusConnection *connection,
                             const gchar *sender,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task;
  Lookup *lookup;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, &lookup_tag);
  /* a peer-to-peer connection has no bus to ask */
  if (sender == NULL) {
    g_task_return_int (task, SD_DBUS_CALLER_UNKNOWN);
    g_object_unref (task);
    return;
  }
  lookup = g_new0 (Lookup, 1);
  lookup->sender = g_strdup (sender);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionCredentials",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_credentials, task);
}

SdDbusCallerKind
sd_dbus_caller_lookup_finish (GAsyncResult *result, GError **error)
{
  gssize kind;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &lookup_tag,
                        SD_DBUS_CALLER_UNKNOWN);

  kind = g_task_propagate_int (G_TASK (result), error);
  return kind < 0 ? SD_DBUS_CALLER_UNKNOWN : (SdDbusCallerKind) kind;
}
