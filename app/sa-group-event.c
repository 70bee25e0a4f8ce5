/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Group events (docs/groups.md): what an admin changed, who left, what happened to us, as one
 * translatable line each. The members an event names come as Session IDs (the body, separated
 * by spaces) and are shown short, as the app shows an id it has no name for. */
#define G_LOG_DOMAIN "SaGroupEvent"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-format.h"
#include "sa-group-event.h"

/* at most this many members are named; the rest are counted */
#define NAMED_MAX 5

static gchar *
member_list (const gchar *body)
{
  g_auto(GStrv) ids = g_strsplit (body != NULL ? body : "", " ", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = 0, named = 0;

  for (guint i = 0; ids[i] != NULL; i++) {
    g_autofree gchar *short_id = NULL;

    if (*ids[i] == '\0')
      continue;
    n++;
    if (named >= NAMED_MAX)
      continue;
    short_id = sa_format_short_id (ids[i]);
    if (out->len > 0)
      /* TRANSLATORS: between two members in "Ada added 05ab12…cdef, 05cd34…ef01" */
      g_string_append (out, _(", "));
    g_string_append (out, short_id);
    named++;
  }
  if (n > named) {
    guint more = n - named;

    g_string_append_c (out, ' ');
    /* TRANSLATORS: after the members named: "05ab12…cdef, … and 3 others" */
    g_string_append_printf (out, ngettext ("and %u other", "and %u others", more), more);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gchar *
sa_group_event_describe (SessiondMessage *message, const gchar *author_name)
{
  const gchar *kind = sessiond_message_get_kind (message);
  const gchar *body = sessiond_message_get_body (message);
  g_autofree gchar *members = NULL;

  if (kind == NULL || !g_str_has_prefix (kind, "group-"))
    return NULL;
  if (g_str_equal (kind, "group-renamed"))
    /* TRANSLATORS: "Ada renamed the group to “Book club”" */
    return g_strdup_printf (_("%s renamed the group to “%s”"), author_name,
                            body != NULL ? body : "");
  if (g_str_equal (kind, "group-member-left"))
    /* TRANSLATORS: "Ada left the group" (or "You left the group") */
    return g_strdup_printf (_("%s left the group"), author_name);
  if (g_str_equal (kind, "group-avatar-changed"))
    /* TRANSLATORS: "Ada changed the group picture" (also when an admin removed it) */
    return g_strdup_printf (_("%s changed the group picture"), author_name);
  if (g_str_equal (kind, "group-disappearing-changed")) {
    /* the body is the timer in seconds, "0" when turned off */
    guint64 seconds = g_ascii_strtoull (body != NULL ? body : "", NULL, 10);
    g_autofree gchar *timer = NULL;

    if (seconds == 0 || seconds > G_MAXUINT)
      /* TRANSLATORS: "Ada turned off disappearing messages" */
      return g_strdup_printf (_("%s turned off disappearing messages"), author_name);
    timer = sa_format_timer ((guint) seconds);
    /* TRANSLATORS: "Ada set messages to disappear 1 day after they are sent" */
    return g_strdup_printf (_("%s set messages to disappear %s after they are sent"),
                            author_name, timer);
  }
  if (g_str_equal (kind, "group-removed"))
    return g_strdup (_("You were removed from the group"));
  if (g_str_equal (kind, "group-destroyed"))
    return g_strdup (_("The group was deleted by an admin"));
  members = member_list (body);
  if (g_str_equal (kind, "group-members-added"))
    /* TRANSLATORS: "Ada added 05ab12…cdef to the group" */
    return g_strdup_printf (_("%s added %s to the group"), author_name, members);
  if (g_str_equal (kind, "group-members-removed"))
    /* TRANSLATORS: "Ada removed 05ab12…cdef from the group" */
    return g_strdup_printf (_("%s removed %s from the group"), author_name, members);
  if (g_str_equal (kind, "group-members-promoted"))
    /* TRANSLATORS: "Ada made 05ab12…cdef an admin" (one or more members) */
    return g_strdup_printf (_("%s made %s admin"), author_name, members);
  return NULL;
}
