/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar       *sa_format_time (gint64 ms);
gchar       *sa_format_day (gint64 ms);
gboolean     sa_format_same_day (gint64 a_ms, gint64 b_ms);
gchar       *sa_format_timer (guint seconds);
gchar       *sa_format_short_id (const gchar *session_id);
const gchar *sa_format_status (const gchar *status);

G_END_DECLS
