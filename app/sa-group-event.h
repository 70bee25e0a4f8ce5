/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sessiond.h>

G_BEGIN_DECLS

/* the centred line of a group event (renamed, members added, removed, promoted, a member who
 * left, we were removed, the group destroyed); NULL for any other kind. @author_name: "You"
 * for ours, else how the author is shown */
gchar *sa_group_event_describe (SessiondMessage *message, const gchar *author_name);

G_END_DECLS
