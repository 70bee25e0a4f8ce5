/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the official limit: libsession's contact_info::MAX_NAME_LENGTH, in bytes of UTF-8 */
#define SD_DISPLAY_NAME_MAX_BYTES 100

/*
 * Display names (ours, a peer's profile name, a nickname) are shown as notification titles and
 * conversation names, so a name must not be able to reorder or hide the text around it or
 * itself: no control characters (Cc: ESC, BEL, …), no format characters (Cf: bidi overrides
 * and isolates U+202A–U+202E and U+2066–U+2069, marks U+200E/U+200F/U+061C, zero-width
 * U+200B–U+200D, U+FEFF, soft hyphen, tags) and no line or paragraph separators (Zl, Zp).
 */

/* whether @c may appear in a display name */
gboolean sd_display_name_char_allowed (gunichar c);

/* a name that arrived from the network, made showable: the characters above dropped, white
 * space at both ends trimmed, cut to SD_DISPLAY_NAME_MAX_BYTES at a character boundary. NULL
 * for NULL, invalid UTF-8, or when nothing is left */
gchar *sd_display_name_clean (const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

/* a name given locally (SetDisplayName, SetNickname): valid UTF-8, at most
 * SD_DISPLAY_NAME_MAX_BYTES, none of the characters above. The message names the rule, never
 * the name */
gboolean sd_display_name_check (const gchar *name, GError **error);

G_END_DECLS
