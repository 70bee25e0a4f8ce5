/* SPDX-License-Identifier: GPL-3.0-or-later */
/* how times, timers, ids and statuses read in the app; one place, so the
 * list, the conversation and the settings agree */
#define G_LOG_DOMAIN "SaFormat"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-format.h"

static GDateTime *
local_from_ms (gint64 ms)
{
  return g_date_time_new_from_unix_local (ms / 1000);
}

static gint
day_index (GDateTime *dt)
{
  /* days since year 1, so "yesterday" works across months and years */
  return g_date_time_get_year (dt) * 366 + g_date_time_get_day_of_year (dt);
}

gboolean
sa_format_same_day (gint64 a_ms, gint64 b_ms)
{
  g_autoptr(GDateTime) a = local_from_ms (a_ms);
  g_autoptr(GDateTime) b = local_from_ms (b_ms);

  if (a == NULL || b == NULL)
    return FALSE;
  return day_index (a) == day_index (b);
}

gchar *
sa_format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_from_ms (ms);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan age;

  if (dt == NULL || ms <= 0)
    return g_strdup ("");
  age = g_date_time_difference (now, dt);
  if (day_index (dt) == day_index (now))
    return g_date_time_format (dt, "%H:%M");
  if (age < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (dt, "%a");
  return g_date_time_format (dt, "%x");
}

gchar *
sa_format_day (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_from_ms (ms);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (dt == NULL)
    return g_strdup ("");
  if (day_index (dt) == day_index (now))
    return g_strdup (_("Today"));
  {
    g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);

    if (day_index (dt) == day_index (yesterday))
      return g_strdup (_("Yesterday"));
  }
  return g_date_time_format (dt, "%A %x");
}

gchar *
sa_format_timer (guint seconds)
{
  if (seconds == 0)
    return g_strdup (_("Off"));
  if (seconds % 86400 == 0) {
    guint days = seconds / 86400;

    if (days % 7 == 0)
      return g_strdup_printf (g_dngettext (NULL, "%u week", "%u weeks", days / 7), days / 7);
    return g_strdup_printf (g_dngettext (NULL, "%u day", "%u days", days), days);
  }
  if (seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (NULL, "%u hour", "%u hours", seconds / 3600),
                            seconds / 3600);
  if (seconds % 60 == 0)
    return g_strdup_printf (g_dngettext (NULL, "%u minute", "%u minutes", seconds / 60),
                            seconds / 60);
  return g_strdup_printf (g_dngettext (NULL, "%u second", "%u seconds", seconds), seconds);
}

gchar *
sa_format_short_id (const gchar *session_id)
{
  if (session_id == NULL || strlen (session_id) < 12)
    return g_strdup (session_id != NULL ? session_id : "");
  return g_strdup_printf ("%.6s…%s", session_id, session_id + strlen (session_id) - 4);
}

const gchar *
sa_format_status (const gchar *status)
{
  if (g_strcmp0 (status, "sending") == 0)
    return _("Sending…");
  if (g_strcmp0 (status, "sent") == 0)
    return _("Sent");
  if (g_strcmp0 (status, "read") == 0)
    return _("Read");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed to send");
  return "";
}
